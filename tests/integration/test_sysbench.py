"""sysbench 1.0.20 (Debian) against the server over TLS: prepare, run, cleanup.

sysbench with ``--mysql-ssl=on`` loads ``client-key.pem``, ``client-cert.pem`` and
``cacert.pem`` from its working directory and presents the client certificate, so the
directory holds a certificate issued by the manifest's client CA.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.harness import PKI, ServerInfo, manifest_for, start_server, stop_server

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("sysbench") is None, reason="sysbench is not installed"),
]


@pytest.fixture(scope="module")
def sb_server(tmp_path_factory: pytest.TempPathFactory, pki: PKI) -> Iterator[ServerInfo]:
    tmp = tmp_path_factory.mktemp("sysbench")
    manifest = manifest_for(
        pki,
        extra_sql=[
            "CREATE DATABASE sbtest",
            "CREATE USER sbtest IDENTIFIED BY 'sbtest-Pw1'",
            "GRANT ALL ON sbtest.* TO sbtest",
        ],
    )
    info = start_server(tmp, manifest=manifest, pki=pki)
    yield info
    assert stop_server(info) == 0
    assert "Traceback" not in info.log_text(), info.log_text()


def _sysbench(info: ServerInfo, cwd: Path, workload: str, action: str, *extra: str) -> str:
    args = [
        "sysbench",
        workload,
        "--db-driver=mysql",
        f"--mysql-host={info.host}",
        f"--mysql-port={info.port}",
        "--mysql-user=sbtest",
        "--mysql-password=sbtest-Pw1",
        "--mysql-db=sbtest",
        "--mysql-ssl=on",
        "--tables=2",
        "--table-size=2000",
        *extra,
        action,
    ]
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, (
        f"sysbench {workload} {action} failed:\n{proc.stdout}\n{proc.stderr}"
    )
    assert "FATAL" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc.stdout


def _workdir(tmp_path: Path, info: ServerInfo) -> Path:
    shutil.copy(info.server_ca, tmp_path / "cacert.pem")
    shutil.copy(info.client_cert, tmp_path / "client-cert.pem")
    shutil.copy(info.client_key, tmp_path / "client-key.pem")
    return tmp_path


def _transactions(output: str) -> int:
    match = re.search(r"transactions:\s+(\d+)", output)
    assert match, output
    return int(match.group(1))


@pytest.mark.parametrize("ps_mode", ["auto", "disable"])
def test_oltp_read_write_10s_4_threads(
    sb_server: ServerInfo, tmp_path: Path, ps_mode: str
) -> None:
    cwd = _workdir(tmp_path, sb_server)
    _sysbench(sb_server, cwd, "oltp_read_write", "prepare")
    try:
        out = _sysbench(
            sb_server,
            cwd,
            "oltp_read_write",
            "run",
            "--threads=4",
            "--time=10",
            f"--db-ps-mode={ps_mode}",
            "--report-interval=0",
        )
        assert _transactions(out) > 50, out
        errors = re.search(r"ignored errors:\s+(\d+)", out)
        assert errors is not None
        # Deadlock retries (1213) are "ignored errors"; they must stay a small fraction.
        assert int(errors.group(1)) <= _transactions(out), out
    finally:
        _sysbench(sb_server, cwd, "oltp_read_write", "cleanup")


@pytest.mark.parametrize("workload", ["oltp_point_select", "oltp_insert"])
def test_other_workloads_run(sb_server: ServerInfo, tmp_path: Path, workload: str) -> None:
    cwd = _workdir(tmp_path, sb_server)
    _sysbench(sb_server, cwd, workload, "prepare")
    try:
        for mode in ("auto", "disable"):
            out = _sysbench(
                sb_server,
                cwd,
                workload,
                "run",
                "--threads=2",
                "--time=3",
                f"--db-ps-mode={mode}",
            )
            assert _transactions(out) > 10, out
    finally:
        _sysbench(sb_server, cwd, workload, "cleanup")
