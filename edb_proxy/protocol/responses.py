"""Framed response building blocks shared by ``ServerConnection``'s response methods.

Contracts
1. Every helper returns complete frames (4-byte headers included) and the next sequence id;
   payloads of 0xFFFFFF bytes or more are split into continuation frames.
2. Column metadata blocks are cached per column list (by the identity of the frozen
   ``ColumnDef`` objects, which the cache keeps alive) and per starting sequence id, so a
   repeated point-select re-sends cached bytes instead of re-encoding definitions.
3. The end of a result set follows MySQL's ``send_eof``: a 5-byte EOF packet, or an OK packet
   with header ``0xFE`` when the client negotiated ``CLIENT_DEPRECATE_EOF``.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from edb_proxy.fieldtypes import ColumnDef
from edb_proxy.protocol.binary import ValueEncoder, binary_encoders
from edb_proxy.protocol.constants import MAX_FRAME_PAYLOAD
from edb_proxy.protocol.framing import frame
from edb_proxy.protocol.packets import encode_eof, encode_ok
from edb_proxy.protocol.results import encode_column_definition
from edb_proxy.protocol.wire import lenenc_int

__all__ = [
    "ColumnsCache",
    "append_framed",
    "column_block",
    "columns_cache",
    "end_packet",
    "end_payload",
]

_pack_header = struct.Struct("<I").pack


def append_framed(payload: bytes, seq: int, parts: list[bytes]) -> int:
    """Append ``payload`` framed at ``seq`` to ``parts``; return the next sequence id."""
    n = len(payload)
    if n < MAX_FRAME_PAYLOAD:
        parts.append(_pack_header(n | (seq << 24)))
        parts.append(payload)
        return (seq + 1) & 0xFF
    data, seq = frame(payload, seq)
    parts.append(data)
    return seq


def end_packet(deprecate_eof: bool, status: int, warnings: int) -> bytes:
    """MySQL's ``send_eof``: an EOF, or an OK with header 0xFE under CLIENT_DEPRECATE_EOF."""
    if deprecate_eof:
        return encode_ok(0, 0, status, warnings, header=0xFE)
    return encode_eof(warnings, status)


def column_block(
    columns: tuple[ColumnDef, ...], seq: int, eof_status: int | None, count: bool
) -> tuple[bytes, int]:
    """[column count,] column definitions [, EOF], framed starting at ``seq``."""
    parts: list[bytes] = []
    if count:
        seq = append_framed(lenenc_int(len(columns)), seq, parts)
    for col in columns:
        seq = append_framed(encode_column_definition(col), seq, parts)
    if eof_status is not None:
        seq = append_framed(encode_eof(0, eof_status), seq, parts)
    return b"".join(parts), seq


class ColumnsCache:
    """Per column-list cache: framed metadata blocks and binary encoders.

    Looked up by the identities of the (frozen) ``ColumnDef`` objects, which the entry keeps
    alive, so an id cannot be reused while its entry exists. The SQL layer typically reuses
    the same ``ColumnDef`` objects for a statement, making this cheaper than hashing them.
    """

    __slots__ = ("blocks", "columns", "encoders")

    def __init__(self, columns: tuple[ColumnDef, ...]) -> None:
        self.columns = columns
        self.blocks: dict[tuple[int, int | None, bool], tuple[bytes, int]] = {}
        self.encoders: tuple[ValueEncoder, ...] | None = None

    def block(self, seq: int, eof_status: int | None, count: bool) -> tuple[bytes, int]:
        key = (seq, eof_status, count)
        found = self.blocks.get(key)
        if found is None:
            if len(self.blocks) >= _MAX_BLOCKS:
                self.blocks.clear()
            found = self.blocks[key] = column_block(self.columns, seq, eof_status, count)
        return found

    def binary_encoders(self) -> tuple[ValueEncoder, ...]:
        encoders = self.encoders
        if encoders is None:
            encoders = self.encoders = binary_encoders(self.columns)
        return encoders


_MAX_BLOCKS: Final = 16
_MAX_COLUMN_LISTS: Final = 4096
_COLUMN_LISTS: dict[tuple[int, ...], ColumnsCache] = {}


def columns_cache(columns: Sequence[ColumnDef]) -> ColumnsCache:
    key = tuple(map(id, columns))
    found = _COLUMN_LISTS.get(key)
    if found is None:
        if len(_COLUMN_LISTS) >= _MAX_COLUMN_LISTS:
            _COLUMN_LISTS.clear()
        found = _COLUMN_LISTS[key] = ColumnsCache(tuple(columns))
    return found


@lru_cache(maxsize=256)
def end_payload(deprecate_eof: bool, status: int, warnings: int) -> bytes:
    return end_packet(deprecate_eof, status, warnings)
