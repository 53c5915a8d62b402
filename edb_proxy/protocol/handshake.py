"""Connection-phase messages: greeting, SSLRequest, HandshakeResponse41, auth switch/more data.

References (MySQL source documentation, "Connection Phase"):
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_handshake_v10.html
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_ssl_request.html
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_handshake_response.html
- https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_auth_switch_request.html

Contracts
1. ``parse_*`` take one reassembled payload and raise only
   :class:`~edb_proxy.errors.RemoteProtocolError` (kind ``ER_HANDSHAKE_ERROR`` unless stated).
2. A client without ``CLIENT_PROTOCOL_41`` is refused with ``ER_NOT_SUPPORTED_AUTH_MODE``.
3. The payload is laid out according to the flags the *client* sent; trailing optional fields
   (schema, plugin name, attributes) that are absent at the very end of the packet are treated
   as not sent, as MySQL does.
4. Connection attributes are bounded to :data:`MAX_CONNECT_ATTRS_LENGTH` bytes in total.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from edb_proxy.errors import ER, LocalProtocolError, RemoteProtocolError
from edb_proxy.fieldtypes import UTF8MB4_CHARSET
from edb_proxy.protocol.constants import SCRAMBLE_LENGTH, Capability, ServerStatus
from edb_proxy.protocol.events import HandshakeResponse, SSLRequest
from edb_proxy.protocol.wire import Buffer, PayloadReader, lenenc_bytes, lenenc_int, nul_bytes

__all__ = [
    "MAX_CONNECT_ATTRS_LENGTH",
    "SSL_REQUEST_LENGTH",
    "HandshakeV10",
    "encode_auth_more_data",
    "encode_auth_switch_request",
    "encode_handshake_response",
    "encode_handshake_v10",
    "encode_ssl_request",
    "parse_auth_switch_request",
    "parse_client_handshake",
    "parse_handshake_response",
    "parse_handshake_v10",
    "parse_ssl_request",
]

#: Payload length of ``Protocol::SSLRequest``.
SSL_REQUEST_LENGTH: Final = 32
#: MySQL refuses connections whose attributes exceed 64 KiB in total.
MAX_CONNECT_ATTRS_LENGTH: Final = 64 * 1024

_FIXED_HEAD: Final = struct.Struct("<IIB23x")  # caps, max_packet, charset, filler
_P41 = Capability.CLIENT_PROTOCOL_41
_HS = ER.ER_HANDSHAKE_ERROR


@dataclass(frozen=True, slots=True)
class HandshakeV10:
    """``Protocol::HandshakeV10``, the server greeting."""

    server_version: str
    connection_id: int
    scramble: bytes
    capabilities: Capability
    charset: int = UTF8MB4_CHARSET
    status: ServerStatus = ServerStatus.SERVER_STATUS_AUTOCOMMIT
    auth_plugin: str = "caching_sha2_password"


def encode_handshake_v10(hs: HandshakeV10) -> bytes:
    """Encode the greeting payload: 20-byte scramble split 8 + 12 + NUL, length byte 21."""
    if len(hs.scramble) != SCRAMBLE_LENGTH:
        raise LocalProtocolError("the scramble must be 20 bytes")
    caps = int(hs.capabilities)
    has_plugin = bool(caps & Capability.CLIENT_PLUGIN_AUTH)
    parts = [
        b"\x0a",
        nul_bytes(hs.server_version.encode()),
        struct.pack("<I", hs.connection_id & 0xFFFFFFFF),
        hs.scramble[:8],
        b"\x00",
        struct.pack(
            "<HBHHB",
            caps & 0xFFFF,
            hs.charset,
            int(hs.status),
            caps >> 16,
            SCRAMBLE_LENGTH + 1 if has_plugin else 0,
        ),
        b"\x00" * 10,
    ]
    if caps & Capability.CLIENT_SECURE_CONNECTION:
        parts.append(hs.scramble[8:] + b"\x00")
    if has_plugin:
        parts.append(nul_bytes(hs.auth_plugin.encode()))
    return b"".join(parts)


def parse_handshake_v10(payload: Buffer) -> HandshakeV10:
    """Parse a greeting (client side)."""
    r = PayloadReader(payload, _HS)
    if r.int1() != 10:
        raise RemoteProtocolError("unsupported handshake protocol version", _HS)
    version = _utf8(r.nul_bytes(), "server version")
    conn_id = r.int4()
    part1 = r.fixed(8)
    r.skip(1)
    caps = r.int2()
    charset = UTF8MB4_CHARSET
    status = 0
    part2 = b""
    plugin = "mysql_native_password"
    if not r.at_end():
        charset = r.int1()
        status = r.int2()
        caps |= r.int2() << 16
        data_len = r.int1()
        r.skip(10)
        if caps & Capability.CLIENT_SECURE_CONNECTION:
            part2 = r.fixed(max(13, data_len - 8))
        if caps & Capability.CLIENT_PLUGIN_AUTH:
            plugin = _utf8(r.nul_bytes() if r.has_nul() else r.rest(), "plugin name")
    scramble = (part1 + part2).rstrip(b"\x00")
    return HandshakeV10(
        version, conn_id, scramble, Capability(caps), charset, ServerStatus(status), plugin
    )


def encode_ssl_request(req: SSLRequest) -> bytes:
    """Encode ``Protocol::SSLRequest`` (client side)."""
    return _FIXED_HEAD.pack(
        int(req.capabilities | Capability.CLIENT_SSL), req.max_packet, req.charset
    )


def parse_ssl_request(payload: Buffer) -> SSLRequest:
    """Parse ``Protocol::SSLRequest`` (exactly 32 bytes with ``CLIENT_SSL`` set)."""
    if len(payload) != SSL_REQUEST_LENGTH:
        raise RemoteProtocolError("malformed SSL request", _HS)
    caps, max_packet, charset = _FIXED_HEAD.unpack_from(payload)
    if not caps & _P41:
        raise RemoteProtocolError(
            "client does not support protocol 4.1", ER.ER_NOT_SUPPORTED_AUTH_MODE
        )
    if not caps & Capability.CLIENT_SSL:
        raise RemoteProtocolError("malformed SSL request: CLIENT_SSL not set", _HS)
    return SSLRequest(Capability(caps), max_packet, charset)


def parse_client_handshake(payload: Buffer) -> SSLRequest | HandshakeResponse:
    """Parse the client's first packet: an SSLRequest (32 bytes) or a HandshakeResponse41."""
    if len(payload) == SSL_REQUEST_LENGTH:
        return parse_ssl_request(payload)
    return parse_handshake_response(payload)


def parse_handshake_response(payload: Buffer) -> HandshakeResponse:
    """Parse ``Protocol::HandshakeResponse41``.

    Raises:
        RemoteProtocolError: ``ER_NOT_SUPPORTED_AUTH_MODE`` for pre-4.1 clients,
            ``ER_HANDSHAKE_ERROR`` for anything malformed (including a user name that is not
            UTF-8 or attributes over 64 KiB).
    """
    r = PayloadReader(payload, _HS)
    if r.remaining() >= 2 and not (r.int2() & _P41):
        raise RemoteProtocolError(
            "client does not support protocol 4.1", ER.ER_NOT_SUPPORTED_AUTH_MODE
        )
    r = PayloadReader(payload, _HS)
    caps = r.int4()
    max_packet = r.int4()
    charset = r.int1()
    r.skip(23)
    user = _utf8(r.nul_bytes(), "user name")
    if caps & Capability.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA:
        auth = r.lenenc_bytes()
    elif caps & Capability.CLIENT_SECURE_CONNECTION:
        auth = r.fixed(r.int1())
    else:
        auth = r.nul_bytes()
    database: str | None = None
    if caps & Capability.CLIENT_CONNECT_WITH_DB and not r.at_end():
        database = _utf8(r.nul_bytes(), "schema name") or None
    plugin: str | None = None
    if caps & Capability.CLIENT_PLUGIN_AUTH and not r.at_end():
        plugin = _utf8(r.nul_bytes() if r.has_nul() else r.rest(), "plugin name")
    attributes: dict[str, str] = {}
    if caps & Capability.CLIENT_CONNECT_ATTRS and not r.at_end():
        total = r.lenenc_int()
        if total > MAX_CONNECT_ATTRS_LENGTH:
            raise RemoteProtocolError("connection attributes exceed 64 KiB", _HS)
        block = PayloadReader(r.fixed(total), _HS)
        while not block.at_end():
            key = block.lenenc_bytes().decode("utf-8", "replace")
            attributes[key] = block.lenenc_bytes().decode("utf-8", "replace")
    return HandshakeResponse(
        Capability(caps), max_packet, charset, user, auth, database, plugin, attributes
    )


def encode_handshake_response(resp: HandshakeResponse) -> bytes:
    """Encode ``Protocol::HandshakeResponse41`` laid out by ``resp.capabilities`` (client)."""
    caps = resp.capabilities
    parts = [
        _FIXED_HEAD.pack(int(caps), resp.max_packet, resp.charset),
        nul_bytes(resp.user.encode()),
    ]
    if caps & Capability.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA:
        parts.append(lenenc_bytes(resp.auth_response))
    elif caps & Capability.CLIENT_SECURE_CONNECTION:
        if len(resp.auth_response) > 0xFF:
            raise LocalProtocolError("auth response too long without LENENC_CLIENT_DATA")
        parts.append(bytes((len(resp.auth_response),)) + resp.auth_response)
    else:
        parts.append(nul_bytes(resp.auth_response))
    if caps & Capability.CLIENT_CONNECT_WITH_DB:
        parts.append(nul_bytes((resp.database or "").encode()))
    if caps & Capability.CLIENT_PLUGIN_AUTH:
        parts.append(nul_bytes((resp.auth_plugin or "").encode()))
    if caps & Capability.CLIENT_CONNECT_ATTRS:
        block = b"".join(
            lenenc_bytes(k.encode()) + lenenc_bytes(v.encode()) for k, v in resp.attributes.items()
        )
        parts.append(lenenc_int(len(block)) + block)
    return b"".join(parts)


def encode_auth_switch_request(plugin: str, data: Buffer) -> bytes:
    """``Protocol::AuthSwitchRequest``: ``0xFE``, plugin name NUL-terminated, plugin data.

    MySQL's own plugins send the 20-byte nonce followed by a NUL as ``data``.
    """
    return b"\xfe" + nul_bytes(plugin.encode()) + bytes(data)


def parse_auth_switch_request(payload: Buffer) -> tuple[str, bytes]:
    """Parse an AuthSwitchRequest (client side) into ``(plugin, data)``."""
    r = PayloadReader(payload, _HS)
    if r.int1() != 0xFE:
        raise RemoteProtocolError("not an auth switch request", _HS)
    return _utf8(r.nul_bytes(), "plugin name"), r.rest()


def encode_auth_more_data(data: Buffer) -> bytes:
    """``Protocol::AuthMoreData``: ``0x01`` then plugin data."""
    return b"\x01" + bytes(data)


def _utf8(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RemoteProtocolError(f"{what} is not valid UTF-8", _HS) from None
