"""One client connection: handshake, TLS upgrade, authentication, command loop.

Theory of operation
-------------------
The handler is plain ``async`` code over a :class:`~edb_proxy.server.transport.Transport`, so
the same code runs under asyncio/uvloop and trio. Bytes go through the sans-I/O codec
(:class:`edb_proxy.protocol.ServerConnection`); statements go to the SQL layer
(:class:`edb_proxy.sql.api.SessionAPI`). Before the TLS upgrade the handler feeds the codec
exactly one packet at a time, so bytes that follow the SSLRequest (the TLS ClientHello) never
reach the codec; they go into the TLS channel instead.

Invariants
1. A client that does not upgrade to TLS while ``require_secure_transport`` is on gets
   3159/08004 in reply to its first packet, before any credential is looked at.
2. Every deadline is enforced: ``connect_timeout`` for greeting to authenticated,
   ``net_read_timeout`` for the rest of a started packet, ``wait_timeout`` between commands,
   ``net_write_timeout`` for a slow reader.
3. Protocol violations get the codec's error kind (1153, 1156, 1043, ...) and a close; SQL
   errors get an ERR packet and the connection keeps serving; anything unexpected becomes
   ER_INTERNAL_ERROR with a correlation id in the log, never a traceback to the client.
4. A statement that meets a lock (EngineBusy) is retried after an asynchronous back-off, so
   one waiting session never blocks the event loop; after ``lock_wait_timeout`` it fails 1205.
5. Logs carry no statement text, values or credentials unless the manifest allows debug.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from edb_proxy.errors import (
    ER,
    AuthenticationError,
    EngineBusy,
    ProtocolError,
    RemoteProtocolError,
    SQLError,
    code_locations,
)
from edb_proxy.fieldtypes import ColumnDef, Value
from edb_proxy.protocol import (
    AuthData,
    BadCommand,
    Capability,
    ComFieldList,
    ComInitDB,
    ComPing,
    ComProcessKill,
    ComQuery,
    ComQuit,
    ComResetConnection,
    ComSetOption,
    ComStatistics,
    ComStmtClose,
    ComStmtExecute,
    ComStmtFetch,
    ComStmtPrepare,
    ComStmtReset,
    ConnectionClosed,
    HandshakeResponse,
    ServerConnection,
    ServerStatus,
    SSLRequest,
)
from edb_proxy.server.auth import AuthContext
from edb_proxy.server.tlschannel import TLSChannel, TLSHandshakeError
from edb_proxy.sql.api import OkResult, PreparedStatement, Result, ResultSet, SessionAPI

if TYPE_CHECKING:
    from edb_proxy.server.app import Server
    from edb_proxy.server.transport import Transport

__all__ = ["ConnectionHandler"]

log = logging.getLogger("edb_proxy.connection")

_T = TypeVar("_T")
_CURSOR_TYPE_READ_ONLY = 0x01


class _Closed(Exception):
    """The peer went away or the connection must end now (no reply possible)."""


class _Cursor:
    __slots__ = ("columns", "rows")

    def __init__(self, columns: Sequence[ColumnDef], rows: Iterator[Sequence[Value]]) -> None:
        self.columns = columns
        self.rows = rows


class ConnectionHandler:
    """Serves one client connection until it ends."""

    def __init__(self, server: Server, transport: Transport, connection_id: int) -> None:
        self.server = server
        self.transport = transport
        self.connection_id = connection_id
        self.user = ""
        self.busy = False
        self.closing = False
        self._config = server.config
        caps = server.capabilities
        self.conn = ServerConnection(
            connection_id=connection_id,
            server_version=server.server_version,
            capabilities=caps,
            max_allowed_packet=self._config.max_allowed_packet,
        )
        self._raw = bytearray()
        self._tls: TLSChannel | None = None
        self._session: SessionAPI | None = None
        self._prepared: dict[int, PreparedStatement] = {}
        self._cursors: dict[int, _Cursor] = {}
        self._next_stmt_id = 1

    # ------------------------------------------------------------------ I/O helpers
    async def _send(self, data: bytes) -> None:
        if not data:
            return
        try:
            if self._tls is not None:
                await self._tls.send(data, self._config.net_write_timeout)
            else:
                await self.transport.send(data, self._config.net_write_timeout)
        except (ConnectionError, OSError, TimeoutError) as exc:
            raise _Closed(str(exc)) from None

    async def _recv(self, timeout: float) -> bytes:
        try:
            if self._tls is not None:
                return await self._tls.recv(timeout)
            if self._raw:
                data = bytes(self._raw)
                self._raw.clear()
                return data
            return await self.transport.recv(timeout)
        except (ConnectionError, OSError) as exc:
            raise _Closed(str(exc)) from None

    async def _raw_fill(self, need: int, deadline: float) -> None:
        while len(self._raw) < need:
            data = await self.transport.recv(max(0.001, deadline - time.monotonic()))
            if not data:
                raise _Closed("peer closed during the handshake")
            self._raw += data

    async def _pre_tls_event(self, deadline: float) -> object:
        """Next codec event, feeding exactly one packet at a time from the raw socket."""
        conn = self.conn
        while True:
            event = conn.next_event()
            if event is not None:
                return event
            await self._raw_fill(4, deadline)
            length = int.from_bytes(self._raw[:3], "little")
            conn.receive_data(bytes(self._raw[:4]))
            del self._raw[:4]
            event = conn.next_event()
            if event is not None:
                return event
            remaining = length
            while remaining:
                await self._raw_fill(1, deadline)
                chunk = bytes(self._raw[:remaining])
                del self._raw[: len(chunk)]
                conn.receive_data(chunk)
                remaining -= len(chunk)

    async def _next_event(self, idle_timeout: float) -> object:
        conn = self.conn
        partial = False
        while True:
            event = conn.next_event()
            if event is not None:
                return event
            timeout = self._config.net_read_timeout if partial else idle_timeout
            data = await self._recv(timeout)
            if not data:
                return ConnectionClosed()
            conn.receive_data(data)
            partial = True

    def status(self) -> ServerStatus:
        """SERVER_STATUS flags from the session state."""
        flags = ServerStatus(0)
        session = self._session
        if session is not None:
            if session.autocommit:
                flags |= ServerStatus.SERVER_STATUS_AUTOCOMMIT
            if session.in_transaction:
                flags |= ServerStatus.SERVER_STATUS_IN_TRANS
        else:
            flags |= ServerStatus.SERVER_STATUS_AUTOCOMMIT
        return flags

    # ------------------------------------------------------------------ lifecycle
    async def run(self) -> None:
        """Serve the connection; never raises."""
        try:
            await self._serve()
        except _Closed:
            pass
        except TimeoutError:
            log.info("connection %d: deadline passed, closing", self.connection_id)
        except TLSHandshakeError as exc:
            log.info("connection %d: %s", self.connection_id, exc)
        except ProtocolError as exc:
            log.info("connection %d: protocol error %s", self.connection_id, exc.kind.name)
            await self._try_send_error(exc.kind, exc.message)
        except AuthenticationError as exc:
            self.server.note_auth_failure()
            log.info("connection %d: authentication failed", self.connection_id)
            await self._try_send_error(exc.kind, exc.message)
        except SQLError as exc:
            await self._try_send_error(exc.kind, exc.message)
        except Exception as exc:  # noqa: BLE001 - the boundary of the connection
            cid = self._log_internal(exc)
            await self._try_send_error(ER.ER_INTERNAL_ERROR, f"internal error (id {cid})")
        finally:
            self._cleanup()

    def _log_internal(self, exc: BaseException) -> str:
        cid = uuid.uuid4().hex[:12]
        where = code_locations(exc)
        if self._config.debug:
            log.error("internal error %s", cid, exc_info=exc)
        else:
            log.error("internal error %s: %s at %s", cid, type(exc).__name__, where)
        return cid

    async def _try_send_error(self, kind: ER, message: str) -> None:
        try:
            await self._send(self.conn.error(kind.errno, kind.sqlstate, message))
        except Exception:  # noqa: BLE001 - best effort on a dying connection
            pass

    def _cleanup(self) -> None:
        if self._session is not None:
            try:
                self._session.close()
            except Exception:  # noqa: BLE001 - close must not raise
                pass
            self._session = None
        if self._tls is not None:
            self._tls = None
        self.transport.close()
        self.server.forget(self)

    async def _serve(self) -> None:
        config = self._config
        deadline = time.monotonic() + config.connect_timeout
        await self._send(self.conn.greeting())
        event = await self._pre_tls_event(deadline)
        if isinstance(event, SSLRequest):
            ctx = self.server.tls_context
            if ctx is None:  # CLIENT_SSL was not offered: a client asking anyway is broken
                raise RemoteProtocolError("TLS was not offered", ER.ER_HANDSHAKE_ERROR)
            early = bytes(self._raw)
            self._raw.clear()
            tls = TLSChannel(self.transport, ctx, early)
            await tls.handshake(deadline)
            self._tls = tls
            event = await self._next_event(max(0.001, deadline - time.monotonic()))
        if isinstance(event, ConnectionClosed):
            raise _Closed("peer closed during the handshake")
        if not isinstance(event, HandshakeResponse):
            raise RemoteProtocolError("expected a handshake response", ER.ER_HANDSHAKE_ERROR)
        if config.require_secure_transport and self._tls is None:
            raise SQLError(
                ER.ER_SECURE_TRANSPORT_REQUIRED,
                "Connections using insecure transport are prohibited while "
                "--require_secure_transport=ON.",
            )
        await self._authenticate(event, deadline)
        await self._command_loop()

    async def _authenticate(self, response: HandshakeResponse, deadline: float) -> None:
        conn = self.conn
        ctx = AuthContext(
            tls=self._tls is not None,
            peer_host=self.transport.peer.rsplit(":", 1)[0],
            peer_cert=self._tls.peer_certificate() if self._tls is not None else None,
        )

        async def roundtrip(packet: bytes) -> bytes:
            await self._send(packet)
            event = await self._next_event(max(0.001, deadline - time.monotonic()))
            if not isinstance(event, AuthData):
                raise RemoteProtocolError("expected authentication data", ER.ER_HANDSHAKE_ERROR)
            return event.data

        account = await self.server.authenticator.authenticate(
            conn, response, ctx, roundtrip, self._send
        )
        self.user = account.user
        session = self.server.database.session(
            connection_id=self.connection_id,
            user=account.user,
            client_found_rows=conn.client_found_rows,
            enforce=True,  # privileges of the authenticated account (edb_proxy.sql.authz)
        )
        self._session = session
        self.server.database.processes.attach(  # SHOW PROCESSLIST host, KILL -> _on_kill
            self.connection_id, host=ctx.peer_host, on_kill=self._on_kill
        )
        if response.database:
            session.use(response.database)
        await self._send(conn.auth_ok(self.status()))
        log.info("connection %d: authenticated", self.connection_id)

    def _on_kill(self) -> None:
        """KILL [CONNECTION] of this connection: close after the current command (now if idle).

        A statement waiting for a lock in :meth:`_retry` fails with 1317 on its next attempt
        (the SQL layer marked it interrupted), so the command ends promptly.
        """
        self.closing = True
        if not self.busy:
            self.transport.close()

    # ------------------------------------------------------------------ commands
    async def _command_loop(self) -> None:
        while not self.closing:
            event = await self._next_event(self._config.wait_timeout)
            if isinstance(event, (ComQuit, ConnectionClosed)):
                return
            self.busy = True
            try:
                await self._dispatch(event)
            finally:
                self.busy = False

    async def _retry(self, func: Callable[..., _T], *args: object) -> _T:
        """Run ``func`` and retry it while the engine is busy (invariant 4)."""
        deadline = 0.0
        delay = 0.0002
        while True:
            try:
                return func(*args)
            except EngineBusy:
                now = time.monotonic()
                if not deadline:
                    deadline = now + self._config.lock_wait_timeout
                elif now >= deadline:
                    raise SQLError(
                        ER.ER_LOCK_WAIT_TIMEOUT,
                        "Lock wait timeout exceeded; try restarting transaction",
                    ) from None
                await self.transport.sleep(delay)
                delay = min(delay * 2, 0.005)

    def _encode(self, result: Result, status: ServerStatus, *, binary: bool) -> bytes:
        if isinstance(result, ResultSet):
            return self.conn.result_set(
                result.columns, result.rows, status, result.warnings, binary=binary
            )
        assert isinstance(result, OkResult)
        return self.conn.ok(
            result.affected_rows, result.last_insert_id, status, result.warnings, result.info
        )

    async def _dispatch(self, event: object) -> None:
        session = self._session
        assert session is not None
        conn = self.conn
        self.server.questions += 1
        try:
            if isinstance(event, ComQuery):
                await self._query(session, event.query)
            elif isinstance(event, ComStmtExecute):
                await self._execute(session, event)
            elif isinstance(event, ComStmtPrepare):
                await self._prepare(session, event.query)
            elif isinstance(event, ComStmtClose):
                stmt = self._prepared.pop(event.statement_id, None)
                self._cursors.pop(event.statement_id, None)
                conn.forget_statement(event.statement_id)
                if stmt is not None:
                    session.close_prepared(stmt)
            elif isinstance(event, ComStmtFetch):
                await self._fetch(event)
            elif isinstance(event, ComStmtReset):
                self._cursors.pop(event.statement_id, None)
                await self._send(conn.ok(status=self.status()))
            elif isinstance(event, ComPing):
                await self._send(conn.ok(status=self.status()))
            elif isinstance(event, ComInitDB):
                session.use(event.schema)
                await self._send(conn.ok(status=self.status()))
            elif isinstance(event, ComFieldList):
                await self._send(conn.field_list(session.field_list(event.table, event.wildcard)))
            elif isinstance(event, ComStatistics):
                await self._send(conn.statistics(self.server.statistics()))
            elif isinstance(event, ComResetConnection):
                self._reset(session)
                await self._send(conn.ok(status=self.status()))
            elif isinstance(event, ComSetOption):
                await self._send(conn.set_option_reply(self.status()))
            elif isinstance(event, ComProcessKill):
                self.server.kill(event.connection_id, self.user, by_id=self.connection_id)
                await self._send(conn.ok(status=self.status()))
            elif isinstance(event, BadCommand):
                await self._send(conn.error(event.kind.errno, event.kind.sqlstate, event.message))
            else:
                raise RemoteProtocolError("unexpected packet", ER.ER_UNKNOWN_COM_ERROR)
        except SQLError as exc:
            if isinstance(exc, AuthenticationError):
                raise
            await self._send(conn.error(exc.errno, exc.sqlstate, exc.message))
        except (_Closed, ProtocolError, TimeoutError):
            raise
        except Exception as exc:  # noqa: BLE001 - one statement's bug must not kill the server
            cid = self._log_internal(exc)
            await self._send(
                conn.error(
                    ER.ER_INTERNAL_ERROR.errno,
                    ER.ER_INTERNAL_ERROR.sqlstate,
                    f"internal error (id {cid})",
                )
            )

    def _reset(self, session: SessionAPI) -> None:
        for stmt_id, stmt in self._prepared.items():
            session.close_prepared(stmt)
            self.conn.forget_statement(stmt_id)
        self._prepared.clear()
        self._cursors.clear()
        session.reset()

    async def _query(self, session: SessionAPI, raw: bytes) -> None:
        # Drivers put raw bytes inside string literals (_binary'...'); the SQL layer turns
        # escaped surrogates in literals back into bytes and refuses them anywhere else (1300).
        sql = raw.decode("utf-8", "surrogateescape")
        statements = session.parse(sql, multi=self.conn.multi_statements)
        last = len(statements) - 1
        out: list[bytes] = []
        for index, stmt in enumerate(statements):
            try:
                result = await self._retry(session.run, stmt)
            except SQLError as exc:
                if isinstance(exc, AuthenticationError):
                    raise
                out.append(self.conn.error(exc.errno, exc.sqlstate, exc.message))
                break
            status = self.status()
            if index < last:
                status |= ServerStatus.SERVER_MORE_RESULTS_EXISTS
            out.append(self._encode(result, status, binary=False))
        await self._send(b"".join(out) if len(out) > 1 else out[0])

    async def _prepare(self, session: SessionAPI, raw: bytes) -> None:
        stmt = session.prepare(raw.decode("utf-8", "surrogateescape"))
        stmt_id = self._next_stmt_id
        self._next_stmt_id += 1
        self._prepared[stmt_id] = stmt
        await self._send(self.conn.prepare_ok(stmt_id, stmt.columns, stmt.param_count))

    async def _execute(self, session: SessionAPI, event: ComStmtExecute) -> None:
        stmt = self._prepared.get(event.statement_id)
        if stmt is None:
            raise SQLError(
                ER.ER_UNKNOWN_STMT_HANDLER,
                f"Unknown prepared statement handler ({event.statement_id}) given to "
                "mysqld_stmt_execute",
            )
        self._cursors.pop(event.statement_id, None)
        result = await self._retry(session.run_prepared, stmt, event.params)
        status = self.status()
        if event.flags & _CURSOR_TYPE_READ_ONLY and isinstance(result, ResultSet):
            self._cursors[event.statement_id] = _Cursor(result.columns, iter(result.rows))
            await self._send(self.conn.cursor_opened(result.columns, status))
            return
        await self._send(self._encode(result, status, binary=True))

    async def _fetch(self, event: ComStmtFetch) -> None:
        cursor = self._cursors.get(event.statement_id)
        if cursor is None:
            raise SQLError(ER.ER_STMT_HAS_NO_OPEN_CURSOR, "The statement has no open cursor")
        rows: list[Sequence[Value]] = []
        for row in cursor.rows:
            rows.append(row)
            if len(rows) >= max(1, event.num_rows):
                break
        last = len(rows) < max(1, event.num_rows)
        if last:
            self._cursors.pop(event.statement_id, None)
        await self._send(self.conn.fetch_result(cursor.columns, rows, self.status(), last))


# Capability is re-exported for the app's negotiation code.
__all__ += ["Capability"]
