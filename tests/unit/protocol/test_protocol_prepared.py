"""Prepared statements: PREPARE_OK, EXECUTE parameters of every type, long data, cursors."""

from __future__ import annotations

import datetime
import struct
from decimal import Decimal

import pytest

from edb_proxy.errors import ER, LocalProtocolError
from edb_proxy.fieldtypes import ColumnDef, FieldType, Value
from edb_proxy.protocol import (
    BadCommand,
    ComPing,
    ComStmtClose,
    ComStmtExecute,
    ComStmtFetch,
    ComStmtPrepare,
    ComStmtReset,
    ConnectionState,
    CursorType,
    ServerConnection,
    ServerStatus,
)
from tests.unit.protocol import client_codec as cc
from tests.unit.protocol.helpers import connect, feed

F = FieldType
S = ConnectionState
AUTOCOMMIT = ServerStatus.SERVER_STATUS_AUTOCOMMIT


def prepared(
    nparams: int,
    split: cc.Split = cc.split_whole,
    caps: int = cc.BASE_CAPS | cc.DEPRECATE_EOF,
    stmt_id: int = 1,
    max_allowed_packet: int = 64 * 1024 * 1024,
) -> ServerConnection:
    conn = connect(split, caps=caps, max_allowed_packet=max_allowed_packet)
    [event] = feed(conn, cc.command(0x16, b"SELECT ?"), split)
    assert event == ComStmtPrepare(b"SELECT ?")
    conn.prepare_ok(stmt_id, [ColumnDef("a")], nparams)
    return conn


@pytest.mark.parametrize("deprecate", [True, False])
def test_prepare_ok_layout(deprecate: bool) -> None:
    conn = connect(caps=cc.BASE_CAPS | (cc.DEPRECATE_EOF if deprecate else 0))
    feed(conn, cc.command(0x16, b"SELECT ?, ? FROM t"))
    cols = [ColumnDef("x", F.MYSQL_TYPE_LONG), ColumnDef("y")]
    packets = cc.unframe(conn.prepare_ok(7, cols, 2, warnings=1))
    assert [s for s, _ in packets] == list(range(1, len(packets) + 1))
    assert cc.parse_prepare_ok(packets[0][1]) == (7, 2, 2, 1)
    body = [p for _, p in packets[1:]]
    if deprecate:
        assert len(body) == 4
        params, columns = body[:2], body[2:]
    else:
        assert len(body) == 6
        assert cc.parse_eof(body[2]).status == 2 and cc.parse_eof(body[5]).status == 2
        params, columns = body[:2], body[3:5]
    assert [cc.parse_column(p).name for p in params] == [b"?", b"?"]
    assert [cc.parse_column(c).name for c in columns] == [b"x", b"y"]
    assert conn.state is S.COMMAND


def test_prepare_ok_without_params_or_columns() -> None:
    conn = connect(caps=cc.BASE_CAPS)
    feed(conn, cc.command(0x16, b"DO 1"))
    packets = cc.unframe(conn.prepare_ok(1, [], 0))
    assert len(packets) == 1


def test_prepare_ok_rejects_duplicate_id() -> None:
    conn = prepared(0)
    feed(conn, cc.command(0x16, b"DO 1"))
    with pytest.raises(LocalProtocolError):
        conn.prepare_ok(1, [], 0)
    assert conn.state is S.RESPONSE


DT = datetime.datetime(2024, 1, 2, 3, 4, 5, 6)
PARAMS: list[tuple[tuple[int, bool, bytes | None], Value]] = [
    (cc.p_int(1, -1), -1),
    (cc.p_int(1, 255, unsigned=True), 255),
    (cc.p_int(2, -2), -2),
    (cc.p_int(2, 65535, unsigned=True), 65535),
    (cc.p_int(13, 2024, unsigned=True), 2024),
    (cc.p_int(3, -3), -3),
    (cc.p_int(3, 2**32 - 1, unsigned=True), 2**32 - 1),
    (cc.p_int(9, 100), 100),
    (cc.p_int(8, -(2**63)), -(2**63)),
    (cc.p_int(8, 2**64 - 1, unsigned=True), 2**64 - 1),
    (cc.p_float(0.5), 0.5),
    (cc.p_double(-2.25), -2.25),
    (cc.p_decimal(Decimal("123.4500")), Decimal("123.4500")),
    (cc.p_decimal(Decimal("-1"), ftype=0), Decimal("-1")),
    (cc.p_datetime(10, datetime.date(2024, 2, 29)), datetime.date(2024, 2, 29)),
    (cc.p_datetime(12, DT), DT),
    (
        cc.p_datetime(12, datetime.datetime(2024, 1, 2, 3, 4, 5)),
        datetime.datetime(2024, 1, 2, 3, 4, 5),
    ),
    (cc.p_datetime(7, datetime.datetime(2024, 1, 2)), datetime.datetime(2024, 1, 2)),
    (cc.p_datetime(12, None), "0000-00-00 00:00:00"),
    (cc.p_datetime(10, None), "0000-00-00"),
    (
        cc.p_time(datetime.timedelta(days=1, hours=2, seconds=3)),
        datetime.timedelta(days=1, hours=2, seconds=3),
    ),
    (
        cc.p_time(-datetime.timedelta(minutes=5, microseconds=9)),
        -datetime.timedelta(minutes=5, microseconds=9),
    ),
    (cc.p_time(datetime.timedelta(0)), datetime.timedelta(0)),
    (cc.p_str(0xFD, "héllo".encode()), "héllo"),
    (cc.p_str(0xFE, b"x" * 300), "x" * 300),
    (cc.p_str(0x0F, b"v"), "v"),
    (cc.p_str(0xF7, b"red"), "red"),
    (cc.p_str(0xF8, b"a,b"), "a,b"),
    (cc.p_str(0xF5, b'{"k": 1}'), '{"k": 1}'),
    (cc.p_str(0xFD, b"\xff\xfe"), b"\xff\xfe"),  # not UTF-8: stays bytes
    (cc.p_str(0xFC, b"\x00\x01"), b"\x00\x01"),
    (cc.p_str(0xF9, b"t"), b"t"),
    (cc.p_str(0xFA, b"m"), b"m"),
    (cc.p_str(0xFB, b"l"), b"l"),
    (cc.p_str(0xFF, b"geo"), b"geo"),
    (cc.p_str(0x10, b"\x01"), b"\x01"),
    (cc.p_null(), None),
    ((3, False, None), None),  # NULL via the bitmap
]


def test_execute_every_parameter_type(split: cc.Split) -> None:
    conn = prepared(len(PARAMS), split)
    packet = cc.stmt_execute(1, [p for p, _ in PARAMS], flags=0)
    [event] = feed(conn, packet, split)
    assert isinstance(event, ComStmtExecute)
    assert event.statement_id == 1 and event.flags == 0
    assert len(event.params) == len(PARAMS)
    for got, (_, want) in zip(event.params, PARAMS, strict=True):
        assert got == want and type(got) is type(want)


def test_execute_reuses_types_when_not_rebound(split: cc.Split) -> None:
    conn = prepared(2, split)
    params = [cc.p_int(8, 5, unsigned=True), cc.p_str(0xFD, b"a")]
    [first] = feed(conn, cc.stmt_execute(1, params), split)
    assert isinstance(first, ComStmtExecute) and first.params == (5, "a")
    conn.ok()
    again = [cc.p_int(8, 2**64 - 1, unsigned=True), (0xFD, False, None)]
    [second] = feed(conn, cc.stmt_execute(1, again, send_types=False), split)
    assert isinstance(second, ComStmtExecute) and second.params == (2**64 - 1, None)


def test_execute_without_ever_binding_types(split: cc.Split) -> None:
    conn = prepared(1, split)
    [event] = feed(conn, cc.stmt_execute(1, [cc.p_int(8, 1)], send_types=False), split)
    assert isinstance(event, BadCommand) and event.kind is ER.ER_WRONG_ARGUMENTS


def test_execute_zero_params_and_cursor_flag(split: cc.Split) -> None:
    conn = prepared(0, split)
    [event] = feed(conn, cc.stmt_execute(1, [], flags=CursorType.CURSOR_TYPE_READ_ONLY), split)
    assert event == ComStmtExecute(1, 1, ())


def test_execute_unknown_statement(split: cc.Split) -> None:
    conn = prepared(0, split)
    for packet in (
        cc.stmt_execute(99, []),
        cc.command(0x1C, struct.pack("<II", 99, 1)),
        cc.command(0x1A, struct.pack("<I", 99)),
    ):
        [event] = feed(conn, packet, split)
        assert isinstance(event, BadCommand)
        assert event.kind is ER.ER_UNKNOWN_STMT_HANDLER
        conn.error(*event.kind.value, event.message)
        assert conn.state is S.COMMAND


@pytest.mark.parametrize(
    "packet",
    [
        cc.command(0x17, struct.pack("<IB", 1, 0)),  # truncated header
        cc.command(0x17, b"\x01"),
        cc.command(0x17, struct.pack("<IBI", 1, 0, 1)),  # no bitmap for 2 params
        cc.command(0x17, struct.pack("<IBI", 1, 0, 1) + b"\x00\x02"),  # bad bound flag
        cc.command(0x17, struct.pack("<IBI", 1, 0, 1) + b"\x00\x01\x08\x00"),  # 1 of 2 types
        cc.command(0x17, struct.pack("<IBI", 1, 0, 1) + b"\x00\x01\x08\x00\x08\x00" + bytes(9)),
        cc.command(0x17, struct.pack("<IBI", 1, 0, 1) + b"\x00\x01\x99\x00\x08\x00"),  # bad type
        cc.command(0x17, struct.pack("<IBI", 1, 0, 1) + b"\x00\x01\xfd\x00\xfd\x00\xfc\x01"),
        cc.command(
            0x17, struct.pack("<IBI", 1, 0, 1) + b"\x00\x01\x0c\x00\x0c\x00\x05" + bytes(5)
        ),
        cc.command(0x17, struct.pack("<IBI", 1, 0, 1) + b"\x00\x01\x0b\x00\x0b\x00\x03abc"),
        cc.command(0x17, struct.pack("<IBI", 1, 0, 1) + b"\x00\x01\xf6\x00\xf6\x00\x03abc\x01x"),
        cc.command(
            0x17,
            struct.pack("<IBI", 1, 0, 1)
            + b"\x00\x01\x0a\x00\x0a\x00"
            + b"\x04"
            + struct.pack("<HBB", 2023, 2, 30)
            + b"\x00",
        ),  # Feb 30
    ],
)
def test_malformed_execute_is_bad_command(split: cc.Split, packet: bytes) -> None:
    conn = prepared(2, split)
    [event] = feed(conn, packet, split)
    assert isinstance(event, BadCommand)
    assert event.kind is ER.ER_WRONG_ARGUMENTS
    conn.error(*event.kind.value, event.message)
    # The connection keeps serving and the statement still works.
    [event] = feed(conn, cc.stmt_execute(1, [cc.p_int(8, 1), cc.p_null()]), split)
    assert event == ComStmtExecute(1, 0, (1, None))


def test_long_data_is_merged(split: cc.Split) -> None:
    conn = prepared(3, split)
    data = (
        cc.send_long_data(1, 0, b"\x00\x01")
        + cc.send_long_data(1, 0, b"\x02")
        + cc.send_long_data(1, 2, "tëxt".encode())
    )
    params = [(0xFC, False, None), cc.p_int(3, 9), (0xFD, False, None)]
    packet = cc.stmt_execute(1, params, long_data=frozenset({0, 2}))
    [event] = feed(conn, data + packet, split)  # long data produces no events or replies
    assert event == ComStmtExecute(1, 0, (b"\x00\x01\x02", 9, "tëxt"))
    conn.ok()
    # Long data is consumed by the execute: the next execute sends values inline.
    [event] = feed(
        conn,
        cc.stmt_execute(1, [cc.p_str(0xFC, b"i"), cc.p_int(3, 1), cc.p_str(0xFD, b"s")]),
        split,
    )
    assert event == ComStmtExecute(1, 0, (b"i", 1, "s"))


def test_long_data_to_unknown_statement_reported_at_execute(split: cc.Split) -> None:
    conn = prepared(1, split)
    feed(conn, cc.send_long_data(5, 0, b"zzz"), split)
    assert conn.state is S.COMMAND
    [event] = feed(conn, cc.stmt_execute(5, [cc.p_int(8, 1)]), split)
    assert isinstance(event, BadCommand) and event.kind is ER.ER_UNKNOWN_STMT_HANDLER


def test_long_data_bad_param_index(split: cc.Split) -> None:
    conn = prepared(1, split)
    feed(conn, cc.send_long_data(1, 3, b"zzz"), split)
    [event] = feed(conn, cc.stmt_execute(1, [cc.p_int(8, 1)]), split)
    assert isinstance(event, BadCommand) and event.kind is ER.ER_WRONG_ARGUMENTS
    conn.error(*event.kind.value, event.message)
    [event] = feed(conn, cc.stmt_execute(1, [cc.p_int(8, 1)]), split)
    assert event == ComStmtExecute(1, 0, (1,))  # the error was reported once


def test_long_data_bounded_by_max_allowed_packet() -> None:
    conn = prepared(1, max_allowed_packet=1000)
    feed(conn, cc.send_long_data(1, 0, b"a" * 600))
    feed(conn, cc.send_long_data(1, 0, b"a" * 600))
    assert conn.statements.get(1).long_data == {}  # type: ignore[union-attr]
    [event] = feed(conn, cc.stmt_execute(1, [(0xFC, False, None)], long_data=frozenset({0})))
    assert isinstance(event, BadCommand) and event.kind is ER.ER_WRONG_ARGUMENTS


def test_stmt_reset_clears_long_data(split: cc.Split) -> None:
    conn = prepared(1, split)
    feed(conn, cc.send_long_data(1, 0, b"old"), split)
    [event] = feed(conn, cc.command(0x1A, struct.pack("<I", 1)), split)
    assert event == ComStmtReset(1)
    assert cc.parse_ok(cc.unframe(conn.stmt_reset_ok(AUTOCOMMIT))[0][1]).status == 2
    [event] = feed(conn, cc.stmt_execute(1, [cc.p_str(0xFC, b"new")]), split)
    assert event == ComStmtExecute(1, 0, (b"new",))


def test_stmt_close_has_no_reply(split: cc.Split) -> None:
    conn = prepared(0, split)
    [event] = feed(conn, cc.command(0x19, struct.pack("<I", 1)), split)
    assert event == ComStmtClose(1)
    assert conn.state is S.COMMAND
    [event] = feed(conn, cc.stmt_execute(1, []), split)
    assert isinstance(event, BadCommand) and event.kind is ER.ER_UNKNOWN_STMT_HANDLER
    conn.error(*event.kind.value, event.message)
    conn.forget_statement(1)  # idempotent
    # A truncated close is ignored (there is no reply to carry an error).
    events = feed(conn, cc.command(0x19, b"\x01") + cc.command(0x0E), split)
    assert events == [ComPing()]


@pytest.mark.parametrize("deprecate", [True, False])
def test_cursor_open_and_fetch(split: cc.Split, deprecate: bool) -> None:
    caps = cc.BASE_CAPS | (cc.DEPRECATE_EOF if deprecate else 0)
    conn = prepared(0, split, caps=caps)
    [event] = feed(conn, cc.stmt_execute(1, [], flags=CursorType.CURSOR_TYPE_READ_ONLY), split)
    assert isinstance(event, ComStmtExecute)
    cols = [ColumnDef("n", F.MYSQL_TYPE_LONGLONG)]
    packets = cc.unframe(conn.cursor_opened(cols, AUTOCOMMIT))
    assert [s for s, _ in packets] == [1, 2, 3]
    assert cc.parse_column(packets[1][1]).name == b"n"
    end = cc.parse_any(packets[2][1])
    assert not isinstance(end, cc.ERR)
    assert end.status & ServerStatus.SERVER_STATUS_CURSOR_EXISTS
    assert conn.state is S.COMMAND

    [event] = feed(conn, cc.command(0x1C, struct.pack("<II", 1, 2)), split)
    assert event == ComStmtFetch(1, 2)
    packets = cc.unframe(conn.fetch_result(cols, [(1,), (2,)], AUTOCOMMIT, last=False))
    assert [s for s, _ in packets] == [1, 2, 3]
    columns = [cc.Column(b"def", b"", b"", b"", b"n", b"", 63, 20, 8, 0, 0)]
    assert cc.parse_binary_row(packets[0][1], columns) == [1]
    assert cc.parse_binary_row(packets[1][1], columns) == [2]
    end = cc.parse_any(packets[2][1])
    assert not isinstance(end, cc.ERR)
    assert end.status & ServerStatus.SERVER_STATUS_CURSOR_EXISTS
    assert not end.status & ServerStatus.SERVER_STATUS_LAST_ROW_SENT

    feed(conn, cc.command(0x1C, struct.pack("<II", 1, 2)), split)
    packets = cc.unframe(conn.fetch_result(cols, [(3,)], AUTOCOMMIT, last=True))
    end = cc.parse_any(packets[-1][1])
    assert not isinstance(end, cc.ERR)
    assert end.status & ServerStatus.SERVER_STATUS_LAST_ROW_SENT

    [event] = feed(conn, cc.command(0x1C, struct.pack("<II", 1, 2)), split)
    assert isinstance(event, BadCommand) and event.kind is ER.ER_STMT_HAS_NO_OPEN_CURSOR


def test_cursor_requires_cursor_flag() -> None:
    conn = prepared(0)
    feed(conn, cc.stmt_execute(1, []))
    with pytest.raises(LocalProtocolError):
        conn.cursor_opened([ColumnDef("a")], AUTOCOMMIT)
    conn.result_set([ColumnDef("a")], [("x",)], AUTOCOMMIT, binary=True)


def test_fetch_without_cursor(split: cc.Split) -> None:
    conn = prepared(0, split)
    [event] = feed(conn, cc.command(0x1C, struct.pack("<II", 1, 5)), split)
    assert isinstance(event, BadCommand) and event.kind is ER.ER_STMT_HAS_NO_OPEN_CURSOR
    conn.error(*event.kind.value, event.message)
    [event] = feed(conn, cc.command(0x1C, b"\x01"), split)
    assert isinstance(event, BadCommand) and event.kind is ER.ER_WRONG_ARGUMENTS


def test_binary_result_after_execute(split: cc.Split) -> None:
    conn = prepared(1, split)
    feed(conn, cc.stmt_execute(1, [cc.p_int(8, 1)]), split)
    cols = [ColumnDef("a", F.MYSQL_TYPE_LONG), ColumnDef("b")]
    data = conn.result_set(cols, [(1, "x"), (None, None)], AUTOCOMMIT, binary=True)
    rs = cc.read_result(cc.unframe(data), True, binary=True)
    assert rs.rows == [[1, b"x"], [None, None]]
