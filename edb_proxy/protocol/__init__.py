"""Sans-I/O MySQL wire-protocol codec (server side).

The public surface is :class:`ServerConnection` plus the events it produces, the protocol
constants, the scramble functions and the individual ``parse_*``/``encode_*`` codecs. See
``docs/protocol.md`` for the support matrix. This package imports only the standard library,
:mod:`edb_proxy.errors` and :mod:`edb_proxy.fieldtypes`.
"""

from __future__ import annotations

from edb_proxy.protocol.connection import ConnectionState, ServerConnection
from edb_proxy.protocol.constants import (
    DEFAULT_SERVER_CAPABILITIES,
    Capability,
    Command,
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
    HandshakeResponse,
    SSLRequest,
)
from edb_proxy.protocol.framing import PacketReader, frame
from edb_proxy.protocol.scramble import (
    caching_sha2_scramble,
    native_password_scramble,
    native_stage2,
    sha2_stage2,
    verify_caching_sha2,
    verify_native_password,
)

__all__ = [
    "DEFAULT_SERVER_CAPABILITIES",
    "AuthData",
    "BadCommand",
    "Capability",
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
    "Command",
    "ConnectionClosed",
    "ConnectionState",
    "CursorType",
    "Event",
    "HandshakeResponse",
    "PacketReader",
    "SSLRequest",
    "ServerConnection",
    "ServerStatus",
    "SetOption",
    "caching_sha2_scramble",
    "frame",
    "native_password_scramble",
    "native_stage2",
    "sha2_stage2",
    "verify_caching_sha2",
    "verify_native_password",
]
