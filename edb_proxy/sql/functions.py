"""Application-defined SQLite functions (``edb_*``) that implement MySQL session functions.

The compiler rewrites ``DATABASE()``, ``@@var``, ``@v``, ``NOW()`` ... into calls of these
functions; clients cannot call them by name (``edb_*`` is not a MySQL function, so the policy
rejects it). Each session registers them on its own connection with closures over itself.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from typing import Any, Protocol

import apsw

from edb_proxy.sql.temporal import normalize_date, normalize_datetime, normalize_time

__all__ = ["FUNCTION_NAMES", "SessionState", "register_functions"]


class SessionState(Protocol):
    """What the functions read from a session."""

    database: str | None
    connection_id: int
    user: str
    last_insert_id: int
    row_count: int
    found_rows: int

    def system_variable(self, name: str, scope: str) -> object: ...

    def user_variable(self, name: str) -> object: ...

    def utc_offset(self) -> datetime.timedelta | None: ...

    def server_version(self) -> str: ...


def _now(state: SessionState) -> datetime.datetime:
    offset = state.utc_offset()
    if offset is None:
        return datetime.datetime.now().replace(tzinfo=None)
    return (datetime.datetime.now(datetime.UTC) + offset).replace(tzinfo=None)


def _fmt(moment: datetime.datetime, fsp: object) -> str:
    digits = int(fsp) if isinstance(fsp, int) and 0 < fsp <= 6 else 0
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if digits:
        text += "." + f"{moment.microsecond:06d}"[:digits]
    return text


def _table(state: SessionState) -> dict[str, tuple[Callable[..., Any], int]]:
    def sysvar(name: str, scope: str) -> object:
        return state.system_variable(name, scope)

    def last_insert_id(*args: object) -> object:
        if args:
            value = args[0]
            state.last_insert_id = int(value) if isinstance(value, int | float) else 0
            return value
        return state.last_insert_id

    def unix_timestamp(*args: object) -> object:
        if not args:
            return int(time.time())
        value = args[0]
        if value is None:
            return None
        try:
            moment = datetime.datetime.fromisoformat(str(value))
        except ValueError:
            return 0
        offset = state.utc_offset() or datetime.timedelta(0)
        return int((moment - offset).replace(tzinfo=datetime.UTC).timestamp())

    def rand(*args: object) -> float:
        if args and isinstance(args[0], int):
            return random.Random(args[0]).random()
        return random.random()

    return {
        "edb_sysvar": (sysvar, 2),
        "edb_uservar": (state.user_variable, 1),
        "edb_connection_id": (lambda: state.connection_id, 0),
        "edb_last_insert_id": (last_insert_id, -1),
        "edb_user": (lambda: f"{state.user}@localhost", 0),
        "edb_current_user": (lambda: f"{state.user}@%", 0),
        "edb_database": (lambda: state.database, 0),
        "edb_version": (state.server_version, 0),
        "edb_now": (lambda *a: _fmt(_now(state), a[0] if a else 0), -1),
        "edb_utc_now": (
            lambda *a: _fmt(datetime.datetime.now(datetime.UTC), a[0] if a else 0),
            -1,
        ),
        "edb_curdate": (lambda: _now(state).strftime("%Y-%m-%d"), 0),
        "edb_curtime": (lambda *a: _fmt(_now(state), a[0] if a else 0)[11:], -1),
        "edb_unix_timestamp": (unix_timestamp, -1),
        "edb_found_rows": (lambda: state.found_rows, 0),
        "edb_row_count": (lambda: state.row_count, 0),
        "edb_rand": (rand, -1),
        "edb_date": (normalize_date, 1),
        "edb_datetime": (normalize_datetime, 2),
        "edb_time": (normalize_time, 2),
    }


#: Names the storage authorizer must allow.
FUNCTION_NAMES = frozenset(
    [
        "edb_sysvar",
        "edb_uservar",
        "edb_connection_id",
        "edb_last_insert_id",
        "edb_user",
        "edb_current_user",
        "edb_database",
        "edb_version",
        "edb_now",
        "edb_utc_now",
        "edb_curdate",
        "edb_curtime",
        "edb_unix_timestamp",
        "edb_found_rows",
        "edb_row_count",
        "edb_rand",
        "edb_date",
        "edb_datetime",
        "edb_time",
    ]
)


def register_functions(conn: apsw.Connection, state: SessionState) -> None:
    """Register every ``edb_*`` function on ``conn`` for ``state``."""
    for name, (fn, nargs) in _table(state).items():
        conn.create_scalar_function(name, fn, nargs, deterministic=False)
