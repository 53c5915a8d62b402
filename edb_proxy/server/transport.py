"""The byte transport a connection handler runs over, independent of the event loop.

The connection handler (:mod:`edb_proxy.server.handler`) is plain ``async`` code that awaits
only the methods below, so the same handler runs under asyncio/uvloop
(:mod:`edb_proxy.server.aio`) and trio (:mod:`edb_proxy.server.trio_adapter`).

Contract for implementations:
1. ``recv`` returns at least one byte, or ``b""`` at end of stream; it raises
   :class:`TimeoutError` when ``timeout`` seconds pass with nothing received.
2. ``send`` returns once the data is queued below the high-water mark (back-pressure); it
   raises :class:`TimeoutError` when the peer does not read for ``timeout`` seconds and
   :class:`ConnectionError` when the peer is gone.
3. ``close`` is idempotent and never raises.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Transport"]


class Transport(Protocol):
    """A connected byte stream plus the two timing primitives the handler needs."""

    @property
    def peer(self) -> str:
        """The peer's address, for logs and USER()."""
        ...

    async def recv(self, timeout: float) -> bytes:
        """Receive some bytes (see the module contract)."""
        ...

    async def send(self, data: bytes, timeout: float) -> None:
        """Send bytes with back-pressure (see the module contract)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep without blocking other connections."""
        ...

    def close(self) -> None:
        """Close the connection (idempotent)."""
        ...
