"""asyncio (and uvloop) adapter: listening socket, per-connection transport, signals.

The transport is an ``asyncio.Protocol`` with its own small buffer rather than
``StreamReader``/``StreamWriter``: one future per wait, one timer per deadline, and flow
control in both directions (``pause_reading`` above a high-water mark of unread bytes,
``pause_writing``/``resume_writing`` for slow readers).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from collections.abc import Callable
from typing import Any, cast

from edb_proxy.server.app import Server

__all__ = ["AioTransport", "new_event_loop", "serve_asyncio"]

log = logging.getLogger("edb_proxy.server")

_READ_HIGH_WATER = 1024 * 1024


class AioTransport(asyncio.Protocol):
    """A :class:`~edb_proxy.server.transport.Transport` over an asyncio transport."""

    def __init__(self, on_connect: Callable[[AioTransport], None]) -> None:
        self._on_connect = on_connect
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._eof = False
        self._reading_paused = False
        self._writing_paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._drain: asyncio.Future[None] | None = None
        self._peer = "unknown"

    # asyncio.Protocol callbacks -------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            self._peer = f"{peer[0]}:{peer[1]}"
        self._transport.set_write_buffer_limits(high=256 * 1024)
        self._on_connect(self)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) > _READ_HIGH_WATER and self._transport is not None:
            self._transport.pause_reading()
            self._reading_paused = True
        self._wake()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        self._wake()
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_exception(ConnectionResetError("connection lost"))

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # Transport ------------------------------------------------------------------
    @property
    def peer(self) -> str:
        return self._peer

    async def recv(self, timeout: float) -> bytes:
        if not self._buffer:
            if self._eof:
                return b""
            await self._wait("_waiter", timeout)
            if not self._buffer:
                return b""
        data = bytes(self._buffer)
        self._buffer.clear()
        if self._reading_paused and self._transport is not None:
            self._reading_paused = False
            self._transport.resume_reading()
        return data

    async def _wait(self, slot: str, timeout: float) -> None:
        future: asyncio.Future[None] = self._loop.create_future()
        setattr(self, slot, future)
        timer = self._loop.call_later(timeout, _expire, future)
        try:
            await future
        finally:
            timer.cancel()
            setattr(self, slot, None)

    async def send(self, data: bytes, timeout: float) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("connection closed")
        transport.write(data)
        if self._writing_paused:
            await self._wait("_drain", timeout)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def close(self) -> None:
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.close()
        self._eof = True
        self._wake()


def _expire(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


def new_event_loop(kind: str) -> asyncio.AbstractEventLoop:
    """A new event loop for ``kind``: ``"asyncio"`` (stdlib) or ``"uvloop"``.

    The stdlib loop is the default because it measured faster for this server's pattern
    (one small TLS record in, one out, per query): 4,500 vs 3,050 round trips/s with one
    PyMySQL client on the 2-core machine (``docs/benchmarks.md``).

    Raises:
        ImportError: ``kind == "uvloop"`` and uvloop is not installed.
    """
    if kind == "uvloop":
        import uvloop  # noqa: PLC0415 - optional dependency

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        return loop
    return asyncio.new_event_loop()


async def serve_asyncio(
    server: Server,
    *,
    on_ready: Callable[[int], None] | None = None,
    stop: asyncio.Event | None = None,
    install_signals: bool = True,
) -> None:
    """Serve until SIGTERM/SIGINT (or ``stop`` is set), then shut down gracefully.

    Graceful shutdown: stop listening, close idle connections, let in-flight statements finish
    for up to ``shutdown_grace`` seconds, then cancel what remains and close the database.
    """
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[Any]] = set()
    stop = stop or asyncio.Event()

    def on_connect(transport: AioTransport) -> None:
        task = loop.create_task(server.handle(transport))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    listener = await loop.create_server(
        lambda: AioTransport(on_connect),
        host=server.config.host,
        port=server.config.port,
        reuse_address=True,
        backlog=512,
    )
    port = int(listener.sockets[0].getsockname()[1])
    if install_signals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    if on_ready is not None:
        on_ready(port)
    try:
        await stop.wait()
    finally:
        log.info("shutting down: %d connection(s) open", len(server.connections))
        listener.close()
        server.begin_shutdown()
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=server.config.shutdown_grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)
        await listener.wait_closed()
        if install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        server.close()
        log.info("shutdown complete")
