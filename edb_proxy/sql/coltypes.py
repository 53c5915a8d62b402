"""MySQL column types: how they are stored in SQLite and reported to clients.

The catalog records each column's MySQL type as a :class:`ColumnType`. From it this module
derives the SQLite declared type (which fixes the column's affinity), the
``ColumnDefinition41`` fields drivers convert on
(https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_column_definition.html),
and the converter that turns a stored SQLite value into the Python value the result set
carries.

Storage choices (see docs/sql.md): integers INTEGER; FLOAT/DOUBLE REAL; DECIMAL(p<=15)
stored as REAL (every decimal of at most 15 significant digits round-trips exactly through a
double and is re-quantized to its scale on read), wider DECIMAL TEXT (exact, compared as
text); strings, dates, times, ENUM, SET and JSON TEXT in MySQL's text form; binary strings
ANY (a MySQL client may store a string in a BLOB). Tables are SQLite STRICT tables, so a
value that does not fit its column's type is refused (MySQL strict mode does the same, error
1366).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from dataclasses import dataclass, field

from edb_proxy.fieldtypes import (
    BINARY_CHARSET,
    UTF8MB4_CHARSET,
    ColumnDef,
    ColumnFlag,
    FieldType,
    Value,
)

__all__ = [
    "ColumnType",
    "Converter",
    "column_def",
    "converter_for",
    "parse_type_name",
    "to_decimal",
]

Converter = Callable[[object], Value]

_INTS: dict[str, tuple[FieldType, int, int]] = {
    # name: (type, display length signed, unsigned)
    "TINYINT": (FieldType.MYSQL_TYPE_TINY, 4, 3),
    "SMALLINT": (FieldType.MYSQL_TYPE_SHORT, 6, 5),
    "MEDIUMINT": (FieldType.MYSQL_TYPE_INT24, 9, 8),
    "INT": (FieldType.MYSQL_TYPE_LONG, 11, 10),
    "BIGINT": (FieldType.MYSQL_TYPE_LONGLONG, 20, 20),
}
_ALIASES = {
    "INTEGER": "INT",
    "INT4": "INT",
    "INT8": "BIGINT",
    "INT1": "TINYINT",
    "INT2": "SMALLINT",
    "INT3": "MEDIUMINT",
    "MIDDLEINT": "MEDIUMINT",
    "BOOL": "TINYINT",
    "BOOLEAN": "TINYINT",
    "DEC": "DECIMAL",
    "NUMERIC": "DECIMAL",
    "FIXED": "DECIMAL",
    "REAL": "DOUBLE",
    "DOUBLE PRECISION": "DOUBLE",
    "FLOAT4": "FLOAT",
    "FLOAT8": "DOUBLE",
    "CHARACTER": "CHAR",
    "NCHAR": "CHAR",
    "NATIONAL CHAR": "CHAR",
    "CHARACTER VARYING": "VARCHAR",
    "NVARCHAR": "VARCHAR",
    "NATIONAL VARCHAR": "VARCHAR",
    "LONG": "MEDIUMTEXT",
    "LONG VARCHAR": "MEDIUMTEXT",
    "SERIAL": "BIGINT",
}
_TEXTS = {"TINYTEXT": 255, "TEXT": 65535, "MEDIUMTEXT": 16777215, "LONGTEXT": 4294967295}
_BLOBS = {"TINYBLOB": 255, "BLOB": 65535, "MEDIUMBLOB": 16777215, "LONGBLOB": 4294967295}
_SIMPLE = {
    "DATE": (FieldType.MYSQL_TYPE_DATE, 10),
    "DATETIME": (FieldType.MYSQL_TYPE_DATETIME, 19),
    "TIMESTAMP": (FieldType.MYSQL_TYPE_TIMESTAMP, 19),
    "TIME": (FieldType.MYSQL_TYPE_TIME, 10),
    "YEAR": (FieldType.MYSQL_TYPE_YEAR, 4),
}
KNOWN_TYPES = frozenset(
    [
        *_INTS,
        *_ALIASES,
        *_TEXTS,
        *_BLOBS,
        *_SIMPLE,
        "DECIMAL",
        "FLOAT",
        "DOUBLE",
        "CHAR",
        "VARCHAR",
        "BINARY",
        "VARBINARY",
        "ENUM",
        "SET",
        "JSON",
        "BIT",
    ]
)


def parse_type_name(name: str) -> str:
    """Canonical MySQL type name for ``name`` (``INTEGER`` -> ``INT``), or ``""`` if unknown."""
    upper = " ".join(name.upper().split())
    upper = _ALIASES.get(upper, upper)
    return upper if upper in KNOWN_TYPES else ""


@dataclass(frozen=True, slots=True)
class ColumnType:
    """A MySQL column type as the catalog records it.

    Attributes:
        name: canonical type name (``INT``, ``VARCHAR``, ``DECIMAL`` ...).
        length: declared length (characters, bytes, precision, bits or fsp), or None.
        scale: DECIMAL/FLOAT scale, or None.
        unsigned, zerofill: integer/decimal attributes.
        values: ENUM/SET members.
    """

    name: str
    length: int | None = None
    scale: int | None = None
    unsigned: bool = False
    zerofill: bool = False
    values: tuple[str, ...] = field(default_factory=tuple)

    @property
    def sqlite_decl(self) -> str:
        """The declared type of the SQLite column (fixes its affinity)."""
        n = self.name
        if n in _INTS or n == "BIT":
            return "INTEGER"
        if n in ("FLOAT", "DOUBLE"):
            return "REAL"
        if n == "DECIMAL":
            return "REAL" if self.precision <= 15 else "TEXT"
        if n in _BLOBS or n in ("BINARY", "VARBINARY"):
            return "ANY"
        if n == "YEAR":
            return "INTEGER"
        return "TEXT"

    @property
    def precision(self) -> int:
        """DECIMAL precision (MySQL's default is 10)."""
        return self.length if self.length is not None else 10

    @property
    def is_integer(self) -> bool:
        return self.name in _INTS

    def to_mysql(self) -> str:
        """The type as ``SHOW CREATE TABLE`` writes it."""
        n = self.name
        low = n.lower()
        if n in ("ENUM", "SET"):
            members = ",".join("'" + v.replace("'", "''") + "'" for v in self.values)
            return f"{low}({members})"
        if n == "DECIMAL":
            text = f"decimal({self.precision},{self.scale or 0})"
        elif n in ("FLOAT", "DOUBLE") and self.length is not None:
            text = f"{low}({self.length},{self.scale or 0})"
        elif n in ("CHAR", "VARCHAR", "BINARY", "VARBINARY", "BIT") or (
            n in ("DATETIME", "TIMESTAMP", "TIME") and self.length
        ):
            text = f"{low}({self.length if self.length is not None else 1})"
        else:
            text = low
        if self.unsigned:
            text += " unsigned"
        if self.zerofill:
            text += " zerofill"
        return text


def column_def(
    ctype: ColumnType,
    *,
    name: str,
    flags: ColumnFlag = ColumnFlag.NONE,
    org_name: str = "",
    table: str = "",
    org_table: str = "",
    schema: str = "",
) -> ColumnDef:
    """The ``ColumnDefinition41`` for a column of type ``ctype``."""
    n = ctype.name
    charset = BINARY_CHARSET
    decimals = 0
    if n in _INTS:
        ftype, signed_len, unsigned_len = _INTS[n]
        length = unsigned_len if ctype.unsigned else signed_len
        if ctype.length is not None and n == "TINYINT" and ctype.length == 1:
            length = 1
        flags |= ColumnFlag.NUM_FLAG
    elif n == "DECIMAL":
        ftype = FieldType.MYSQL_TYPE_NEWDECIMAL
        decimals = ctype.scale or 0
        length = ctype.precision + (1 if decimals else 0) + (0 if ctype.unsigned else 1)
        flags |= ColumnFlag.NUM_FLAG
    elif n in ("FLOAT", "DOUBLE"):
        ftype = FieldType.MYSQL_TYPE_FLOAT if n == "FLOAT" else FieldType.MYSQL_TYPE_DOUBLE
        length = 12 if n == "FLOAT" else 22
        decimals = ctype.scale if ctype.scale is not None else 31
        flags |= ColumnFlag.NUM_FLAG
    elif n in ("CHAR", "VARCHAR"):
        ftype = FieldType.MYSQL_TYPE_STRING if n == "CHAR" else FieldType.MYSQL_TYPE_VAR_STRING
        length = (ctype.length if ctype.length is not None else 1) * 4
        charset = UTF8MB4_CHARSET
    elif n in ("BINARY", "VARBINARY"):
        ftype = FieldType.MYSQL_TYPE_STRING if n == "BINARY" else FieldType.MYSQL_TYPE_VAR_STRING
        length = ctype.length if ctype.length is not None else 1
        flags |= ColumnFlag.BINARY_FLAG
    elif n in _TEXTS:
        ftype = FieldType.MYSQL_TYPE_BLOB
        length = min(_TEXTS[n] * 4, 4294967295)
        charset = UTF8MB4_CHARSET
        flags |= ColumnFlag.BLOB_FLAG
    elif n in _BLOBS:
        ftype = FieldType.MYSQL_TYPE_BLOB
        length = _BLOBS[n]
        flags |= ColumnFlag.BLOB_FLAG | ColumnFlag.BINARY_FLAG
    elif n in _SIMPLE:
        ftype, length = _SIMPLE[n]
        if n in ("DATETIME", "TIMESTAMP", "TIME") and ctype.length:
            length += ctype.length + 1
            decimals = ctype.length
        if n == "YEAR":
            flags |= ColumnFlag.UNSIGNED_FLAG | ColumnFlag.ZEROFILL_FLAG | ColumnFlag.NUM_FLAG
        if n == "TIMESTAMP":
            flags |= ColumnFlag.TIMESTAMP_FLAG | ColumnFlag.BINARY_FLAG
        elif n != "YEAR":
            flags |= ColumnFlag.BINARY_FLAG
    elif n in ("ENUM", "SET"):
        ftype = FieldType.MYSQL_TYPE_STRING
        longest = max((len(v) for v in ctype.values), default=0)
        length = (longest if n == "ENUM" else sum(len(v) + 1 for v in ctype.values)) * 4
        charset = UTF8MB4_CHARSET
        flags |= ColumnFlag.ENUM_FLAG if n == "ENUM" else ColumnFlag.SET_FLAG
    elif n == "JSON":
        ftype = FieldType.MYSQL_TYPE_JSON
        length = 4294967295
        flags |= ColumnFlag.BLOB_FLAG | ColumnFlag.BINARY_FLAG
    elif n == "BIT":
        ftype = FieldType.MYSQL_TYPE_BIT
        length = ctype.length or 1
        flags |= ColumnFlag.UNSIGNED_FLAG
    else:  # pragma: no cover - the catalog only stores known types
        ftype, length, charset = FieldType.MYSQL_TYPE_VAR_STRING, 255, UTF8MB4_CHARSET
    if ctype.unsigned:
        flags |= ColumnFlag.UNSIGNED_FLAG
    if ctype.zerofill:
        flags |= ColumnFlag.ZEROFILL_FLAG | ColumnFlag.UNSIGNED_FLAG
    return ColumnDef(
        name=name,
        type=ftype,
        length=length,
        flags=flags,
        decimals=decimals,
        charset=charset,
        org_name=org_name,
        table=table,
        org_table=org_table,
        schema=schema,
    )


def to_decimal(value: object, scale: int | None) -> Value:
    """A stored number as an exact :class:`decimal.Decimal` at ``scale`` digits."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    try:
        if isinstance(value, float):
            number = decimal.Decimal(repr(value))
        else:
            number = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        return decimal.Decimal(0)
    if scale is None or not number.is_finite():
        return number
    try:
        return number.quantize(decimal.Decimal(1).scaleb(-scale), rounding=decimal.ROUND_HALF_UP)
    except decimal.InvalidOperation:
        return number


def _to_bytes(value: object) -> Value:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, int | float):
        return str(value).encode("ascii")
    return value  # type: ignore[return-value]


def converter_for(ctype: ColumnType) -> Converter | None:
    """How to turn a stored SQLite value into the column's Python type (None: as is).

    Tables are STRICT, so integer, real and text columns already hold values of their type;
    only DECIMAL (re-quantized) and binary strings (stored as ANY) need a conversion.
    """
    n = ctype.name
    if n == "DECIMAL":
        scale = ctype.scale or 0
        return lambda v: to_decimal(v, scale)
    if n in _BLOBS or n in ("BINARY", "VARBINARY"):
        return _to_bytes
    return None
