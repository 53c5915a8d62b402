"""Values written to columns: MySQL's type checks, strict ``sql_mode`` and INSERT IGNORE.

Theory of operation
-------------------
:mod:`edb_proxy.sql.dml` wraps each value an INSERT, REPLACE, upsert or UPDATE writes to a
checked column as ``edb_store(value, <spec>, <row>, <ignore>)``. ``spec`` is the index of a
:class:`StoreSpec` interned in this process (a small integer written into the SQL, never client
data); ``row`` is the 1-based VALUES row the value belongs to; ``ignore`` is 1 for INSERT
IGNORE / UPDATE IGNORE. :func:`store` then does what MySQL does with the value
(https://dev.mysql.com/doc/refman/8.0/en/sql-mode.html#sql-mode-strict):

* strict mode (``STRICT_TRANS_TABLES`` or ``STRICT_ALL_TABLES`` in the session's
  ``sql_mode``) and no IGNORE: a value that does not fit raises the MySQL error (1264 out of
  range, 1406 data too long, 1265 data truncated, 1366 incorrect integer value, 1292
  incorrect date/time value);
* otherwise the value is clamped / truncated / zeroed and the same condition is recorded as a
  warning (SHOW WARNINGS, ``@@warning_count``, the OK packet's warning count);
* JSON text is validated in every mode (3140) and stored in MySQL's canonical form.

Invariants
1. ``store`` returns a value of the column's storage class or raises :class:`SQLError`.
2. Messages quote the offending value only where MySQL does (1366, 1292, 3140).
3. The row number is ``row + rows already written by this statement`` (executemany runs one
   statement per row; inside one statement SQLite counts changes only at its end).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import json
import re
from dataclasses import dataclass
from typing import Protocol

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.catalog import Column
from edb_proxy.sql.jsonfuncs import canonical_json
from edb_proxy.sql.libstring import as_text
from edb_proxy.sql.temporal import normalize_date, normalize_datetime, normalize_time

__all__ = ["StoreSpec", "StoreState", "spec_index", "store"]

_INT_BITS = {"TINYINT": 8, "SMALLINT": 16, "MEDIUMINT": 24, "INT": 32, "BIGINT": 64}
_TEXT_BYTES = {"TINYTEXT": 255, "TEXT": 65535, "MEDIUMTEXT": 16777215, "LONGTEXT": 4294967295}
_BLOB_BYTES = {"TINYBLOB": 255, "BLOB": 65535, "MEDIUMBLOB": 16777215, "LONGBLOB": 4294967295}
_INTEGER_TEXT = re.compile(r"^\s*[-+]?\d+\s*$")
_NUMBER_PREFIX = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass(frozen=True, slots=True)
class StoreSpec:
    """What a column accepts. ``kind``: int, year, char, binary, enum, set, json, date,
    datetime, time, decimal."""

    kind: str
    column: str
    table: str = ""
    low: int = 0
    high: int = 0
    length: int = 0
    chars: bool = True
    members: tuple[str, ...] = ()
    scale: int = 0
    pad: bool = False
    not_null: bool = False


_SPECS: list[StoreSpec] = []
_INDEX: dict[StoreSpec, int] = {}


def _intern(spec: StoreSpec) -> int:
    found = _INDEX.get(spec)
    if found is None:
        found = _INDEX[spec] = len(_SPECS)
        _SPECS.append(spec)
    return found


def spec_index(col: Column, table: str = "") -> int | None:
    """The interned spec of ``col`` (None: the column needs no check)."""
    t = col.ctype
    name = t.name
    spec: StoreSpec | None = None
    if name in _INT_BITS and not col.auto_increment:
        bits = _INT_BITS[name]
        if t.unsigned:
            spec = StoreSpec("int", col.name, low=0, high=2**bits - 1)
        else:
            spec = StoreSpec("int", col.name, low=-(2 ** (bits - 1)), high=2 ** (bits - 1) - 1)
    elif name == "YEAR":
        spec = StoreSpec("year", col.name)
    elif name in ("CHAR", "VARCHAR"):
        length = t.length if t.length is not None else 1
        spec = StoreSpec("char", col.name, length=length, pad=name == "CHAR")
    elif name in _TEXT_BYTES:
        spec = StoreSpec("char", col.name, length=_TEXT_BYTES[name], chars=False)
    elif name in ("BINARY", "VARBINARY"):
        length = t.length if t.length is not None else 1
        spec = StoreSpec("binary", col.name, length=length, pad=name == "BINARY")
    elif name in _BLOB_BYTES:
        spec = StoreSpec("binary", col.name, length=_BLOB_BYTES[name])
    elif name == "ENUM":
        spec = StoreSpec("enum", col.name, members=t.values)
    elif name == "SET":
        spec = StoreSpec("set", col.name, members=t.values)
    elif name == "JSON":
        spec = StoreSpec("json", col.name, table=table)
    elif name in ("DATE", "DATETIME", "TIMESTAMP", "TIME"):
        kind = name.lower()
        spec = StoreSpec(kind, col.name, scale=t.length or 0)
    elif name == "DECIMAL":
        precision = t.length if t.length is not None else 10
        scale = t.scale or 0
        spec = StoreSpec("decimal", col.name, length=precision, scale=scale, low=int(t.unsigned))
    elif name in ("FLOAT", "DOUBLE") and col.not_null:
        spec = StoreSpec("float", col.name)
    if spec is None:
        return None
    if col.not_null and not col.auto_increment:
        spec = dataclasses.replace(spec, not_null=True)
    return _intern(spec)


def _implicit_default(spec: StoreSpec) -> object:
    """MySQL's implicit default of a NOT NULL column (what INSERT IGNORE stores for NULL)."""
    if spec.kind in ("int", "year", "decimal"):
        return 0
    if spec.kind == "float":
        return 0.0
    if spec.kind == "binary":
        return b"\x00" * spec.length if spec.pad else b""
    if spec.kind == "enum":
        return spec.members[0] if spec.members else ""
    if spec.kind == "json":
        return "null"
    if spec.kind == "date":
        return "0000-00-00"
    if spec.kind in ("datetime", "timestamp"):
        return "0000-00-00 00:00:00"
    if spec.kind == "time":
        return "00:00:00"
    return ""


class StoreState(Protocol):
    """What :func:`store` reads from the session."""

    def strict_mode(self) -> bool: ...

    def statement_row(self) -> int: ...

    def warn(self, level: str, code: int, message: str) -> None: ...


class _Misfit(Exception):
    """The value does not fit: (kind, message) and the value to store when relaxed."""

    def __init__(self, kind: ER, message: str, relaxed: object) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.relaxed = relaxed


def store(state: StoreState, value: object, index: int, row: int, ignore: int) -> object:
    """The value to store for ``value`` in the column of spec ``index`` (see module doc).

    Raises:
        SQLError: the MySQL error for a misfit in strict mode without IGNORE; 3140 always for
            invalid JSON.
    """
    spec = _SPECS[index]
    if value is None:
        if spec.not_null and ignore:
            message = f"Column '{spec.column}' cannot be null"
            state.warn("Warning", ER.ER_BAD_NULL_ERROR.errno, message)
            return _implicit_default(spec)
        return None
    try:
        return _CHECKS[spec.kind](spec, value)
    except _Misfit as misfit:
        if spec.kind == "json":
            raise SQLError(misfit.kind, misfit.message) from None
        message = f"{misfit.message} at row {row + state.statement_row()}"
        if state.strict_mode() and not ignore:
            raise SQLError(misfit.kind, message) from None
        state.warn("Warning", misfit.kind.errno, message)
        return misfit.relaxed


def _quoted(value: object) -> str:
    text = as_text(value) or ""
    return text if len(text) <= 64 else text[:64]


def _check_int(spec: StoreSpec, value: object) -> object:
    number: int
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        number = int(decimal.Decimal(repr(value)).to_integral_value(decimal.ROUND_HALF_UP))
    else:
        text = as_text(value) or ""
        if _INTEGER_TEXT.match(text):
            number = int(text)
        else:
            m = _NUMBER_PREFIX.match(text)
            rounded = (
                int(decimal.Decimal(m.group(0).strip()).to_integral_value(decimal.ROUND_HALF_UP))
                if m
                else 0
            )
            if m is None:
                raise _Misfit(
                    ER.ER_TRUNCATED_WRONG_VALUE_FOR_FIELD,
                    f"Incorrect integer value: '{_quoted(value)}' for column '{spec.column}'",
                    rounded,
                )
            if m.end() != len(text.rstrip()):
                clamped = min(max(rounded, spec.low), spec.high)
                raise _Misfit(
                    ER.WARN_DATA_TRUNCATED, f"Data truncated for column '{spec.column}'", clamped
                )
            number = rounded
    if number < spec.low or number > spec.high:
        clamped = min(max(number, spec.low), spec.high)
        raise _Misfit(
            ER.ER_WARN_DATA_OUT_OF_RANGE, f"Out of range value for column '{spec.column}'", clamped
        )
    if number > 2**63 - 1:
        return str(number)  # BIGINT UNSIGNED above SQLite's range: kept exact as text
    return number


def _check_year(spec: StoreSpec, value: object) -> object:
    text = as_text(value) or ""
    if isinstance(value, int | float) or _INTEGER_TEXT.match(text):
        n = int(value) if isinstance(value, int | float) else int(text)
        is_text = not isinstance(value, int | float)
        if n == 0 and not is_text:
            return 0
        if 0 <= n <= 69:
            return 2000 + n
        if 70 <= n <= 99:
            return 1900 + n
        if 1901 <= n <= 2155:
            return n
    raise _Misfit(
        ER.ER_WARN_DATA_OUT_OF_RANGE, f"Out of range value for column '{spec.column}'", 0
    )


def _check_char(spec: StoreSpec, value: object) -> object:
    text = value if isinstance(value, str) else as_text(value) or ""
    if isinstance(value, bytes):
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            raise _Misfit(
                ER.ER_TRUNCATED_WRONG_VALUE_FOR_FIELD,
                f"Incorrect string value: '{value[:16].hex()}' for column '{spec.column}'",
                "",
            ) from None
    if spec.pad:  # CHAR: MySQL strips trailing spaces on retrieval; store them stripped
        text = text.rstrip(" ")
    size = len(text) if spec.chars else len(text.encode("utf-8", "surrogatepass"))
    if size <= spec.length:
        return text
    if spec.chars:
        cut = text[: spec.length]
        if not text[spec.length :].strip(" "):
            return cut  # trailing spaces are removed silently (MySQL notes 1265 only)
    else:
        cut = text.encode("utf-8", "surrogatepass")[: spec.length].decode("utf-8", "ignore")
    raise _Misfit(ER.ER_DATA_TOO_LONG, f"Data too long for column '{spec.column}'", cut)


def _check_binary(spec: StoreSpec, value: object) -> object:
    data = value if isinstance(value, bytes) else (as_text(value) or "").encode("utf-8")
    if len(data) > spec.length:
        raise _Misfit(
            ER.ER_DATA_TOO_LONG, f"Data too long for column '{spec.column}'", data[: spec.length]
        )
    if spec.pad and len(data) < spec.length:
        data = data + b"\x00" * (spec.length - len(data))
    return data


def _check_enum(spec: StoreSpec, value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= len(spec.members):
            return spec.members[value - 1]
        if value == 0:
            raise _Misfit(ER.WARN_DATA_TRUNCATED, f"Data truncated for column '{spec.column}'", "")
    text = (as_text(value) or "").rstrip(" ")
    for member in spec.members:
        if member.rstrip(" ").casefold() == text.casefold():
            return member
    raise _Misfit(ER.WARN_DATA_TRUNCATED, f"Data truncated for column '{spec.column}'", "")


def _check_set(spec: StoreSpec, value: object) -> object:
    folded = {m.casefold(): i for i, m in enumerate(spec.members)}
    chosen: set[int] = set()
    bad = False
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0 or value >= 2 ** len(spec.members):
            bad = True
        chosen = {i for i in range(len(spec.members)) if value >> i & 1}
    else:
        for part in (as_text(value) or "").split(","):
            if not part:
                continue
            i = folded.get(part.rstrip(" ").casefold())
            if i is None:
                bad = True
            else:
                chosen.add(i)
    result = ",".join(spec.members[i] for i in sorted(chosen))
    if bad:
        raise _Misfit(ER.WARN_DATA_TRUNCATED, f"Data truncated for column '{spec.column}'", result)
    return result


def _check_json(spec: StoreSpec, value: object) -> object:
    if isinstance(value, int | float):
        return canonical_json(value)
    text = as_text(value) or ""
    try:
        return canonical_json(json.loads(text, parse_constant=_no_constant))
    except ValueError:
        column = f"{spec.table}.{spec.column}" if spec.table else spec.column
        raise _Misfit(
            ER.ER_INVALID_JSON_TEXT,
            f"Invalid JSON text: \"Invalid value.\" at position 0 in value for column '{column}'.",
            None,
        ) from None


def _no_constant(name: str) -> object:
    raise ValueError(name)


_DATE_TEXT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME_TEXT = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$")
_TIME_TEXT = re.compile(r"^-?(\d{2,3}):(\d{2}):(\d{2})(\.\d{1,6})?$")


_TIMESTAMP_MIN = "1970-01-01 00:00:01"
_TIMESTAMP_MAX = "2038-01-19 03:14:07"


def _valid_date(y: str, m: str, d: str) -> bool:
    try:
        datetime.date(int(y), int(m), int(d))
    except ValueError:
        return False
    return True


def _check_temporal(spec: StoreSpec, value: object) -> object:
    if spec.kind == "date":
        normal = normalize_date(value)
    elif spec.kind in ("datetime", "timestamp"):
        normal = normalize_datetime(value, spec.scale)
    else:
        normal = normalize_time(value, spec.scale)
    text = normal if isinstance(normal, str) else as_text(normal) or ""
    label = {"date": "date", "datetime": "datetime", "timestamp": "datetime", "time": "time"}[
        spec.kind
    ]
    ok = False
    if spec.kind == "date":
        m = _DATE_TEXT.match(text)
        ok = m is not None and _valid_date(*m.groups())
        zero = "0000-00-00"
    elif spec.kind in ("datetime", "timestamp"):
        m = _DATETIME_TEXT.match(text)
        ok = (
            m is not None
            and _valid_date(*m.groups()[:3])
            and int(m[4]) < 24
            and int(m[5]) < 60
            and int(m[6]) < 60
        )
        if ok and spec.kind == "timestamp":  # 1970-01-01 00:00:01 .. 2038-01-19 03:14:07
            ok = _TIMESTAMP_MIN <= text[:19] <= _TIMESTAMP_MAX
        zero = "0000-00-00 00:00:00"
    else:
        m = _TIME_TEXT.match(text)
        ok = m is not None and int(m[1]) <= 838 and int(m[2]) < 60 and int(m[3]) < 60
        zero = "00:00:00"
    if ok:
        return text
    raise _Misfit(
        ER.ER_TRUNCATED_WRONG_VALUE,
        f"Incorrect {label} value: '{_quoted(value)}' for column '{spec.column}'",
        zero,
    )


def _check_decimal(spec: StoreSpec, value: object) -> object:
    if isinstance(value, float):
        number = decimal.Decimal(repr(value))
    else:
        text = (as_text(value) or "").strip()
        try:
            number = decimal.Decimal(text)
        except decimal.InvalidOperation:
            m = _NUMBER_PREFIX.match(text)
            fallback = decimal.Decimal(m.group(0).strip()) if m else decimal.Decimal(0)
            raise _Misfit(
                ER.ER_TRUNCATED_WRONG_VALUE_FOR_FIELD,
                f"Incorrect decimal value: '{_quoted(value)}' for column '{spec.column}'",
                _decimal_out(spec, fallback),
            ) from None
    if not number.is_finite() or abs(number.adjusted()) > 1000:
        raise _Misfit(
            ER.ER_WARN_DATA_OUT_OF_RANGE, f"Out of range value for column '{spec.column}'", None
        )
    q = number.quantize(
        decimal.Decimal(1).scaleb(-spec.scale), rounding=decimal.ROUND_HALF_UP, context=_WIDE
    )
    limit = decimal.Decimal(10) ** (spec.length - spec.scale)
    if abs(q) >= limit or (spec.low and q < 0):
        largest = limit - decimal.Decimal(1).scaleb(-spec.scale)
        clamped = decimal.Decimal(0) if q < 0 and spec.low else (largest if q > 0 else -largest)
        raise _Misfit(
            ER.ER_WARN_DATA_OUT_OF_RANGE,
            f"Out of range value for column '{spec.column}'",
            _decimal_out(spec, clamped),
        )
    return value if isinstance(value, int | float) else _decimal_out(spec, q)


_WIDE = decimal.Context(prec=200, Emax=10**6, Emin=-(10**6))


def _decimal_out(spec: StoreSpec, number: decimal.Decimal) -> object:
    """A decimal as the column's storage holds it (REAL up to 15 digits, else TEXT)."""
    if spec.length <= 15:
        return float(number)
    return str(number)


_CHECKS = {
    "float": lambda spec, value: value,
    "int": _check_int,
    "year": _check_year,
    "char": _check_char,
    "binary": _check_binary,
    "enum": _check_enum,
    "set": _check_set,
    "json": _check_json,
    "date": _check_temporal,
    "datetime": _check_temporal,
    "timestamp": _check_temporal,
    "time": _check_temporal,
    "decimal": _check_decimal,
}
