"""Shared harness for the protocol fuzzers: seed inputs and a server that answers every event.

The driver answers each event with a response the state machine allows, so fuzzed bytes reach
every state (handshake, auth exchange, command phase, prepared statements, cursors).
"""

from __future__ import annotations

import datetime
import struct
from collections.abc import Iterable
from decimal import Decimal

from edb_proxy.errors import RemoteProtocolError
from edb_proxy.fieldtypes import ColumnDef, FieldType
from edb_proxy.protocol import (
    AuthData,
    BadCommand,
    ComFieldList,
    ComQuery,
    ComQuit,
    ComSetOption,
    ComStatistics,
    ComStmtClose,
    ComStmtExecute,
    ComStmtFetch,
    ComStmtPrepare,
    ConnectionClosed,
    ConnectionState,
    CursorType,
    HandshakeResponse,
    ServerConnection,
    ServerStatus,
    SSLRequest,
)
from tests.unit.protocol import client_codec as cc

F = FieldType
SCRAMBLE = bytes(range(1, 21))
AUTOCOMMIT = ServerStatus.SERVER_STATUS_AUTOCOMMIT
COLUMNS = (
    ColumnDef("id", F.MYSQL_TYPE_LONGLONG),
    ColumnDef("name", F.MYSQL_TYPE_VAR_STRING),
    ColumnDef("at", F.MYSQL_TYPE_DATETIME),
)
ROW = (1, "x", datetime.datetime(2024, 1, 2, 3, 4, 5))
#: statement id -> parameter count, registered on every post-handshake connection.
STATEMENTS = {1: 0, 2: 3, 3: 9}
MAX_PACKET = 1 << 20


def new_connection() -> ServerConnection:
    conn = ServerConnection(
        connection_id=1,
        server_version="8.0.36-edb",
        scramble=SCRAMBLE,
        max_allowed_packet=MAX_PACKET,
    )
    conn.greeting()
    return conn


_SETUP: dict[int, bytes] = {}


def ready_connection(caps: int = cc.BASE_CAPS | cc.DEPRECATE_EOF) -> ServerConnection:
    """A connection in the command phase with the statements of STATEMENTS prepared."""
    setup = _SETUP.get(caps)
    if setup is None:
        setup = _SETUP[caps] = cc.frame(
            cc.Response41(caps=caps, auth=b"a" * 32).encode(), 1
        ) + cc.command(0x16, b"SELECT ?") * len(STATEMENTS)
    conn = new_connection()
    conn.receive_data(setup)
    assert isinstance(conn.next_event(), HandshakeResponse)
    conn.auth_ok()
    for stmt_id, nparams in STATEMENTS.items():
        assert isinstance(conn.next_event(), ComStmtPrepare)
        conn.prepare_ok(stmt_id, COLUMNS, nparams)
    return conn


def respond(conn: ServerConnection, event: object, next_id: list[int]) -> bool:
    """Answer ``event`` as a server would; return False when the conversation is over."""
    if isinstance(event, ConnectionClosed | ComQuit):
        return False
    if isinstance(event, SSLRequest | ComStmtClose):
        return True
    if isinstance(event, HandshakeResponse):
        if event.auth_plugin == "mysql_native_password":
            conn.auth_switch_request("mysql_native_password", SCRAMBLE + b"\x00")
        else:
            conn.auth_more_data(b"\x04")
        return True
    if isinstance(event, AuthData):
        conn.auth_ok()
        return True
    if isinstance(event, BadCommand):
        conn.error(*event.kind.value, event.message)
    elif isinstance(event, ComQuery):
        conn.result_set(COLUMNS, [ROW, (None, None, None)], AUTOCOMMIT)
    elif isinstance(event, ComStmtExecute):
        if event.flags & CursorType.CURSOR_TYPE_READ_ONLY:
            conn.cursor_opened(COLUMNS, AUTOCOMMIT)
        else:
            conn.result_set(COLUMNS, [ROW], AUTOCOMMIT, binary=True)
    elif isinstance(event, ComStmtPrepare):
        next_id[0] += 1
        conn.prepare_ok(next_id[0], COLUMNS, 2)
    elif isinstance(event, ComStmtFetch):
        conn.fetch_result(COLUMNS, [ROW], AUTOCOMMIT, last=event.num_rows % 2 == 0)
    elif isinstance(event, ComFieldList):
        conn.field_list(COLUMNS)
    elif isinstance(event, ComStatistics):
        conn.statistics("Uptime: 1")
    elif isinstance(event, ComSetOption):
        conn.set_option_reply(AUTOCOMMIT)
    else:
        conn.ok(status=AUTOCOMMIT)
    return True


def drive(conn: ServerConnection, chunks: Iterable[bytes], eof: bool = False) -> None:
    """Feed ``chunks``, answering events. Raises only RemoteProtocolError (after answering it
    with ``error()``, as the server does)."""
    next_id = [1000]
    try:
        for chunk in [*chunks, *([b""] if eof else [])]:
            if conn.state is ConnectionState.CLOSED:
                return
            conn.receive_data(chunk)
            while (event := conn.next_event()) is not None:
                if not respond(conn, event, next_id):
                    return
    except RemoteProtocolError as exc:
        conn.error(exc.kind.errno, exc.kind.sqlstate, exc.message)
        assert conn.state is ConnectionState.CLOSED
        raise


# --- seed inputs ---------------------------------------------------------------------------


def _execute_all_types() -> bytes:
    return cc.stmt_execute(
        3,
        [
            cc.p_int(8, -5),
            cc.p_int(1, 200, unsigned=True),
            cc.p_double(1.5),
            cc.p_decimal(Decimal("1.25")),
            cc.p_str(0xFD, "é".encode()),
            cc.p_str(0xFC, b"\x00\xff"),
            cc.p_datetime(12, datetime.datetime(2024, 1, 2, 3, 4, 5, 6)),
            cc.p_time(-datetime.timedelta(hours=30, microseconds=1)),
            cc.p_null(),
        ],
    )


def handshake_seeds() -> list[bytes]:
    """Whole client byte streams starting right after the greeting."""
    native = cc.Response41(plugin=b"mysql_native_password", auth=b"n" * 20, database=b"db")
    sha = cc.Response41(
        auth=b"s" * 32, attrs={b"_client_name": b"fuzz", b"k": b"v" * 300}, auth_form="lenenc"
    )
    nul = cc.Response41(auth=b"pw", auth_form="nul", plugin=None)
    return [
        cc.frame(native.encode(), 1) + cc.frame(b"r" * 20, 3) + cc.com_query(b"SELECT 1"),
        cc.frame(sha.encode(), 1) + cc.frame(b"secret\x00", 3),
        cc.frame(nul.encode(), 1),
        cc.frame(cc.ssl_request(), 1)
        + cc.frame(cc.Response41(caps=cc.BASE_CAPS | cc.SSL).encode(), 2),
        cc.frame(cc.Response41(raw_attrs=b"\xfc\x04\x00\x01a\x01b\x03").encode(), 1),
    ]


def command_seeds() -> list[bytes]:
    """Client byte streams for a connection in the command phase."""
    return [
        cc.com_query(b"SELECT * FROM t WHERE id = 1"),
        cc.com_query(b"SELECT 1; SELECT 2") + cc.command(0x0E),
        cc.stmt_execute(2, [cc.p_int(8, 1), cc.p_str(0xFD, b"abc"), cc.p_null()]),
        cc.stmt_execute(
            2, [cc.p_int(8, 1), cc.p_str(0xFD, b"abc"), cc.p_null()], send_types=False
        ),
        _execute_all_types(),
        cc.send_long_data(2, 1, b"long" * 10)
        + cc.stmt_execute(
            2, [cc.p_int(3, 7), (0xFC, False, None), cc.p_double(2.0)], long_data=frozenset({1})
        ),
        cc.stmt_execute(1, [], flags=1)
        + cc.command(0x1C, struct.pack("<II", 1, 2))
        + cc.command(0x1C, struct.pack("<II", 1, 4)),
        cc.command(0x1A, struct.pack("<I", 2)) + cc.command(0x19, struct.pack("<I", 2)),
        cc.command(0x04, b"t\x00%") + cc.command(0x09) + cc.command(0x1B, b"\x01\x00"),
        cc.command(0x02, b"db") + cc.command(0x0C, struct.pack("<I", 9)) + cc.command(0x1F),
        cc.command(0x16, b"SELECT ?, ?") + cc.stmt_execute(1001, [cc.p_int(8, 1), cc.p_null()]),
        # length-encoded integer edge cases inside parameters
        cc.command(
            0x17, struct.pack("<IBI", 2, 0, 1) + b"\x00\x01\xfd\x00\xfd\x00\xfd\x00" + b"\xfb"
        ),
        cc.command(
            0x17, struct.pack("<IBI", 2, 0, 1) + b"\x00\x01\xfd\x00\xfd\x00\xfd\x00" + b"\xfc\x01"
        ),
        cc.command(
            0x17,
            struct.pack("<IBI", 2, 0, 1)
            + b"\x00\x01\xfd\x00\xfd\x00\xfd\x00"
            + b"\xfe"
            + bytes(7),
        ),
        cc.command(
            0x17, struct.pack("<IBI", 2, 0, 1) + b"\x00\x01\xfd\x00\xfd\x00\xfd\x00" + b"\xff"
        ),
        cc.frame(b"", 0) + cc.command(0xEE) + cc.command(0x01),
    ]
