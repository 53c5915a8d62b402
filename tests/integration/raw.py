"""A deliberately minimal raw MySQL client for hostile-input tests.

Written independently of ``edb_proxy.protocol`` (struct and sockets only), so the tests do not
share the server codec's assumptions.
"""

from __future__ import annotations

import socket
import ssl
import struct
from dataclasses import dataclass

CLIENT_PROTOCOL_41 = 0x200
CLIENT_SSL = 0x800
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_PLUGIN_AUTH = 0x80000
CLIENT_DEPRECATE_EOF = 0x1000000
BASE_CAPS = CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH


@dataclass
class ErrPacket:
    errno: int
    sqlstate: str
    message: str


class RawConn:
    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.sock: socket.socket | ssl.SSLSocket = socket.create_connection((host, port), timeout)
        self.greeting = b""

    def recv_exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def recv_packet(self) -> tuple[int, bytes]:
        header = self.recv_exact(4)
        length = int.from_bytes(header[:3], "little")
        return header[3], self.recv_exact(length)

    def send_packet(self, seq: int, payload: bytes) -> None:
        self.sock.sendall(len(payload).to_bytes(3, "little") + bytes([seq]) + payload)

    def read_greeting(self) -> bytes:
        _, self.greeting = self.recv_packet()
        return self.greeting

    def closed(self, timeout: float = 5.0) -> bool:
        """True when the server closes the connection within ``timeout``."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(4096):
                    return True
        except TimeoutError:
            return False
        except (ConnectionError, OSError):
            return True

    def close(self) -> None:
        self.sock.close()


def handshake_response(user: str, caps: int = BASE_CAPS, auth: bytes = b"") -> bytes:
    return (
        struct.pack("<IIB23x", caps, 16 * 1024 * 1024, 45)
        + user.encode()
        + b"\x00"
        + bytes([len(auth)])
        + auth
        + b"caching_sha2_password\x00"
    )


def ssl_request(caps: int = BASE_CAPS | CLIENT_SSL) -> bytes:
    return struct.pack("<IIB23x", caps, 16 * 1024 * 1024, 45)


def parse_err(payload: bytes) -> ErrPacket:
    assert payload[0] == 0xFF, f"expected ERR, got {payload[:16]!r}"
    errno = int.from_bytes(payload[1:3], "little")
    assert payload[3:4] == b"#"
    return ErrPacket(errno, payload[4:9].decode(), payload[9:].decode(errors="replace"))


def caching_sha2_scramble(password: bytes, nonce: bytes) -> bytes:
    """Computed here with hashlib, independently of the server's scramble module."""
    import hashlib

    stage1 = hashlib.sha256(password).digest()
    stage2 = hashlib.sha256(stage1).digest()
    mix = hashlib.sha256(stage2 + nonce).digest()
    return bytes(a ^ b for a, b in zip(stage1, mix, strict=True))


def login(host: str, port: int, user: str, password: str, ca_file: str) -> RawConn:
    """TLS + caching_sha2_password login; returns a connection in the command phase."""
    raw = RawConn(host, port)
    greeting = raw.read_greeting()
    # HandshakeV10: version NUL-terminated, conn id, 8 bytes scramble, filler, ..., 12 more bytes
    end = greeting.index(b"\x00", 1)
    pos = end + 1 + 4
    nonce = greeting[pos : pos + 8]
    pos += 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10
    nonce += greeting[pos : pos + 12]
    caps = BASE_CAPS | CLIENT_SSL | CLIENT_DEPRECATE_EOF
    raw.send_packet(1, ssl_request(caps))
    ctx = ssl.create_default_context(cafile=ca_file)
    raw.sock = ctx.wrap_socket(raw.sock, server_hostname=host)
    auth = caching_sha2_scramble(password.encode(), nonce)
    raw.send_packet(2, handshake_response(user, caps, auth))
    seq, payload = raw.recv_packet()
    if payload[:2] == b"\x01\x04":  # perform full authentication (over TLS)
        raw.send_packet(seq + 1, password.encode() + b"\x00")
        seq, payload = raw.recv_packet()
    elif payload[:2] == b"\x01\x03":  # fast auth success, OK follows
        seq, payload = raw.recv_packet()
    if payload[0] != 0x00:
        raise ConnectionError(f"login failed: {payload!r}")
    return raw


def command(raw: RawConn, payload: bytes) -> list[bytes]:
    """Send a command (seq 0) and collect response packets until OK/ERR/EOF-terminated."""
    raw.send_packet(0, payload)
    packets = []
    while True:
        _seq, data = raw.recv_packet()
        packets.append(data)
        if data[0] in (0x00, 0xFF) and len(packets) == 1:
            return packets
        if data[0] == 0xFE and len(data) < 0xFFFFFF:
            return packets
