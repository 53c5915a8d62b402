"""Command-phase packets (client to server) decoded into events.

Reference: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_command_phase.html

Contracts
1. :func:`decode_command` never raises for a well-framed packet: unknown or empty commands and
   malformed arguments become :class:`BadCommand` (``ER_UNKNOWN_COM_ERROR``,
   ``ER_WRONG_ARGUMENTS``, ``ER_UNKNOWN_STMT_HANDLER``), which the server answers with ERR
   and keeps serving.
2. It returns ``None`` only for commands that get no reply and carry nothing for the server:
   ``COM_STMT_SEND_LONG_DATA`` (merged into the next execute) and a ``COM_STMT_CLOSE`` too
   short to name a statement.
3. ``COM_QUERY`` costs one slice: the query stays ``bytes``.
4. ``parse_com_*`` raise only :class:`~edb_proxy.errors.RemoteProtocolError` of kind
   ``ER_WRONG_ARGUMENTS`` (or ``ER_UNKNOWN_COM_ERROR``); :func:`decode_command` converts it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from edb_proxy.errors import ER, RemoteProtocolError
from edb_proxy.protocol.constants import Command, SetOption
from edb_proxy.protocol.events import (
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
    ComStmtPrepare,
    Event,
)
from edb_proxy.protocol.statements import StatementRegistry
from edb_proxy.protocol.wire import Buffer, PayloadReader

__all__ = [
    "decode_command",
    "parse_com_field_list",
    "parse_com_init_db",
    "parse_com_process_kill",
    "parse_com_set_option",
    "parse_com_stmt_close",
]

_WA = ER.ER_WRONG_ARGUMENTS
_QUIT: Final = ComQuit()
_PING: Final = ComPing()
_STATISTICS: Final = ComStatistics()
_RESET: Final = ComResetConnection()


def _text(raw: bytes, what: str, kind: ER = _WA) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RemoteProtocolError(f"{what} is not valid UTF-8", kind) from None


def parse_com_init_db(payload: Buffer) -> ComInitDB:
    """``COM_INIT_DB``: the schema name is the rest of the packet."""
    return ComInitDB(_text(bytes(payload[1:]), "schema name", ER.ER_WRONG_DB_NAME))


def parse_com_field_list(payload: Buffer) -> ComFieldList:
    """``COM_FIELD_LIST``: NUL-terminated table, then the wildcard to the end."""
    r = PayloadReader(payload, _WA, pos=1)
    table = _text(r.nul_bytes(), "table name")
    return ComFieldList(table, _text(r.rest(), "wildcard"))


def parse_com_process_kill(payload: Buffer) -> ComProcessKill:
    """``COM_PROCESS_KILL``: ``int<4>`` connection id."""
    return ComProcessKill(PayloadReader(payload, _WA, pos=1).int4())


def parse_com_set_option(payload: Buffer) -> ComSetOption:
    """``COM_SET_OPTION``: ``int<2>``; values other than ON (0) / OFF (1) are refused."""
    option = PayloadReader(payload, _WA, pos=1).int2()
    if option not in (
        SetOption.MYSQL_OPTION_MULTI_STATEMENTS_ON,
        SetOption.MYSQL_OPTION_MULTI_STATEMENTS_OFF,
    ):
        raise RemoteProtocolError(f"unknown COM_SET_OPTION {option}", ER.ER_UNKNOWN_COM_ERROR)
    return ComSetOption(option)


def parse_com_stmt_close(payload: Buffer) -> ComStmtClose:
    """``COM_STMT_CLOSE``: ``int<4>`` statement id."""
    return ComStmtClose(PayloadReader(payload, _WA, pos=1).int4())


_Handler = Callable[[bytes, StatementRegistry], Event | None]


def _stmt_close(payload: bytes, statements: StatementRegistry) -> Event | None:
    if len(payload) < 5:
        return None  # COM_STMT_CLOSE has no reply, so there is nobody to tell
    event = parse_com_stmt_close(payload)
    statements.forget(event.statement_id)
    return event


def _long_data(payload: bytes, statements: StatementRegistry) -> None:
    statements.send_long_data(payload)


def _reset_connection(payload: bytes, statements: StatementRegistry) -> Event:
    statements.clear()
    return _RESET


_HANDLERS: Final[dict[int, _Handler]] = {
    Command.COM_QUIT: lambda p, s: _QUIT,
    Command.COM_INIT_DB: lambda p, s: parse_com_init_db(p),
    Command.COM_FIELD_LIST: lambda p, s: parse_com_field_list(p),
    Command.COM_STATISTICS: lambda p, s: _STATISTICS,
    Command.COM_PROCESS_KILL: lambda p, s: parse_com_process_kill(p),
    Command.COM_PING: lambda p, s: _PING,
    Command.COM_STMT_PREPARE: lambda p, s: ComStmtPrepare(p[1:]),
    Command.COM_STMT_EXECUTE: lambda p, s: s.execute(p),
    Command.COM_STMT_SEND_LONG_DATA: _long_data,
    Command.COM_STMT_CLOSE: _stmt_close,
    Command.COM_STMT_RESET: lambda p, s: s.reset(p),
    Command.COM_SET_OPTION: lambda p, s: parse_com_set_option(p),
    Command.COM_STMT_FETCH: lambda p, s: s.fetch(p),
    Command.COM_RESET_CONNECTION: _reset_connection,
}


def decode_command(payload: bytes, statements: StatementRegistry) -> Event | None:
    """Decode one command-phase packet (see the module contracts)."""
    if not payload:
        return BadCommand(ER.ER_UNKNOWN_COM_ERROR, "empty command packet")
    code = payload[0]
    if code == 0x03:  # COM_QUERY: the hot path
        return ComQuery(payload[1:])
    handler = _HANDLERS.get(code)
    if handler is None:
        return BadCommand(ER.ER_UNKNOWN_COM_ERROR, f"unsupported command 0x{code:02X}")
    try:
        return handler(payload, statements)
    except RemoteProtocolError as exc:
        return BadCommand(exc.kind, exc.message)
