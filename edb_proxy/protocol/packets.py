"""Generic response packets: OK, ERR and EOF.

References:
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_ok_packet.html
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_err_packet.html
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_eof_packet.html

Contracts
1. Encoders assume ``CLIENT_PROTOCOL_41`` without ``CLIENT_SESSION_TRACK`` (the only layout
   this server negotiates): OK = header, affected rows, last insert id, status, warnings, info.
2. An OK with header ``0xFE`` replaces the EOF that ends a result set when the client set
   ``CLIENT_DEPRECATE_EOF``; clients tell it from a row by its length (< 0xFFFFFF).
3. ``parse_*`` (client side) raise only :class:`~edb_proxy.errors.RemoteProtocolError`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from edb_proxy.errors import ER, LocalProtocolError, RemoteProtocolError
from edb_proxy.protocol.wire import ONE_BYTE, Buffer, PayloadReader, lenenc_int

__all__ = [
    "EOFPacket",
    "ERRPacket",
    "OKPacket",
    "encode_eof",
    "encode_err",
    "encode_ok",
    "parse_eof",
    "parse_err",
    "parse_ok",
]

_HH: Final = struct.Struct("<HH")
_EOF: Final = struct.Struct("<BHH")
_ERR: Final = struct.Struct("<BH")
_MAX_MESSAGE: Final = 512  # MYSQL_ERRMSG_SIZE


@dataclass(frozen=True, slots=True)
class OKPacket:
    """A decoded OK packet (``header`` is 0x00, or 0xFE when it replaces an EOF)."""

    affected_rows: int
    last_insert_id: int
    status: int
    warnings: int
    info: bytes = b""
    header: int = 0x00


@dataclass(frozen=True, slots=True)
class ERRPacket:
    """A decoded ERR packet."""

    errno: int
    sqlstate: str
    message: str


@dataclass(frozen=True, slots=True)
class EOFPacket:
    """A decoded (legacy, 5-byte) EOF packet."""

    warnings: int
    status: int


def encode_ok(
    affected_rows: int = 0,
    last_insert_id: int = 0,
    status: int = 0,
    warnings: int = 0,
    *,
    info: bytes = b"",
    header: int = 0x00,
) -> bytes:
    """``OK_Packet`` payload.

    A non-empty ``info`` is sent as a length-encoded string, as MySQL's ``net_send_ok`` does
    even without CLIENT_SESSION_TRACK (the manual's ``string<EOF>`` is what clients must
    accept; MariaDB Connector/C, and so mysqlclient and the mysql CLI, read it length-encoded
    and report "malformed packet" otherwise).
    """
    if not (0 <= status <= 0xFFFF and 0 <= warnings <= 0xFFFF):
        raise LocalProtocolError("status and warnings must fit in 16 bits")
    a = ONE_BYTE[affected_rows] if 0 <= affected_rows < 0xFB else lenenc_int(affected_rows)
    b = ONE_BYTE[last_insert_id] if 0 <= last_insert_id < 0xFB else lenenc_int(last_insert_id)
    tail = lenenc_int(len(info)) + info if info else b""
    return b"".join((ONE_BYTE[header], a, b, _HH.pack(status, warnings), tail))


def encode_eof(warnings: int = 0, status: int = 0) -> bytes:
    """Legacy ``EOF_Packet`` payload: ``0xFE``, warnings, status."""
    return _EOF.pack(0xFE, min(max(warnings, 0), 0xFFFF), status & 0xFFFF)


def encode_err(errno: int, sqlstate: str, message: str) -> bytes:
    """``ERR_Packet`` payload with the SQLSTATE marker; the message is cut at 512 bytes."""
    state = sqlstate.encode("ascii", "replace")
    if len(state) != 5 or not 0 < errno <= 0xFFFF:
        raise LocalProtocolError("ERR needs a 16-bit errno and a 5-character SQLSTATE")
    text = message.encode("utf-8", "replace")
    if len(text) > _MAX_MESSAGE:
        text = text[:_MAX_MESSAGE].decode("utf-8", "ignore").encode()
    return _ERR.pack(0xFF, errno) + b"#" + state + text


def parse_ok(payload: Buffer) -> OKPacket:
    """Parse an OK packet (header 0x00 or 0xFE)."""
    r = PayloadReader(payload, ER.ER_NET_READ_ERROR)
    header = r.int1()
    if header not in (0x00, 0xFE):
        raise RemoteProtocolError("not an OK packet", ER.ER_NET_READ_ERROR)
    affected = r.lenenc_int()
    last_id = r.lenenc_int()
    status = r.int2()
    warnings = r.int2()
    info = r.lenenc_bytes() if not r.at_end() else b""
    return OKPacket(affected, last_id, status, warnings, info, header)


def parse_err(payload: Buffer) -> ERRPacket:
    """Parse an ERR packet (with or without the ``#SQLSTATE`` marker)."""
    r = PayloadReader(payload, ER.ER_NET_READ_ERROR)
    if r.int1() != 0xFF:
        raise RemoteProtocolError("not an ERR packet", ER.ER_NET_READ_ERROR)
    errno = r.int2()
    state = "HY000"
    if not r.at_end() and r.peek() == 0x23:  # '#'
        r.skip(1)
        state = r.fixed(5).decode("ascii", "replace")
    return ERRPacket(errno, state, r.rest().decode("utf-8", "replace"))


def parse_eof(payload: Buffer) -> EOFPacket:
    """Parse a legacy 5-byte EOF packet."""
    if len(payload) != 5:
        raise RemoteProtocolError("not an EOF packet", ER.ER_NET_READ_ERROR)
    header, warnings, status = _EOF.unpack_from(payload)
    if header != 0xFE:
        raise RemoteProtocolError("not an EOF packet", ER.ER_NET_READ_ERROR)
    return EOFPacket(warnings, status)
