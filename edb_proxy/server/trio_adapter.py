"""trio adapter over the same connection handler.

Embeddable from a trio program::

    server = build_server(config, manifest_path)
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve_trio, server)

``serve_trio`` reports the bound port through ``task_status`` and serves until cancelled; on
cancellation it shuts down like the asyncio adapter (idle connections close, in-flight
statements get ``shutdown_grace`` seconds).
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import trio

from edb_proxy.server.app import Server

__all__ = ["TrioTransport", "run_trio", "serve_trio"]

log = logging.getLogger("edb_proxy.server")


class TrioTransport:
    """A :class:`~edb_proxy.server.transport.Transport` over a ``trio.SocketStream``."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self._stream = stream
        self._closed = False
        try:
            stream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            host, port = stream.socket.getpeername()[:2]
            self._peer = f"{host}:{port}"
        except OSError:
            self._peer = "unknown"

    @property
    def peer(self) -> str:
        return self._peer

    async def recv(self, timeout: float) -> bytes:
        if self._closed:
            return b""
        try:
            with trio.fail_after(timeout):
                data: bytes = await self._stream.receive_some(256 * 1024)
                return data
        except trio.TooSlowError:
            raise TimeoutError from None
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            return b""

    async def send(self, data: bytes, timeout: float) -> None:
        if self._closed:
            raise ConnectionResetError("connection closed")
        try:
            with trio.fail_after(timeout):
                await self._stream.send_all(data)
        except trio.TooSlowError:
            raise TimeoutError from None
        except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            raise ConnectionResetError(str(exc)) from None

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(seconds)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        sock = self._stream.socket
        try:
            trio.lowlevel.notify_closing(sock)
        except Exception:  # noqa: BLE001 - best effort
            pass
        sock.close()


async def serve_trio(
    server: Server,
    *,
    stop: trio.Event | None = None,
    task_status: Any = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``server`` on trio until ``stop`` is set (graceful) or the task is cancelled."""
    listeners = await trio.open_tcp_listeners(
        server.config.port, host=server.config.host, backlog=512
    )
    port = int(listeners[0].socket.getsockname()[1])

    async def handle(stream: trio.SocketStream) -> None:
        await server.handle(TrioTransport(stream))

    try:
        async with trio.open_nursery() as connections:
            accepting = trio.CancelScope()

            async def accept(task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
                with accepting:
                    await trio.serve_listeners(
                        handle, listeners, handler_nursery=connections, task_status=task_status
                    )

            await connections.start(accept)
            task_status.started(port)
            if stop is None:
                await trio.sleep_forever()
            else:
                await stop.wait()
            accepting.cancel()
            server.begin_shutdown()
            with trio.move_on_after(server.config.shutdown_grace):
                while server.connections:
                    await trio.sleep(0.05)
            connections.cancel_scope.cancel()
    finally:
        server.begin_shutdown()
        server.close()
        log.info("shutdown complete")


async def run_trio(server: Server, on_ready: Any = None) -> None:
    """Serve with SIGTERM/SIGINT triggering a graceful shutdown (the CLI's trio mode)."""
    import signal  # noqa: PLC0415

    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        port = await nursery.start(
            lambda task_status: serve_trio(server, stop=stop, task_status=task_status)
        )
        if on_ready is not None:
            on_ready(port)
        with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async for _ in signals:
                stop.set()
                break
