"""Binary protocol values: result rows (server to client) and statement parameters (client to
server).

References:
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_binary_resultset.html
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_binary_resultset_row.html
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_binary_resultset_row_value.html

Contracts
1. Row values are encoded by their *column's* type: TINY 1 byte, SHORT/YEAR 2, LONG/INT24 4,
   LONGLONG 8 (signedness from ``UNSIGNED_FLAG``), FLOAT 4, DOUBLE 8, DATE/DATETIME/TIMESTAMP
   as 0/4/7/11-byte forms, TIME as 0/8/12-byte forms, everything else as a length-encoded
   string of the text rendering. A value that does not fit its column is a
   :class:`~edb_proxy.errors.LocalProtocolError` (the SQL layer lied about the type).
2. The NULL bitmap of a row has an offset of 2 bits.
3. :func:`decode_param` raises only :class:`~edb_proxy.errors.RemoteProtocolError` of the
   reader's kind (``ER_WRONG_ARGUMENTS`` for parameters); strings decode as UTF-8 and stay
   ``bytes`` when they are not valid UTF-8; BLOB/GEOMETRY/BIT parameters are ``bytes``.
"""

from __future__ import annotations

import datetime
import decimal
import struct
from collections.abc import Callable, Sequence
from typing import Final

from edb_proxy.errors import LocalProtocolError, RemoteProtocolError
from edb_proxy.fieldtypes import ColumnDef, ColumnFlag, FieldType, Value
from edb_proxy.protocol.results import text_value
from edb_proxy.protocol.temporal import date_parts, time_parts
from edb_proxy.protocol.wire import ONE_BYTE, PayloadReader, lenenc_int

__all__ = [
    "BLOB_TYPES",
    "PARAM_DECODERS",
    "STRING_TYPES",
    "ParamDecoder",
    "ValueEncoder",
    "binary_encoders",
    "decode_param",
    "decode_text_param",
    "encode_binary_row",
    "encode_binary_value",
    "encoder_for",
]

ValueEncoder = Callable[[Value], bytes]

F = FieldType
#: Parameter types that decode to ``bytes``.
BLOB_TYPES: Final = frozenset(
    {
        F.MYSQL_TYPE_TINY_BLOB,
        F.MYSQL_TYPE_MEDIUM_BLOB,
        F.MYSQL_TYPE_LONG_BLOB,
        F.MYSQL_TYPE_BLOB,
        F.MYSQL_TYPE_GEOMETRY,
        F.MYSQL_TYPE_BIT,
    }
)
#: Parameter types that decode to ``str`` (``bytes`` if not UTF-8).
STRING_TYPES: Final = frozenset(
    {
        F.MYSQL_TYPE_VARCHAR,
        F.MYSQL_TYPE_VAR_STRING,
        F.MYSQL_TYPE_STRING,
        F.MYSQL_TYPE_ENUM,
        F.MYSQL_TYPE_SET,
        F.MYSQL_TYPE_JSON,
    }
)

_INT_FORMATS: Final = {
    F.MYSQL_TYPE_TINY: ("<b", "<B"),
    F.MYSQL_TYPE_SHORT: ("<h", "<H"),
    F.MYSQL_TYPE_YEAR: ("<h", "<H"),
    F.MYSQL_TYPE_LONG: ("<i", "<I"),
    F.MYSQL_TYPE_INT24: ("<i", "<I"),
    F.MYSQL_TYPE_LONGLONG: ("<q", "<Q"),
}
_FLOAT: Final = struct.Struct("<f")
_DOUBLE: Final = struct.Struct("<d")
_D4: Final = struct.Struct("<BHBB")
_D7: Final = struct.Struct("<BHBBBBB")
_D11: Final = struct.Struct("<BHBBBBBI")
_T8: Final = struct.Struct("<BBIBBB")
_T12: Final = struct.Struct("<BBIBBBI")
_PD4: Final = struct.Struct("<HBB")
_PD7: Final = struct.Struct("<HBBBBB")
_PD11: Final = struct.Struct("<HBBBBBI")
_PT8: Final = struct.Struct("<BIBBB")
_PT12: Final = struct.Struct("<BIBBBI")


def _as_int(value: Value) -> int:
    if isinstance(value, int):
        return value
    try:
        if isinstance(value, float | decimal.Decimal) and value == int(value):
            return int(value)
        if isinstance(value, str | bytes):
            return int(value)
    except (ValueError, OverflowError, decimal.InvalidOperation):
        pass
    raise LocalProtocolError(f"value of type {type(value).__name__} in an integer column")


def _int_encoder(fmt: str) -> ValueEncoder:
    pack = struct.Struct(fmt).pack

    def encode(value: Value) -> bytes:
        try:
            return pack(value if type(value) is int else _as_int(value))
        except struct.error:
            raise LocalProtocolError(f"integer out of range for its column: {value!r}") from None

    return encode


def _float_encoder(fmt: struct.Struct) -> ValueEncoder:
    pack = fmt.pack

    def encode(value: Value) -> bytes:
        try:
            return pack(value if type(value) is float else float(value))  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError, struct.error):
            raise LocalProtocolError(
                f"value of type {type(value).__name__} in a float column"
            ) from None

    return encode


def _encode_datetime(value: Value) -> bytes:
    y, mo, d, h, mi, s, us = date_parts(value)
    try:
        if us:
            return _D11.pack(11, y, mo, d, h, mi, s, us)
        if h or mi or s:
            return _D7.pack(7, y, mo, d, h, mi, s)
        if y or mo or d:
            return _D4.pack(4, y, mo, d)
    except struct.error:
        raise LocalProtocolError("date component out of range") from None
    return b"\x00"


def _encode_date(value: Value) -> bytes:
    y, mo, d = date_parts(value)[:3]
    if not (y or mo or d):
        return b"\x00"
    try:
        return _D4.pack(4, y, mo, d)
    except struct.error:
        raise LocalProtocolError("date component out of range") from None


def _encode_time(value: Value) -> bytes:
    neg, days, h, mi, s, us = time_parts(value)
    try:
        if us:
            return _T12.pack(12, neg, days, h, mi, s, us)
        if days or h or mi or s:
            return _T8.pack(8, neg, days, h, mi, s)
    except struct.error:
        raise LocalProtocolError("time component out of range") from None
    return b"\x00"


def _encode_string(value: Value) -> bytes:
    raw = text_value(value)
    n = len(raw)
    return (ONE_BYTE[n] if n < 0xFB else lenenc_int(n)) + raw


def encoder_for(col: ColumnDef) -> ValueEncoder:
    """The binary encoder of one column."""
    t = col.type
    formats = _INT_FORMATS.get(t)
    if formats is not None:
        return _INT_ENCODERS[formats[1 if col.flags & ColumnFlag.UNSIGNED_FLAG else 0]]
    if t == F.MYSQL_TYPE_FLOAT:
        return _ENCODE_FLOAT
    if t == F.MYSQL_TYPE_DOUBLE:
        return _ENCODE_DOUBLE
    if t in (F.MYSQL_TYPE_DATETIME, F.MYSQL_TYPE_TIMESTAMP):
        return _encode_datetime
    if t == F.MYSQL_TYPE_DATE:
        return _encode_date
    if t == F.MYSQL_TYPE_TIME:
        return _encode_time
    return _encode_string


_INT_ENCODERS: Final = {f: _int_encoder(f) for pair in _INT_FORMATS.values() for f in pair}
_ENCODE_FLOAT: Final = _float_encoder(_FLOAT)
_ENCODE_DOUBLE: Final = _float_encoder(_DOUBLE)


def binary_encoders(columns: Sequence[ColumnDef]) -> tuple[ValueEncoder, ...]:
    """Per-column encoders, computed once per result set."""
    return tuple(encoder_for(c) for c in columns)


def encode_binary_value(col: ColumnDef, value: Value) -> bytes:
    """The binary-protocol encoding of one non-NULL value of ``col``."""
    return encoder_for(col)(value)


def encode_binary_row(encoders: Sequence[ValueEncoder], row: Sequence[Value]) -> bytes:
    """``ProtocolBinary::ResultsetRow`` payload: 0x00, NULL bitmap (offset 2), values."""
    n = len(encoders)
    if len(row) != n:
        raise LocalProtocolError(f"row has {len(row)} values for {n} columns")
    parts: list[bytes] = [b"\x00", b""]
    append = parts.append
    bits = 0
    bit = 4  # offset 2
    for enc, value in zip(encoders, row, strict=True):
        if value is None:
            bits |= bit
        else:
            append(enc(value))
        bit <<= 1
    parts[1] = bits.to_bytes((n + 9) >> 3, "little")
    return b"".join(parts)


# --- parameters (client to server) -------------------------------------------------------

_SIGNED: Final = {
    1: struct.Struct("<b"),
    2: struct.Struct("<h"),
    4: struct.Struct("<i"),
    8: struct.Struct("<q"),
}
_UNSIGNED: Final = {
    1: struct.Struct("<B"),
    2: struct.Struct("<H"),
    4: struct.Struct("<I"),
    8: struct.Struct("<Q"),
}
_INT_WIDTH: Final = {
    F.MYSQL_TYPE_TINY: 1,
    F.MYSQL_TYPE_SHORT: 2,
    F.MYSQL_TYPE_YEAR: 2,
    F.MYSQL_TYPE_LONG: 4,
    F.MYSQL_TYPE_INT24: 4,
    F.MYSQL_TYPE_LONGLONG: 8,
}


def decode_text_param(raw: bytes, ftype: int) -> Value:
    """A string/long-data parameter: ``bytes`` for BLOB types, else UTF-8 ``str`` if valid."""
    if ftype in BLOB_TYPES:
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def _bad(r: PayloadReader, what: str) -> RemoteProtocolError:
    return RemoteProtocolError(f"malformed {what} parameter", r.kind)


def _int_decoder(width: int) -> ParamDecoder:
    signed, unsigned_ = _SIGNED[width], _UNSIGNED[width]

    def decode(r: PayloadReader, unsigned: bool) -> Value:
        return int(r.unpack(unsigned_ if unsigned else signed)[0])

    return decode


def _decode_decimal(r: PayloadReader, unsigned: bool) -> Value:
    text = r.lenenc_bytes()
    try:
        number = decimal.Decimal(text.decode("ascii"))
    except (UnicodeDecodeError, decimal.InvalidOperation):
        raise _bad(r, "DECIMAL") from None
    if not number.is_finite():
        raise _bad(r, "DECIMAL")
    return number


def _decode_str(r: PayloadReader, unsigned: bool) -> Value:
    raw = r.lenenc_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def _decode_blob(r: PayloadReader, unsigned: bool) -> Value:
    return r.lenenc_bytes()


ParamDecoder = Callable[[PayloadReader, bool], Value]

#: Parameter decoders by MySQL type byte.
PARAM_DECODERS: Final[dict[int, ParamDecoder]] = {
    **{int(t): _int_decoder(w) for t, w in _INT_WIDTH.items()},
    F.MYSQL_TYPE_DOUBLE: lambda r, u: float(r.unpack(_DOUBLE)[0]),
    F.MYSQL_TYPE_FLOAT: lambda r, u: float(r.unpack(_FLOAT)[0]),
    F.MYSQL_TYPE_DECIMAL: _decode_decimal,
    F.MYSQL_TYPE_NEWDECIMAL: _decode_decimal,
    **{int(t): _decode_str for t in STRING_TYPES},
    **{int(t): _decode_blob for t in BLOB_TYPES},
    F.MYSQL_TYPE_DATE: lambda r, u: _decode_datetime(r, F.MYSQL_TYPE_DATE),
    F.MYSQL_TYPE_NEWDATE: lambda r, u: _decode_datetime(r, F.MYSQL_TYPE_DATE),
    F.MYSQL_TYPE_DATETIME: lambda r, u: _decode_datetime(r, F.MYSQL_TYPE_DATETIME),
    F.MYSQL_TYPE_TIMESTAMP: lambda r, u: _decode_datetime(r, F.MYSQL_TYPE_DATETIME),
    F.MYSQL_TYPE_TIME: lambda r, u: _decode_time(r),
    F.MYSQL_TYPE_NULL: lambda r, u: None,
}


def decode_param(r: PayloadReader, ftype: int, unsigned: bool) -> Value:
    """Read one non-NULL parameter value of type ``ftype`` from ``r``.

    Raises:
        RemoteProtocolError: of ``r.kind`` for short input, unknown types or invalid values.
    """
    decoder = PARAM_DECODERS.get(ftype)
    if decoder is None:
        raise RemoteProtocolError(f"unsupported parameter type 0x{ftype:02X}", r.kind)
    return decoder(r, unsigned)


def _decode_datetime(r: PayloadReader, ftype: int) -> Value:
    n = r.int1()
    us = h = mi = s = 0
    if n == 0:
        return "0000-00-00" if ftype == F.MYSQL_TYPE_DATE else "0000-00-00 00:00:00"
    if n == 4:
        y, mo, d = r.unpack(_PD4)
    elif n == 7:
        y, mo, d, h, mi, s = r.unpack(_PD7)
    elif n == 11:
        y, mo, d, h, mi, s, us = r.unpack(_PD11)
    else:
        raise _bad(r, "DATETIME")
    if y == mo == d == 0 and not (h or mi or s or us):
        return "0000-00-00" if ftype == F.MYSQL_TYPE_DATE else "0000-00-00 00:00:00"
    try:
        if ftype in (F.MYSQL_TYPE_DATE, F.MYSQL_TYPE_NEWDATE):
            return datetime.date(y, mo, d)
        return datetime.datetime(y, mo, d, h, mi, s, us)
    except (ValueError, OverflowError):
        raise _bad(r, "DATETIME") from None


def _decode_time(r: PayloadReader) -> Value:
    n = r.int1()
    if n == 0:
        return datetime.timedelta(0)
    us = 0
    if n == 8:
        neg, days, h, mi, s = r.unpack(_PT8)
    elif n == 12:
        neg, days, h, mi, s, us = r.unpack(_PT12)
    else:
        raise _bad(r, "TIME")
    if neg > 1 or mi > 59 or s > 59 or us > 999_999:
        raise _bad(r, "TIME")
    try:
        delta = datetime.timedelta(days=days, hours=h, minutes=mi, seconds=s, microseconds=us)
    except OverflowError:
        raise _bad(r, "TIME") from None
    return -delta if neg else delta
