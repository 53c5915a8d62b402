"""Payload reader/writer tests, including the CVE-2017-3599 length-encoded integer cases."""

from __future__ import annotations

import struct

import pytest

from edb_proxy.errors import ER, LocalProtocolError, RemoteProtocolError
from edb_proxy.protocol import wire
from edb_proxy.protocol.wire import PayloadReader


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_fixed_ints(kind: type) -> None:
    data = kind(
        bytes([0x01])
        + struct.pack("<H", 0x0203)
        + (0x040506).to_bytes(3, "little")
        + struct.pack("<I", 0x0708090A)
        + (0x0B0C0D0E0F10).to_bytes(6, "little")
        + struct.pack("<Q", 0x1112131415161718)
    )
    r = PayloadReader(data)
    assert r.int1() == 0x01
    assert r.int2() == 0x0203
    assert r.int3() == 0x040506
    assert r.int4() == 0x0708090A
    assert r.int6() == 0x0B0C0D0E0F10
    assert r.int8() == 0x1112131415161718
    assert r.at_end()


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b"\x00", 0),
        (b"\xfa", 250),
        (b"\xfc\xfb\x00", 251),
        (b"\xfc\xff\xff", 0xFFFF),
        (b"\xfd\x00\x00\x01", 0x10000),
        (b"\xfe" + struct.pack("<Q", 2**64 - 1), 2**64 - 1),
    ],
)
def test_lenenc_int_valid(data: bytes, value: int) -> None:
    r = PayloadReader(data)
    assert r.lenenc_int() == value
    assert r.at_end()
    assert wire.lenenc_int(value) == data


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xfb",  # NULL marker is not a length
        b"\xff",  # starts an ERR packet
        b"\xfc",
        b"\xfc\x01",  # 0xFC with 1 byte (needs 2)
        b"\xfd\x01\x02",  # needs 3
        b"\xfe\x01\x02\x03\x04\x05\x06\x07",  # 0xFE with 7 bytes (needs 8)
    ],
)
def test_lenenc_int_malformed_never_reads_past_end(data: bytes) -> None:
    r = PayloadReader(data, ER.ER_WRONG_ARGUMENTS)
    with pytest.raises(RemoteProtocolError) as info:
        r.lenenc_int()
    assert info.value.kind is ER.ER_WRONG_ARGUMENTS


def test_lenenc_string_length_beyond_payload() -> None:
    with pytest.raises(RemoteProtocolError):
        PayloadReader(b"\x05abc").lenenc_bytes()
    with pytest.raises(RemoteProtocolError):
        PayloadReader(b"\xfe" + struct.pack("<Q", 2**63)).lenenc_bytes()


def test_lenenc_string_inside_larger_view() -> None:
    # A reader over a slice must not see the bytes after the slice.
    backing = b"\x03abcdef"
    r = PayloadReader(memoryview(backing)[:3])
    with pytest.raises(RemoteProtocolError):
        r.lenenc_bytes()


def test_nul_and_rest_strings() -> None:
    r = PayloadReader(b"user\x00db\x00tail")
    assert r.has_nul()
    assert r.nul_bytes() == b"user"
    assert r.nul_bytes() == b"db"
    assert not r.has_nul()
    with pytest.raises(RemoteProtocolError):
        r.nul_bytes()
    assert r.rest() == b"tail"
    assert r.rest() == b""


def test_nul_string_in_memoryview_slice() -> None:
    r = PayloadReader(memoryview(b"xxab\x00cd")[2:])
    assert r.nul_bytes() == b"ab"
    assert r.rest() == b"cd"


def test_fixed_and_skip_bounds() -> None:
    r = PayloadReader(b"abc")
    assert r.fixed(2) == b"ab"
    with pytest.raises(RemoteProtocolError):
        r.fixed(2)
    with pytest.raises(RemoteProtocolError):
        r.skip(5)
    assert r.remaining() == 1
    assert r.peek() == ord("c")


def test_short_reads_raise_remote_errors_for_every_width() -> None:
    for method in ("int1", "int2", "int3", "int4", "int6", "int8", "lenenc_int", "peek"):
        with pytest.raises(RemoteProtocolError):
            getattr(PayloadReader(b""), method)()


@pytest.mark.parametrize(
    ("fn", "bad"),
    [
        (wire.int1, 256),
        (wire.int2, -1),
        (wire.int3, 1 << 24),
        (wire.int4, 1 << 32),
        (wire.int6, 1 << 48),
        (wire.int8, 1 << 64),
        (wire.lenenc_int, -1),
        (wire.lenenc_int, 1 << 64),
    ],
)
def test_writers_reject_out_of_range(fn: object, bad: int) -> None:
    with pytest.raises(LocalProtocolError):
        fn(bad)  # type: ignore[operator]


def test_writers_round_trip() -> None:
    data = (
        wire.int1(7)
        + wire.int2(513)
        + wire.int3(70000)
        + wire.int4(2**31)
        + wire.int6(2**40)
        + wire.int8(2**63)
        + wire.lenenc_bytes(b"x" * 300)
        + wire.nul_bytes(b"abc")
    )
    r = PayloadReader(data)
    assert (r.int1(), r.int2(), r.int3(), r.int4(), r.int6(), r.int8()) == (
        7,
        513,
        70000,
        2**31,
        2**40,
        2**63,
    )
    assert r.lenenc_bytes() == b"x" * 300
    assert r.nul_bytes() == b"abc"
    with pytest.raises(LocalProtocolError):
        wire.nul_bytes(b"a\x00b")
