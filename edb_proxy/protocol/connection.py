"""The server side of one MySQL connection as a sans-I/O state machine.

Theory of operation
-------------------
The server owns the socket. It hands every received chunk to :meth:`ServerConnection.
receive_data` (``b""`` for EOF), pulls events with :meth:`~ServerConnection.next_event` and
writes the ``bytes`` returned by the response methods. The codec tracks whose turn it is, the
sequence id of every packet, the negotiated capabilities and the prepared statements it needs
to decode ``COM_STMT_EXECUTE``. See https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_lifecycle.html

TLS: after :class:`SSLRequest` the server performs the TLS handshake on the raw socket and
feeds the *decrypted* bytes into the same object. To keep TLS bytes out of the codec the server
reads exactly 36 bytes (4-byte header + 32-byte payload) from the raw socket when it expects
the client's first packet; if it read more, :meth:`~ServerConnection.take_tls_bytes` returns the
surplus (the start of the TLS ClientHello) after the SSLRequest event.

The state table ``_TRANSITIONS`` below is the whole lifecycle: ``(state, trigger) -> state``,
where a trigger is a client event class name (CapWords) or the name of a response method
(lower case). Triggers absent from the table are refused: from the client with
:class:`RemoteProtocolError`, from the server with :class:`LocalProtocolError`.

Invariants
1. Sequence ids: the greeting is 0; every packet either side sends is the previous packet's id
   + 1 (mod 256); each command restarts at 0, so its response starts at 1. A client packet
   with any other id raises ``ER_NET_PACKETS_OUT_OF_ORDER``.
2. Events are produced only in a client's turn (HANDSHAKE, TLS_HANDSHAKE, AUTH_CLIENT,
   COMMAND). In the server's turn ``next_event`` returns ``None`` and leaves bytes buffered
   (pipelined commands are served in order).
3. After an SSLRequest the HandshakeResponse41 must carry sequence id 2; a response without a
   preceding SSLRequest must not claim ``CLIENT_SSL``.
4. ``next_event`` raises only :class:`RemoteProtocolError`; afterwards the state is ERROR,
   every further ``next_event`` re-raises it, and the only response allowed is one ``error()``
   (state CLOSED).
5. Response methods are atomic: they either return the complete bytes and advance the state
   and sequence, or raise without changing anything (so the server may answer ``error()``).
6. A response ends the command unless its status carries ``SERVER_MORE_RESULTS_EXISTS``
   (``COM_QUERY``/``COM_STMT_EXECUTE`` only), in which case further results follow.
7. ``error()`` during the connection phase (GREETING..AUTH_CLIENT) closes the connection; in
   the command phase it ends the command and the connection stays usable.
8. Which response answers which command is fixed by ``_REPLIES``.
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Final

from edb_proxy.errors import ER, LocalProtocolError, RemoteProtocolError
from edb_proxy.fieldtypes import ColumnDef, FieldType, Value
from edb_proxy.protocol.binary import encode_binary_row
from edb_proxy.protocol.commands import decode_command
from edb_proxy.protocol.constants import (
    DEFAULT_SERVER_CAPABILITIES,
    MAX_FRAME_PAYLOAD,
    SCRAMBLE_LENGTH,
    Capability,
    CursorType,
    ServerStatus,
    SetOption,
)
from edb_proxy.protocol.events import (
    AuthData,
    BadCommand,
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
    Event,
    SSLRequest,
)
from edb_proxy.protocol.framing import PacketReader, frame
from edb_proxy.protocol.handshake import (
    HandshakeV10,
    encode_auth_more_data,
    encode_auth_switch_request,
    encode_handshake_v10,
    parse_client_handshake,
    parse_handshake_response,
)
from edb_proxy.protocol.packets import encode_err, encode_ok
from edb_proxy.protocol.responses import (
    append_framed,
    columns_cache,
    end_packet,
    end_payload,
)
from edb_proxy.protocol.results import (
    encode_field_list_column,
    encode_text_row,
)
from edb_proxy.protocol.statements import StatementRegistry
from edb_proxy.protocol.wire import Buffer

__all__ = ["ConnectionState", "ServerConnection", "state_diagram"]


_FRAMING_ERRORS = frozenset({ER.ER_NET_PACKET_TOO_LARGE, ER.ER_NET_PACKETS_OUT_OF_ORDER})


class ConnectionState(Enum):
    """Where the conversation stands (whose turn it is)."""

    GREETING = "GREETING"  # server: greeting() (or error())
    HANDSHAKE = "HANDSHAKE"  # client: SSLRequest or HandshakeResponse41 (seq 1)
    TLS_HANDSHAKE = "TLS_HANDSHAKE"  # client: HandshakeResponse41 over TLS (seq 2)
    AUTH = "AUTH"  # server: auth_switch_request / auth_more_data / auth_ok / error
    AUTH_CLIENT = "AUTH_CLIENT"  # client: AuthData; server may still continue
    COMMAND = "COMMAND"  # client: next command (seq 0)
    RESPONSE = "RESPONSE"  # server: the response to the current command
    ERROR = "ERROR"  # the peer broke the protocol; server: error() then close
    CLOSED = "CLOSED"  # nothing more to send or receive


S = ConnectionState

#: ``(state, trigger) -> next state``. Triggers: client event class names, response methods.
_TRANSITIONS: Final[dict[tuple[ConnectionState, str], ConnectionState]] = {
    (S.GREETING, "greeting"): S.HANDSHAKE,
    (S.GREETING, "error"): S.CLOSED,
    (S.HANDSHAKE, "SSLRequest"): S.TLS_HANDSHAKE,
    (S.HANDSHAKE, "HandshakeResponse"): S.AUTH,
    (S.HANDSHAKE, "error"): S.CLOSED,
    (S.TLS_HANDSHAKE, "HandshakeResponse"): S.AUTH,
    (S.TLS_HANDSHAKE, "error"): S.CLOSED,
    (S.AUTH, "auth_switch_request"): S.AUTH_CLIENT,
    (S.AUTH, "auth_more_data"): S.AUTH_CLIENT,
    (S.AUTH, "auth_ok"): S.COMMAND,
    (S.AUTH, "error"): S.CLOSED,
    (S.AUTH_CLIENT, "AuthData"): S.AUTH,
    (S.AUTH_CLIENT, "auth_more_data"): S.AUTH_CLIENT,
    (S.AUTH_CLIENT, "auth_ok"): S.COMMAND,
    (S.AUTH_CLIENT, "error"): S.CLOSED,
    (S.COMMAND, "command"): S.RESPONSE,  # any command that gets a reply, BadCommand included
    (S.COMMAND, "ComStmtClose"): S.COMMAND,  # no reply
    (S.COMMAND, "ComQuit"): S.CLOSED,
    (S.COMMAND, "error"): S.CLOSED,  # unsolicited error (shutdown, idle timeout), then close
    (S.RESPONSE, "reply"): S.COMMAND,  # a complete response
    (S.RESPONSE, "more_results"): S.RESPONSE,  # SERVER_MORE_RESULTS_EXISTS
    (S.RESPONSE, "error"): S.COMMAND,
    (S.ERROR, "error"): S.CLOSED,
}
#: Any state but CLOSED moves to CLOSED on ConnectionClosed, and to ERROR on a
#: RemoteProtocolError raised by next_event.


def state_diagram() -> str:
    """The lifecycle as a Mermaid state diagram, generated from ``_TRANSITIONS``."""
    lines = ["stateDiagram-v2", "    [*] --> GREETING"]
    for (source, trigger), target in _TRANSITIONS.items():
        lines.append(f"    {source.name} --> {target.name}: {trigger}")
    lines.append("    CLOSED --> [*]")
    return "\n".join(lines)


_CLIENT_TURN: Final = frozenset({S.HANDSHAKE, S.TLS_HANDSHAKE, S.AUTH_CLIENT, S.COMMAND})

#: Which response methods may answer which command.
_REPLIES: Final[dict[type, frozenset[str]]] = {
    ComQuery: frozenset({"ok", "error", "result_set"}),
    ComStmtExecute: frozenset({"ok", "error", "result_set", "cursor_opened"}),
    ComStmtPrepare: frozenset({"prepare_ok", "error"}),
    ComStmtFetch: frozenset({"fetch_result", "error"}),
    ComStmtReset: frozenset({"ok", "error"}),
    ComFieldList: frozenset({"field_list", "error"}),
    ComStatistics: frozenset({"statistics", "error"}),
    ComSetOption: frozenset({"set_option_reply", "error"}),
    ComPing: frozenset({"ok", "error"}),
    ComInitDB: frozenset({"ok", "error"}),
    ComResetConnection: frozenset({"ok", "error"}),
    ComProcessKill: frozenset({"ok", "error"}),
    BadCommand: frozenset({"error"}),
}
_MULTI_RESULT_COMMANDS: Final = frozenset({ComQuery, ComStmtExecute})

_MORE = int(ServerStatus.SERVER_MORE_RESULTS_EXISTS)
_TRANSIENT = int(
    ServerStatus.SERVER_MORE_RESULTS_EXISTS
    | ServerStatus.SERVER_STATUS_CURSOR_EXISTS
    | ServerStatus.SERVER_STATUS_LAST_ROW_SENT
)
_HEADER = struct.Struct("<I")
_pack_header = _HEADER.pack
_PREPARE_OK = struct.Struct("<BIHHxH")
_PARAM_DEF: Final = ColumnDef("?", FieldType.MYSQL_TYPE_VAR_STRING)
# Bytes 1..127 except '$': no NUL, printable-ish, safe for old clients (as MySQL does).
_SCRAMBLE_ALPHABET: Final = bytes(b for b in range(1, 128) if b != 0x24)


class ServerConnection:
    """Server side of one MySQL client connection (no I/O).

    Args:
        connection_id: the thread id announced in the greeting.
        server_version: the version string clients see (e.g. ``"8.0.36-edb"``).
        capabilities: the capabilities offered; the negotiated set is their intersection with
            the client's.
        auth_plugin: the default authentication plugin named in the greeting.
        max_allowed_packet: the largest client payload (and total long data) accepted.
        scramble: the 20-byte nonce; random (from :mod:`secrets`) when ``None``.

    Raises:
        ValueError: a given scramble is not 20 bytes or contains NUL.
    """

    def __init__(
        self,
        *,
        connection_id: int,
        server_version: str,
        capabilities: Capability = DEFAULT_SERVER_CAPABILITIES,
        auth_plugin: str = "caching_sha2_password",
        max_allowed_packet: int = 64 * 1024 * 1024,
        scramble: bytes | None = None,
    ) -> None:
        if scramble is None:
            scramble = bytes(secrets.choice(_SCRAMBLE_ALPHABET) for _ in range(SCRAMBLE_LENGTH))
        elif len(scramble) != SCRAMBLE_LENGTH or b"\x00" in scramble:
            raise ValueError("scramble must be 20 bytes without NUL")
        self.connection_id = connection_id
        self.server_version = server_version
        self.server_capabilities = Capability(capabilities | Capability.CLIENT_PROTOCOL_41)
        self.auth_plugin = auth_plugin
        self.max_allowed_packet = max_allowed_packet
        self.scramble = bytes(scramble)
        self._state = S.GREETING
        self._seq = 0
        self._reader = PacketReader(max_allowed_packet)
        self._statements = StatementRegistry(max_allowed_packet)
        self._eof = False
        self._error: RemoteProtocolError | None = None
        self._client_caps = Capability(0)
        self._deprecate_eof = False
        self._multi_statements = False
        self._tls_requested = False
        self._tls_bytes = b""
        self._pending: Event | None = None
        self._status = int(ServerStatus.SERVER_STATUS_AUTOCOMMIT)

    # --- properties -----------------------------------------------------------------------

    @property
    def state(self) -> ConnectionState:
        """The current :class:`ConnectionState`."""
        return self._state

    @property
    def client_capabilities(self) -> Capability:
        """Offered & requested capabilities (valid after the handshake response)."""
        return self._client_caps

    @property
    def deprecate_eof(self) -> bool:
        """Whether ``CLIENT_DEPRECATE_EOF`` was negotiated."""
        return self._deprecate_eof

    @property
    def client_found_rows(self) -> bool:
        """``CLIENT_FOUND_ROWS``: report matched rather than changed rows for UPDATE."""
        return bool(self._client_caps & Capability.CLIENT_FOUND_ROWS)

    @property
    def multi_statements(self) -> bool:
        """Whether ``;``-separated statements are allowed (capability, then COM_SET_OPTION)."""
        return self._multi_statements

    @property
    def tls_requested(self) -> bool:
        """True once the client sent an SSLRequest."""
        return self._tls_requested

    @property
    def statements(self) -> StatementRegistry:
        """The prepared statements the codec knows about."""
        return self._statements

    def take_tls_bytes(self) -> bytes:
        """Bytes received after the SSLRequest (TLS handshake data), removed from the codec."""
        data, self._tls_bytes = self._tls_bytes, b""
        return data

    # --- input ------------------------------------------------------------------------------

    def receive_data(self, data: Buffer) -> None:
        """Feed bytes from the peer; ``b""`` means the peer closed its side.

        Raises:
            LocalProtocolError: data fed after EOF.
        """
        if not data:
            self._eof = True
            return
        if self._eof:
            raise LocalProtocolError("receive_data() after EOF")
        if self._state is S.CLOSED:
            return
        self._reader.feed(data)

    def next_event(self) -> Event | None:
        """The next client event, or ``None`` if more data is needed or it is our turn.

        Raises:
            RemoteProtocolError: the client broke the protocol; ``.kind`` is the error to
                report with ``error()`` before closing.
        """
        state = self._state
        if state is S.ERROR:
            assert self._error is not None
            raise self._error
        if state is S.CLOSED:
            return ConnectionClosed()
        if state not in _CLIENT_TURN:
            return None
        reader = self._reader
        try:
            while True:
                reader.expected_seq = 0 if state is S.COMMAND else self._seq
                packet = reader.next_packet()
                if packet is None:
                    if self._eof:
                        self._state = S.CLOSED
                        return ConnectionClosed()
                    return None
                seq, payload = packet
                self._seq = (seq + 1) & 0xFF
                if state is S.COMMAND:
                    event = decode_command(payload, self._statements)
                    if event is None:
                        continue  # COM_STMT_SEND_LONG_DATA: no event, no reply
                    self._on_command(event)
                    return event
                return self._on_connection_packet(state, payload)
        except RemoteProtocolError as exc:
            self._state = S.ERROR
            self._error = exc
            if exc.kind in _FRAMING_ERRORS and reader.last_seq is not None:
                # The ERR answers the offending packet, as MySQL does: its id + 1.
                self._seq = (reader.last_seq + 1) & 0xFF
            raise

    def _client_move(self, trigger: str) -> None:
        target = _TRANSITIONS.get((self._state, trigger))
        if target is None:  # unreachable by construction; kept as the table's guard
            raise RemoteProtocolError(f"unexpected {trigger} in state {self._state.name}")
        self._state = target

    def _on_command(self, event: Event) -> None:
        cls = type(event)
        if cls is ComStmtClose or cls is ComQuit:
            self._client_move(cls.__name__)
            return
        self._pending = event
        self._client_move("command")

    def _on_connection_packet(self, state: ConnectionState, payload: bytes) -> Event:
        if state is S.AUTH_CLIENT:
            self._client_move("AuthData")
            return AuthData(payload)
        if state is S.HANDSHAKE:
            event = parse_client_handshake(payload)
        else:
            event = parse_handshake_response(payload)
        if isinstance(event, SSLRequest):
            if not self.server_capabilities & Capability.CLIENT_SSL:
                raise RemoteProtocolError("TLS was not offered", ER.ER_HANDSHAKE_ERROR)
            self._tls_requested = True
            self._tls_bytes = self._reader.take_buffered()
            self._client_move("SSLRequest")
            return event
        if state is S.HANDSHAKE and event.capabilities & Capability.CLIENT_SSL:
            raise RemoteProtocolError(
                "CLIENT_SSL set in a handshake response sent without TLS", ER.ER_HANDSHAKE_ERROR
            )
        caps = Capability(event.capabilities & self.server_capabilities)
        self._client_caps = caps
        self._deprecate_eof = bool(caps & Capability.CLIENT_DEPRECATE_EOF)
        self._multi_statements = bool(caps & Capability.CLIENT_MULTI_STATEMENTS)
        self._client_move("HandshakeResponse")
        return event

    # --- output helpers ---------------------------------------------------------------------

    def _move(self, trigger: str) -> ConnectionState:
        target = _TRANSITIONS.get((self._state, trigger))
        if target is None:
            raise LocalProtocolError(f"cannot send {trigger} in state {self._state.name}")
        return target

    def _reply_target(self, method: str, status: int) -> ConnectionState:
        """Check that ``method`` may answer the pending command; return the next state."""
        if self._state is not S.RESPONSE:
            raise LocalProtocolError(f"cannot send {method} in state {self._state.name}")
        cls = type(self._pending)
        if method not in _REPLIES.get(cls, frozenset()):
            raise LocalProtocolError(f"{method} does not answer {cls.__name__}")
        if status & _MORE:
            if cls not in _MULTI_RESULT_COMMANDS:
                raise LocalProtocolError(f"{cls.__name__} cannot have more results")
            return _TRANSITIONS[(S.RESPONSE, "more_results")]
        return _TRANSITIONS[(S.RESPONSE, "error" if method == "error" else "reply")]

    def _finish(self, target: ConnectionState, seq: int, status: int | None = None) -> None:
        self._seq = seq
        self._state = target
        if status is not None:
            self._status = status & ~_TRANSIENT
        if target is S.COMMAND:
            self._pending = None

    def _single(self, payload: bytes, target: ConnectionState, status: int | None) -> bytes:
        data, seq = frame(payload, self._seq)
        self._finish(target, seq, status)
        return data

    # --- connection phase -------------------------------------------------------------------

    def greeting(self) -> bytes:
        """The framed HandshakeV10 (sequence id 0); allowed once, first."""
        target = self._move("greeting")
        payload = encode_handshake_v10(
            HandshakeV10(
                self.server_version,
                self.connection_id,
                self.scramble,
                self.server_capabilities,
                status=ServerStatus(self._status),
                auth_plugin=self.auth_plugin,
            )
        )
        self._seq = 0
        return self._single(payload, target, None)

    def auth_switch_request(self, plugin: str, data: bytes) -> bytes:
        """``AuthSwitchRequest``: ask the client to authenticate with ``plugin``.

        MySQL's plugins send ``nonce + b"\\x00"`` as ``data``.
        """
        target = self._move("auth_switch_request")
        return self._single(encode_auth_switch_request(plugin, data), target, None)

    def auth_more_data(self, data: bytes) -> bytes:
        """``AuthMoreData`` (e.g. ``b"\\x03"`` fast-auth success, ``b"\\x04"`` full auth)."""
        target = self._move("auth_more_data")
        return self._single(encode_auth_more_data(data), target, None)

    def auth_ok(self, status: ServerStatus = ServerStatus.SERVER_STATUS_AUTOCOMMIT) -> bytes:
        """The OK that ends authentication; the command phase begins."""
        target = self._move("auth_ok")
        payload = encode_ok(0, 0, int(status), 0)
        return self._single(payload, target, int(status))

    def error(self, errno: int, sqlstate: str, message: str) -> bytes:
        """An ERR packet.

        In the connection phase (and after a protocol error, or unsolicited between commands)
        the state becomes CLOSED; as a command response it ends the command.
        """
        state = self._state
        target = self._reply_target("error", 0) if state is S.RESPONSE else self._move("error")
        payload = encode_err(errno, sqlstate, message)
        if state is S.COMMAND:
            self._seq = 1  # unsolicited: shaped as the reply to the client's next command
        return self._single(payload, target, None)

    # --- command phase ----------------------------------------------------------------------

    def ok(
        self,
        affected_rows: int = 0,
        last_insert_id: int = 0,
        status: ServerStatus = ServerStatus(0),  # noqa: B008 (immutable)
        warnings: int = 0,
        info: str = "",
    ) -> bytes:
        """An OK packet answering the current command."""
        st = int(status)
        target = self._reply_target("ok", st)
        payload = encode_ok(
            affected_rows, last_insert_id, st, min(warnings, 0xFFFF), info=info.encode()
        )
        seq = self._seq
        if len(payload) < MAX_FRAME_PAYLOAD:
            data = _pack_header(len(payload) | (seq << 24)) + payload
            self._finish(target, (seq + 1) & 0xFF, st)
            return data
        return self._single(payload, target, st)

    def stmt_reset_ok(self, status: ServerStatus = ServerStatus(0)) -> bytes:  # noqa: B008
        """The OK answering ``COM_STMT_RESET``."""
        if not isinstance(self._pending, ComStmtReset):
            raise LocalProtocolError("stmt_reset_ok() answers COM_STMT_RESET only")
        return self.ok(status=status)

    def result_set(
        self,
        columns: Sequence[ColumnDef],
        rows: Iterable[Sequence[Value]],
        status: ServerStatus,
        warnings: int = 0,
        binary: bool = False,
    ) -> bytes:
        """A complete result set: count, definitions, [EOF], rows, EOF/OK.

        ``binary`` must be True exactly when answering ``COM_STMT_EXECUTE``. Include
        ``SERVER_MORE_RESULTS_EXISTS`` in ``status`` when another result follows.
        """
        st = int(status)
        target = self._reply_target("result_set", st)
        if binary != isinstance(self._pending, ComStmtExecute):
            raise LocalProtocolError("binary rows answer COM_STMT_EXECUTE, text rows COM_QUERY")
        info = columns_cache(columns)
        ncols = len(info.columns)
        if ncols == 0:
            raise LocalProtocolError("a result set needs at least one column; use ok()")
        deprecate = self._deprecate_eof
        block, seq = info.block(self._seq, None if deprecate else st, True)
        parts = [block]
        append = parts.append
        if binary:
            encoders = info.binary_encoders()
            for row in rows:
                payload = encode_binary_row(encoders, row)
                n = len(payload)
                if n < MAX_FRAME_PAYLOAD:
                    append(_pack_header(n | (seq << 24)))
                    append(payload)
                    seq = (seq + 1) & 0xFF
                else:
                    seq = append_framed(payload, seq, parts)
        else:
            for row in rows:
                payload = encode_text_row(row, ncols)
                n = len(payload)
                if n < MAX_FRAME_PAYLOAD:
                    append(_pack_header(n | (seq << 24)))
                    append(payload)
                    seq = (seq + 1) & 0xFF
                else:
                    seq = append_framed(payload, seq, parts)
        seq = append_framed(end_payload(deprecate, st, min(warnings, 0xFFFF)), seq, parts)
        data = b"".join(parts)
        self._finish(target, seq, st)
        return data

    def prepare_ok(
        self,
        statement_id: int,
        columns: Sequence[ColumnDef],
        param_count: int,
        warnings: int = 0,
        *,
        params: Sequence[ColumnDef] | None = None,
        status: ServerStatus | None = None,
    ) -> bytes:
        """``COM_STMT_PREPARE_OK`` with parameter and column definitions.

        Registers the statement so later executes can be decoded. ``params`` defaults to
        generic ``?`` VAR_STRING definitions; ``status`` (for the EOF packets) defaults to the
        last status sent.
        """
        target = self._reply_target("prepare_ok", 0)
        cols = tuple(columns)
        if not (0 <= param_count <= 0xFFFF and len(cols) <= 0xFFFF):
            raise LocalProtocolError("too many parameters or columns for COM_STMT_PREPARE_OK")
        if statement_id in self._statements or not 0 <= statement_id <= 0xFFFFFFFF:
            raise LocalProtocolError(f"statement id {statement_id} is in use or invalid")
        pdefs = tuple(params) if params is not None else (_PARAM_DEF,) * param_count
        if len(pdefs) != param_count:
            raise LocalProtocolError("params must have param_count definitions")
        st = self._status if status is None else int(status)
        eof = None if self._deprecate_eof else st
        parts: list[bytes] = []
        header = _PREPARE_OK.pack(0, statement_id, len(cols), param_count, min(warnings, 0xFFFF))
        seq = append_framed(header, self._seq, parts)
        if param_count:
            block, seq = columns_cache(pdefs).block(seq, eof, False)
            parts.append(block)
        if cols:
            block, seq = columns_cache(cols).block(seq, eof, False)
            parts.append(block)
        data = b"".join(parts)
        self._statements.register(statement_id, param_count, len(cols))
        self._finish(target, seq, None)
        return data

    def forget_statement(self, statement_id: int) -> None:
        """Forget a closed statement (``COM_STMT_CLOSE`` already does this); idempotent."""
        self._statements.forget(statement_id)

    def cursor_opened(self, columns: Sequence[ColumnDef], status: ServerStatus) -> bytes:
        """Answer a cursor-opening ``COM_STMT_EXECUTE``: count, definitions, then MySQL's
        ``send_eof`` (EOF, or OK 0xFE under DEPRECATE_EOF) with SERVER_STATUS_CURSOR_EXISTS.
        """
        st = int(status | ServerStatus.SERVER_STATUS_CURSOR_EXISTS) & ~_MORE
        target = self._reply_target("cursor_opened", st)
        pending = self._pending
        assert isinstance(pending, ComStmtExecute)
        if not pending.flags & CursorType.CURSOR_TYPE_READ_ONLY:
            raise LocalProtocolError("the client did not ask for a cursor")
        state = self._statements.get(pending.statement_id)
        cols = tuple(columns)
        if state is None or not cols:
            raise LocalProtocolError("cursor_opened() needs a known statement and columns")
        block, seq = columns_cache(cols).block(self._seq, None, True)
        parts = [block]
        seq = append_framed(end_packet(self._deprecate_eof, st, 0), seq, parts)
        data = b"".join(parts)
        state.cursor_open = True
        self._finish(target, seq, st)
        return data

    def fetch_result(
        self,
        columns: Sequence[ColumnDef],
        rows: Iterable[Sequence[Value]],
        status: ServerStatus,
        last: bool,
    ) -> bytes:
        """Answer ``COM_STMT_FETCH``: binary rows, then EOF/OK with CURSOR_EXISTS and, when
        ``last``, LAST_ROW_SENT (the cursor is then closed).
        """
        st = int(status | ServerStatus.SERVER_STATUS_CURSOR_EXISTS) & ~_MORE
        if last:
            st |= ServerStatus.SERVER_STATUS_LAST_ROW_SENT
        target = self._reply_target("fetch_result", st)
        pending = self._pending
        assert isinstance(pending, ComStmtFetch)
        encoders = columns_cache(columns).binary_encoders()
        parts: list[bytes] = []
        seq = self._seq
        for row in rows:
            seq = append_framed(encode_binary_row(encoders, row), seq, parts)
        seq = append_framed(end_packet(self._deprecate_eof, st, 0), seq, parts)
        data = b"".join(parts)
        if last:
            state = self._statements.get(pending.statement_id)
            if state is not None:
                state.cursor_open = False
        self._finish(target, seq, st)
        return data

    def field_list(
        self, columns: Sequence[ColumnDef], *, status: ServerStatus | None = None
    ) -> bytes:
        """Answer ``COM_FIELD_LIST``: definitions with a NULL default, then EOF/OK (0xFE)."""
        st = self._status if status is None else int(status)
        target = self._reply_target("field_list", st)
        parts: list[bytes] = []
        seq = self._seq
        for col in columns:
            seq = append_framed(encode_field_list_column(col), seq, parts)
        seq = append_framed(end_packet(self._deprecate_eof, st, 0), seq, parts)
        data = b"".join(parts)
        self._finish(target, seq, st)
        return data

    def statistics(self, text: str) -> bytes:
        """Answer ``COM_STATISTICS`` with a human-readable string packet."""
        target = self._reply_target("statistics", 0)
        return self._single(text.encode(), target, None)

    def set_option_reply(self, status: ServerStatus) -> bytes:
        """Acknowledge ``COM_SET_OPTION`` (EOF, or OK 0xFE under DEPRECATE_EOF) and apply it."""
        st = int(status)
        target = self._reply_target("set_option_reply", st)
        pending = self._pending
        assert isinstance(pending, ComSetOption)
        data = self._single(end_packet(self._deprecate_eof, st, 0), target, st)
        self._multi_statements = pending.option == SetOption.MYSQL_OPTION_MULTI_STATEMENTS_ON
        return data
