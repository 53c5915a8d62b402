"""Hostile input: SQLite escape hatches, parser fallbacks, nesting, size, comments (Q4-Q8)."""

from __future__ import annotations

import logging

import pytest

from edb_proxy.errors import SQLError
from tests.unit.sql.helpers import Client

REJECTED = [
    "VACUUM INTO '/tmp/copy.db'",
    "VACUUM",
    "PRAGMA writable_schema=ON",
    "PRAGMA table_info(t)",
    "ATTACH DATABASE '/tmp/x.db' AS x",
    "DETACH DATABASE x",
    "SELECT * FROM sqlite_master",
    "SELECT * FROM sqlite_schema",
    "SELECT name FROM main.sqlite_master",
    "SELECT * FROM pragma_table_info('t')",
    "SELECT * FROM dbstat",
    "SELECT * FROM sqlite_dbpage",
    "SELECT load_extension('/tmp/evil.so')",
    "SELECT readfile('/etc/passwd')",
    "SELECT writefile('/tmp/x', 'y')",
    "SELECT fts3_tokenizer('simple')",
    "SELECT sqlite_version()",
    "SELECT edb_sysvar('version', '')",
    "SELECT randomblob(1000000000)",
    "SELECT 1 INTO OUTFILE '/tmp/x'",
    "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t",
    "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW DELETE FROM t",
    "CREATE VIEW v AS SELECT name FROM sqlite_schema",  # views are ours; their bodies are checked
    "SELECT SLEEP(10)",
    "CALL p()",
    "HANDLER t OPEN",
]


@pytest.mark.parametrize("sql", REJECTED)
def test_escape_hatches_are_rejected(client: Client, sql: str) -> None:
    client.ok("CREATE TABLE IF NOT EXISTS t (a INT)")
    err = client.error(sql)
    assert err.errno in (1064, 1235, 1305, 1146), err
    assert err.sqlstate in ("42000", "42S02", "HY000")


def test_sqlite_tables_are_never_reachable_by_name(client: Client) -> None:
    client.ok("CREATE DATABASE main")
    err = client.error("SELECT * FROM main.sqlite_master")
    assert err.errno == 1235


@pytest.mark.parametrize("depth", [100, 200, 1000, 100_000])
def test_deep_nesting_is_a_clean_error(client: Client, depth: int) -> None:
    sql = "SELECT " + "(" * depth + "1" + ")" * depth
    err = client.error(sql)
    assert err.errno in (1064, 1473)


def test_deep_subqueries(client: Client) -> None:
    sql = "SELECT 1"
    for _ in range(100):
        sql = f"SELECT ({sql})"
    assert client.error(sql).errno in (1064, 1473)


def test_long_operator_chain_does_not_crash(client: Client) -> None:
    sql = "SELECT " + " + ".join(["1"] * 3000)
    try:
        assert client.value(sql) == 3000
    except SQLError as err:
        assert err.errno in (1064, 1473)


def test_statement_size_cap(client: Client) -> None:
    big = "SELECT '" + "x" * (1024 * 1024) + "'"
    err = client.error(big)
    assert err.errno == 1064
    assert "longer than" in err.message


def test_executable_comments(client: Client) -> None:
    client.ok("CREATE TABLE ec (a INT) /*! ENGINE = innodb */")
    assert client.rows("SELECT 1 /*!50000 + 1 */") == [(2,)]
    assert client.rows("SELECT 1 /*!90000 + 1 */") == [(1,)]
    assert client.rows("SELECT 1 /* + 1 */ -- + 1\n") == [(1,)]
    assert client.rows("SELECT 1 # + 1\n") == [(1,)]
    assert client.rows("SELECT 1 /*! + 1 */") == [(2,)]


def test_hidden_statement_in_executable_comment(client: Client) -> None:
    client.ok("CREATE TABLE victim (a INT)")
    err = client.error("SELECT 1 /*!50000 ; DROP TABLE victim */")
    assert err.errno == 1064
    assert client.rows("SHOW TABLES LIKE 'victim'") == [("victim",)]


def test_comment_tricks(client: Client) -> None:
    assert client.error("SELECT 1 /* unterminated").errno == 1064
    assert client.rows("SELECT 5--1") == [(6,)]  # '--' without a space is not a comment
    assert client.rows("SELECT '/* not a comment */'") == [("/* not a comment */",)]


def test_string_escapes_never_reach_sql_text(client: Client) -> None:
    client.ok("CREATE TABLE s (v VARCHAR(50))")
    client.ok(
        r"INSERT INTO s VALUES ('a\'b'), ('c\\d'), ('e''f'), ('g\0h'), ('x\'; DROP TABLE s; -- ')"
    )
    assert client.rows("SELECT v FROM s") == [
        ("a'b",),
        ("c\\d",),
        ("e'f",),
        ("g\x00h",),
        ("x'; DROP TABLE s; -- ",),
    ]


def test_unknown_function_is_1305(client: Client) -> None:
    err = client.error("SELECT no_such_fn(1)")
    assert err.errno == 1305


def test_no_traceback_escapes(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL)
    for sql in ["SELECT (((", "\x00", "SELECT \udcff", "SELECT 1e999999", ")))", "SET", "SHOW"]:
        with pytest.raises(SQLError):
            client.run_all(sql)


def test_binary_literals_carry_raw_bytes(client: Client) -> None:
    client.ok("CREATE TABLE bin (b BLOB)")
    raw = bytes(range(256))
    text = raw.decode("utf-8", "surrogateescape").replace("\\", "\\\\").replace("'", "\\'")
    client.ok(f"INSERT INTO bin VALUES (_binary'{text}')")
    assert client.value("SELECT b FROM bin") == raw
    client.ok("INSERT INTO bin VALUES ('\udcff\udcfe')")  # raw bytes in a plain literal
    assert client.rows("SELECT b FROM bin WHERE b = _binary'\udcff\udcfe'") == [(b"\xff\xfe",)]
    assert client.error("SELECT 1 FROM bin WHERE b = 1 \udcff").errno == 1300
