"""The composition root: builds the database, TLS identity and authenticator, and serves.

``Server`` holds what every connection shares (configuration, database, authenticator, TLS
context, connection registry, counters). Event-loop adapters (:mod:`edb_proxy.server.aio`,
:mod:`edb_proxy.server.trio_adapter`) accept connections and call :meth:`Server.handle`.

Start-up contract (:func:`build_server`):
1. An uninitialized data dir is initialized from the manifest, all-or-nothing; a rejected
   manifest leaves the data dir reusable.
2. An initialized data dir started with a manifest must be started with the *same* manifest
   (same SHA-256); otherwise the server refuses to start rather than silently ignoring it.
3. Relaxed security settings are logged at WARNING on every start.
"""

from __future__ import annotations

import logging
import os
import ssl
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from edb_proxy import __version__
from edb_proxy.control.manifest import Manifest, ManifestError, parse_manifest
from edb_proxy.errors import ER, EdbError, SQLError
from edb_proxy.protocol import DEFAULT_SERVER_CAPABILITIES, Capability, frame
from edb_proxy.protocol.packets import encode_err
from edb_proxy.server.auth import Authenticator
from edb_proxy.server.config import ServerConfig
from edb_proxy.server.handler import ConnectionHandler
from edb_proxy.server.identity import load_or_create_identity
from edb_proxy.server.tlschannel import make_server_context
from edb_proxy.sql import Database

if TYPE_CHECKING:
    from edb_proxy.server.transport import Transport

__all__ = ["Server", "StartupError", "build_server"]

log = logging.getLogger("edb_proxy.server")

SERVER_VERSION = f"8.0.36-edb-proxy-{__version__}"
_MANIFEST_FILE = "manifest.json"
_DB_FILE = "edb.sqlite3"


class StartupError(EdbError):
    """The server cannot start with this configuration (message says why)."""


class Server:
    """Shared state of one server process."""

    def __init__(
        self,
        config: ServerConfig,
        database: Database,
        tls_context: ssl.SSLContext | None,
    ) -> None:
        self.config = config
        self.database = database
        self.tls_context = tls_context
        self.authenticator = Authenticator(
            database, allow_empty_passwords=config.allow_empty_passwords
        )
        self.server_version = SERVER_VERSION
        caps = DEFAULT_SERVER_CAPABILITIES
        if tls_context is None:
            caps &= ~Capability.CLIENT_SSL
        self.capabilities = caps
        self.connections: dict[int, ConnectionHandler] = {}
        self.started = time.monotonic()
        self.questions = 0
        self.auth_failures = 0
        self.refused = 0
        self.shutting_down = False
        self._next_id = 0

    def _allocate_id(self) -> int:
        self._next_id += 1
        return self._next_id

    async def handle(self, transport: Transport) -> None:
        """Serve one accepted connection to completion; never raises."""
        connection_id = self._allocate_id()
        if self.shutting_down or len(self.connections) >= self.config.max_connections:
            self.refused += 1
            kind = ER.ER_SERVER_SHUTDOWN if self.shutting_down else ER.ER_CON_COUNT_ERROR
            message = (
                "Server shutdown in progress" if self.shutting_down else "Too many connections"
            )
            try:
                await transport.send(_error_packet(kind, message), 1.0)
            except Exception:  # noqa: BLE001 - best effort
                pass
            transport.close()
            return
        handler = ConnectionHandler(self, transport, connection_id)
        self.connections[connection_id] = handler
        await handler.run()

    def forget(self, handler: ConnectionHandler) -> None:
        """Remove a finished connection from the registry."""
        self.connections.pop(handler.connection_id, None)

    def note_auth_failure(self) -> None:
        self.auth_failures += 1

    def kill(self, connection_id: int, by_user: str, *, by_id: int = 0) -> None:
        """COM_PROCESS_KILL: close a connection (the SQL layer's KILL rules, privileges).

        Authenticated connections are killed through the database's process list
        (:mod:`edb_proxy.sql.processlist`), which calls the handler's ``on_kill``; a
        connection without a session yet can be closed by the same user only.

        Raises:
            SQLError: 1094 unknown thread id, 1095 not the owner and no privilege.
        """
        if self.database.processes.get(connection_id) is not None:
            self.database.processes.kill_from(by_id, by_user, connection_id, query=False)
            return
        target = self.connections.get(connection_id)
        if target is None:
            raise SQLError(ER.ER_NO_SUCH_THREAD, f"Unknown thread id: {connection_id}")
        if target.user != by_user:
            raise SQLError(ER.ER_KILL_DENIED_ERROR, f"You are not owner of thread {connection_id}")
        target.closing = True
        if not target.busy:
            target.transport.close()

    def statistics(self) -> str:
        """The COM_STATISTICS line."""
        uptime = max(1, int(time.monotonic() - self.started))
        return (
            f"Uptime: {uptime}  Threads: {len(self.connections)}  Questions: {self.questions}  "
            f"Slow queries: 0  Opens: 0  Open tables: 0  "
            f"Queries per second avg: {self.questions / uptime:.3f}"
        )

    def begin_shutdown(self) -> None:
        """Stop taking work: idle connections close now, busy ones after their statement."""
        self.shutting_down = True
        for handler in list(self.connections.values()):
            handler.closing = True
            if not handler.busy:
                handler.transport.close()

    def close(self) -> None:
        """Release the database (after all connections ended)."""
        self.database.close()


def _error_packet(kind: ER, message: str) -> bytes:
    """A framed ERR packet with sequence id 0 (sent instead of the greeting)."""
    packet, _next_seq = frame(encode_err(kind.errno, kind.sqlstate, message), 0)
    return packet


def _load_manifest(data_dir: Path, manifest_path: Path | None) -> Manifest | None:
    stored = data_dir / _MANIFEST_FILE
    given = manifest_path.read_bytes() if manifest_path is not None else None
    if stored.exists():
        stored_raw = stored.read_bytes()
        if given is not None and given != stored_raw:
            raise StartupError(
                f"{data_dir} was initialized with a different manifest "
                f"(sha256 {parse_manifest(stored_raw).sha256}); refusing to start"
            )
        return parse_manifest(stored_raw)
    if given is None:
        return None
    return parse_manifest(given)


def build_server(config: ServerConfig, manifest_path: Path | None) -> Server:
    """Open (or initialize) the data dir and build the :class:`Server`.

    Raises:
        StartupError: no manifest for an uninitialized data dir, a different manifest, an
            invalid manifest, or manifest SQL that fails (nothing is kept in that case).
    """
    data_dir = config.data_dir
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        manifest = _load_manifest(data_dir, manifest_path)
    except ManifestError as exc:
        raise StartupError(f"invalid manifest: {exc}") from None
    if manifest is None:
        raise StartupError(
            f"{data_dir} is not initialized: start with --manifest FILE "
            "(or use `edb-proxy demo` for a ready-made one)"
        )
    config = replace(
        config,
        client_ca_pem=manifest.ca_pem,
        allow_empty_passwords=manifest.allow_empty_passwords,
        debug=manifest.debug,
    )
    variables: dict[str, object] = {
        "require_secure_transport": "ON" if config.require_secure_transport else "OFF",
        "max_allowed_packet": config.max_allowed_packet,
        "max_connections": config.max_connections,
        "port": config.port,
        "have_ssl": "YES",
        "connect_timeout": int(config.connect_timeout),
        "wait_timeout": int(config.wait_timeout),
        "net_read_timeout": int(config.net_read_timeout),
        "net_write_timeout": int(config.net_write_timeout),
        "innodb_lock_wait_timeout": int(config.lock_wait_timeout),
        "edb_max_statement_time": config.max_statement_time,
        "edb_manifest_sha256": manifest.sha256,
        "edb_insecure_settings": ", ".join(config.insecure_settings()) or "none",
    }
    database = Database(data_dir / _DB_FILE, server_version=SERVER_VERSION, variables=variables)
    try:
        if not database.is_initialized():
            # Persist first, initialize second: a crash in between re-runs the (idempotent,
            # all-or-nothing) initialization with the same manifest on the next start.
            stored = data_dir / _MANIFEST_FILE
            fresh = not stored.exists()
            if fresh:
                _persist_manifest(data_dir, manifest_path)
            try:
                database.initialize(
                    list(manifest.sql), allow_empty_passwords=manifest.allow_empty_passwords
                )
            except EdbError as exc:
                if fresh:
                    stored.unlink(missing_ok=True)
                raise StartupError(f"manifest SQL rejected: {exc}") from None
        elif not (data_dir / _MANIFEST_FILE).exists():
            raise StartupError(f"{data_dir} is initialized but its manifest is missing")
        identity_cert = config.tls_cert
        identity_key = config.tls_key
        if identity_cert is None or identity_key is None:
            identity = load_or_create_identity(data_dir, (config.host, *config.extra_hosts))
            identity_cert, identity_key = identity.cert_file, identity.key_file
        tls_context = make_server_context(
            str(identity_cert), str(identity_key), config.client_ca_pem
        )
    except BaseException:
        database.close()
        raise
    for setting in config.insecure_settings():
        log.warning("INSECURE SETTING IN EFFECT: %s", setting)
    return Server(config, database, tls_context)


def _persist_manifest(data_dir: Path, manifest_path: Path | None) -> None:
    assert manifest_path is not None
    raw = manifest_path.read_bytes()
    tmp = data_dir / (_MANIFEST_FILE + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, data_dir / _MANIFEST_FILE)
