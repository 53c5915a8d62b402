"""SHOW ... WHERE, EXPLAIN SELECT and DESCRIBE/EXPLAIN tbl."""

from __future__ import annotations

import pytest

from edb_proxy.errors import ER
from edb_proxy.sql import Database, ResultSet
from tests.unit.sql.helpers import Client

EXPLAIN_COLUMNS = [
    "id",
    "select_type",
    "table",
    "partitions",
    "type",
    "possible_keys",
    "key",
    "key_len",
    "ref",
    "rows",
    "filtered",
    "Extra",
]


@pytest.fixture
def app(client: Client) -> Client:
    client.ok(
        "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, k INT,"
        " UNIQUE KEY u_name (name), KEY k_k (k))"
    )
    client.ok("INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20)")
    return client


def test_show_variables_where(app: Client) -> None:
    rows = app.rows(
        "SHOW VARIABLES WHERE Variable_name = 'autocommit' OR variable_name LIKE 'max_exec%'"
    )
    assert rows == [("autocommit", "ON"), ("max_execution_time", "0")]
    assert app.rows("SHOW SESSION VARIABLES WHERE Value = 'no such value'") == []


def test_show_tables_and_columns_where(app: Client) -> None:
    app.ok("CREATE TABLE t2 (x INT)")
    assert app.rows("SHOW TABLES WHERE Tables_in_app = 't2'") == [("t2",)]
    assert app.rows(
        "SHOW FULL TABLES WHERE Table_type = 'BASE TABLE' AND Tables_in_app <> 't'"
    ) == [("t2", "BASE TABLE")]
    keys = app.rows("SHOW COLUMNS FROM t WHERE `Key` IN ('PRI', 'UNI')")
    assert [r[0] for r in keys] == ["id", "name"]
    index = app.rows("SHOW INDEX FROM t WHERE Seq_in_index = 1 AND Key_name <> 'PRIMARY'")
    assert sorted(str(r[2]) for r in index) == ["k_k", "u_name"]


def test_show_where_errors(app: Client) -> None:
    err = app.error("SHOW COLUMNS FROM t WHERE nope = 1")
    assert err.kind is ER.ER_BAD_FIELD_ERROR
    assert "nope" in err.message
    err = app.error("SHOW VARIABLES WHERE Variable_name = SLEEP(1)")
    assert err.errno in (1235, 1305)
    err = app.error("SHOW VARIABLES WHERE 1 UNION SELECT 2")
    assert err.errno == 1064


def test_explain_select_shape(app: Client) -> None:
    result = app.run("EXPLAIN SELECT * FROM t WHERE id = 2")
    assert isinstance(result, ResultSet)
    assert [c.name for c in result.columns] == EXPLAIN_COLUMNS
    assert result.rows == [
        (1, "SIMPLE", "t", None, "const", "PRIMARY", "PRIMARY", None, "const", 1, 100.0, None)
    ]
    row = app.rows("EXPLAIN SELECT id FROM t WHERE k = 10 ORDER BY name")[0]
    assert (row[2], row[4], row[6]) == ("t", "ref", "k_k")
    assert "Using filesort" in str(row[11])
    row = app.rows("EXPLAIN SELECT name FROM t WHERE name > 'a'")[0]
    assert (row[4], row[6], row[11]) == ("range", "u_name", "Using index")
    scan = app.rows("EXPLAIN SELECT * FROM t")[0]
    assert (scan[2], scan[4], scan[6]) == ("t", "ALL", None)
    assert app.rows("EXPLAIN SELECT 1")[0][11] == "No tables used"


def test_explain_never_shows_sqlite_names(app: Client) -> None:
    for query in (
        "EXPLAIN SELECT a.id FROM t a JOIN t b ON a.k = b.id",
        "EXPLAIN SELECT * FROM t WHERE name = 'a'",
        "EXPLAIN SELECT TABLE_NAME FROM information_schema.TABLES",
    ):
        for row in app.rows(query):
            for cell in row:
                text = str(cell)
                assert "sqlite" not in text.lower() and "app.t" not in text
                assert "json_each" not in text


def test_explain_errors(app: Client) -> None:
    assert app.error("EXPLAIN SELECT * FROM missing").errno == 1146
    assert app.error("EXPLAIN UPDATE t SET k = 1").errno == 1235


def test_describe_and_explain_table(app: Client) -> None:
    described = app.rows("DESCRIBE t")
    assert described == app.rows("EXPLAIN t") == app.rows("SHOW COLUMNS FROM t")
    assert described[0] == ("id", "int", "NO", "PRI", None, "")


def test_show_table_status_agrees_with_information_schema(app: Client) -> None:
    app.ok("CREATE TABLE other_t (x INT) COMMENT = 'second'")
    status = app.rows("SHOW TABLE STATUS")
    assert [(r[0], r[1], r[17]) for r in status] == [
        ("other_t", "InnoDB", "second"),
        ("t", "InnoDB", ""),
    ]
    info = app.rows(
        "SELECT TABLE_NAME, ENGINE, VERSION, ROW_FORMAT, TABLE_COLLATION, TABLE_COMMENT"
        " FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'app' ORDER BY TABLE_NAME"
    )
    assert info == [(r[0], r[1], r[2], r[3], r[14], r[17]) for r in status]
    assert [r[0] for r in app.rows("SHOW TABLE STATUS FROM app LIKE 'o%'")] == ["other_t"]
    assert [r[0] for r in app.rows("SHOW TABLE STATUS WHERE Comment = 'second'")] == ["other_t"]
    assert app.error("SHOW TABLE STATUS FROM nope").errno == 1049


def test_gui_tool_shows_are_empty_lists(app: Client) -> None:
    for sql, first in (
        ("SHOW PROCEDURE STATUS WHERE Db = 'app'", "Db"),
        ("SHOW FUNCTION STATUS", "Db"),
        ("SHOW TRIGGERS FROM app", "Trigger"),
        ("SHOW EVENTS", "Db"),
    ):
        result = app.run(sql)
        assert isinstance(result, ResultSet)
        assert result.columns[0].name == first and result.rows == []
    plugins = app.rows("SHOW PLUGINS")
    assert ("caching_sha2_password", "ACTIVE", "AUTHENTICATION", None, "GPL") in plugins


def test_explain_and_table_status_respect_privileges(app: Client, database: Database) -> None:
    app.ok("CREATE TABLE secret (x INT)")
    app.ok("CREATE USER bob IDENTIFIED BY 'bob-Secret-1'")
    app.ok("GRANT SELECT ON app.t TO bob")
    session = database.session(connection_id=8, user="bob", enforce=True)
    session.use("app")
    bob = Client(session)
    try:
        assert bob.error("EXPLAIN SELECT * FROM secret").errno == 1142
        assert bob.rows("EXPLAIN SELECT * FROM t")[0][2] == "t"
        assert [r[0] for r in bob.rows("SHOW TABLE STATUS")] == ["t"]
        assert bob.rows("SHOW TABLES WHERE Tables_in_app <> 'zzz'") == [("t",)]
    finally:
        session.close()
