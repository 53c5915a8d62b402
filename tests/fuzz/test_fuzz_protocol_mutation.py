"""Deterministic mutation fuzzer. Invariant: for any mutation of valid client traffic (bit
flips, interesting bytes, truncation, splices, inserted bytes, forged frame lengths) fed in
random splits, the codec raises nothing but RemoteProtocolError and finishes each input fast.

The seed is printed on failure and can be set with ``EDB_FUZZ_SEED``; ``EDB_FUZZ_ITERATIONS``
scales the run (default 100,000 inputs through ServerConnection, plus 2,000 per parse_*).
"""

from __future__ import annotations

import datetime
import os
import random
import struct
import time
import traceback
from collections.abc import Callable, Iterator

import pytest

from edb_proxy.errors import RemoteProtocolError
from edb_proxy.fieldtypes import ColumnDef, FieldType
from edb_proxy.protocol import Capability, ServerStatus
from edb_proxy.protocol.commands import (
    decode_command,
    parse_com_field_list,
    parse_com_init_db,
    parse_com_process_kill,
    parse_com_set_option,
    parse_com_stmt_close,
)
from edb_proxy.protocol.handshake import (
    HandshakeV10,
    encode_handshake_v10,
    parse_auth_switch_request,
    parse_client_handshake,
    parse_handshake_response,
    parse_handshake_v10,
    parse_ssl_request,
)
from edb_proxy.protocol.packets import (
    encode_eof,
    encode_err,
    encode_ok,
    parse_eof,
    parse_err,
    parse_ok,
)
from edb_proxy.protocol.results import encode_column_definition, parse_column_definition
from edb_proxy.protocol.statements import StatementRegistry, parse_stmt_execute
from tests.fuzz.protocol_harness import (
    command_seeds,
    drive,
    handshake_seeds,
    new_connection,
    ready_connection,
)
from tests.unit.protocol import client_codec as cc

SEED = int(os.environ.get("EDB_FUZZ_SEED", "3599"))
ITERATIONS = int(os.environ.get("EDB_FUZZ_ITERATIONS", "100000"))
PARSE_ITERATIONS = max(ITERATIONS // 50, 100)
PER_INPUT_LIMIT = 0.5  # seconds; a pathological input would take far longer
INTERESTING = (0x00, 0x01, 0x02, 0x7F, 0x80, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF)
LENGTHS = (0, 1, 0xFA, 0xFB, 0xFFFF, 0xFFFFFE, 0xFFFFFF)


def mutate(rng: random.Random, seeds: list[bytes]) -> bytes:
    data = bytearray(rng.choice(seeds))
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        pos = rng.randrange(len(data)) if data else 0
        if not data and op in (0, 1, 5, 6):
            op = 4
        if op == 0:
            data[pos] ^= 1 << rng.randrange(8)
        elif op == 1:
            data[pos] = rng.choice(INTERESTING)
        elif op == 2:
            del data[rng.randrange(len(data) + 1) :]
        elif op == 3:
            other = rng.choice(seeds)
            data = data[:pos] + other[rng.randrange(len(other) + 1) :]
        elif op == 4:
            data[pos:pos] = rng.randbytes(rng.randint(1, 9))
        elif op == 5:
            end = min(len(data), pos + rng.randint(1, 40))
            data[pos:pos] = data[pos:end]
        else:
            data[pos : pos + 3] = rng.choice(LENGTHS).to_bytes(3, "little")
    return bytes(data)


def splits(rng: random.Random, data: bytes) -> Iterator[bytes]:
    if len(data) < 64 and rng.random() < 0.2:
        for i in range(len(data)):
            yield data[i : i + 1]
        return
    i = 0
    while i < len(data):
        n = rng.choice((1, 2, 3, 4, 5, 7, 16, 64, 1 << 20))
        yield data[i : i + n]
        i += n


def fail(kind: str, iteration: int, data: bytes, exc: BaseException | None = None) -> None:
    detail = "".join(traceback.format_exception(exc)) if exc is not None else ""
    pytest.fail(
        f"{kind}: EDB_FUZZ_SEED={SEED} iteration={iteration} input={data.hex()}\n{detail}",
        pytrace=False,
    )


def test_mutated_traffic_through_server_connection() -> None:
    rng = random.Random(SEED)
    hs_seeds, cmd_seeds = handshake_seeds(), command_seeds()
    worst = 0.0
    rejected = 0
    started = time.perf_counter()
    for i in range(ITERATIONS):
        in_handshake = rng.random() < 0.3
        data = mutate(rng, hs_seeds if in_handshake else cmd_seeds)
        chunks = list(splits(rng, data))
        eof = rng.random() < 0.2
        t0 = time.perf_counter()
        try:
            conn = new_connection() if in_handshake else ready_connection()
            drive(conn, chunks, eof=eof)
        except RemoteProtocolError:
            rejected += 1
        except BaseException as exc:
            fail("unexpected exception", i, data, exc)
        elapsed = time.perf_counter() - t0
        worst = max(worst, elapsed)
        if elapsed > PER_INPUT_LIMIT:
            fail(f"input took {elapsed:.3f}s", i, data)
    total = time.perf_counter() - started
    print(
        f"\nmutation fuzz: seed={SEED} inputs={ITERATIONS} rejected={rejected} "
        f"total={total:.1f}s worst={worst * 1000:.1f}ms"
    )


def _greeting() -> bytes:
    caps = Capability(0xFFFFFFFF)
    return encode_handshake_v10(HandshakeV10("8.0.36", 1, bytes(range(1, 21)), caps))


def _registry() -> StatementRegistry:
    reg = StatementRegistry(1 << 16)
    reg.register(2, 3, 1)
    return reg


PAYLOAD_SEEDS: list[bytes] = [
    payload
    for stream in [*handshake_seeds(), *command_seeds()]
    for _, payload in cc.unframe(stream)
] + [
    _greeting(),
    encode_ok(5, 300, 2, 1, info=b"info"),
    encode_ok(0, 0, 2, 0, header=0xFE),
    encode_err(1064, "42000", "syntax"),
    encode_eof(1, 2),
    encode_column_definition(ColumnDef("c", FieldType.MYSQL_TYPE_LONG, table="t")),
    b"\xfemysql_native_password\x00" + bytes(21),
    cc.ssl_request(),
    struct.pack("<BIBI", 0x17, 2, 0, 1)
    + b"\x00\x01"
    + b"\x0c\x00" * 3
    + b"\x0b"
    + bytes(11)
    + b"\x0c"
    + bytes(12)
    + cc.p_datetime(12, datetime.datetime(2020, 1, 1, 1, 1, 1, 1))[2],
    bytes([0x17]) + struct.pack("<IBI", 2, 0, 1) + b"\x00\x00",
]

PARSERS: dict[str, Callable[[bytes], object]] = {
    "parse_handshake_v10": parse_handshake_v10,
    "parse_ssl_request": parse_ssl_request,
    "parse_client_handshake": parse_client_handshake,
    "parse_handshake_response": parse_handshake_response,
    "parse_auth_switch_request": parse_auth_switch_request,
    "parse_ok": parse_ok,
    "parse_err": parse_err,
    "parse_eof": parse_eof,
    "parse_column_definition": parse_column_definition,
    "parse_com_init_db": parse_com_init_db,
    "parse_com_field_list": parse_com_field_list,
    "parse_com_process_kill": parse_com_process_kill,
    "parse_com_set_option": parse_com_set_option,
    "parse_com_stmt_close": parse_com_stmt_close,
    "parse_stmt_execute[0]": lambda p: parse_stmt_execute(p, 0),
    "parse_stmt_execute[3]": lambda p: parse_stmt_execute(p, 3),
    "parse_stmt_execute[3,bound]": lambda p: parse_stmt_execute(
        p, 3, [(8, False), (0xFD, False), (0x0C, False)], {1: b"long"}
    ),
    "parse_stmt_execute[9]": lambda p: parse_stmt_execute(p, 9),
    "decode_command": lambda p: decode_command(p, _registry()),
}


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_each_parser_raises_only_remote_errors(name: str) -> None:
    parser = PARSERS[name]
    rng = random.Random(f"{SEED}:{name}")
    for i in range(PARSE_ITERATIONS):
        data = mutate(rng, PAYLOAD_SEEDS) if i else b""
        try:
            parser(data)
        except RemoteProtocolError:
            pass
        except BaseException as exc:
            fail(f"{name} raised", i, data, exc)


def test_status_flags_survive_round_trip() -> None:
    ok = parse_ok(encode_ok(0, 0, int(ServerStatus.SERVER_MORE_RESULTS_EXISTS), 0))
    assert ok.status == ServerStatus.SERVER_MORE_RESULTS_EXISTS
