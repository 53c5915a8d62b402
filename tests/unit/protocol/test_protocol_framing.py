"""Packet framing: continuation frames, sequence ids, max_allowed_packet from headers."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from edb_proxy.errors import ER, RemoteProtocolError
from edb_proxy.protocol.framing import PacketReader, frame
from tests.unit.protocol import client_codec as cc

BIG = 0xFFFFFF


def read_all(reader: PacketReader, data: bytes, split: cc.Split) -> list[tuple[int, bytes]]:
    out = []
    for chunk in split(data):
        reader.feed(chunk)
        while (pkt := reader.next_packet()) is not None:
            out.append(pkt)
    return out


def test_small_packets_in_every_split(split: cc.Split) -> None:
    data = cc.frame(b"hello", 0) + cc.frame(b"", 1) + cc.frame(b"x" * 300, 2)
    reader = PacketReader(1 << 20)
    reader.expected_seq = 0
    assert read_all(reader, data, split) == [(0, b"hello"), (1, b""), (2, b"x" * 300)]
    assert reader.buffered == 0


def test_wrong_sequence_id(split: cc.Split) -> None:
    reader = PacketReader(1 << 20)
    reader.expected_seq = 0
    with pytest.raises(RemoteProtocolError) as info:
        read_all(reader, cc.frame(b"x", 3), split)
    assert info.value.kind is ER.ER_NET_PACKETS_OUT_OF_ORDER


def test_sequence_wraps_at_256() -> None:
    reader = PacketReader(1 << 20)
    reader.expected_seq = 255
    assert read_all(reader, cc.frame(b"a", 255) + cc.frame(b"b", 0), cc.split_whole) == [
        (255, b"a"),
        (0, b"b"),
    ]


def test_too_large_decided_from_header_alone() -> None:
    reader = PacketReader(1000)
    reader.feed((1001).to_bytes(3, "little") + b"\x00")  # header only, no body
    with pytest.raises(RemoteProtocolError) as info:
        reader.next_packet()
    assert info.value.kind is ER.ER_NET_PACKET_TOO_LARGE


def test_too_large_continuation_decided_from_second_header() -> None:
    # max is just above one full frame: the second header pushes the total over it.
    reader = PacketReader(BIG + 10)
    reader.feed(BIG.to_bytes(3, "little") + b"\x00")
    reader.feed(bytes(BIG))
    assert reader.next_packet() is None
    reader.feed((11).to_bytes(3, "little") + b"\x01")  # header only
    with pytest.raises(RemoteProtocolError) as info:
        reader.next_packet()
    assert info.value.kind is ER.ER_NET_PACKET_TOO_LARGE


def test_exact_limit_is_accepted() -> None:
    reader = PacketReader(5)
    reader.expected_seq = 0
    assert read_all(reader, cc.frame(b"12345", 0), cc.split_whole) == [(0, b"12345")]


def boundary_split(data: bytes) -> Iterator[bytes]:
    """Cuts around every frame header (±1 byte) and inside bodies: the paths byte-at-a-time
    exercises, without 16 million feed() calls."""
    cuts = {0, len(data)}
    pos = 0
    while pos < len(data):
        n = int.from_bytes(data[pos : pos + 3], "little")
        for c in (pos + 1, pos + 2, pos + 3, pos + 4, pos + 5, pos + 4 + n // 2, pos + 3 + n):
            if 0 < c < len(data):
                cuts.add(c)
        pos += 4 + n
    edges = sorted(cuts)
    for a, b in itertools.pairwise(edges):
        yield data[a:b]


@pytest.mark.parametrize("length", [BIG - 1, BIG, BIG + 1, 2 * BIG])
@pytest.mark.parametrize("how", ["whole", "boundaries"])
def test_continuation_frames(length: int, how: str) -> None:
    payload = b"\xab" * length
    framed, next_seq = frame(payload, 3)
    assert framed == cc.frame(payload, 3)  # independent framing agrees
    nframes = length // BIG + 1
    assert next_seq == 3 + nframes
    assert cc.seqs(framed) == list(range(3, 3 + nframes))
    if length % BIG == 0:  # k * 0xFFFFFF ends with an empty frame
        assert framed[-4:] == bytes([0, 0, 0, 2 + nframes])
    reader = PacketReader(64 * 1024 * 1024)
    reader.expected_seq = 3
    split = cc.split_whole if how == "whole" else boundary_split
    packets = read_all(reader, framed + cc.frame(b"next", next_seq), split)
    assert len(packets) == 2
    assert packets[0][0] == 2 + nframes  # sequence id of the last frame
    assert packets[0][1] == payload
    assert packets[1] == (next_seq, b"next")


def test_continuation_sequence_checked() -> None:
    data = bytearray(cc.frame(bytes(BIG), 0))
    data[4 + BIG + 3] = 7  # corrupt the second frame's sequence id
    reader = PacketReader(64 * 1024 * 1024)
    reader.expected_seq = 0
    with pytest.raises(RemoteProtocolError) as info:
        read_all(reader, bytes(data), cc.split_whole)
    assert info.value.kind is ER.ER_NET_PACKETS_OUT_OF_ORDER


def test_take_buffered_returns_unconsumed_bytes() -> None:
    reader = PacketReader(1000)
    reader.feed(cc.frame(b"abc", 1) + b"\x16\x03\x01")
    assert reader.next_packet() == (1, b"abc")
    assert reader.take_buffered() == b"\x16\x03\x01"
    assert reader.buffered == 0


def test_buffer_compaction_keeps_data() -> None:
    reader = PacketReader(1 << 20)
    reader.expected_seq = None
    data = b"".join(cc.frame(bytes([i % 256]) * 1000, i % 256) for i in range(300))
    packets = read_all(reader, data, cc.SPLITS["random"])
    assert [p for _, p in packets] == [bytes([i % 256]) * 1000 for i in range(300)]
