"""Start-up contract: manifests, the development switches, the demo, graceful shutdown."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pymysql
import pytest

from tests.integration.harness import (
    PASSWORD_USER,
    PKI,
    manifest_for,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.integration


def _serve(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edb_proxy", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_rejected_manifest_leaves_data_dir_reusable(tmp_path: Path, pki: PKI) -> None:
    data = tmp_path / "data"
    bad = tmp_path / "bad.json"
    bad.write_text('{"sql": ["CREATE DATABASE a", "CREATE TABLE a.t (", "CREATE DATABASE b"]}')
    proc = _serve(["--data-dir", str(data), "--port", "0", "--manifest", str(bad)])
    assert proc.returncode == 3
    assert "manifest SQL rejected" in proc.stderr
    assert "Traceback" not in proc.stderr
    # The same data dir accepts a good manifest afterwards, and nothing of the bad one remains.
    info = start_server(tmp_path, manifest=manifest_for(pki), pki=pki, data_dir=data)
    try:
        conn = pymysql.connect(
            host=info.host,
            port=info.port,
            user=PASSWORD_USER[0],
            password=PASSWORD_USER[1],
            ssl_ca=str(info.server_ca),
        )
        with conn.cursor() as cur:
            cur.execute("SHOW DATABASES")
            names = {row[0] for row in cur.fetchall()}
        conn.close()
        assert "app" in names
        assert "a" not in names
        assert "b" not in names
    finally:
        assert stop_server(info) == 0


def test_uninitialized_without_manifest_and_other_manifest_refused(
    tmp_path: Path, pki: PKI
) -> None:
    data = tmp_path / "data"
    proc = _serve(["--data-dir", str(data), "--port", "0"])
    assert proc.returncode == 3
    assert "not initialized" in proc.stderr
    info = start_server(tmp_path, manifest=manifest_for(pki), pki=pki, data_dir=data)
    assert stop_server(info) == 0
    other = tmp_path / "other.json"
    other.write_text('{"sql": []}')
    proc = _serve(["--data-dir", str(data), "--port", "0", "--manifest", str(other)])
    assert proc.returncode == 3
    assert "different manifest" in proc.stderr
    # Restarting without --manifest uses the stored one.
    info = start_server(tmp_path, manifest=None, pki=pki, data_dir=data)
    assert stop_server(info) == 0


def test_development_switches_are_explicit_and_reported(tmp_path: Path, pki: PKI) -> None:
    manifest = manifest_for(
        pki, extra_sql=["CREATE USER dev", "GRANT ALL ON *.* TO dev"], allow_empty_passwords=True
    )
    info = start_server(
        tmp_path, manifest=manifest, pki=pki, extra_args=["--require-secure-transport=off"]
    )
    try:
        conn = pymysql.connect(host=info.host, port=info.port, user="dev", password="")
        with conn.cursor() as cur:
            cur.execute("SELECT @@edb_insecure_settings, @@require_secure_transport")
            insecure, rst = cur.fetchone()
        conn.close()
        assert "require_secure_transport=OFF" in insecure
        assert "allow_empty_passwords" in insecure
        assert rst == "OFF"
        # A password user still cannot log in over plaintext (no full auth without TLS).
        with pytest.raises(pymysql.MySQLError) as exc:
            pymysql.connect(
                host=info.host, port=info.port, user=PASSWORD_USER[0], password=PASSWORD_USER[1]
            )
        assert exc.value.args[0] == 1045
    finally:
        assert stop_server(info) == 0
    assert "INSECURE SETTING IN EFFECT" in info.log_text()


def test_empty_password_account_refused_without_the_switch(tmp_path: Path, pki: PKI) -> None:
    manifest = manifest_for(pki, extra_sql=["CREATE USER dev"])
    manifest_path = tmp_path / "m.json"
    import json

    manifest_path.write_text(json.dumps(manifest))
    proc = _serve(
        ["--data-dir", str(tmp_path / "d"), "--port", "0", "--manifest", str(manifest_path)]
    )
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr


def test_demo_prints_a_working_mysql_command(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edb_proxy",
            "demo",
            "--data-dir",
            str(tmp_path / "d"),
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        command = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not command:
            line = proc.stdout.readline()
            if line.strip().startswith("mysql "):
                command = line.strip()
        assert command, "demo printed no mysql command"
        out = subprocess.run(
            [*shlex.split(command), "--batch", "-e", "SELECT CURRENT_USER(); SHOW GRANTS"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 0, out.stderr
        assert "root" in out.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert re.search(r"shutdown complete", err)
    assert os.path.exists(tmp_path / "d" / "tls" / "ca.pem")
