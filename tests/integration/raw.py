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
