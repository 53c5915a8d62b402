"""Application-defined SQLite functions (``edb_*``) that implement MySQL session functions.

The compiler rewrites ``DATABASE()``, ``@@var``, ``@v``, ``NOW()`` ... into calls of these
functions; clients cannot call them by name (``edb_*`` is not a MySQL function, so the policy
rejects it). Each session registers them on its own connection with closures over itself.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import Any, Protocol

import apsw

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.collation import register_collations
from edb_proxy.sql.jsonfuncs import JSON_FUNCTIONS
from edb_proxy.sql.libdate import DATE_FUNCTIONS, format_date, parse_datetime
from edb_proxy.sql.libstring import STRING_FUNCTIONS, as_number, as_text, divide
from edb_proxy.sql.strict import store
from edb_proxy.sql.temporal import normalize_date, normalize_datetime, normalize_time

#: The session-independent function library (name -> (function, argument count)).
LIBRARY: dict[str, tuple[Callable[..., Any], int]] = {
    **STRING_FUNCTIONS,
    **DATE_FUNCTIONS,
    **JSON_FUNCTIONS,
}

__all__ = ["FUNCTION_NAMES", "SessionState", "register_functions"]


class SessionState(Protocol):
    """What the functions read from a session."""

    database: str | None
    connection_id: int
    user: str
    last_insert_id: int
    row_count: int
    found_rows: int
    upsert_changed: int
    write_base: int
    user_variables: dict[str, Any]
    conn: apsw.Connection

    def warn(self, level: str, code: int, message: str) -> None: ...

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


class _Writes:
    """The session as :func:`edb_proxy.sql.strict.store` sees it."""

    __slots__ = ("state",)

    def __init__(self, state: SessionState) -> None:
        self.state = state

    def strict_mode(self) -> bool:
        mode = str(self.state.system_variable("sql_mode", ""))
        return "STRICT_TRANS_TABLES" in mode or "STRICT_ALL_TABLES" in mode

    def statement_row(self) -> int:
        return int(self.state.conn.total_changes()) - self.state.write_base

    def warn(self, level: str, code: int, message: str) -> None:
        self.state.warn(level, code, message)


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
        moment = parse_datetime(value)
        if moment is None:
            return 0
        offset = state.utc_offset()
        if offset is None:
            stamp = moment.timestamp()
        else:
            stamp = (moment - offset).replace(tzinfo=datetime.UTC).timestamp()
        if moment.microsecond:
            return f"{stamp:.6f}"
        return int(stamp)

    writes = _Writes(state)

    def store_value(value: object, index: int, row: int, ignore: int) -> object:
        return store(writes, value, index, row, ignore)

    def div(a: object, b: object, kind: str, writes: int) -> object:
        divisor = as_number(b)
        if divisor is None or as_number(a) is None:
            return None
        if divisor == 0:
            mode = str(state.system_variable("sql_mode", ""))
            strict = "STRICT_TRANS_TABLES" in mode or "STRICT_ALL_TABLES" in mode
            if writes and strict and "ERROR_FOR_DIVISION_BY_ZERO" in mode:
                raise SQLError(ER.ER_DIVISION_BY_ZERO, "Division by 0")
            state.warn("Warning", ER.ER_DIVISION_BY_ZERO.errno, "Division by 0")
            return None
        return divide(a, b, kind)

    def set_user_variable(name: str, value: object) -> object:
        state.user_variables[str(name).lower()] = value
        return value

    def dup_changed(changed: object, found_rows: object) -> int:
        if changed:
            state.upsert_changed += 1
        return 1 if changed or found_rows else 0

    def from_unixtime(*args: object) -> object:
        number = as_number(args[0]) if args else None
        if number is None or number < 0:
            return None
        offset = state.utc_offset()
        seconds = float(number)
        if offset is None:
            moment = datetime.datetime.fromtimestamp(seconds)
        else:
            utc = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
            moment = (utc + offset).replace(tzinfo=None)
        if len(args) > 1:
            fmt = as_text(args[1])
            return None if fmt is None else format_date(moment, fmt)
        text = moment.strftime("%Y-%m-%d %H:%M:%S")
        return text + (f".{moment.microsecond:06d}" if not isinstance(number, int) else "")

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
        "edb_from_unixtime": (from_unixtime, -1),
        "edb_dup_changed": (dup_changed, 2),
        "edb_store": (store_value, 4),
        "edb_setvar": (set_user_variable, 2),
        "edb_div": (div, 4),
        "edb_utc_date": (lambda: datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d"), 0),
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
        "edb_from_unixtime",
        "edb_utc_date",
        "edb_dup_changed",
        "edb_store",
        "edb_setvar",
        "edb_div",
        *LIBRARY,
    ]
)


def register_functions(conn: apsw.Connection, state: SessionState) -> None:
    """Register every ``edb_*`` function on ``conn`` for ``state``."""
    for name, (fn, nargs) in _table(state).items():
        conn.create_scalar_function(name, fn, nargs, deterministic=False)
    register_collations(conn)
    for name, (fn, nargs) in LIBRARY.items():
        conn.create_scalar_function(name, fn, nargs, deterministic=name != "edb_rand")
