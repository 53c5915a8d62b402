"""P9 (light): mutated pre-auth traffic over loopback never takes the server down.

Invariant: whatever bytes a client sends before authenticating, the server answers with an
ERR packet or closes, keeps serving everyone else, and the connection count returns to its
baseline. Seeded; the seed is printed on failure and overridable with EDB_FUZZ_SEED.
"""

from __future__ import annotations

import os
import random
import socket
import time

import pytest

from tests.integration.clients import connect
from tests.integration.harness import PASSWORD_USER, ServerInfo
from tests.integration.raw import BASE_CAPS, CLIENT_SSL, handshake_response, ssl_request

pytestmark = pytest.mark.integration

SEED = int(os.environ.get("EDB_FUZZ_SEED", "20261128"))
CONNECTIONS = 300


def _corpus() -> list[bytes]:
    def frame(seq: int, payload: bytes) -> bytes:
        return len(payload).to_bytes(3, "little") + bytes([seq]) + payload

    return [
        frame(1, handshake_response("alice", auth=b"\x01" * 32)),
        frame(1, ssl_request(BASE_CAPS | CLIENT_SSL)),
        frame(1, handshake_response("x" * 300, caps=0xFFFFFFFF)),
        frame(0, b"\x03SELECT 1"),
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(32),  # a TLS ClientHello, raw
    ]


def _mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        if choice < 0.4 and buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif choice < 0.6:
            del buf[rng.randrange(len(buf) + 1) :]
        elif choice < 0.8:
            pos = rng.randrange(len(buf) + 1)
            buf[pos:pos] = rng.randbytes(rng.randint(1, 16))
        else:
            buf += rng.choice(_corpus())
    return bytes(buf)


def test_mutated_preauth_traffic(asyncio_server: ServerInfo) -> None:
    info = asyncio_server
    rng = random.Random(SEED)
    corpus = _corpus()
    try:
        for _ in range(CONNECTIONS):
            with socket.create_connection((info.host, info.port), timeout=5) as sock:
                sock.settimeout(2)
                sock.recv(4096)  # greeting
                sock.sendall(_mutate(rng, rng.choice(corpus)))
                if rng.random() < 0.9:
                    sock.shutdown(socket.SHUT_WR)  # most peers hang up; some stall instead
                else:
                    sock.settimeout(0.3)
                try:
                    while sock.recv(4096):
                        pass
                except (TimeoutError, ConnectionError):
                    pass
    except Exception:
        print(f"network fuzz failed with EDB_FUZZ_SEED={SEED}")
        raise
    assert info.process.poll() is None, "server died"
    client = connect("mysqlclient", info, *PASSWORD_USER)
    try:
        deadline = time.monotonic() + 10
        while True:
            stats = client.conn.stat()  # type: ignore[attr-defined]
            threads = int(stats.split("Threads:")[1].split()[0])
            if threads == 1 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert threads == 1, stats
    finally:
        client.close()
