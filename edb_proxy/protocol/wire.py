"""Bounds-checked readers and writers for MySQL payload data types.

Implements the basic data types of the client/server protocol:
https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_data_types.html

Contracts
1. :class:`PayloadReader` never reads past the end of its payload. Every short read raises
   :class:`~edb_proxy.errors.RemoteProtocolError` with the reader's ``kind``; it never returns a
   partial value and never raises ``IndexError``/``struct.error``.
2. Length-encoded integers follow the manual: ``0xFB`` is the NULL marker (never a length),
   ``0xFF`` is invalid (it starts an ERR packet), ``0xFC``/``0xFD``/``0xFE`` must be followed
   by 2/3/8 bytes (the truncated forms were CVE-2017-3599).
3. Writers return ``bytes`` and raise :class:`~edb_proxy.errors.LocalProtocolError` for values
   the wire cannot carry (negative or too-wide integers, NUL inside a NUL-terminated string).
"""

from __future__ import annotations

import struct
from typing import Any, Final

from edb_proxy.errors import ER, LocalProtocolError, RemoteProtocolError

__all__ = [
    "LENENC_NULL",
    "ONE_BYTE",
    "Buffer",
    "PayloadReader",
    "int1",
    "int2",
    "int3",
    "int4",
    "int6",
    "int8",
    "lenenc_bytes",
    "lenenc_int",
    "nul_bytes",
]

#: Anything the codec accepts as input bytes.
Buffer = bytes | bytearray | memoryview

#: A NULL column value in a text-protocol row (``0xFB``).
LENENC_NULL: Final = b"\xfb"

_U16: Final = struct.Struct("<H")
_U32: Final = struct.Struct("<I")
_U64: Final = struct.Struct("<Q")
_U16U8: Final = struct.Struct("<HB")
_U32U16: Final = struct.Struct("<IH")

#: ``bytes((n,))`` for n < 251: the one-byte length prefixes, precomputed.
ONE_BYTE: Final = tuple(bytes((i,)) for i in range(256))


class PayloadReader:
    """Sequential reader over one packet payload.

    Args:
        data: the payload (not copied; a ``memoryview`` is kept).
        kind: the error kind raised when the payload is malformed.

    Raises:
        RemoteProtocolError: from every method on a short or malformed payload.
    """

    __slots__ = ("_end", "_pos", "_view", "kind")

    def __init__(self, data: Buffer, kind: ER = ER.ER_HANDSHAKE_ERROR, pos: int = 0) -> None:
        view = data if isinstance(data, memoryview) else memoryview(data)
        if view.ndim != 1 or view.itemsize != 1:
            view = view.cast("B")
        self._view = view
        self._pos = pos
        self._end = len(view)
        self.kind = kind

    @property
    def position(self) -> int:
        """Offset of the next unread byte."""
        return self._pos

    def remaining(self) -> int:
        """Number of unread bytes."""
        return self._end - self._pos

    def at_end(self) -> bool:
        """True when every byte has been read."""
        return self._pos >= self._end

    def _need(self, n: int, what: str) -> int:
        pos = self._pos
        if n < 0 or pos + n > self._end:
            raise RemoteProtocolError(
                f"malformed packet: {what} needs {n} bytes, {self._end - pos} left", self.kind
            )
        self._pos = pos + n
        return pos

    def peek(self) -> int:
        """The next byte without consuming it."""
        pos = self._pos
        if pos >= self._end:
            raise RemoteProtocolError("malformed packet: unexpected end", self.kind)
        return self._view[pos]

    def int1(self) -> int:
        """``int<1>``."""
        return self._view[self._need(1, "int<1>")]

    def int2(self) -> int:
        """``int<2>`` little-endian."""
        return int(_U16.unpack_from(self._view, self._need(2, "int<2>"))[0])

    def int3(self) -> int:
        """``int<3>`` little-endian."""
        lo, hi = _U16U8.unpack_from(self._view, self._need(3, "int<3>"))
        return int(lo | (hi << 16))

    def int4(self) -> int:
        """``int<4>`` little-endian."""
        return int(_U32.unpack_from(self._view, self._need(4, "int<4>"))[0])

    def int6(self) -> int:
        """``int<6>`` little-endian."""
        lo, hi = _U32U16.unpack_from(self._view, self._need(6, "int<6>"))
        return int(lo | (hi << 32))

    def int8(self) -> int:
        """``int<8>`` little-endian (unsigned)."""
        return int(_U64.unpack_from(self._view, self._need(8, "int<8>"))[0])

    def unpack(self, fmt: struct.Struct) -> tuple[Any, ...]:
        """Read ``fmt.size`` bytes through a precompiled :class:`struct.Struct`."""
        return fmt.unpack_from(self._view, self._need(fmt.size, "fixed-width value"))

    def lenenc_int(self) -> int:
        """``int<lenenc>``; ``0xFB`` (NULL) and ``0xFF`` are rejected."""
        first = self.int1()
        if first < 0xFB:
            return first
        if first == 0xFC:
            return self.int2()
        if first == 0xFD:
            return self.int3()
        if first == 0xFE:
            return self.int8()
        raise RemoteProtocolError(
            f"malformed packet: 0x{first:02X} is not a length-encoded integer", self.kind
        )

    def fixed(self, n: int) -> bytes:
        """``string<fix>`` of ``n`` bytes."""
        pos = self._need(n, "string<fix>")
        return bytes(self._view[pos : pos + n])

    def skip(self, n: int) -> None:
        """Skip ``n`` bytes (which must exist)."""
        self._need(n, "filler")

    def lenenc_bytes(self) -> bytes:
        """``string<lenenc>``: a length-encoded integer then that many bytes."""
        n = self.lenenc_int()
        pos = self._need(n, "string<lenenc>")
        return bytes(self._view[pos : pos + n])

    def _find_nul(self) -> int:
        pos = self._pos
        view = self._view
        # memoryview has no find(); search the underlying object when the view covers it all.
        obj = view.obj
        if isinstance(obj, bytes | bytearray) and len(obj) == self._end:
            return obj.find(0, pos)
        idx = bytes(view[pos:]).find(0)
        return idx + pos if idx >= 0 else -1

    def has_nul(self) -> bool:
        """True when a NUL byte remains to be read."""
        return self._find_nul() >= 0

    def nul_bytes(self) -> bytes:
        """``string<NUL>``: bytes up to (not including) a NUL, which is consumed."""
        pos = self._pos
        view = self._view
        idx = self._find_nul()
        if idx < 0:
            raise RemoteProtocolError("malformed packet: missing NUL terminator", self.kind)
        self._pos = idx + 1
        return bytes(view[pos:idx])

    def rest(self) -> bytes:
        """``string<EOF>``: everything left."""
        pos = self._pos
        self._pos = self._end
        return bytes(self._view[pos:])


def int1(value: int) -> bytes:
    """Encode ``int<1>``."""
    if not 0 <= value <= 0xFF:
        raise LocalProtocolError(f"int<1> out of range: {value}")
    return ONE_BYTE[value]


def int2(value: int) -> bytes:
    """Encode ``int<2>``."""
    if not 0 <= value <= 0xFFFF:
        raise LocalProtocolError(f"int<2> out of range: {value}")
    return _U16.pack(value)


def int3(value: int) -> bytes:
    """Encode ``int<3>``."""
    if not 0 <= value <= 0xFFFFFF:
        raise LocalProtocolError(f"int<3> out of range: {value}")
    return _U32.pack(value)[:3]


def int4(value: int) -> bytes:
    """Encode ``int<4>``."""
    if not 0 <= value <= 0xFFFFFFFF:
        raise LocalProtocolError(f"int<4> out of range: {value}")
    return _U32.pack(value)


def int6(value: int) -> bytes:
    """Encode ``int<6>``."""
    if not 0 <= value <= 0xFFFFFFFFFFFF:
        raise LocalProtocolError(f"int<6> out of range: {value}")
    return _U64.pack(value)[:6]


def int8(value: int) -> bytes:
    """Encode ``int<8>`` (unsigned)."""
    if not 0 <= value <= 0xFFFFFFFFFFFFFFFF:
        raise LocalProtocolError(f"int<8> out of range: {value}")
    return _U64.pack(value)


def lenenc_int(value: int) -> bytes:
    """Encode ``int<lenenc>`` in its shortest form."""
    if 0 <= value < 0xFB:
        return ONE_BYTE[value]
    if 0 <= value <= 0xFFFF:
        return b"\xfc" + _U16.pack(value)
    if 0 <= value <= 0xFFFFFF:
        return b"\xfd" + _U32.pack(value)[:3]
    if 0 <= value <= 0xFFFFFFFFFFFFFFFF:
        return b"\xfe" + _U64.pack(value)
    raise LocalProtocolError(f"int<lenenc> out of range: {value}")


def lenenc_bytes(value: Buffer) -> bytes:
    """Encode ``string<lenenc>``."""
    n = len(value)
    if n < 0xFB:
        return ONE_BYTE[n] + value
    return lenenc_int(n) + value


def nul_bytes(value: Buffer) -> bytes:
    """Encode ``string<NUL>``; a NUL inside ``value`` is a local error."""
    data = bytes(value)
    if b"\x00" in data:
        raise LocalProtocolError("NUL byte inside a NUL-terminated string")
    return data + b"\x00"
