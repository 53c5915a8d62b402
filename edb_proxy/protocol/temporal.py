"""Dates and times between Python objects, MySQL text form and binary-protocol components.

Text forms (what MySQL prints): ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS[.ffffff]`` and TIME as
``[-]HH:MM:SS[.ffffff]`` where HH may exceed 24 (``timedelta`` is MySQL TIME).

Contracts
1. ``*_parts`` accept the Python object or its MySQL text form (``str``/``bytes``) and raise
   :class:`~edb_proxy.errors.LocalProtocolError` for anything else: they run on values our
   own SQL layer produced, so a bad value is our bug, never the client's.
2. The all-zero date ``0000-00-00`` is representable as parts (binary length 0) even though
   Python's ``date`` cannot hold it.
"""

from __future__ import annotations

import datetime
import re
from typing import Final

from edb_proxy.errors import LocalProtocolError

__all__ = [
    "DateParts",
    "TimeParts",
    "date_parts",
    "format_timedelta",
    "text_datetime",
    "time_parts",
]

#: ``(year, month, day, hour, minute, second, microsecond)``
DateParts = tuple[int, int, int, int, int, int, int]
#: ``(negative, days, hours, minutes, seconds, microseconds)`` with hours < 24
TimeParts = tuple[bool, int, int, int, int, int]

_DATE_RE: Final = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{0,6}))?)?\Z"
)
_TIME_RE: Final = re.compile(r"(-)?(?:(\d+) )?(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d{0,6}))?\Z")
_US_PER_S: Final = 1_000_000


def _frac(digits: str | None) -> int:
    return int(digits.ljust(6, "0")) if digits else 0


def date_parts(value: object) -> DateParts:
    """Components of a DATE/DATETIME/TIMESTAMP value."""
    if isinstance(value, datetime.datetime):
        v = value
        return (v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)
    if isinstance(value, datetime.date):
        return (value.year, value.month, value.day, 0, 0, 0, 0)
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("ascii", "replace")
    if isinstance(value, str):
        m = _DATE_RE.match(value.strip())
        if m:
            y, mo, d, h, mi, s, f = m.groups()
            return (int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), _frac(f))
    raise LocalProtocolError(f"not a DATE/DATETIME value: {type(value).__name__}")


def time_parts(value: object) -> TimeParts:
    """Components of a TIME value (``timedelta`` or ``[-][D ]HH:MM:SS[.ffffff]``)."""
    if isinstance(value, datetime.timedelta):
        total = (value.days * 86400 + value.seconds) * _US_PER_S + value.microseconds
        neg = total < 0
        total = -total if neg else total
        secs, us = divmod(total, _US_PER_S)
        mins, s = divmod(secs, 60)
        hours, mi = divmod(mins, 60)
        days, h = divmod(hours, 24)
        return (neg, days, h, mi, s, us)
    if isinstance(value, datetime.time):
        return (False, 0, value.hour, value.minute, value.second, value.microsecond)
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("ascii", "replace")
    if isinstance(value, str):
        m = _TIME_RE.match(value.strip())
        if m:
            sign, d, hh, mm, ss, ff = m.groups()
            days, hours = divmod(int(hh) + 24 * int(d or 0), 24)
            return (sign is not None, days, hours, int(mm), int(ss), _frac(ff))
    raise LocalProtocolError(f"not a TIME value: {type(value).__name__}")


def format_timedelta(value: datetime.timedelta) -> str:
    """MySQL TIME text form ``[-]HH:MM:SS[.ffffff]``; hours may exceed 24."""
    neg, days, h, mi, s, us = time_parts(value)
    text = f"{'-' if neg else ''}{days * 24 + h:02d}:{mi:02d}:{s:02d}"
    return f"{text}.{us:06d}" if us else text


def text_datetime(value: datetime.datetime) -> str:
    """MySQL DATETIME text form ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (any tzinfo is dropped)."""
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return value.isoformat(" ")
