"""Start a real edb-proxy for the ORM suites: databases, a user with every privilege, TLS."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.integration.harness import (  # noqa: E402
    ServerInfo,
    make_pki,
    manifest_for,
    start_server,
    stop_server,
)

__all__ = ["REPO", "orm_server"]


@contextlib.contextmanager
def orm_server(
    tmp: Path, *, user: str, password: str, databases: list[str]
) -> Iterator[ServerInfo]:
    """An asyncio edb-proxy whose ``user`` holds ALL PRIVILEGES WITH GRANT OPTION."""
    pki = make_pki(tmp / "pki")
    sql = [f"CREATE DATABASE {db}" for db in databases]
    sql += [
        f"CREATE USER {user} IDENTIFIED BY '{password}'",
        f"GRANT ALL ON *.* TO {user} WITH GRANT OPTION",
    ]
    info = start_server(tmp, manifest=manifest_for(pki, extra_sql=sql), pki=pki)
    try:
        yield info
    finally:
        code = stop_server(info)
        print(f"edb-proxy exited with {code}; log: {info.log_path}", file=sys.stderr)
