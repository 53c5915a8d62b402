"""Normalize DATE/DATETIME/TIMESTAMP/TIME values to MySQL's text form on write.

MySQL accepts many spellings (``'2024-1-2'``, ``'20240102'``, ``'1 1:03:04'``, a T between
date and time) and stores one canonical value; these functions do the same so stored text
compares correctly and reads back as drivers expect
(https://dev.mysql.com/doc/refman/8.0/en/date-and-time-literals.html). A value they cannot
read is stored unchanged (no silent zero date).
"""

from __future__ import annotations

import re

__all__ = ["normalize_date", "normalize_datetime", "normalize_time"]

_DATETIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?)?$")
_TIME = re.compile(r"^(-)?(?:(\d+) )?(\d+):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?$")
_COMPACT_TIME = re.compile(r"^(-)?(\d{1,3}?)(\d{2})(\d{2})(?:\.(\d{1,6}))?$")


def _fraction(digits: str | None, fsp: int) -> str:
    if not fsp:
        return ""
    return "." + (digits or "").ljust(6, "0")[:fsp]


def _parts(value: object) -> tuple[str, ...] | None:
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _DATETIME.match(text) or _COMPACT.match(text)
    return m.groups() if m else None


def normalize_date(value: object) -> object:
    """``YYYY-MM-DD`` for anything MySQL reads as a date; other values unchanged."""
    parts = _parts(value)
    if parts is None:
        return value
    y, mo, d = parts[:3]
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"


def normalize_datetime(value: object, fsp: object = 0) -> object:
    """``YYYY-MM-DD HH:MM:SS[.f]`` with ``fsp`` fraction digits; other values unchanged."""
    parts = _parts(value)
    if parts is None:
        return value
    y, mo, d, h, mi, s, f = parts
    digits = fsp if isinstance(fsp, int) and 0 <= fsp <= 6 else 0
    return (
        f"{int(y):04d}-{int(mo):02d}-{int(d):02d} "
        f"{int(h or 0):02d}:{int(mi or 0):02d}:{int(s or 0):02d}{_fraction(f, digits)}"
    )


def normalize_time(value: object, fsp: object = 0) -> object:
    """``[-]HH:MM:SS[.f]`` (hours may exceed 24; ``D HH:MM:SS`` folds days in)."""
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return value
    text = value.strip()
    digits = fsp if isinstance(fsp, int) and 0 <= fsp <= 6 else 0
    m = _TIME.match(text)
    if m:
        sign, days, h, mi, s, f = m.groups()
        hours = int(h) + 24 * int(days or 0)
        return f"{sign or ''}{hours:02d}:{int(mi):02d}:{int(s or 0):02d}{_fraction(f, digits)}"
    m = _COMPACT_TIME.match(text)
    if m:
        sign, h, mi, s, f = m.groups()
        return f"{sign or ''}{int(h or 0):02d}:{int(mi):02d}:{int(s):02d}{_fraction(f, digits)}"
    return value
