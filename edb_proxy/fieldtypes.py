"""MySQL column types, column flags and character-set ids (stdlib only).

Shared by ``edb_proxy.protocol`` (which encodes them) and ``edb_proxy.sql`` (which decides
them), so neither imports the other. Names are spelled as in the MySQL source
(``include/field_types.h``, ``include/mysql_com.h``) so they grep against the manual.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass
from enum import IntEnum, IntFlag

__all__ = [
    "BINARY_CHARSET",
    "UTF8MB4_CHARSET",
    "ColumnDef",
    "ColumnFlag",
    "FieldType",
    "Value",
]

#: ``utf8mb4_general_ci``: the collation id reported for text columns and the handshake.
UTF8MB4_CHARSET = 45
#: ``binary``: reported for numbers, dates and BLOB/BINARY columns.
BINARY_CHARSET = 63


class FieldType(IntEnum):
    """``enum_field_types`` as sent in column definitions and binary-protocol parameters."""

    MYSQL_TYPE_DECIMAL = 0x00
    MYSQL_TYPE_TINY = 0x01
    MYSQL_TYPE_SHORT = 0x02
    MYSQL_TYPE_LONG = 0x03
    MYSQL_TYPE_FLOAT = 0x04
    MYSQL_TYPE_DOUBLE = 0x05
    MYSQL_TYPE_NULL = 0x06
    MYSQL_TYPE_TIMESTAMP = 0x07
    MYSQL_TYPE_LONGLONG = 0x08
    MYSQL_TYPE_INT24 = 0x09
    MYSQL_TYPE_DATE = 0x0A
    MYSQL_TYPE_TIME = 0x0B
    MYSQL_TYPE_DATETIME = 0x0C
    MYSQL_TYPE_YEAR = 0x0D
    MYSQL_TYPE_NEWDATE = 0x0E
    MYSQL_TYPE_VARCHAR = 0x0F
    MYSQL_TYPE_BIT = 0x10
    MYSQL_TYPE_JSON = 0xF5
    MYSQL_TYPE_NEWDECIMAL = 0xF6
    MYSQL_TYPE_ENUM = 0xF7
    MYSQL_TYPE_SET = 0xF8
    MYSQL_TYPE_TINY_BLOB = 0xF9
    MYSQL_TYPE_MEDIUM_BLOB = 0xFA
    MYSQL_TYPE_LONG_BLOB = 0xFB
    MYSQL_TYPE_BLOB = 0xFC
    MYSQL_TYPE_VAR_STRING = 0xFD
    MYSQL_TYPE_STRING = 0xFE
    MYSQL_TYPE_GEOMETRY = 0xFF


class ColumnFlag(IntFlag):
    """Column definition flags (``NOT_NULL_FLAG`` ... in ``mysql_com.h``)."""

    NONE = 0
    NOT_NULL_FLAG = 1
    PRI_KEY_FLAG = 2
    UNIQUE_KEY_FLAG = 4
    MULTIPLE_KEY_FLAG = 8
    BLOB_FLAG = 16
    UNSIGNED_FLAG = 32
    ZEROFILL_FLAG = 64
    BINARY_FLAG = 128
    ENUM_FLAG = 256
    AUTO_INCREMENT_FLAG = 512
    TIMESTAMP_FLAG = 1024
    SET_FLAG = 2048
    NO_DEFAULT_VALUE_FLAG = 4096
    ON_UPDATE_NOW_FLAG = 8192
    NUM_FLAG = 32768


#: A value in a result row or a statement parameter. ``datetime.timedelta`` is MySQL TIME.
Value = (
    None
    | int
    | float
    | str
    | bytes
    | decimal.Decimal
    | datetime.datetime
    | datetime.date
    | datetime.timedelta
)


@dataclass(frozen=True, slots=True)
class ColumnDef:
    """One column of a result set, as ``Protocol::ColumnDefinition41`` describes it.

    Attributes:
        name: the column label (alias) the client sees.
        type: the MySQL type clients convert on.
        length: the display length in bytes (MySQL's ``column_length``).
        flags: :class:`ColumnFlag` bits.
        decimals: digits after the point (0x1F for "not fixed" floats and strings).
        charset: collation id; :data:`BINARY_CHARSET` for non-text columns.
        org_name, table, org_table, schema: provenance; empty for expressions.
    """

    name: str
    type: FieldType = FieldType.MYSQL_TYPE_VAR_STRING
    length: int = 0
    flags: ColumnFlag = ColumnFlag.NONE
    decimals: int = 0
    charset: int = UTF8MB4_CHARSET
    org_name: str = ""
    table: str = ""
    org_table: str = ""
    schema: str = ""
