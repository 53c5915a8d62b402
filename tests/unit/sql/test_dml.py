"""INSERT/UPDATE/DELETE/REPLACE semantics and MySQL error numbers and messages."""

from __future__ import annotations

import pytest

from edb_proxy.errors import SQLError
from edb_proxy.sql import OkResult
from tests.unit.sql.helpers import Client


@pytest.fixture
def t(client: Client) -> Client:
    client.ok(
        "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL,"
        " qty INT DEFAULT 0, UNIQUE KEY uq_name (name))"
    )
    return client


def test_auto_increment_and_last_insert_id(t: Client) -> None:
    first = t.ok("INSERT INTO t (name) VALUES ('a'), ('b'), ('c')")
    assert first == OkResult(affected_rows=3, last_insert_id=1)
    assert t.value("SELECT LAST_INSERT_ID()") == 1
    second = t.ok("INSERT INTO t (name) VALUES ('d')")
    assert second.last_insert_id == 4
    assert t.value("SELECT LAST_INSERT_ID()") == 4
    explicit = t.ok("INSERT INTO t (id, name) VALUES (10, 'e')")
    assert explicit.last_insert_id == 10
    assert t.value("SELECT LAST_INSERT_ID()") == 4  # explicit ids do not change it
    zero = t.ok("INSERT INTO t (id, name) VALUES (0, 'f')")  # 0 generates, as in MySQL
    assert zero.last_insert_id == 11
    assert t.value("SELECT LAST_INSERT_ID()") == 11


def test_update_counts_changed_rows(t: Client) -> None:
    t.ok("INSERT INTO t (name, qty) VALUES ('a', 1), ('b', 1), ('c', 2)")
    assert t.ok("UPDATE t SET qty = 1 WHERE id <= 3").affected_rows == 1
    assert t.ok("UPDATE t SET qty = 1").affected_rows == 0
    assert t.ok("UPDATE t SET qty = NULL WHERE id = 1").affected_rows == 1
    assert t.ok("UPDATE t SET qty = NULL WHERE id = 1").affected_rows == 0


def test_update_with_client_found_rows(database, t: Client) -> None:  # type: ignore[no-untyped-def]
    t.ok("INSERT INTO t (name, qty) VALUES ('a', 1), ('b', 1)")
    session = database.session(connection_id=9, user="root", client_found_rows=True)
    session.use("app")
    found = Client(session)
    assert found.ok("UPDATE t SET qty = 1").affected_rows == 2
    session.close()


def test_duplicate_key_messages(t: Client) -> None:
    t.ok("INSERT INTO t (name) VALUES ('a')")
    err = t.error("INSERT INTO t (id, name) VALUES (1, 'z')")
    assert (err.errno, err.sqlstate) == (1062, "23000")
    assert err.message == "Duplicate entry '1' for key 't.PRIMARY'"
    err = t.error("INSERT INTO t (name) VALUES ('a')")
    assert err.message == "Duplicate entry 'a' for key 't.uq_name'"


def test_not_null_unknown_column_and_table(t: Client) -> None:
    err = t.error("INSERT INTO t (name) VALUES (NULL)")
    assert (err.errno, err.message) == (1048, "Column 'name' cannot be null")
    err = t.error("SELECT nope FROM t")
    assert (err.errno, err.sqlstate) == (1054, "42S22")
    assert err.message == "Unknown column 'nope' in 'field list'"
    err = t.error("INSERT INTO t (nope) VALUES (1)")
    assert err.errno == 1054
    err = t.error("SELECT * FROM missing")
    assert (err.errno, err.message) == (1146, "Table 'app.missing' doesn't exist")


def test_syntax_error_message(client: Client) -> None:
    err = client.error("SELEC 1")
    assert (err.errno, err.sqlstate) == (1064, "42000")
    assert err.message.startswith("You have an error in your SQL syntax;")
    assert "near 'SELEC 1'" in err.message


def test_insert_ignore_and_on_duplicate_key_update(t: Client) -> None:
    t.ok("INSERT INTO t (name, qty) VALUES ('a', 1)")
    assert t.ok("INSERT IGNORE INTO t (name, qty) VALUES ('a', 5)").affected_rows == 0
    t.ok(
        "INSERT INTO t (name, qty) VALUES ('a', 5) ON DUPLICATE KEY UPDATE qty = qty + VALUES(qty)"
    )
    assert t.value("SELECT qty FROM t WHERE name = 'a'") == 6
    t.ok("INSERT INTO t (name, qty) VALUES ('b', 2) ON DUPLICATE KEY UPDATE qty = 0")
    assert t.rows("SELECT name, qty FROM t ORDER BY id") == [("a", 6), ("b", 2)]


def test_replace(t: Client) -> None:
    t.ok("INSERT INTO t (id, name, qty) VALUES (1, 'a', 1)")
    t.ok("REPLACE INTO t (id, name, qty) VALUES (1, 'a', 9)")
    assert t.rows("SELECT id, name, qty FROM t") == [(1, "a", 9)]


def test_delete_and_update_with_limit(t: Client) -> None:
    t.ok("INSERT INTO t (name, qty) VALUES ('a', 1), ('b', 2), ('c', 3)")
    assert t.ok("DELETE FROM t ORDER BY id DESC LIMIT 1").affected_rows == 1
    assert t.ok("UPDATE t SET qty = 0 ORDER BY id LIMIT 1").affected_rows == 1
    assert t.rows("SELECT name, qty FROM t ORDER BY id") == [("a", 0), ("b", 2)]


def test_select_features(t: Client) -> None:
    t.ok("INSERT INTO t (name, qty) VALUES ('a', 1), ('b', 2), ('c', 2), ('d', NULL)")
    assert t.rows("SELECT qty, COUNT(*) FROM t GROUP BY qty ORDER BY qty") == [
        (None, 1),
        (1, 1),
        (2, 2),
    ]
    assert t.rows("SELECT name FROM t WHERE qty IN (1, 2) ORDER BY name DESC LIMIT 1, 2") == [
        ("b",),
        ("a",),
    ]
    assert t.rows("SELECT name FROM t WHERE id = (SELECT MAX(id) FROM t)") == [("d",)]
    assert t.rows(
        "SELECT a.name FROM t AS a JOIN t AS b ON a.id = b.id + 1 WHERE b.name = 'a'"
    ) == [("b",)]
    assert t.rows("SELECT name FROM t WHERE name LIKE 'B%'") == [("b",)]  # case-insensitive
    assert t.value("SELECT IFNULL(qty, 7) FROM t WHERE name = 'd'") == 7
    assert t.value("SELECT CONCAT(name, '-', qty) FROM t WHERE id = 2") == "b-2"
    assert t.rows("SELECT DISTINCT qty FROM t WHERE qty IS NOT NULL ORDER BY 1") == [(1,), (2,)]
    assert t.value("SELECT COUNT(*) FROM t WHERE EXISTS (SELECT 1 FROM t WHERE qty > 1)") == 4


def test_qualified_names_across_databases(client: Client) -> None:
    client.ok("CREATE DATABASE other")
    client.ok("CREATE TABLE other.x (a INT)")
    client.ok("INSERT INTO other.x VALUES (1), (2)")
    assert client.value("SELECT SUM(other.x.a) FROM other.x") == 3
    client.ok("CREATE TABLE x (a INT)")
    client.ok("INSERT INTO x SELECT a * 10 FROM other.x")
    assert client.rows("SELECT a FROM app.x ORDER BY a") == [(10,), (20,)]


def test_no_database_selected(database) -> None:  # type: ignore[no-untyped-def]
    session = database.session(connection_id=5, user="root")
    c = Client(session)
    err = c.error("SELECT * FROM t")
    assert (err.errno, err.sqlstate) == (1046, "3D000")
    err = c.error("USE nope")
    assert err.errno == 1049
    session.close()


def test_user_variables(client: Client) -> None:
    client.ok("SET @a = 1, @b = 'x'")
    assert client.rows("SELECT @a, @b, @missing") == [(1, "x", None)]
    client.ok("SET @a = @a + 41")
    assert client.value("SELECT @a") == 42


def test_do(client: Client) -> None:
    assert client.ok("DO 1 + 1") == OkResult()


def test_multi_statements(client: Client) -> None:
    results = client.run_all("CREATE TABLE m (a INT); INSERT INTO m VALUES (1); SELECT a FROM m")
    assert len(results) == 3
    with pytest.raises(SQLError) as info:
        client.session.parse("SELECT 1; SELECT 2", multi=False)
    assert info.value.errno == 1064


def test_empty_query(client: Client) -> None:
    err = client.error("  /* nothing */ ")
    assert err.errno == 1065


def test_more_query_shapes(t: Client) -> None:
    t.ok("INSERT INTO t SET name = 'a', qty = 1")
    t.ok("INSERT INTO t VALUES (DEFAULT, 'b', DEFAULT)")
    assert t.rows("SELECT name, qty FROM t ORDER BY id") == [("a", 1), ("b", 0)]
    assert t.rows("SELECT name FROM t WHERE id = 1 UNION SELECT name FROM t WHERE id = 2") == [
        ("a",),
        ("b",),
    ]
    assert t.rows("WITH x AS (SELECT name FROM t WHERE qty = 0) SELECT name FROM x") == [("b",)]
    t.ok("CREATE TABLE u (id INT PRIMARY KEY, extra VARCHAR(5))")
    t.ok("INSERT INTO u VALUES (1, 'e')")
    assert t.rows("SELECT t.name, u.extra FROM t LEFT JOIN u USING (id) ORDER BY t.id") == [
        ("a", "e"),
        ("b", None),
    ]
    assert t.rows("SELECT name FROM t WHERE qty = 5 FOR UPDATE") == []
    t.rows("SELECT name FROM t")
    assert t.value("SELECT FOUND_ROWS()") == 2
    t.ok("UPDATE t SET qty = 9")
    assert t.value("SELECT ROW_COUNT()") == 2


def test_from_dual_means_no_table(client: Client) -> None:
    assert client.value("SELECT 1 + 1 FROM DUAL") == 2
    assert client.value("SELECT 'x' FROM dual WHERE 1 = 1") == "x"
    with pytest.raises(SQLError) as exc:
        client.run("SELECT * FROM DUAL")
    assert exc.value.errno == 1096
