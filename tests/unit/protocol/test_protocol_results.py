"""Result sets: text and binary rows for every FieldType, DEPRECATE_EOF, multi-results."""

from __future__ import annotations

import datetime
import struct
from decimal import Decimal

import pytest

from edb_proxy.errors import LocalProtocolError
from edb_proxy.fieldtypes import BINARY_CHARSET, ColumnDef, ColumnFlag, FieldType, Value
from edb_proxy.protocol import ConnectionState, ServerConnection, ServerStatus
from edb_proxy.protocol.results import text_value
from tests.unit.protocol import client_codec as cc
from tests.unit.protocol.helpers import connect, feed

F = FieldType
S = ConnectionState
AUTOCOMMIT = ServerStatus.SERVER_STATUS_AUTOCOMMIT
MORE = ServerStatus.SERVER_MORE_RESULTS_EXISTS
UNSIGNED = ColumnFlag.UNSIGNED_FLAG

DT = datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)

TEXT_CASES: list[tuple[Value, bytes]] = [
    (0, b"0"),
    (-42, b"-42"),
    (2**64 - 1, b"18446744073709551615"),
    (True, b"1"),
    (1.5, b"1.5"),
    (0.1, b"0.1"),
    (1e16, b"1e+16"),
    (Decimal("12.340"), b"12.340"),
    (Decimal("1E+3"), b"1000"),
    ("héllo", "héllo".encode()),
    (b"\x00\xff", b"\x00\xff"),
    (DT, b"2024-01-02 03:04:05.123456"),
    (datetime.datetime(2024, 1, 2, 3, 4, 5), b"2024-01-02 03:04:05"),
    (datetime.date(999, 12, 31), b"0999-12-31"),
    (datetime.timedelta(hours=30, minutes=1, seconds=2), b"30:01:02"),
    (-datetime.timedelta(hours=1, microseconds=5), b"-01:00:00.000005"),
    (datetime.timedelta(0), b"00:00:00"),
    ("2024-01-02 03:04:05.123456", b"2024-01-02 03:04:05.123456"),
]


@pytest.mark.parametrize(("value", "text"), TEXT_CASES)
def test_text_values(value: Value, text: bytes) -> None:
    assert text_value(value) == text


def query(conn: ServerConnection, split: cc.Split = cc.split_whole) -> None:
    feed(conn, cc.com_query(b"SELECT ..."), split)


@pytest.mark.parametrize("deprecate", [True, False])
def test_text_result_set(split: cc.Split, deprecate: bool) -> None:
    caps = cc.BASE_CAPS | (cc.DEPRECATE_EOF if deprecate else 0)
    conn = connect(split, caps=caps)
    query(conn, split)
    cols = [
        ColumnDef(
            "id",
            F.MYSQL_TYPE_LONGLONG,
            20,
            ColumnFlag.NOT_NULL_FLAG,
            charset=BINARY_CHARSET,
            table="t",
            org_table="t",
            schema="db",
        ),
        ColumnDef("name", F.MYSQL_TYPE_VAR_STRING, 400),
    ]
    rows = [(1, "a"), (2, None), (3, "x" * 300)]
    data = conn.result_set(cols, iter(rows), AUTOCOMMIT, warnings=2)
    packets = cc.unframe(data)
    assert [s for s, _ in packets] == list(range(1, len(packets) + 1))
    rs = cc.read_result(packets, deprecate)
    assert rs.packets_used == len(packets)
    assert [c.name for c in rs.columns] == [b"id", b"name"]
    c0 = rs.columns[0]
    assert (c0.catalog, c0.schema, c0.table, c0.org_table) == (b"def", b"db", b"t", b"t")
    assert (c0.type, c0.length, c0.flags, c0.charset) == (8, 20, 1, 63)
    assert rs.rows == [[b"1", b"a"], [b"2", None], [b"3", b"x" * 300]]
    if deprecate:
        assert isinstance(rs.end, cc.OK) and rs.end.header == 0xFE
        assert rs.metadata_eof is None
    else:
        assert isinstance(rs.end, cc.EOF)
        assert rs.metadata_eof is not None
    assert (rs.end.status, rs.end.warnings) == (2, 2)
    assert conn.state is S.COMMAND


def test_empty_result_set() -> None:
    conn = connect()
    query(conn)
    rs = cc.read_result(cc.unframe(conn.result_set([ColumnDef("a")], [], AUTOCOMMIT)), True)
    assert rs.rows == []


@pytest.mark.parametrize("deprecate", [True, False])
def test_multi_results(deprecate: bool) -> None:
    caps = cc.BASE_CAPS | cc.MULTI_STATEMENTS | (cc.DEPRECATE_EOF if deprecate else 0)
    conn = connect(caps=caps)
    query(conn)
    first = conn.result_set([ColumnDef("a")], [("1",)], AUTOCOMMIT | MORE)
    assert conn.state is S.RESPONSE
    second = conn.ok(affected_rows=1, status=AUTOCOMMIT | MORE)
    assert conn.state is S.RESPONSE
    third = conn.result_set([ColumnDef("b")], [("2",)], AUTOCOMMIT)
    assert conn.state is S.COMMAND
    packets = cc.unframe(first + second + third)
    assert [s for s, _ in packets] == list(range(1, len(packets) + 1))
    rs1 = cc.read_result(packets, deprecate)
    assert rs1.end.status & MORE
    rest = packets[rs1.packets_used :]
    ok = cc.parse_ok(rest[0][1])
    assert ok.status & MORE and ok.affected_rows == 1
    rs3 = cc.read_result(rest[1:], deprecate)
    assert not rs3.end.status & MORE and rs3.rows == [[b"2"]]


def test_error_ends_multi_results() -> None:
    conn = connect()
    query(conn)
    conn.ok(status=AUTOCOMMIT | MORE)
    data = conn.error(1064, "42000", "syntax")
    assert cc.seqs(data) == [2]
    assert conn.state is S.COMMAND


def test_more_results_refused_for_other_commands() -> None:
    conn = connect()
    feed(conn, cc.command(0x0E))
    with pytest.raises(LocalProtocolError):
        conn.ok(status=MORE)


def test_result_set_misuse_is_atomic() -> None:
    conn = connect()
    query(conn)
    with pytest.raises(LocalProtocolError):
        conn.result_set([ColumnDef("a")], [("x",)], AUTOCOMMIT, binary=True)
    with pytest.raises(LocalProtocolError):
        conn.result_set([], [], AUTOCOMMIT)
    with pytest.raises(LocalProtocolError):
        conn.result_set([ColumnDef("a")], [("x", "y")], AUTOCOMMIT)  # row too long

    def failing_rows() -> list[tuple[Value]]:
        raise RuntimeError("storage failed")

    with pytest.raises(RuntimeError):
        conn.result_set([ColumnDef("a")], (r for r in failing_rows()), AUTOCOMMIT)
    assert conn.state is S.RESPONSE
    assert cc.seqs(conn.error(1815, "HY000", "internal")) == [1]


def test_row_larger_than_16mib() -> None:
    conn = connect()
    query(conn)
    big = "z" * 0xFFFFFF
    data = conn.result_set([ColumnDef("a", F.MYSQL_TYPE_LONG_BLOB)], [(big,), ("s",)], AUTOCOMMIT)
    packets = cc.unframe(data)
    rs = cc.read_result(packets, True)
    assert rs.rows[0][0] == big.encode() and rs.rows[1] == [b"s"]
    frame_seqs = cc.seqs(data)
    assert frame_seqs == list(range(1, len(frame_seqs) + 1))


# --- binary rows -------------------------------------------------------------------------

BINARY_CASES: list[tuple[ColumnDef, Value, object]] = [
    (ColumnDef("t", F.MYSQL_TYPE_TINY), -5, -5),
    (ColumnDef("t", F.MYSQL_TYPE_TINY, flags=UNSIGNED), 250, 250),
    (ColumnDef("s", F.MYSQL_TYPE_SHORT), -30000, -30000),
    (ColumnDef("s", F.MYSQL_TYPE_SHORT, flags=UNSIGNED), 65535, 65535),
    (ColumnDef("y", F.MYSQL_TYPE_YEAR, flags=UNSIGNED), 2024, 2024),
    (ColumnDef("l", F.MYSQL_TYPE_LONG), -(2**31), -(2**31)),
    (ColumnDef("l", F.MYSQL_TYPE_LONG, flags=UNSIGNED), 2**32 - 1, 2**32 - 1),
    (ColumnDef("m", F.MYSQL_TYPE_INT24), 8388607, 8388607),
    (ColumnDef("q", F.MYSQL_TYPE_LONGLONG), -(2**63), -(2**63)),
    (ColumnDef("q", F.MYSQL_TYPE_LONGLONG, flags=UNSIGNED), 2**64 - 1, 2**64 - 1),
    (ColumnDef("q", F.MYSQL_TYPE_LONGLONG), "123", 123),  # text from the SQL layer
    (ColumnDef("q", F.MYSQL_TYPE_LONGLONG), 7.0, 7),
    (ColumnDef("f", F.MYSQL_TYPE_FLOAT), 1.5, 1.5),
    (ColumnDef("d", F.MYSQL_TYPE_DOUBLE), 0.1, 0.1),
    (ColumnDef("d", F.MYSQL_TYPE_DOUBLE), 3, 3.0),
    (ColumnDef("d", F.MYSQL_TYPE_DOUBLE), Decimal("2.5"), 2.5),
    (ColumnDef("dec", F.MYSQL_TYPE_NEWDECIMAL), Decimal("-1.50"), b"-1.50"),
    (ColumnDef("dec", F.MYSQL_TYPE_DECIMAL), "3.25", b"3.25"),
    (ColumnDef("dec", F.MYSQL_TYPE_NEWDECIMAL), 5, b"5"),
    (ColumnDef("dt", F.MYSQL_TYPE_DATETIME), DT, DT),
    (
        ColumnDef("dt", F.MYSQL_TYPE_DATETIME),
        datetime.datetime(2024, 1, 2, 3, 4, 5),
        datetime.datetime(2024, 1, 2, 3, 4, 5),
    ),
    (
        ColumnDef("dt", F.MYSQL_TYPE_DATETIME),
        datetime.datetime(2024, 1, 2),
        datetime.datetime(2024, 1, 2),
    ),
    (ColumnDef("dt", F.MYSQL_TYPE_DATETIME), "2024-01-02 03:04:05.123456", DT),
    (ColumnDef("dt", F.MYSQL_TYPE_DATETIME), "0000-00-00 00:00:00", ("zero-date",)),
    (
        ColumnDef("ts", F.MYSQL_TYPE_TIMESTAMP),
        "2024-01-02 03:04:05",
        datetime.datetime(2024, 1, 2, 3, 4, 5),
    ),
    (
        ColumnDef("ts", F.MYSQL_TYPE_TIMESTAMP),
        datetime.date(2024, 5, 6),
        datetime.datetime(2024, 5, 6),
    ),
    (ColumnDef("da", F.MYSQL_TYPE_DATE), datetime.date(2024, 1, 2), datetime.date(2024, 1, 2)),
    (ColumnDef("da", F.MYSQL_TYPE_DATE), "2024-01-02", datetime.date(2024, 1, 2)),
    (ColumnDef("da", F.MYSQL_TYPE_DATE), "0000-00-00", ("zero-date",)),
    (
        ColumnDef("ti", F.MYSQL_TYPE_TIME),
        datetime.timedelta(days=2, hours=3, seconds=4),
        datetime.timedelta(days=2, hours=3, seconds=4),
    ),
    (
        ColumnDef("ti", F.MYSQL_TYPE_TIME),
        -datetime.timedelta(hours=1, microseconds=7),
        -datetime.timedelta(hours=1, microseconds=7),
    ),
    (
        ColumnDef("ti", F.MYSQL_TYPE_TIME),
        "838:59:59",
        datetime.timedelta(hours=838, minutes=59, seconds=59),
    ),
    (ColumnDef("ti", F.MYSQL_TYPE_TIME), "-00:00:01.5", -datetime.timedelta(seconds=1.5)),
    (ColumnDef("ti", F.MYSQL_TYPE_TIME), datetime.timedelta(0), datetime.timedelta(0)),
    (ColumnDef("v", F.MYSQL_TYPE_VAR_STRING), "héllo", "héllo".encode()),
    (ColumnDef("v", F.MYSQL_TYPE_VARCHAR), 12, b"12"),
    (ColumnDef("v", F.MYSQL_TYPE_STRING), 1.25, b"1.25"),
    (ColumnDef("b", F.MYSQL_TYPE_BLOB, charset=BINARY_CHARSET), b"\x00" * 300, b"\x00" * 300),
    (ColumnDef("b", F.MYSQL_TYPE_TINY_BLOB), b"x", b"x"),
    (ColumnDef("b", F.MYSQL_TYPE_MEDIUM_BLOB), b"x", b"x"),
    (ColumnDef("b", F.MYSQL_TYPE_LONG_BLOB), b"x", b"x"),
    (ColumnDef("j", F.MYSQL_TYPE_JSON), '{"a": 1}', b'{"a": 1}'),
    (ColumnDef("e", F.MYSQL_TYPE_ENUM), "red", b"red"),
    (ColumnDef("s", F.MYSQL_TYPE_SET), "a,b", b"a,b"),
    (ColumnDef("bit", F.MYSQL_TYPE_BIT), b"\x01", b"\x01"),
    (ColumnDef("g", F.MYSQL_TYPE_GEOMETRY), b"\x00\x01", b"\x00\x01"),
    (ColumnDef("nd", F.MYSQL_TYPE_NEWDATE), datetime.date(2024, 1, 2), b"2024-01-02"),
    (ColumnDef("n", F.MYSQL_TYPE_NULL), "x", b"x"),
]


def execute_ready(caps: int = cc.BASE_CAPS | cc.DEPRECATE_EOF) -> ServerConnection:
    conn = connect(caps=caps)
    feed(conn, cc.command(0x16, b"SELECT ..."))
    conn.prepare_ok(1, [], 0)
    feed(conn, cc.stmt_execute(1, []))
    return conn


def test_every_field_type_has_a_binary_case() -> None:
    covered = {c.type for c, _, _ in BINARY_CASES}
    assert covered == set(FieldType)


@pytest.mark.parametrize(
    ("col", "value", "expected"),
    BINARY_CASES,
    ids=[f"{c.type.name}-{i}" for i, (c, _, _) in enumerate(BINARY_CASES)],
)
def test_binary_value(col: ColumnDef, value: Value, expected: object) -> None:
    conn = execute_ready()
    cols = [ColumnDef("pad"), col, ColumnDef("pad2")]
    data = conn.result_set(cols, [(None, value, "p")], AUTOCOMMIT, binary=True)
    rs = cc.read_result(cc.unframe(data), True, binary=True)
    got = rs.rows[0][1]
    assert rs.rows[0][0] is None and rs.rows[0][2] == b"p"
    if col.type == F.MYSQL_TYPE_FLOAT:
        assert got == pytest.approx(expected)
    else:
        assert got == expected


@pytest.mark.parametrize(("col", "value"), [(c, v) for c, v, _ in BINARY_CASES[:10]])
def test_text_row_for_same_types(col: ColumnDef, value: Value) -> None:
    conn = connect()
    query(conn)
    rs = cc.read_result(cc.unframe(conn.result_set([col], [(value,)], AUTOCOMMIT)), True)
    assert rs.rows == [[text_value(value)]]


def test_binary_null_bitmap_offset() -> None:
    conn = execute_ready(cc.BASE_CAPS)
    cols = [ColumnDef(f"c{i}", F.MYSQL_TYPE_LONG) for i in range(14)]
    row: list[Value] = [None if i % 3 == 0 else i for i in range(14)]
    data = conn.result_set(cols, [row], AUTOCOMMIT, binary=True)
    packets = cc.unframe(data)
    rs = cc.read_result(packets, False, binary=True)
    assert rs.rows == [row]
    row_payload = packets[1 + 14 + 1][1]
    assert row_payload[0] == 0 and len(row_payload) == 1 + 2 + 4 * 9  # (14+9)//8 = 2 bytes
    bitmap = int.from_bytes(row_payload[1:3], "little")
    assert bitmap == sum(1 << (i + 2) for i in range(14) if i % 3 == 0)


@pytest.mark.parametrize(
    ("col", "value"),
    [
        (ColumnDef("t", F.MYSQL_TYPE_TINY), 200),
        (ColumnDef("t", F.MYSQL_TYPE_TINY, flags=UNSIGNED), -1),
        (ColumnDef("q", F.MYSQL_TYPE_LONGLONG), 2**63),
        (ColumnDef("q", F.MYSQL_TYPE_LONGLONG), "abc"),
        (ColumnDef("q", F.MYSQL_TYPE_LONGLONG), 1.5),
        (ColumnDef("d", F.MYSQL_TYPE_DOUBLE), "nope"),
        (ColumnDef("dt", F.MYSQL_TYPE_DATETIME), "yesterday"),
        (ColumnDef("dt", F.MYSQL_TYPE_DATETIME), 5),
        (ColumnDef("ti", F.MYSQL_TYPE_TIME), "noon"),
    ],
)
def test_binary_value_that_does_not_fit_is_local_error(col: ColumnDef, value: Value) -> None:
    conn = execute_ready()
    with pytest.raises(LocalProtocolError):
        conn.result_set([col], [(value,)], AUTOCOMMIT, binary=True)
    assert conn.state is S.RESPONSE


def test_binary_rows_only_for_execute() -> None:
    conn = execute_ready()
    with pytest.raises(LocalProtocolError):
        conn.result_set([ColumnDef("a")], [], AUTOCOMMIT)  # text after COM_STMT_EXECUTE


def test_column_definition_is_cached() -> None:
    from edb_proxy.protocol.results import encode_column_definition

    col = ColumnDef("cached", F.MYSQL_TYPE_LONG)
    assert encode_column_definition(col) is encode_column_definition(
        ColumnDef("cached", F.MYSQL_TYPE_LONG)
    )


def test_float_column_single_precision() -> None:
    conn = execute_ready()
    data = conn.result_set([ColumnDef("f", F.MYSQL_TYPE_FLOAT)], [(0.1,)], AUTOCOMMIT, binary=True)
    payload = cc.unframe(data)[2][1]
    assert payload[2:] == struct.pack("<f", 0.1)
