"""Values crossing into SQLite: parameter conversion, text checks, binding lists."""

from __future__ import annotations

import datetime
from decimal import Decimal

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.lexer import Lexed
from edb_proxy.sql.plan import Const

__all__ = ["as_insert", "bad_string", "bind", "bindable", "check_text", "too_deep"]


def bindable(value: object) -> object:
    """A prepared-statement parameter as SQLite stores it (MySQL text forms for temporals)."""
    if value is None or isinstance(value, int | float | str | bytes):
        return int(value) if isinstance(value, bool) else value
    if isinstance(value, Decimal):
        return float(value) if value == value.normalize() and abs(value) < 2**53 else str(value)
    if isinstance(value, datetime.datetime):
        text = value.replace(tzinfo=None).isoformat(sep=" ")
        return text
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        total = int(value.total_seconds())
        sign = "-" if total < 0 else ""
        total = abs(total)
        text = f"{sign}{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
        if value.microseconds:
            text += f".{value.microseconds:06d}"
        return text
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    raise SQLError(ER.ER_WRONG_ARGUMENTS, "Incorrect arguments to mysqld_stmt_execute")


def check_text(lexed: list[Lexed]) -> None:
    """Handle undecodable bytes (surrogate escapes from the server's decoding).

    Inside a string literal they make the literal a binary string (bytes), as MySQL stores raw
    bytes given for a BLOB; anywhere else they are a 1300 error.
    """
    for lx in lexed:
        try:
            "".join(lx.parts).encode("utf-8")
        except UnicodeEncodeError:
            raise bad_string() from None
        for i, value in enumerate(lx.values):
            if isinstance(value, str) and not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    lx.values[i] = value.encode("utf-8", "surrogateescape")


def bad_string() -> SQLError:
    return SQLError(ER.ER_INVALID_CHARACTER_STRING, "Invalid utf8mb4 character string")


def too_deep() -> SQLError:
    return SQLError(
        ER.ER_TOO_HIGH_LEVEL_OF_NESTING_FOR_SELECT, "Too high level of nesting for select"
    )


def as_insert(text: str) -> str:
    stripped = text.lstrip()
    return "INSERT" + stripped[len("REPLACE") :]


def bind(sources: tuple[int | Const, ...], values: list[object]) -> list[object]:
    return [values[s] if type(s) is int else s.value for s in sources]  # type: ignore[union-attr]
