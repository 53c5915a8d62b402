"""Command phase: every command, unknown/empty commands, sequence ids, pipelining."""

from __future__ import annotations

import struct

import pytest

from edb_proxy.errors import ER, LocalProtocolError, RemoteProtocolError
from edb_proxy.fieldtypes import ColumnDef, FieldType
from edb_proxy.protocol import (
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
    ConnectionClosed,
    ConnectionState,
    ServerStatus,
)
from tests.unit.protocol import client_codec as cc
from tests.unit.protocol.helpers import connect, feed

S = ConnectionState
AUTOCOMMIT = ServerStatus.SERVER_STATUS_AUTOCOMMIT


def test_com_query_and_ok(split: cc.Split) -> None:
    conn = connect(split)
    [event] = feed(conn, cc.com_query(b"UPDATE t SET a = 1"), split)
    assert event == ComQuery(b"UPDATE t SET a = 1")
    assert conn.state is S.RESPONSE
    data = conn.ok(
        affected_rows=3, last_insert_id=300, status=AUTOCOMMIT, warnings=1, info="Rows matched: 3"
    )
    [(seq, payload)] = cc.unframe(data)
    assert seq == 1
    ok = cc.parse_ok(payload)
    assert (ok.affected_rows, ok.last_insert_id, ok.status, ok.warnings, ok.info) == (
        3,
        300,
        2,
        1,
        b"Rows matched: 3",
    )
    assert conn.state is S.COMMAND


def test_empty_query_is_still_a_query() -> None:
    conn = connect()
    assert feed(conn, cc.com_query(b"")) == [ComQuery(b"")]


@pytest.mark.parametrize(
    ("packet", "event"),
    [
        (cc.command(0x0E), ComPing()),
        (cc.command(0x09), ComStatistics()),
        (cc.command(0x02, "tést".encode()), ComInitDB("tést")),
        (cc.command(0x04, b"t1\x00a%"), ComFieldList("t1", "a%")),
        (cc.command(0x0C, struct.pack("<I", 77)), ComProcessKill(77)),
        (cc.command(0x1B, b"\x01\x00"), ComSetOption(1)),
        (cc.command(0x1F), ComResetConnection()),
    ],
)
def test_simple_commands(split: cc.Split, packet: bytes, event: object) -> None:
    conn = connect(split)
    assert feed(conn, packet, split) == [event]
    assert conn.state is S.RESPONSE


@pytest.mark.parametrize(
    ("packet", "kind"),
    [
        (cc.frame(b"", 0), ER.ER_UNKNOWN_COM_ERROR),
        (cc.command(0x00), ER.ER_UNKNOWN_COM_ERROR),  # COM_SLEEP
        (cc.command(0x08), ER.ER_UNKNOWN_COM_ERROR),  # COM_SHUTDOWN
        (cc.command(0x11, b"user\x00"), ER.ER_UNKNOWN_COM_ERROR),  # COM_CHANGE_USER
        (cc.command(0x20), ER.ER_UNKNOWN_COM_ERROR),
        (cc.command(0xFF), ER.ER_UNKNOWN_COM_ERROR),
        (cc.command(0x1B, b"\x05\x00"), ER.ER_UNKNOWN_COM_ERROR),  # bad SET_OPTION value
        (cc.command(0x1B, b"\x01"), ER.ER_WRONG_ARGUMENTS),
        (cc.command(0x0C, b"\x01"), ER.ER_WRONG_ARGUMENTS),
        (cc.command(0x04, b"no-nul"), ER.ER_WRONG_ARGUMENTS),
        (cc.command(0x02, b"\xff\xfe"), ER.ER_WRONG_DB_NAME),
    ],
)
def test_bad_commands_keep_serving(split: cc.Split, packet: bytes, kind: ER) -> None:
    conn = connect(split)
    [event] = feed(conn, packet, split)
    assert isinstance(event, BadCommand)
    assert event.kind is kind
    with pytest.raises(LocalProtocolError):
        conn.ok()  # only error() answers a BadCommand
    err = cc.parse_err(cc.unframe(conn.error(*event.kind.value, event.message))[0][1])
    assert err.errno == kind.errno
    assert conn.state is S.COMMAND
    assert feed(conn, cc.command(0x0E), split) == [ComPing()]


def test_command_with_wrong_sequence_id() -> None:
    conn = connect()
    conn.receive_data(cc.frame(b"\x03SELECT 1", 1))
    with pytest.raises(RemoteProtocolError) as info:
        conn.next_event()
    assert info.value.kind is ER.ER_NET_PACKETS_OUT_OF_ORDER
    assert conn.state is S.ERROR
    conn.error(*info.value.kind.value, info.value.message)
    assert conn.state is S.CLOSED


def test_command_too_large_from_header() -> None:
    conn = connect(max_allowed_packet=4096)
    conn.receive_data((4097).to_bytes(3, "little") + b"\x00\x03")
    with pytest.raises(RemoteProtocolError) as info:
        conn.next_event()
    assert info.value.kind is ER.ER_NET_PACKET_TOO_LARGE


def test_pipelined_commands_are_served_in_order(split: cc.Split) -> None:
    conn = connect(split)
    events = feed(conn, cc.com_query(b"a") + cc.command(0x0E) + cc.com_query(b"b"), split)
    assert events == [ComQuery(b"a")]
    assert conn.next_event() is None  # our turn
    conn.ok()
    assert conn.next_event() == ComPing()
    conn.ok()
    assert conn.next_event() == ComQuery(b"b")


def test_quit_closes(split: cc.Split) -> None:
    conn = connect(split)
    assert feed(conn, cc.command(0x01), split) == [ComQuit()]
    assert conn.state is S.CLOSED
    assert isinstance(conn.next_event(), ConnectionClosed)
    with pytest.raises(LocalProtocolError):
        conn.ok()


def test_peer_eof_between_commands() -> None:
    conn = connect()
    conn.receive_data(cc.com_query(b"x")[:3])
    conn.receive_data(b"")
    assert isinstance(conn.next_event(), ConnectionClosed)


def test_eof_after_pipelined_command_delivers_command_first() -> None:
    conn = connect()
    conn.receive_data(cc.com_query(b"x") + cc.command(0x01))
    conn.receive_data(b"")
    assert conn.next_event() == ComQuery(b"x")
    conn.ok()
    assert conn.next_event() == ComQuit()


@pytest.mark.parametrize("deprecate", [True, False])
def test_set_option_toggles_multi_statements(deprecate: bool) -> None:
    caps = cc.BASE_CAPS | cc.MULTI_STATEMENTS | (cc.DEPRECATE_EOF if deprecate else 0)
    conn = connect(caps=caps)
    assert conn.multi_statements
    assert conn.deprecate_eof is deprecate
    feed(conn, cc.command(0x1B, b"\x01\x00"))
    [(seq, payload)] = cc.unframe(conn.set_option_reply(AUTOCOMMIT))
    assert seq == 1
    if deprecate:
        assert cc.parse_ok(payload).header == 0xFE
    else:
        assert cc.parse_eof(payload) == cc.EOF(0, 2)
    assert not conn.multi_statements
    feed(conn, cc.command(0x1B, b"\x00\x00"))
    conn.set_option_reply(AUTOCOMMIT)
    assert conn.multi_statements


def test_multi_statements_off_without_capability() -> None:
    assert not connect(caps=cc.BASE_CAPS).multi_statements


def test_found_rows_capability() -> None:
    assert connect(caps=cc.BASE_CAPS | cc.FOUND_ROWS).client_found_rows
    assert not connect(caps=cc.BASE_CAPS).client_found_rows


def test_statistics_is_a_raw_string() -> None:
    conn = connect()
    feed(conn, cc.command(0x09))
    assert cc.unframe(conn.statistics("Uptime: 5  Threads: 1")) == [(1, b"Uptime: 5  Threads: 1")]
    assert conn.state is S.COMMAND


@pytest.mark.parametrize("deprecate", [True, False])
def test_field_list(deprecate: bool) -> None:
    caps = cc.BASE_CAPS | (cc.DEPRECATE_EOF if deprecate else 0)
    conn = connect(caps=caps)
    feed(conn, cc.command(0x04, b"t\x00"))
    cols = [ColumnDef("id", FieldType.MYSQL_TYPE_LONG, table="t"), ColumnDef("name")]
    packets = cc.unframe(conn.field_list(cols))
    assert [s for s, _ in packets] == [1, 2, 3]
    c0 = cc.parse_column(packets[0][1], with_default=True)
    assert c0.name == b"id" and c0.table == b"t" and c0.default is None and c0.has_default
    assert c0.catalog == b"def"
    end = packets[2][1]
    if deprecate:
        assert cc.parse_ok(end).header == 0xFE
    else:
        assert cc.parse_eof(end).status == 2


def test_reset_connection_drops_statements() -> None:
    conn = connect()
    feed(conn, cc.command(0x16, b"SELECT ?"))
    conn.prepare_ok(1, [], 1)
    feed(conn, cc.command(0x1F))
    conn.ok()
    [event] = feed(conn, cc.stmt_execute(1, [cc.p_int(8, 1)]))
    assert isinstance(event, BadCommand) and event.kind is ER.ER_UNKNOWN_STMT_HANDLER


@pytest.mark.parametrize(
    ("packet", "allowed", "refused"),
    [
        (cc.command(0x0E), "ok", "statistics"),
        (cc.command(0x09), "statistics", "ok"),
        (cc.command(0x1B, b"\x00\x00"), "set_option_reply", "ok"),
        (cc.command(0x16, b"SELECT 1"), "prepare_ok", "ok"),
    ],
)
def test_reply_table(packet: bytes, allowed: str, refused: str) -> None:
    args: dict[str, tuple[object, ...]] = {
        "ok": (),
        "statistics": ("x",),
        "set_option_reply": (AUTOCOMMIT,),
        "prepare_ok": (1, [], 0),
    }
    conn = connect()
    feed(conn, packet)
    with pytest.raises(LocalProtocolError):
        getattr(conn, refused)(*args[refused])
    assert conn.state is S.RESPONSE  # refused responses change nothing
    getattr(conn, allowed)(*args[allowed])
    assert conn.state is S.COMMAND


def test_unsolicited_error_between_commands_closes() -> None:
    conn = connect()
    assert cc.seqs(conn.error(1053, "08S01", "server shutdown")) == [1]
    assert conn.state is S.CLOSED


def test_ok_refused_while_awaiting_command() -> None:
    conn = connect()
    with pytest.raises(LocalProtocolError):
        conn.ok()
    with pytest.raises(LocalProtocolError):
        conn.result_set([ColumnDef("a")], [], AUTOCOMMIT)
