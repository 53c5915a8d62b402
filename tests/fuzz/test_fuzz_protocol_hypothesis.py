"""Property: for arbitrary bytes fed in arbitrary splits to a ServerConnection (before or after
a completed handshake), the only exception that escapes the codec is RemoteProtocolError."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edb_proxy.errors import RemoteProtocolError
from tests.fuzz.protocol_harness import (
    command_seeds,
    drive,
    handshake_seeds,
    new_connection,
    ready_connection,
)

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)


def chunks(data: bytes, cuts: list[int]) -> Iterator[bytes]:
    edges = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    for a, b in itertools.pairwise(edges):
        yield data[a:b]


def run(conn_factory: object, data: bytes, cuts: list[int], eof: bool) -> None:
    conn = conn_factory()  # type: ignore[operator]
    try:
        drive(conn, chunks(data, cuts), eof=eof)
    except RemoteProtocolError:
        pass  # the one allowed exception; anything else fails the property


@SETTINGS
@given(st.binary(max_size=600), st.lists(st.integers(0, 10_000), max_size=12), st.booleans())
def test_fresh_connection_raises_only_remote_errors(
    data: bytes, cuts: list[int], eof: bool
) -> None:
    run(new_connection, data, cuts, eof)


@SETTINGS
@given(st.binary(max_size=600), st.lists(st.integers(0, 10_000), max_size=12), st.booleans())
def test_command_phase_raises_only_remote_errors(data: bytes, cuts: list[int], eof: bool) -> None:
    run(ready_connection, data, cuts, eof)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 4))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["set", "cut", "insert"]))
        if op == "set":
            data[pos] = draw(
                st.sampled_from(
                    [
                        0x00,
                        0x01,
                        0x7F,
                        0x80,
                        0xFB,
                        0xFC,
                        0xFD,
                        0xFE,
                        0xFF,
                        draw(st.integers(0, 255)),
                    ]
                )
            )
        elif op == "cut":
            del data[pos:]
        else:
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


@SETTINGS
@given(mutated(handshake_seeds()), st.lists(st.integers(0, 10_000), max_size=8), st.booleans())
def test_mutated_handshakes(data: bytes, cuts: list[int], eof: bool) -> None:
    run(new_connection, data, cuts, eof)


@SETTINGS
@given(mutated(command_seeds()), st.lists(st.integers(0, 10_000), max_size=8), st.booleans())
def test_mutated_commands(data: bytes, cuts: list[int], eof: bool) -> None:
    run(ready_connection, data, cuts, eof)


@pytest.mark.parametrize("seed", range(len(command_seeds())))
def test_command_seeds_are_valid(seed: int) -> None:
    drive(ready_connection(), [command_seeds()[seed]])


@pytest.mark.parametrize("seed", range(len(handshake_seeds())))
def test_handshake_seeds_are_valid(seed: int) -> None:
    drive(new_connection(), [handshake_seeds()[seed]])
