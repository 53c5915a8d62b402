"""The statement cache: literals become parameters, repeats do not parse, DDL invalidates."""

from __future__ import annotations

from edb_proxy.sql import Database, ResultSet
from edb_proxy.sql.lexer import PARAM, collapse_rows, lex
from tests.unit.sql.helpers import Client


def test_repeated_workload_parses_nothing(sbtest: Client, database: Database) -> None:
    shapes = [
        "SELECT c FROM sbtest1 WHERE id={a}",
        "SELECT c FROM sbtest1 WHERE id BETWEEN {a} AND {b}",
        "SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN {a} AND {b}",
        "SELECT c FROM sbtest1 WHERE id BETWEEN {a} AND {b} ORDER BY c",
        "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN {a} AND {b} ORDER BY c",
        "UPDATE sbtest1 SET k=k+1 WHERE id={a}",
        "UPDATE sbtest1 SET c='{s}' WHERE id={a}",
        "DELETE FROM sbtest1 WHERE id={a}",
        "INSERT INTO sbtest1 (id, k, c, pad) VALUES ({a}, {b}, '{s}', '{s}')",
    ]
    for a in range(1, 4):
        for shape in shapes:
            sbtest.run(shape.format(a=a, b=a + 2, s=f"v{a}"))
    before = database.statement_cache_stats()
    for a in range(4, 9):
        for shape in shapes:
            sbtest.run(shape.format(a=a, b=a + 2, s=f"v{a}"))
        stmt = sbtest.session.prepare("SELECT c FROM sbtest1 WHERE id=?")
        sbtest.session.run_prepared(stmt, [a])
    after = database.statement_cache_stats()
    assert after["parses"] == before["parses"]
    assert after["hits"] >= before["hits"] + 5 * len(shapes)


def test_prepared_and_text_share_plans(sbtest: Client, database: Database) -> None:
    sbtest.run("SELECT pad FROM sbtest1 WHERE id=1")
    parses = database.statement_cache_stats()["parses"]
    result = sbtest.prepared("SELECT pad FROM sbtest1 WHERE id=?", [2])
    assert isinstance(result, ResultSet) and result.rows == [("p2",)]
    assert database.statement_cache_stats()["parses"] == parses


def test_order_by_ordinal_is_not_a_parameter(sbtest: Client) -> None:
    assert sbtest.rows("SELECT id, c FROM sbtest1 WHERE id < 3 ORDER BY 1 DESC") == [
        (2, "c02"),
        (1, "c01"),
    ]
    assert sbtest.rows("SELECT id, c FROM sbtest1 WHERE id < 3 ORDER BY 2 DESC") == [
        (2, "c02"),
        (1, "c01"),
    ]
    assert sbtest.rows("SELECT k, COUNT(*) FROM sbtest1 WHERE id < 3 GROUP BY 1 ORDER BY 1") == [
        (10, 1),
        (20, 1),
    ]


def test_literal_in_select_list_keeps_its_label(sbtest: Client) -> None:
    first = sbtest.run("SELECT 1, c FROM sbtest1 WHERE id=1")
    second = sbtest.run("SELECT 2, c FROM sbtest1 WHERE id=1")
    assert isinstance(first, ResultSet) and isinstance(second, ResultSet)
    assert first.columns[0].name == "1" and second.columns[0].name == "2"
    assert first.rows == [(1, "c01")] and second.rows == [(2, "c01")]


def test_ddl_invalidates_cached_plans(client: Client) -> None:
    client.ok("CREATE TABLE inv (a INT)")
    client.ok("INSERT INTO inv VALUES (1)")
    assert client.rows("SELECT * FROM inv") == [(1,)]
    client.ok("DROP TABLE inv")
    client.ok("CREATE TABLE inv (a INT, b VARCHAR(3) DEFAULT 'z')")
    client.ok("INSERT INTO inv (a) VALUES (2)")
    assert client.rows("SELECT * FROM inv") == [(2, "z")]


def test_cache_key_includes_current_database(client: Client) -> None:
    client.ok("CREATE DATABASE db2")
    client.ok("CREATE TABLE same (v INT)")
    client.ok("CREATE TABLE db2.same (v INT)")
    client.ok("INSERT INTO same VALUES (1)")
    client.ok("INSERT INTO db2.same VALUES (2)")
    assert client.value("SELECT v FROM same") == 1
    client.ok("USE db2")
    assert client.value("SELECT v FROM same") == 2


def test_lexer_shapes() -> None:
    (a,) = lex("SELECT c FROM t WHERE id = 5 AND s = 'it''s' AND f = 1.5 AND h = 0x1F")
    (b,) = lex('SELECT c FROM t WHERE id = 7 AND s = "x" AND f = 2.5 AND h = 0x1F')
    assert a.key == b.key
    assert a.values == [5, "it's", 1.5]
    (p,) = lex("SELECT c FROM t WHERE id = ? -- trailing comment")
    assert p.values == [PARAM] and p.param_count == 1
    assert [x.key for x in lex("SELECT 1; SELECT 'a;b';")] == ["SELECT ?", "SELECT ?"]
    (ident,) = lex("SELECT `a1`, t2.c3, x$4 FROM t5")
    assert ident.values == []


def test_multi_row_insert_collapses() -> None:
    (lx,) = lex("INSERT INTO t(a, b) VALUES(1, 'x'),(2, 'y'),(3, 'z')")
    collapsed = collapse_rows(lx)
    assert collapsed is not None
    one, layout = collapsed
    assert one.key == "INSERT INTO t(a, b) VALUES(?, ?)"
    assert layout.bindings(lx.values) == [[1, "x"], [2, "y"], [3, "z"]]
