"""MySQL packet framing: 4-byte headers, sequence ids and 16 MiB continuation frames.

Implements https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_packets.html

Theory of operation
-------------------
A frame is ``int<3> length, int<1> sequence_id, byte<length> body``. A logical packet whose
payload is 0xFFFFFF bytes or longer is split into frames of exactly 0xFFFFFF bytes followed by
one shorter frame (possibly empty); every frame carries the next sequence id.

:class:`PacketReader` keeps one ``bytearray`` and an offset. It examines each frame header as
soon as its four bytes are buffered, *before* the body arrives, and only copies bytes out once a
whole logical packet is buffered (one copy: frames are joined through a ``memoryview``).

Invariants
1. A header is checked exactly once, when it first becomes available: the sequence id must be
   ``expected_seq`` (first frame; unchecked if ``None``) or the previous frame's id + 1 (mod
   256), else ``ER_NET_PACKETS_OUT_OF_ORDER``.
2. The running payload total is compared with ``max_payload`` on each header, so an oversized
   packet is refused (``ER_NET_PACKET_TOO_LARGE``) from its header alone, without waiting for
   or buffering its body.
3. Bytes after the current logical packet are never interpreted until the caller asks for the
   next packet; :meth:`PacketReader.take_buffered` hands them back untouched.
4. After a :class:`~edb_proxy.errors.RemoteProtocolError` the reader is unusable.
"""

from __future__ import annotations

import struct
from typing import Final

from edb_proxy.errors import ER, RemoteProtocolError
from edb_proxy.protocol.constants import MAX_FRAME_PAYLOAD
from edb_proxy.protocol.wire import Buffer

__all__ = ["PacketReader", "frame"]

_HEADER: Final = struct.Struct("<I")
_pack_header = _HEADER.pack
_unpack_header = _HEADER.unpack_from
_COMPACT_AT: Final = 64 * 1024


class PacketReader:
    """Reassembles logical packets from a byte stream.

    Args:
        max_payload: the largest logical payload accepted (``max_allowed_packet``).

    Attributes:
        expected_seq: sequence id the next packet's first frame must carry, or ``None`` to
            accept any. Updated to ``last_seq + 1`` after each packet; the owner overrides it
            when the conversation resets (e.g. 0 for each new command).
    """

    __slots__ = (
        "_buf",
        "_expect",
        "_frames",
        "_more",
        "_off",
        "_pending_end",
        "_scan",
        "_total",
        "expected_seq",
        "last_seq",
        "max_payload",
    )

    def __init__(self, max_payload: int) -> None:
        self.max_payload = max_payload
        self.expected_seq: int | None = None
        #: Sequence id of the last frame header examined by the slow path (for error replies).
        self.last_seq: int | None = None
        self._buf = bytearray()
        self._off = 0  # start of the packet being assembled
        self._scan = 0  # offset of the next header to examine
        self._pending_end = -1  # end of the current frame body, -1 = header not read yet
        self._frames: list[tuple[int, int]] = []
        self._total = 0
        self._expect = 0
        self._more = False

    def feed(self, data: Buffer) -> None:
        """Append received bytes."""
        self._buf += data

    @property
    def buffered(self) -> int:
        """Number of bytes received but not yet returned as packets."""
        return len(self._buf) - self._off

    def take_buffered(self) -> bytes:
        """Remove and return every byte not yet returned as part of a packet."""
        data = bytes(self._buf[self._off :])
        self._reset_scan(0)
        self._buf.clear()
        return data

    def _reset_scan(self, offset: int) -> None:
        self._off = self._scan = offset
        self._pending_end = -1
        self._frames = []
        self._total = 0

    def next_packet(self) -> tuple[int, bytes] | None:
        """Return ``(sequence id of the last frame, payload)`` or ``None`` if incomplete.

        Raises:
            RemoteProtocolError: ``ER_NET_PACKETS_OUT_OF_ORDER`` or ``ER_NET_PACKET_TOO_LARGE``.
        """
        buf = self._buf
        avail = len(buf)
        if self._pending_end < 0 and not self._frames:
            # Fast path: one complete single-frame packet with the expected id, within limits.
            off = self._scan
            if avail - off >= 4:
                word = _unpack_header(buf, off)[0]
                length = word & 0xFFFFFF
                end = off + 4 + length
                seq = word >> 24
                want = self.expected_seq
                if (
                    end <= avail
                    and length < MAX_FRAME_PAYLOAD
                    and length <= self.max_payload
                    and (want is None or seq == want)
                ):
                    payload = bytes(buf[off + 4 : end])
                    self.expected_seq = (seq + 1) & 0xFF
                    self._consumed(end, avail)
                    return seq, payload
        while True:
            if self._pending_end < 0:
                scan = self._scan
                if avail - scan < 4:
                    return None
                word = _unpack_header(buf, scan)[0]
                length = word & 0xFFFFFF
                seq = word >> 24
                want = self._expect if self._frames else self.expected_seq
                self.last_seq = seq
                if want is not None and seq != want:
                    raise RemoteProtocolError(
                        f"got packet with sequence id {seq}, expected {want}",
                        ER.ER_NET_PACKETS_OUT_OF_ORDER,
                    )
                total = self._total + length
                if total > self.max_payload:
                    raise RemoteProtocolError(
                        f"packet of at least {total} bytes exceeds max_allowed_packet "
                        f"({self.max_payload})",
                        ER.ER_NET_PACKET_TOO_LARGE,
                    )
                self._total = total
                self._expect = (seq + 1) & 0xFF
                self._more = length == MAX_FRAME_PAYLOAD
                start = scan + 4
                self._pending_end = start + length
                self._frames.append((start, start + length))
            end = self._pending_end
            if avail < end:
                return None
            self._scan = end
            self._pending_end = -1
            if not self._more:
                break
        frames = self._frames
        with memoryview(buf) as view:
            if len(frames) == 1:
                start, end = frames[0]
                payload = bytes(view[start:end])
            else:
                payload = b"".join([view[s:e] for s, e in frames])
        last_seq = (self._expect - 1) & 0xFF
        self.expected_seq = self._expect
        self._consumed(end, avail)
        return last_seq, payload

    def _consumed(self, end: int, avail: int) -> None:
        """Forget bytes up to ``end``; compact the buffer when cheap or necessary."""
        if end == avail:
            self._buf.clear()
            end = 0
        elif end >= _COMPACT_AT and end * 2 >= avail:
            del self._buf[:end]
            end = 0
        self._off = self._scan = end
        self._pending_end = -1
        if self._frames:
            self._frames = []
        self._total = 0


def frame(payload: Buffer, seq: int) -> tuple[bytes, int]:
    """Frame ``payload`` starting at sequence id ``seq``.

    Returns:
        ``(wire bytes, next sequence id)``; payloads of 0xFFFFFF bytes or more are split into
        continuation frames, ending with a shorter (possibly empty) frame.
    """
    n = len(payload)
    if n < MAX_FRAME_PAYLOAD:
        return _pack_header(n | (seq << 24)) + payload, (seq + 1) & 0xFF
    parts: list[bytes | memoryview] = []
    pos = 0
    with memoryview(payload) as view:
        while True:
            chunk = min(n - pos, MAX_FRAME_PAYLOAD)
            parts.append(_pack_header(chunk | (seq << 24)))
            parts.append(view[pos : pos + chunk])
            seq = (seq + 1) & 0xFF
            pos += chunk
            if chunk < MAX_FRAME_PAYLOAD:
                break
        data = b"".join(parts)
    return data, seq
