"""Result metadata and value types of the common MySQL column types and expressions."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from edb_proxy.fieldtypes import BINARY_CHARSET, UTF8MB4_CHARSET, ColumnFlag, FieldType
from edb_proxy.sql import ResultSet
from tests.unit.sql.helpers import Client

F = FieldType
COLUMNS = [
    # (declaration, inserted literal, field type, length, charset, flags, value)
    ("ti TINYINT", "-5", F.MYSQL_TYPE_TINY, 4, BINARY_CHARSET, ColumnFlag.NUM_FLAG, -5),
    (
        "si SMALLINT UNSIGNED",
        "7",
        F.MYSQL_TYPE_SHORT,
        5,
        BINARY_CHARSET,
        ColumnFlag.NUM_FLAG | ColumnFlag.UNSIGNED_FLAG,
        7,
    ),
    ("mi MEDIUMINT", "8", F.MYSQL_TYPE_INT24, 9, BINARY_CHARSET, ColumnFlag.NUM_FLAG, 8),
    ("i INT", "9", F.MYSQL_TYPE_LONG, 11, BINARY_CHARSET, ColumnFlag.NUM_FLAG, 9),
    (
        "bi BIGINT",
        "9007199254740993",
        F.MYSQL_TYPE_LONGLONG,
        20,
        BINARY_CHARSET,
        ColumnFlag.NUM_FLAG,
        9007199254740993,
    ),
    (
        "de DECIMAL(10,2)",
        "'12.5'",
        F.MYSQL_TYPE_NEWDECIMAL,
        12,
        BINARY_CHARSET,
        ColumnFlag.NUM_FLAG,
        Decimal("12.50"),
    ),
    ("fl FLOAT", "1.5", F.MYSQL_TYPE_FLOAT, 12, BINARY_CHARSET, ColumnFlag.NUM_FLAG, 1.5),
    ("db DOUBLE", "2.25", F.MYSQL_TYPE_DOUBLE, 22, BINARY_CHARSET, ColumnFlag.NUM_FLAG, 2.25),
    ("ch CHAR(10)", "'abc'", F.MYSQL_TYPE_STRING, 40, UTF8MB4_CHARSET, ColumnFlag.NONE, "abc"),
    (
        "vc VARCHAR(20)",
        "'héllo'",
        F.MYSQL_TYPE_VAR_STRING,
        80,
        UTF8MB4_CHARSET,
        ColumnFlag.NONE,
        "héllo",
    ),
    (
        "tx TEXT",
        "'long'",
        F.MYSQL_TYPE_BLOB,
        262140,
        UTF8MB4_CHARSET,
        ColumnFlag.BLOB_FLAG,
        "long",
    ),
    (
        "bl BLOB",
        "'raw'",
        F.MYSQL_TYPE_BLOB,
        65535,
        BINARY_CHARSET,
        ColumnFlag.BLOB_FLAG | ColumnFlag.BINARY_FLAG,
        b"raw",
    ),
    (
        "vb VARBINARY(8)",
        "X'0001'",
        F.MYSQL_TYPE_VAR_STRING,
        8,
        BINARY_CHARSET,
        ColumnFlag.BINARY_FLAG,
        b"\x00\x01",
    ),
    (
        "dt DATETIME",
        "'2024-01-02 03:04:05'",
        F.MYSQL_TYPE_DATETIME,
        19,
        BINARY_CHARSET,
        ColumnFlag.BINARY_FLAG,
        "2024-01-02 03:04:05",
    ),
    (
        "ts TIMESTAMP",
        "'2024-01-02 03:04:05'",
        F.MYSQL_TYPE_TIMESTAMP,
        19,
        BINARY_CHARSET,
        ColumnFlag.BINARY_FLAG | ColumnFlag.TIMESTAMP_FLAG,
        "2024-01-02 03:04:05",
    ),
    (
        "d DATE",
        "'2024-01-02'",
        F.MYSQL_TYPE_DATE,
        10,
        BINARY_CHARSET,
        ColumnFlag.BINARY_FLAG,
        "2024-01-02",
    ),
    (
        "tm TIME",
        "'10:11:12'",
        F.MYSQL_TYPE_TIME,
        10,
        BINARY_CHARSET,
        ColumnFlag.BINARY_FLAG,
        "10:11:12",
    ),
    (
        "y YEAR",
        "2024",
        F.MYSQL_TYPE_YEAR,
        4,
        BINARY_CHARSET,
        ColumnFlag.NUM_FLAG | ColumnFlag.UNSIGNED_FLAG | ColumnFlag.ZEROFILL_FLAG,
        2024,
    ),
    (
        "js JSON",
        "'{\"a\": 1}'",
        F.MYSQL_TYPE_JSON,
        4294967295,
        BINARY_CHARSET,
        ColumnFlag.BLOB_FLAG | ColumnFlag.BINARY_FLAG,
        '{"a": 1}',
    ),
    (
        "en ENUM('x','yy')",
        "'yy'",
        F.MYSQL_TYPE_STRING,
        8,
        UTF8MB4_CHARSET,
        ColumnFlag.ENUM_FLAG,
        "yy",
    ),
    (
        "st SET('a','b')",
        "'a,b'",
        F.MYSQL_TYPE_STRING,
        16,
        UTF8MB4_CHARSET,
        ColumnFlag.SET_FLAG,
        "a,b",
    ),
]


@pytest.fixture
def typed(client: Client) -> ResultSet:
    decls = ", ".join(c[0] for c in COLUMNS)
    client.ok(f"CREATE TABLE typed ({decls})")
    values = ", ".join(c[1] for c in COLUMNS)
    client.ok(f"INSERT INTO typed VALUES ({values})")
    result = client.run("SELECT * FROM typed")
    assert isinstance(result, ResultSet)
    return result


@pytest.mark.parametrize("index", range(len(COLUMNS)), ids=[c[0] for c in COLUMNS])
def test_column_types(typed: ResultSet, index: int) -> None:
    _, _, ftype, length, charset, flags, value = COLUMNS[index]
    col = typed.columns[index]
    assert col.type is ftype
    assert col.length == length
    assert col.charset == charset
    assert col.flags == flags
    assert col.schema == "app" and col.table == "typed" and col.org_table == "typed"
    got = typed.rows[0][index]
    assert got == value and type(got) is type(value)


def test_flags_of_keys(client: Client) -> None:
    client.ok(
        "CREATE TABLE k (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, u VARCHAR(5) NOT NULL,"
        " m INT, PRIMARY KEY (id), UNIQUE KEY (u), KEY (m))"
    )
    result = client.run("SELECT id, u, m FROM k")
    assert isinstance(result, ResultSet)
    idf, uf, mf = (c.flags for c in result.columns)
    assert idf & ColumnFlag.PRI_KEY_FLAG and idf & ColumnFlag.AUTO_INCREMENT_FLAG
    assert idf & ColumnFlag.NOT_NULL_FLAG and idf & ColumnFlag.UNSIGNED_FLAG
    assert uf & ColumnFlag.UNIQUE_KEY_FLAG and uf & ColumnFlag.NO_DEFAULT_VALUE_FLAG
    assert mf & ColumnFlag.MULTIPLE_KEY_FLAG and not mf & ColumnFlag.NOT_NULL_FLAG
    assert result.columns[0].type is F.MYSQL_TYPE_LONGLONG


def test_aliases_and_labels(client: Client) -> None:
    client.ok("CREATE TABLE l (Id INT)")
    client.ok("INSERT INTO l VALUES (1)")
    result = client.run("SELECT l.Id, Id AS x, id + 1, COUNT(*), 'lit', 2.50, NULL FROM l")
    assert isinstance(result, ResultSet)
    names = [c.name for c in result.columns]
    assert names == ["Id", "x", "id + 1", "COUNT(*)", "lit", "2.50", "NULL"]
    assert result.columns[0].org_name == "Id" and result.columns[1].org_name == "Id"
    assert result.columns[2].type is F.MYSQL_TYPE_LONGLONG
    assert result.columns[3].type is F.MYSQL_TYPE_LONGLONG
    assert result.columns[4].type is F.MYSQL_TYPE_VAR_STRING
    assert result.columns[5].type is F.MYSQL_TYPE_NEWDECIMAL
    assert result.columns[6].type is F.MYSQL_TYPE_NULL
    assert result.rows[0] == (1, 1, 2, 1, "lit", Decimal("2.50"), None)


def test_expression_fallback_types(client: Client) -> None:
    result = client.run("SELECT 1, 'a', 1.5e0, X'41', NOW(), CAST('7' AS SIGNED)")
    assert isinstance(result, ResultSet)
    types = [c.type for c in result.columns]
    assert types[0] is F.MYSQL_TYPE_LONGLONG
    assert types[1] is F.MYSQL_TYPE_VAR_STRING
    assert types[2] is F.MYSQL_TYPE_DOUBLE
    assert types[4] is F.MYSQL_TYPE_DATETIME
    assert types[5] is F.MYSQL_TYPE_LONGLONG
    row = result.rows[0]
    assert row[0] == 1 and row[1] == "a" and row[2] == 1.5 and row[5] == 7
    datetime.datetime.strptime(str(row[4]), "%Y-%m-%d %H:%M:%S")


def test_decimal_exact_and_wide(client: Client) -> None:
    client.ok("CREATE TABLE money (a DECIMAL(15,2), b DECIMAL(30,10))")
    client.ok("INSERT INTO money VALUES ('9999999999999.99', '12345678901234567890.0123456789')")
    assert client.rows("SELECT a, b FROM money") == [
        (Decimal("9999999999999.99"), Decimal("12345678901234567890.0123456789"))
    ]
    assert client.value("SELECT SUM(a) FROM money") == Decimal("9999999999999.99")


def test_strict_type_errors(client: Client) -> None:
    client.ok("CREATE TABLE s (a INT, e ENUM('x'))")
    err = client.error("INSERT INTO s (a) VALUES ('abc')")
    assert err.errno == 1366
    err = client.error("INSERT INTO s (e) VALUES ('nope')")
    assert (err.errno, err.message) == (1265, "Data truncated for column 'e' at row 1")


def test_temporal_values_are_normalized_on_write(client: Client) -> None:
    client.ok("CREATE TABLE tv (id INT PRIMARY KEY, d DATE, dt DATETIME, t TIME, f DATETIME(3))")
    client.ok(
        "INSERT INTO tv VALUES (1, '2024-1-2', '2024-01-02T03:04:05', '1 1:03:04',"
        " '2024-01-02 03:04:05.123456')"
    )
    client.ok("INSERT INTO tv VALUES (2, '20240102', '2024-01-02', '-10:00', '2024-01-02')")
    assert client.rows("SELECT d, dt, t, f FROM tv ORDER BY id") == [
        ("2024-01-02", "2024-01-02 03:04:05", "25:03:04", "2024-01-02 03:04:05.123"),
        ("2024-01-02", "2024-01-02 00:00:00", "-10:00:00", "2024-01-02 00:00:00.000"),
    ]
    client.ok("UPDATE tv SET t = '2 00:00:01' WHERE id = 2")
    assert client.value("SELECT t FROM tv WHERE id = 2") == "48:00:01"
    assert client.ok("UPDATE tv SET t = '48:00:01' WHERE id = 2").affected_rows == 0
    stmt = client.session.prepare("INSERT INTO tv (id, dt, t) VALUES (?, ?, ?)")
    import datetime as dtm

    client.session.run_prepared(
        stmt, [3, dtm.datetime(2024, 5, 6, 7, 8, 9), dtm.timedelta(hours=30, seconds=1)]
    )
    assert client.rows("SELECT dt, t FROM tv WHERE id = 3") == [
        ("2024-05-06 07:08:09", "30:00:01")
    ]
