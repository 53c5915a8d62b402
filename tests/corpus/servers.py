"""Servers the corpus runs against: a real edb-proxy process, or a private MariaDB 10.11.

Both are reached over verified TLS with PyMySQL and its value conversions switched off
(``conv={}``), so every value arrives as the text (or bytes) the server sent.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql

from tests.corpus.corpus import Connector
from tests.integration.harness import PKI, ServerInfo, manifest_for, start_server, stop_server

__all__ = [
    "ADMIN_PASSWORD",
    "ADMIN_USER",
    "MYSQL8_SQL_MODE",
    "edb_connector",
    "edb_server",
    "mariadb_server",
]

ADMIN_USER = "corpus"
ADMIN_PASSWORD = "Corpus-Admin-1"
#: MySQL 8.0's default sql_mode; the differential sets it on MariaDB (whose default differs).
MYSQL8_SQL_MODE = (
    "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
)
REPO = Path(__file__).resolve().parents[2]


def _connector(
    host: str, port: int, ca: Path, *, verify_identity: bool, init: str | None = None
) -> Connector:
    def connect(user: str | None, password: str, db: str | None) -> Any:
        return pymysql.connect(
            host=host,
            port=port,
            user=user or ADMIN_USER,
            password=password if user else ADMIN_PASSWORD,
            database=db,
            autocommit=True,
            conv={},
            charset="utf8mb4",
            ssl_ca=str(ca),
            ssl_verify_cert=True,
            ssl_verify_identity=verify_identity,
            init_command=init,
            connect_timeout=10,
            read_timeout=60,
        )

    return connect


def edb_connector(info: ServerInfo) -> Connector:
    return _connector(info.host, info.port, info.server_ca, verify_identity=True)


def edb_manifest(pki: PKI) -> dict[str, object]:
    return manifest_for(
        pki,
        extra_sql=[
            f"CREATE USER {ADMIN_USER} IDENTIFIED BY '{ADMIN_PASSWORD}'",
            f"GRANT ALL ON *.* TO {ADMIN_USER} WITH GRANT OPTION",
        ],
    )


@contextlib.contextmanager
def edb_server(tmp: Path, pki: PKI) -> Iterator[ServerInfo]:
    """One edb-proxy process whose ``corpus`` user holds every privilege."""
    info = start_server(tmp, manifest=edb_manifest(pki), pki=pki, event_loop="asyncio")
    try:
        yield info
    finally:
        stop_server(info)


@contextlib.contextmanager
def mariadb_server(tmp: Path) -> Iterator[Connector]:
    """A private MariaDB (benchmarks/systems.py) with MySQL 8's sql_mode and utf8mb4."""
    bench = str(REPO / "benchmarks")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    import certs  # type: ignore[import-not-found,unused-ignore]
    import systems  # type: ignore[import-not-found,unused-ignore]

    class CorpusMariaDB(systems.MariaDB):  # type: ignore[misc,unused-ignore]
        def _server_options(self) -> list[str]:
            return [
                *super()._server_options(),
                f"--sql-mode={MYSQL8_SQL_MODE}",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_general_ci",
                "--lower-case-table-names=1",
                "--innodb-buffer-pool-size=64M",
            ]

    (tmp / "pki").mkdir(parents=True, exist_ok=True)
    pki = certs.make_pki(tmp / "pki")
    server = CorpusMariaDB(tmp / "mariadb", pki, buffer_pool="64M")
    try:
        server.start()
        server.sql(
            f"CREATE USER '{ADMIN_USER}'@'%' IDENTIFIED BY '{ADMIN_PASSWORD}'; "
            f"GRANT ALL ON *.* TO '{ADMIN_USER}'@'%' WITH GRANT OPTION;"
        )
        yield _connector("127.0.0.1", server.port, pki.ca_cert, verify_identity=False)
    finally:
        server.stop()
