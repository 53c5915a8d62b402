"""Server configuration: one frozen record, built by the CLI, reported to clients.

Every relaxation of a security default (``require_secure_transport=False``) is recorded
here and surfaced through :meth:`ServerConfig.insecure_settings`, which the server logs loudly at
start-up and reports in ``@@`` variables (and, later, in attested claims).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_PORT", "ServerConfig"]

DEFAULT_PORT = 3306


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Settings of one server process.

    Attributes:
        data_dir: where the database, TLS identity and state live.
        host, port: listening address (port 0 picks a free port).
        require_secure_transport: refuse clients that do not upgrade to TLS (3159/08004).
        max_connections: connections beyond this get 1040/08004.
        max_allowed_packet: largest client payload; larger gets 1153/08S01.
        connect_timeout: seconds allowed for the whole handshake and authentication.
        wait_timeout: seconds a connection may idle between commands.
        net_read_timeout: seconds allowed for the rest of a packet once it has started.
        net_write_timeout: seconds a blocked write may wait for a slow reader.
        lock_wait_timeout: seconds a statement waits for another session's lock (1205 after).
        shutdown_grace: seconds in-flight statements get to finish on SIGTERM.
        max_statement_time: seconds one statement may run inside SQLite before it is
            interrupted (3024); statements run on the event-loop thread, so this caps how long
            one statement can stall every connection (0 = no cap).
        event_loop: "asyncio" (stdlib), "uvloop" or "trio".
        tls_cert, tls_key: optional PEM files replacing the generated server identity.
        client_ca_pem: PEM client CA (from the manifest) or None.
        allow_empty_passwords: development switch from the manifest.
        debug: manifest-controlled debug logging.
    """

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    require_secure_transport: bool = True
    max_connections: int = 151
    max_allowed_packet: int = 64 * 1024 * 1024
    connect_timeout: float = 10.0
    wait_timeout: float = 28800.0
    net_read_timeout: float = 30.0
    net_write_timeout: float = 60.0
    lock_wait_timeout: float = 50.0
    shutdown_grace: float = 30.0
    max_statement_time: float = 30.0
    event_loop: str = "asyncio"
    tls_cert: Path | None = None
    tls_key: Path | None = None
    client_ca_pem: str | None = None
    allow_empty_passwords: bool = False
    debug: bool = False
    extra_hosts: tuple[str, ...] = field(default_factory=tuple)

    def insecure_settings(self) -> list[str]:
        """Human-readable list of relaxed security settings (empty in production)."""
        found = []
        if not self.require_secure_transport:
            found.append("require_secure_transport=OFF (plaintext logins allowed)")
        if self.allow_empty_passwords:
            found.append("allow_empty_passwords (accounts without a password)")
        if self.debug:
            found.append("debug (logs may contain statement text)")
        return found
