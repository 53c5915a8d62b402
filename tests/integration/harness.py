"""Helpers that run a real edb-proxy server process on 127.0.0.1 and describe how to reach it.

The server is started exactly as a user starts it (``python -m edb_proxy serve``) with a
manifest written here: a caching_sha2_password user, a mysql_native_password user and an X.509
user whose certificate is issued by a test client CA. It is parametrized over the event loops
(asyncio/uvloop and trio), so the whole integration suite runs on both.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edb_proxy.enclave.certs import issue_certificate, make_ca

CLIENT_CA_NAME = "test client CA"
PASSWORD_USER = ("alice", "alice-Secret-1")
NATIVE_USER = ("nat", "nat-Secret-2")
X509_USER = "certuser"
READY = re.compile(r"ready: listening on ([\d.]+):(\d+)")


@dataclass(frozen=True)
class ServerInfo:
    """How to reach a running test server."""

    host: str
    port: int
    data_dir: Path
    server_ca: Path
    client_cert: Path
    client_key: Path
    other_cert: Path
    other_key: Path
    event_loop: str
    process: subprocess.Popen[str]
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass(frozen=True)
class PKI:
    directory: Path
    ca_pem: str
    client_cert: Path
    client_key: Path
    other_cert: Path
    other_key: Path


def make_pki(directory: Path) -> PKI:
    """A client CA with a certificate for the X.509 user, and one from an unrelated CA."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = make_ca(CLIENT_CA_NAME)
    client = issue_certificate(ca, X509_USER, server=False)
    other_ca = make_ca(CLIENT_CA_NAME)  # same name, different key: must still be refused
    other = issue_certificate(other_ca, X509_USER, server=False)
    paths = {}
    for name, data in {
        "client-cert.pem": client.cert_pem,
        "client-key.pem": client.key_pem,
        "other-cert.pem": other.cert_pem,
        "other-key.pem": other.key_pem,
        "client-ca.pem": ca.cert_pem,
    }.items():
        path = directory / name
        path.write_bytes(data)
        paths[name] = path
    return PKI(
        directory,
        ca.cert_pem.decode(),
        paths["client-cert.pem"],
        paths["client-key.pem"],
        paths["other-cert.pem"],
        paths["other-key.pem"],
    )


def manifest_for(
    pki: PKI, *, extra_sql: list[str] | None = None, **flags: object
) -> dict[str, object]:
    sql = [
        "CREATE DATABASE app",
        f"CREATE USER {PASSWORD_USER[0]} IDENTIFIED BY '{PASSWORD_USER[1]}'",
        f"CREATE USER {NATIVE_USER[0]} IDENTIFIED WITH mysql_native_password "
        f"BY '{NATIVE_USER[1]}'",
        f"CREATE USER {X509_USER} REQUIRE ISSUER '/O=edb-proxy/CN={CLIENT_CA_NAME}' "
        f"SUBJECT '/CN={X509_USER}'",
        f"GRANT ALL ON *.* TO {PASSWORD_USER[0]}",
        f"GRANT ALL ON *.* TO {NATIVE_USER[0]}",
        f"GRANT ALL ON *.* TO {X509_USER}",
        *(extra_sql or []),
    ]
    return {"sql": sql, "ca": pki.ca_pem, "debug": False, **flags}


def start_server(
    tmp: Path,
    *,
    manifest: dict[str, object] | None,
    pki: PKI,
    event_loop: str = "asyncio",
    extra_args: list[str] | None = None,
    data_dir: Path | None = None,
) -> ServerInfo:
    """Start ``python -m edb_proxy serve`` on a free port and wait until it is ready."""
    data_dir = data_dir or tmp / "data"
    args = [
        sys.executable,
        "-m",
        "edb_proxy",
        "serve",
        "--data-dir",
        str(data_dir),
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--event-loop",
        event_loop,
        *(extra_args or []),
    ]
    if manifest is not None:
        manifest_path = tmp / "manifest.json"
        manifest_path.write_text(json.dumps(manifest))
        args += ["--manifest", str(manifest_path)]
    log_path = tmp / f"server-{time.monotonic_ns()}.log"
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=log_file, text=True, env={**os.environ}
        )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    port = 0
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        match = READY.search(line)
        if match:
            port = int(match.group(2))
            break
    if not port:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"server did not start:\n{log_path.read_text()}")
    return ServerInfo(
        host="127.0.0.1",
        port=port,
        data_dir=data_dir,
        server_ca=data_dir / "tls" / "ca.pem",
        client_cert=pki.client_cert,
        client_key=pki.client_key,
        other_cert=pki.other_cert,
        other_key=pki.other_key,
        event_loop=event_loop,
        process=proc,
        log_path=log_path,
    )


def stop_server(info: ServerInfo, *, timeout: float = 30) -> int:
    """SIGTERM the server and return its exit code (kills it after ``timeout``)."""
    if info.process.poll() is None:
        info.process.send_signal(signal.SIGTERM)
        try:
            info.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            info.process.kill()
            info.process.wait()
    if info.process.stdout is not None:
        info.process.stdout.close()
    return info.process.returncode


def pymysql_connect(info: ServerInfo, **kw: Any) -> Any:
    """A PyMySQL connection as the password user to database ``app`` over verified TLS."""
    import pymysql

    options: dict[str, Any] = {
        "host": info.host,
        "port": info.port,
        "user": PASSWORD_USER[0],
        "password": PASSWORD_USER[1],
        "database": "app",
        "ssl_ca": str(info.server_ca),
        "autocommit": True,
    }
    options.update(kw)
    return pymysql.connect(**options)
