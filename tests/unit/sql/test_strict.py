"""Column value checks under strict and relaxed ``sql_mode`` (MySQL 8.0 manual 7.1.11).

Each case: (column definition, inserted literal, strict errno and message, relaxed stored
value and warning code). Messages are MySQL's.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from edb_proxy.errors import SQLError
from tests.unit.sql.helpers import Client

CASES = [
    # (column, literal, strict (errno, message) or None, relaxed value, relaxed warning)
    ("c TINYINT", "127", None, 127, None),
    ("c TINYINT", "-128", None, -128, None),
    ("c TINYINT", "128", (1264, "Out of range value for column 'c' at row 1"), 127, 1264),
    ("c TINYINT", "-129", (1264, "Out of range value for column 'c' at row 1"), -128, 1264),
    ("c TINYINT UNSIGNED", "255", None, 255, None),
    ("c TINYINT UNSIGNED", "256", (1264, "Out of range value for column 'c' at row 1"), 255, 1264),
    ("c TINYINT UNSIGNED", "-1", (1264, "Out of range value for column 'c' at row 1"), 0, 1264),
    ("c SMALLINT", "32768", (1264, "Out of range value for column 'c' at row 1"), 32767, 1264),
    ("c SMALLINT UNSIGNED", "65535", None, 65535, None),
    (
        "c MEDIUMINT",
        "8388608",
        (1264, "Out of range value for column 'c' at row 1"),
        8388607,
        1264,
    ),
    ("c MEDIUMINT UNSIGNED", "16777215", None, 16777215, None),
    ("c INT", "2147483647", None, 2147483647, None),
    (
        "c INT",
        "2147483648",
        (1264, "Out of range value for column 'c' at row 1"),
        2147483647,
        1264,
    ),
    (
        "c INT",
        "-2147483649",
        (1264, "Out of range value for column 'c' at row 1"),
        -2147483648,
        1264,
    ),
    ("c INT UNSIGNED", "4294967295", None, 4294967295, None),
    (
        "c INT UNSIGNED",
        "4294967296",
        (1264, "Out of range value for column 'c' at row 1"),
        4294967295,
        1264,
    ),
    ("c BIGINT", "9223372036854775807", None, 9223372036854775807, None),
    ("c INT", "'42'", None, 42, None),
    ("c INT", "1.5", None, 2, None),
    ("c INT", "-1.5", None, -2, None),
    ("c INT", "'abc'", (1366, "Incorrect integer value: 'abc' for column 'c' at row 1"), 0, 1366),
    ("c INT", "'12abc'", (1265, "Data truncated for column 'c' at row 1"), 12, 1265),
    ("c BOOL", "1", None, 1, None),
    ("c BOOL", "200", (1264, "Out of range value for column 'c' at row 1"), 127, 1264),
    ("c VARCHAR(3)", "'abc'", None, "abc", None),
    ("c VARCHAR(3)", "'abcd'", (1406, "Data too long for column 'c' at row 1"), "abc", 1406),
    ("c VARCHAR(3)", "'\u00e9\u00e9\u00e9'", None, "\u00e9\u00e9\u00e9", None),
    ("c VARCHAR(3)", "'ab   '", None, "ab ", None),
    ("c CHAR(2)", "'xyz'", (1406, "Data too long for column 'c' at row 1"), "xy", 1406),
    ("c CHAR(5)", "'ab  '", None, "ab", None),
    ("c VARCHAR(5)", "'ab  '", None, "ab  ", None),
    ("c VARCHAR(5)", "12345", None, "12345", None),
    ("c VARCHAR(4)", "123456", (1406, "Data too long for column 'c' at row 1"), "1234", 1406),
    (
        "c TINYTEXT",
        "REPEAT('a', 256)",
        (1406, "Data too long for column 'c' at row 1"),
        "a" * 255,
        1406,
    ),
    ("c VARBINARY(2)", "'abc'", (1406, "Data too long for column 'c' at row 1"), b"ab", 1406),
    ("c BINARY(3)", "'a'", None, b"a\x00\x00", None),
    ("c ENUM('small','large')", "'small'", None, "small", None),
    ("c ENUM('small','large')", "'LARGE'", None, "large", None),
    ("c ENUM('small','large')", "2", None, "large", None),
    ("c SET('a','b','c')", "'c,a'", None, "a,c", None),
    ("c SET('a','b','c')", "3", None, "a,b", None),
    ("c SET('a','b','c')", "'a,x'", (1265, "Data truncated for column 'c' at row 1"), "a", 1265),
    ("c DATE", "'2024-02-29'", None, "2024-02-29", None),
    (
        "c DATE",
        "'2023-02-29'",
        (1292, "Incorrect date value: '2023-02-29' for column 'c' at row 1"),
        "0000-00-00",
        1292,
    ),
    (
        "c DATE",
        "'garbage'",
        (1292, "Incorrect date value: 'garbage' for column 'c' at row 1"),
        "0000-00-00",
        1292,
    ),
    ("c DATE", "20240102", None, "2024-01-02", None),
    (
        "c DATETIME",
        "'2024-01-02 25:00:00'",
        (1292, "Incorrect datetime value: '2024-01-02 25:00:00' for column 'c' at row 1"),
        "0000-00-00 00:00:00",
        1292,
    ),
    ("c DATETIME", "'2024-01-02 03:04:05'", None, "2024-01-02 03:04:05", None),
    (
        "c TIMESTAMP",
        "'2024-13-01'",
        (1292, "Incorrect datetime value: '2024-13-01' for column 'c' at row 1"),
        "0000-00-00 00:00:00",
        1292,
    ),
    ("c TIMESTAMP", "'2038-01-19 03:14:07'", None, "2038-01-19 03:14:07", None),
    (
        "c TIMESTAMP",
        "'1969-12-31 23:59:59'",
        (1292, "Incorrect datetime value: '1969-12-31 23:59:59' for column 'c' at row 1"),
        "0000-00-00 00:00:00",
        1292,
    ),
    (
        "c TIMESTAMP",
        "'2038-01-19 03:14:08'",
        (1292, "Incorrect datetime value: '2038-01-19 03:14:08' for column 'c' at row 1"),
        "0000-00-00 00:00:00",
        1292,
    ),
    ("c TIME", "'838:59:59'", None, "838:59:59", None),
    (
        "c TIME",
        "'10:61:00'",
        (1292, "Incorrect time value: '10:61:00' for column 'c' at row 1"),
        "00:00:00",
        1292,
    ),
    ("c YEAR", "2024", None, 2024, None),
    ("c YEAR", "69", None, 2069, None),
    ("c YEAR", "70", None, 1970, None),
    ("c YEAR", "'0'", None, 2000, None),
    ("c YEAR", "2156", (1264, "Out of range value for column 'c' at row 1"), 0, 1264),
    ("c DECIMAL(5,2)", "123.456", None, Decimal("123.46"), None),
    (
        "c DECIMAL(5,2)",
        "1000",
        (1264, "Out of range value for column 'c' at row 1"),
        Decimal("999.99"),
        1264,
    ),
    (
        "c DECIMAL(5,2)",
        "-1000",
        (1264, "Out of range value for column 'c' at row 1"),
        Decimal("-999.99"),
        1264,
    ),
    (
        "c DECIMAL(5,2) UNSIGNED",
        "-1",
        (1264, "Out of range value for column 'c' at row 1"),
        Decimal("0.00"),
        1264,
    ),
    (
        "c DECIMAL(30,10)",
        "'12345678901234567890.01234567891'",
        None,
        Decimal("12345678901234567890.0123456789"),
        None,
    ),
    ("c JSON", '\'{"b": 1, "a": [1,2]}\'', None, '{"a": [1, 2], "b": 1}', None),
]


def _ids() -> list[str]:
    return [f"{c[0]}<-{c[1]}" for c in CASES]


@pytest.mark.parametrize(("column", "literal", "strict", "relaxed", "warning"), CASES, ids=_ids())
def test_strict_mode(
    client: Client,
    column: str,
    literal: str,
    strict: tuple[int, str] | None,
    relaxed: object,
    warning: int | None,
) -> None:
    client.ok(f"CREATE TABLE v (id INT PRIMARY KEY, {column})")
    if strict is None:
        ok = client.ok(f"INSERT INTO v VALUES (1, {literal})")
        assert ok.warnings == 0
        assert client.value("SELECT c FROM v") == relaxed
        return
    err = client.error(f"INSERT INTO v VALUES (1, {literal})")
    assert (err.errno, err.message) == strict
    assert client.rows("SELECT id FROM v") == []
    client.ok("SET sql_mode = ''")
    ok = client.ok(f"INSERT INTO v VALUES (1, {literal})")
    assert ok.warnings == 1
    assert client.value("SELECT @@warning_count") == 1
    rows = client.rows("SHOW WARNINGS")
    assert rows == [("Warning", warning, strict[1])]
    assert client.value("SELECT c FROM v") == relaxed


@pytest.mark.parametrize(
    ("column", "literal", "strict", "relaxed", "warning"),
    [c for c in CASES if c[2]],
    ids=[i for c, i in zip(CASES, _ids(), strict=True) if c[2]],
)
def test_insert_ignore_turns_errors_into_warnings(
    client: Client,
    column: str,
    literal: str,
    strict: tuple[int, str],
    relaxed: object,
    warning: int,
) -> None:
    client.ok(f"CREATE TABLE v (id INT PRIMARY KEY, {column})")
    ok = client.ok(f"INSERT IGNORE INTO v VALUES (1, {literal})")
    assert ok.warnings == 1
    assert client.rows("SHOW WARNINGS") == [("Warning", warning, strict[1])]
    assert client.value("SELECT c FROM v") == relaxed


def test_row_number_in_multi_row_insert(client: Client) -> None:
    client.ok("CREATE TABLE m (a TINYINT)")
    err = client.error("INSERT INTO m VALUES (1), (2), (300)")
    assert err.message == "Out of range value for column 'a' at row 3"
    assert client.rows("SELECT a FROM m") == []
    client.ok("SET sql_mode = ''")
    ok = client.ok("INSERT INTO m VALUES (1), (1000), (3), (-1000)")
    assert (ok.affected_rows, ok.warnings) == (4, 2)
    assert client.rows("SHOW WARNINGS") == [
        ("Warning", 1264, "Out of range value for column 'a' at row 2"),
        ("Warning", 1264, "Out of range value for column 'a' at row 4"),
    ]
    assert client.rows("SHOW COUNT(*) WARNINGS") == [(2,)]
    assert client.rows("SELECT a FROM m") == [(1,), (127,), (3,), (-128,)]


def test_row_number_with_expressions(client: Client) -> None:
    client.ok("CREATE TABLE m (a TINYINT)")
    err = client.error("INSERT INTO m VALUES (1 + 1), (200 + 1)")
    assert err.message == "Out of range value for column 'a' at row 2"


def test_update_checks_and_warns(client: Client) -> None:
    client.ok("CREATE TABLE u (id INT PRIMARY KEY, a TINYINT, s VARCHAR(2))")
    client.ok("INSERT INTO u VALUES (1, 100, 'ab')")
    assert client.error("UPDATE u SET a = a + 100").errno == 1264
    assert client.error("UPDATE u SET s = 'abc'").errno == 1406
    assert client.rows("SELECT a, s FROM u") == [(100, "ab")]
    client.ok("SET sql_mode = 'NO_ENGINE_SUBSTITUTION'")
    ok = client.ok("UPDATE u SET a = a + 100, s = 'xyz'")
    assert ok.warnings == 2
    assert client.rows("SELECT a, s FROM u") == [(127, "xy")]


def test_strict_all_tables_also_strict(client: Client) -> None:
    client.ok("CREATE TABLE u (a TINYINT)")
    client.ok("SET sql_mode = 'STRICT_ALL_TABLES'")
    assert client.error("INSERT INTO u VALUES (1000)").errno == 1264


def test_default_sql_mode_is_mysql8(client: Client) -> None:
    assert client.value("SELECT @@sql_mode") == (
        "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
        "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
    )


def test_invalid_json_is_an_error_in_every_mode(client: Client) -> None:
    client.ok("CREATE TABLE j (doc JSON)")
    expected = (
        3140,
        "Invalid JSON text: \"Invalid value.\" at position 0 in value for column 'j.doc'.",
    )
    err = client.error("INSERT INTO j VALUES ('{bad')")
    assert (err.errno, err.message) == expected
    client.ok("SET sql_mode = ''")
    err = client.error("INSERT INTO j VALUES ('[1,')")
    assert err.errno == 3140


def test_prepared_values_are_checked(client: Client) -> None:
    client.ok("CREATE TABLE p (a SMALLINT, s VARCHAR(2))")
    with pytest.raises(SQLError) as info:
        client.prepared("INSERT INTO p VALUES (?, ?)", [70000, "ok"])
    assert info.value.errno == 1264
    client.prepared("INSERT INTO p VALUES (?, ?)", [7, "ok"])
    assert client.rows("SELECT a, s FROM p") == [(7, "ok")]


def test_null_into_not_null_is_1048(client: Client) -> None:
    client.ok("CREATE TABLE n (a INT NOT NULL)")
    err = client.error("INSERT INTO n VALUES (NULL)")
    assert (err.errno, err.message) == (1048, "Column 'a' cannot be null")


def test_insert_ignore_null_into_not_null_stores_implicit_defaults(client: Client) -> None:
    client.ok(
        "CREATE TABLE nn (id INT PRIMARY KEY, a INT NOT NULL, s VARCHAR(3) NOT NULL,"
        " e ENUM('p','q') NOT NULL, f DOUBLE NOT NULL, d DATE NOT NULL, n INT)"
    )
    assert client.error("INSERT INTO nn VALUES (1, NULL, 'x', 'p', 1, '2024-01-01', 1)").errno == (
        1048
    )
    ok = client.ok("INSERT IGNORE INTO nn VALUES (1, NULL, NULL, NULL, NULL, NULL, NULL)")
    assert (ok.affected_rows, ok.warnings) == (1, 5)
    assert client.rows("SHOW WARNINGS")[0] == ("Warning", 1048, "Column 'a' cannot be null")
    assert client.rows("SELECT a, s, e, f, d, n FROM nn") == [
        (0, "", "p", 0.0, "0000-00-00", None)
    ]


def test_insert_select_values_are_checked(client: Client) -> None:
    client.ok("CREATE TABLE src (x INT, y VARCHAR(10))")
    client.ok("INSERT INTO src VALUES (1, 'ab'), (300, 'abcdef')")
    client.ok("CREATE TABLE dst (a TINYINT, b VARCHAR(3))")
    assert client.error("INSERT INTO dst (a, b) SELECT x, y FROM src").errno == 1264
    assert client.rows("SELECT a FROM dst") == []
    ok = client.ok("INSERT IGNORE INTO dst SELECT x AS q, y FROM src WHERE x > 1")
    assert ok.warnings == 2
    assert [r[1] for r in client.rows("SHOW WARNINGS")] == [1264, 1406]
    assert client.rows("SELECT a, b FROM dst") == [(127, "abc")]
