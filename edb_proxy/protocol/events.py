"""Events: what the client sent, as returned by ``ServerConnection.next_event()``.

Every event is a frozen, slotted dataclass. Strings the protocol defines as text are decoded
as UTF-8; query texts stay ``bytes`` (the SQL layer decides how to decode them).

Contract: an event is only produced for a packet that was framed correctly and arrived in a
state that allows it; malformed *commands* become :class:`BadCommand` (answer with ERR, keep
serving), malformed handshakes and framing errors raise ``RemoteProtocolError`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edb_proxy.errors import ER
from edb_proxy.fieldtypes import Value
from edb_proxy.protocol.constants import Capability

__all__ = [
    "AuthData",
    "BadCommand",
    "ComFieldList",
    "ComInitDB",
    "ComPing",
    "ComProcessKill",
    "ComQuery",
    "ComQuit",
    "ComResetConnection",
    "ComSetOption",
    "ComStatistics",
    "ComStmtClose",
    "ComStmtExecute",
    "ComStmtFetch",
    "ComStmtPrepare",
    "ComStmtReset",
    "ConnectionClosed",
    "Event",
    "HandshakeResponse",
    "SSLRequest",
]


@dataclass(frozen=True, slots=True)
class SSLRequest:
    """``Protocol::SSLRequest``: the client wants TLS before sending credentials.

    The server must now run the TLS handshake on the raw socket and feed decrypted bytes.
    """

    capabilities: Capability
    max_packet: int
    charset: int


@dataclass(frozen=True, slots=True)
class HandshakeResponse:
    """``Protocol::HandshakeResponse41``.

    Attributes:
        capabilities: the flags the client sent (not masked by ours).
        auth_plugin: ``None`` when the client lacks ``CLIENT_PLUGIN_AUTH``.
        attributes: connection attributes (``CLIENT_CONNECT_ATTRS``), possibly empty.
    """

    capabilities: Capability
    max_packet: int
    charset: int
    user: str
    auth_response: bytes
    database: str | None = None
    auth_plugin: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuthData:
    """Any client packet of the authentication exchange after the handshake response."""

    data: bytes


@dataclass(frozen=True, slots=True)
class ComQuit:
    """``COM_QUIT``: no reply; close the connection."""


@dataclass(frozen=True, slots=True)
class ComPing:
    """``COM_PING``: reply ``ok()``."""


@dataclass(frozen=True, slots=True)
class ComQuery:
    """``COM_QUERY``: reply ``ok()``, ``error()`` or ``result_set()`` (text)."""

    query: bytes


@dataclass(frozen=True, slots=True)
class ComInitDB:
    """``COM_INIT_DB`` (``USE schema``): reply ``ok()`` or ``error()``."""

    schema: str


@dataclass(frozen=True, slots=True)
class ComFieldList:
    """``COM_FIELD_LIST`` (deprecated): reply ``field_list()`` or ``error()``."""

    table: str
    wildcard: str


@dataclass(frozen=True, slots=True)
class ComStatistics:
    """``COM_STATISTICS``: reply ``statistics(text)``."""


@dataclass(frozen=True, slots=True)
class ComResetConnection:
    """``COM_RESET_CONNECTION``: reply ``ok()``; the codec has dropped all statements."""


@dataclass(frozen=True, slots=True)
class ComSetOption:
    """``COM_SET_OPTION``: reply ``set_option_reply()`` (an EOF) or ``error()``."""

    option: int


@dataclass(frozen=True, slots=True)
class ComProcessKill:
    """``COM_PROCESS_KILL``: reply ``ok()`` or ``error()``."""

    connection_id: int


@dataclass(frozen=True, slots=True)
class ComStmtPrepare:
    """``COM_STMT_PREPARE``: reply ``prepare_ok()`` or ``error()``."""

    query: bytes


@dataclass(frozen=True, slots=True)
class ComStmtExecute:
    """``COM_STMT_EXECUTE`` with its parameters decoded (long data merged in).

    ``flags`` is the raw cursor-type byte (:class:`~.constants.CursorType`).
    """

    statement_id: int
    flags: int
    params: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class ComStmtClose:
    """``COM_STMT_CLOSE``: no reply; the codec has already forgotten the statement."""

    statement_id: int


@dataclass(frozen=True, slots=True)
class ComStmtReset:
    """``COM_STMT_RESET``: reply ``stmt_reset_ok()`` or ``error()``."""

    statement_id: int


@dataclass(frozen=True, slots=True)
class ComStmtFetch:
    """``COM_STMT_FETCH``: reply ``fetch_result()`` or ``error()``."""

    statement_id: int
    num_rows: int


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The peer closed its side (EOF); nothing more will arrive."""


@dataclass(frozen=True, slots=True)
class BadCommand:
    """A well-framed command the server must answer with ``error(kind...)``, then keep serving."""

    kind: ER
    message: str


Event = (
    SSLRequest
    | HandshakeResponse
    | AuthData
    | ComQuit
    | ComPing
    | ComQuery
    | ComInitDB
    | ComFieldList
    | ComStatistics
    | ComResetConnection
    | ComSetOption
    | ComProcessKill
    | ComStmtPrepare
    | ComStmtExecute
    | ComStmtClose
    | ComStmtReset
    | ComStmtFetch
    | ConnectionClosed
    | BadCommand
)
