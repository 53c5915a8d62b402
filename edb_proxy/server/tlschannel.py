"""TLS over a :class:`~edb_proxy.server.transport.Transport`, using ``ssl.MemoryBIO``.

Theory of operation
-------------------
MySQL upgrades to TLS in the middle of its own protocol: the client sends a plaintext
SSLRequest, then the TLS handshake starts on the same socket. asyncio's ``start_tls()`` has had
hangs in exactly this situation (CPython gh-142352, uvloop #707), and trio's TLS stream cannot be
shared with asyncio. So TLS is done here, in memory: raw bytes from the transport are written
into an incoming ``MemoryBIO``, ``SSLObject`` turns them into plaintext, and ciphertext it
produces is taken from an outgoing ``MemoryBIO`` and handed to the transport. This keeps one
TLS implementation for every event loop.

Invariants
1. Bytes that arrived before the upgrade but after the SSLRequest (a pipelined ClientHello) are
   fed into the incoming BIO first, never into the MySQL codec.
2. Every TLS record the SSL object produces is sent before we wait for the peer again
   (otherwise both sides would wait for each other).
3. ``recv`` returns plaintext only; ``b""`` means the peer closed (clean or not).
"""

from __future__ import annotations

import ssl
import time

from edb_proxy.server.transport import Transport

__all__ = ["TLSChannel", "TLSHandshakeError"]

_READ_CHUNK = 256 * 1024


class TLSHandshakeError(ConnectionError):
    """The TLS handshake failed (bad client certificate, protocol version, garbage)."""


class TLSChannel:
    """A plaintext view of a TLS session carried over ``transport``."""

    __slots__ = ("_in", "_obj", "_out", "_transport")

    def __init__(self, transport: Transport, context: ssl.SSLContext, early: bytes) -> None:
        self._transport = transport
        self._in = ssl.MemoryBIO()
        self._out = ssl.MemoryBIO()
        self._obj = context.wrap_bio(self._in, self._out, server_side=True)
        if early:
            self._in.write(early)

    @property
    def ssl_object(self) -> ssl.SSLObject:
        return self._obj

    async def _flush(self, timeout: float) -> None:
        pending = self._out.read()
        if pending:
            await self._transport.send(pending, timeout)

    async def handshake(self, deadline: float) -> None:
        """Complete the server side of the TLS handshake before the monotonic ``deadline``.

        Raises:
            TLSHandshakeError: the handshake failed or the peer closed.
            TimeoutError: the deadline passed.
        """
        while True:
            try:
                self._obj.do_handshake()
            except ssl.SSLWantReadError:
                await self._flush(max(0.0, deadline - time.monotonic()))
                data = await self._transport.recv(max(0.001, deadline - time.monotonic()))
                if not data:
                    raise TLSHandshakeError("peer closed during the TLS handshake") from None
                self._in.write(data)
                continue
            except ssl.SSLError as exc:
                # Send the alert the SSL object produced, so the client learns why.
                try:
                    await self._flush(1.0)
                except (OSError, TimeoutError):
                    pass
                raise TLSHandshakeError(f"TLS handshake failed: {exc.reason or exc}") from None
            await self._flush(max(0.001, deadline - time.monotonic()))
            return

    async def recv(self, timeout: float) -> bytes:
        """Return decrypted bytes (at least one), or ``b""`` when the peer closed."""
        while True:
            try:
                return self._obj.read(_READ_CHUNK)
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLZeroReturnError:
                return b""
            except ssl.SSLError:
                return b""
            # TLS 1.3 post-handshake messages (tickets) may need sending first.
            await self._flush(timeout)
            data = await self._transport.recv(timeout)
            if not data:
                return b""
            self._in.write(data)

    def pending(self) -> bool:
        """True when decrypted bytes may be available without reading the socket."""
        return self._obj.pending() > 0 or self._in.pending > 0

    async def send(self, data: bytes, timeout: float) -> None:
        """Encrypt and send ``data``."""
        self._obj.write(data)
        await self._transport.send(self._out.read(), timeout)

    def peer_certificate(self) -> dict[str, object] | None:
        """The verified client certificate (``getpeercert()`` form) or None."""
        cert = self._obj.getpeercert()
        return dict(cert) if cert else None

    def close_notify(self) -> bytes:
        """Produce a close_notify alert to send before closing (best effort)."""
        try:
            self._obj.unwrap()
        except (ssl.SSLError, ValueError):
            pass
        return self._out.read()


def make_server_context(
    cert_file: str, key_file: str, client_ca_pem: str | None
) -> ssl.SSLContext:
    """Build the server's TLS context: TLS 1.2 and 1.3 only, strong ciphers.

    When ``client_ca_pem`` is given, a client certificate is optional but, if presented, must
    chain to that CA (the handshake fails otherwise). Without it, client certificates are
    not requested and X.509 accounts cannot log in.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!DSS:!RC4:!3DES")
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    ctx.load_cert_chain(cert_file, key_file)
    if client_ca_pem:
        ctx.load_verify_locations(cadata=client_ca_pem)
        ctx.verify_mode = ssl.CERT_OPTIONAL
    else:
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


__all__ += ["make_server_context"]
