"""Result-set pieces: ColumnDefinition41 and text-protocol rows.

References:
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset.html
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_column_definition.html
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_row.html

Contracts
1. Column definition payloads are pure functions of the frozen :class:`ColumnDef` and are cached
   (the same columns recur on every point-select).
2. :func:`text_value` renders a :data:`Value` as MySQL prints it: integers in decimal, floats in
   the shortest repr form, ``Decimal`` without exponent, ``str`` as UTF-8, ``bytes`` raw,
   DATETIME ``YYYY-MM-DD HH:MM:SS[.ffffff]``, DATE ``YYYY-MM-DD``, TIME ``[-]HH:MM:SS[.ffffff]``.
3. A row whose length differs from the column count is a
   :class:`~edb_proxy.errors.LocalProtocolError` (our bug), never sent.
"""

from __future__ import annotations

import datetime
import decimal
import struct
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from edb_proxy.errors import ER, LocalProtocolError
from edb_proxy.fieldtypes import ColumnDef, ColumnFlag, FieldType, Value
from edb_proxy.protocol.temporal import format_timedelta, text_datetime
from edb_proxy.protocol.wire import LENENC_NULL, ONE_BYTE, Buffer, PayloadReader, lenenc_int

__all__ = [
    "encode_column_definition",
    "encode_field_list_column",
    "encode_text_row",
    "parse_column_definition",
    "text_value",
]

_CATALOG: Final = b"\x03def"
_FIXED: Final = struct.Struct("<BHIBHBxx")  # 0x0C, charset, length, type, flags, decimals


def _lenenc_str(text: str) -> bytes:
    raw = text.encode()
    n = len(raw)
    return (ONE_BYTE[n] if n < 0xFB else lenenc_int(n)) + raw


@lru_cache(maxsize=4096)
def encode_column_definition(col: ColumnDef) -> bytes:
    """``Protocol::ColumnDefinition41`` payload (catalog ``def``); cached per ``ColumnDef``."""
    if not 0 <= col.length <= 0xFFFFFFFF:
        raise LocalProtocolError(f"column length out of range: {col.length}")
    return b"".join(
        (
            _CATALOG,
            _lenenc_str(col.schema),
            _lenenc_str(col.table),
            _lenenc_str(col.org_table),
            _lenenc_str(col.name),
            _lenenc_str(col.org_name),
            _FIXED.pack(
                0x0C,
                col.charset & 0xFFFF,
                col.length,
                int(col.type) & 0xFF,
                int(col.flags) & 0xFFFF,
                col.decimals & 0xFF,
            ),
        )
    )


def encode_field_list_column(col: ColumnDef) -> bytes:
    """A COM_FIELD_LIST column: the definition plus a NULL "default value" field."""
    return encode_column_definition(col) + LENENC_NULL


def parse_column_definition(payload: Buffer) -> ColumnDef:
    """Parse ``Protocol::ColumnDefinition41`` (client side)."""
    r = PayloadReader(payload, ER.ER_NET_READ_ERROR)
    r.lenenc_bytes()  # catalog
    schema, table, org_table, name, org_name = (
        r.lenenc_bytes().decode("utf-8", "replace") for _ in range(5)
    )
    r.lenenc_int()  # length of the fixed fields, 0x0C
    charset = r.int2()
    length = r.int4()
    ftype = r.int1()
    flags = r.int2()
    decimals = r.int1()
    try:
        kind = FieldType(ftype)
    except ValueError:
        kind = FieldType.MYSQL_TYPE_STRING
    return ColumnDef(
        name,
        kind,
        length,
        ColumnFlag(flags),
        decimals,
        charset,
        org_name,
        table,
        org_table,
        schema,
    )


def _text_slow(value: object) -> bytes:
    if isinstance(value, bool):
        return b"1" if value else b"0"
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, float):
        return repr(value).encode()
    if isinstance(value, decimal.Decimal):
        return format(value, "f").encode()
    if isinstance(value, datetime.datetime):
        return text_datetime(value).encode()
    if isinstance(value, datetime.date):
        return value.isoformat().encode()
    if isinstance(value, datetime.timedelta):
        return format_timedelta(value).encode()
    return str(value).encode()


def text_value(value: Value) -> bytes:
    """The text-protocol rendering of a non-NULL value (without its length prefix)."""
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, int):  # bool renders as 1/0
        return b"%d" % value
    if isinstance(value, bytes):
        return value
    return _text_slow(value)


def encode_text_row(row: Sequence[Value], ncols: int) -> bytes:
    """``ProtocolText::ResultsetRow`` payload: lenenc strings, ``0xFB`` for NULL."""
    if len(row) != ncols:
        raise LocalProtocolError(f"row has {len(row)} values for {ncols} columns")
    parts: list[bytes] = []
    append = parts.append
    for value in row:
        if value is None:
            append(LENENC_NULL)
            continue
        if isinstance(value, str):
            raw = value.encode()
        elif isinstance(value, int):
            raw = b"%d" % value
        elif isinstance(value, bytes):
            raw = value
        else:
            raw = _text_slow(value)
        n = len(raw)
        append(ONE_BYTE[n] if n < 0xFB else lenenc_int(n))
        append(raw)
    return b"".join(parts)
