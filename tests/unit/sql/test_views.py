"""Views: stored in the catalog, expanded at compile time into derived tables."""

from __future__ import annotations

import pytest
from sqlglot import exp

from edb_proxy.fieldtypes import FieldType
from edb_proxy.sql import ResultSet
from edb_proxy.sql.parsing import parse_one
from edb_proxy.sql.views import DEFINER_META, VIEW_META, expand_views
from tests.unit.sql.helpers import Client


@pytest.fixture
def base(client: Client) -> Client:
    client.ok(
        "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL,"
        " price DECIMAL(8,2), born DATE)"
    )
    client.ok(
        "INSERT INTO t (name, price, born) VALUES ('a', 1.50, '2000-01-02'),"
        " ('b', 20.00, NULL), ('c', 3.25, '1999-12-31')"
    )
    client.ok("CREATE TABLE o (id INT PRIMARY KEY, tid INT, qty INT)")
    client.ok("INSERT INTO o VALUES (1, 1, 5), (2, 1, 7), (3, 3, 1)")
    return client


def test_select_from_view_keeps_base_types(base: Client) -> None:
    base.ok("CREATE VIEW cheap AS SELECT id, name, price, born FROM t WHERE price < 10")
    result = base.run("SELECT * FROM cheap ORDER BY id")
    assert isinstance(result, ResultSet)
    assert [c.name for c in result.columns] == ["id", "name", "price", "born"]
    types = [c.type for c in result.columns]
    assert types == [
        FieldType.MYSQL_TYPE_LONG,
        FieldType.MYSQL_TYPE_VAR_STRING,
        FieldType.MYSQL_TYPE_NEWDECIMAL,
        FieldType.MYSQL_TYPE_DATE,
    ]
    assert result.columns[2].decimals == 2
    assert [r[1] for r in result.rows] == ["a", "c"]
    assert base.rows("SELECT name FROM cheap WHERE id = 3") == [("c",)]


def test_column_list_joins_and_views_over_views(base: Client) -> None:
    base.ok("CREATE VIEW v1 (ident, label) AS SELECT id, name FROM t")
    base.ok(
        "CREATE VIEW v2 AS SELECT label, SUM(qty) AS total FROM v1 JOIN o ON o.tid = v1.ident"
        " GROUP BY label"
    )
    assert base.rows("SELECT label, total FROM v2 ORDER BY label") == [("a", 12), ("c", 1)]
    assert base.rows(
        "SELECT v1.label, o.qty FROM v1 JOIN o ON o.tid = v1.ident WHERE o.qty > 4 ORDER BY o.qty"
    ) == [("a", 5), ("a", 7)]
    assert base.rows(
        "SELECT x.label FROM v1 AS x WHERE x.ident IN (SELECT tid FROM o) ORDER BY 1"
    ) == [("a",), ("c",)]
    assert base.value("SELECT COUNT(*) FROM (SELECT label FROM v1) AS d") == 3


def test_view_names_resolve_in_the_view_database(base: Client) -> None:
    base.ok("CREATE VIEW app_v AS SELECT name FROM t")
    base.ok("CREATE DATABASE other")
    base.ok("CREATE TABLE other.t (name INT)")
    base.ok("USE other")
    assert base.rows("SELECT name FROM app.app_v ORDER BY name") == [("a",), ("b",), ("c",)]


def test_create_replace_alter_drop(base: Client) -> None:
    base.ok("CREATE VIEW v AS SELECT id FROM t")
    assert base.error("CREATE VIEW v AS SELECT id FROM t").errno == 1050
    assert base.error("CREATE VIEW t AS SELECT 1").errno == 1050
    base.ok("CREATE OR REPLACE VIEW v AS SELECT name FROM t WHERE id = 2")
    assert base.rows("SELECT * FROM v") == [("b",)]
    base.ok("ALTER VIEW v AS SELECT id, name FROM t WHERE id = 1")
    assert base.rows("SELECT * FROM v") == [(1, "a")]
    assert base.error("ALTER VIEW nope AS SELECT 1").errno == 1146
    assert base.error("CREATE VIEW w (a, b) AS SELECT id FROM t").errno == 1353
    assert base.error("CREATE VIEW w AS SELECT id, id FROM t").errno == 1060
    assert base.error("CREATE VIEW w AS SELECT nope FROM t").errno == 1054
    assert base.error("CREATE VIEW w AS SELECT 1 FROM nope").errno == 1146
    assert base.error("DROP VIEW t").errno == 1347
    assert base.error("DROP VIEW v, nope").errno == 1051
    assert base.rows("SELECT * FROM v") == [(1, "a")]  # all or nothing
    assert base.ok("DROP VIEW IF EXISTS v, nope").warnings == 1
    assert base.error("SELECT * FROM v").errno == 1146


def test_show_create_view_and_full_tables(base: Client) -> None:
    base.ok("CREATE VIEW v (a) AS SELECT name FROM t")
    rows = base.rows("SHOW CREATE VIEW v")
    assert rows[0][0] == "v"
    text = rows[0][1]
    assert isinstance(text, str)
    assert text.startswith(
        "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW `v` (`a`) AS "
    )
    assert "`app`.`t`" in text
    assert base.rows("SHOW CREATE TABLE v")[0][1] == text
    assert base.rows("SHOW FULL TABLES") == [
        ("o", "BASE TABLE"),
        ("t", "BASE TABLE"),
        ("v", "VIEW"),
    ]
    base.ok("DROP VIEW v")
    base.ok(text)  # SHOW CREATE VIEW output is accepted back (ALGORITHM/DEFINER ignored)
    assert base.rows("SHOW CREATE VIEW v")[0][1] == text
    assert base.rows("SELECT a FROM v ORDER BY a") == [("a",), ("b",), ("c",)]


def test_views_are_read_only(base: Client) -> None:
    base.ok("CREATE VIEW v AS SELECT id, name FROM t")
    for sql in (
        "INSERT INTO v (id, name) VALUES (9, 'z')",
        "UPDATE v SET name = 'q'",
        "DELETE FROM v",
    ):
        assert base.error(sql).errno == 1235
    base.ok("CREATE TABLE copy (id INT, name VARCHAR(20))")
    base.ok("INSERT INTO copy SELECT id, name FROM v")
    assert base.value("SELECT COUNT(*) FROM copy") == 3


def test_view_body_is_checked_like_any_query(base: Client) -> None:
    assert base.error("CREATE VIEW w AS SELECT name FROM sqlite_schema").errno in (1146, 1235)
    assert base.error("CREATE VIEW w AS SELECT load_extension('x')").errno in (1305, 1235)


def test_expansion_only_names_base_tables_and_marks_definer(base: Client) -> None:
    base.ok("CREATE VIEW v1 AS SELECT id, name FROM t")
    base.ok("CREATE VIEW v2 AS SELECT name FROM v1")
    catalog = base.session.db.catalog
    tree = parse_one("SELECT name FROM v2")
    expansion = expand_views(tree, catalog, "app")
    assert [v.name for _, v in expansion.views] == ["v2", "v1"]
    tables = list(tree.find_all(exp.Table))
    assert [t.name for t in tables] == ["t"]
    assert tables[0].meta[DEFINER_META] == "root"
    assert all(isinstance(sub.meta[VIEW_META].definer, str) for sub, _ in expansion.views)
    assert any(req[2:4] == ("app", "t") for req in expansion.requirements)


def test_view_change_invalidates_cached_plans(base: Client) -> None:
    base.ok("CREATE VIEW v AS SELECT name FROM t WHERE id = 1")
    assert base.rows("SELECT * FROM v") == [("a",)]
    base.ok("CREATE OR REPLACE VIEW v AS SELECT name FROM t WHERE id = 2")
    assert base.rows("SELECT * FROM v") == [("b",)]


def test_drop_database_drops_its_views(base: Client) -> None:
    base.ok("CREATE DATABASE d")
    base.ok("CREATE TABLE d.x (a INT)")
    base.ok("CREATE VIEW d.vx AS SELECT a FROM d.x")
    base.ok("DROP DATABASE d")
    base.ok("CREATE DATABASE d")
    assert base.rows("SHOW TABLES FROM d") == []


def test_union_cte_and_limit_bodies(base: Client) -> None:
    base.ok(
        "CREATE VIEW u AS SELECT id, name FROM t WHERE id = 1 UNION SELECT id, name FROM t"
        " WHERE id = 3"
    )
    result = base.run("SELECT * FROM u ORDER BY id")
    assert isinstance(result, ResultSet)
    assert result.rows == [(1, "a"), (3, "c")]
    assert result.columns[0].type == FieldType.MYSQL_TYPE_LONG  # the first SELECT's type
    base.ok("CREATE VIEW w AS WITH x AS (SELECT id FROM t WHERE id > 1) SELECT id FROM x")
    assert base.rows("SELECT id FROM w ORDER BY id") == [(2,), (3,)]
    base.ok("CREATE VIEW top1 AS SELECT id, name FROM t ORDER BY id DESC LIMIT 1")
    assert base.rows("SELECT top1.name, o.qty FROM top1 JOIN o ON o.tid = top1.id") == [("c", 1)]
    assert base.error("CREATE VIEW s AS SELECT * FROM (SELECT id FROM t) AS d").errno == 1235


def test_recursive_views_are_refused(base: Client) -> None:
    base.ok("CREATE VIEW a1 AS SELECT id FROM t")
    base.ok("CREATE VIEW a2 AS SELECT id FROM a1")
    err = base.error("CREATE OR REPLACE VIEW a1 AS SELECT id FROM a2")
    assert (err.errno, err.message) == (1462, "`app`.`a1` contains view recursion")
    assert base.value("SELECT COUNT(*) FROM a2") == 3


def test_describe_a_view(base: Client) -> None:
    base.ok("CREATE VIEW v AS SELECT id, name AS label, price FROM t")
    rows = base.rows("DESCRIBE v")
    assert [(r[0], r[1]) for r in rows] == [
        ("id", "int"),
        ("label", "varchar(20)"),
        ("price", "decimal(8,2)"),
    ]
    assert rows[1][2] == "NO"  # nullability comes from the base column


def test_self_join_of_a_view_and_aliases(base: Client) -> None:
    base.ok("CREATE VIEW v AS SELECT id, name FROM t")
    assert base.rows(
        "SELECT a.name, b.name FROM v AS a JOIN v AS b ON b.id = a.id + 1 ORDER BY a.id"
    ) == [("a", "b"), ("b", "c")]
    result = base.run("SELECT * FROM v AS x WHERE x.id = 2")
    assert isinstance(result, ResultSet)
    assert result.rows == [(2, "b")]
    assert [(c.name, c.table, c.org_table) for c in result.columns] == [
        ("id", "x", "v"),
        ("name", "x", "v"),
    ]
    base.ok("UPDATE t SET price = 0 WHERE id IN (SELECT id FROM v WHERE name = 'c')")
    assert base.value("SELECT price FROM t WHERE id = 3") == 0


def test_view_is_read_with_the_definers_rights(base: Client) -> None:
    base.ok("CREATE USER owner IDENTIFIED BY 'pw-owner-1'")
    base.ok("CREATE USER reader IDENTIFIED BY 'pw-reader-1'")
    base.ok("GRANT SELECT, CREATE VIEW ON app.* TO owner")
    db = base.session.db
    owner = Client(db.session(connection_id=50, user="owner", enforce=True))
    owner.session.use("app")
    owner.ok("CREATE VIEW names AS SELECT name FROM t")
    base.ok("GRANT SELECT ON app.names TO reader")
    reader = Client(db.session(connection_id=51, user="reader", enforce=True))
    reader.session.use("app")
    assert reader.rows("SELECT name FROM names ORDER BY name") == [("a",), ("b",), ("c",)]
    assert reader.error("SELECT name FROM t").errno == 1142  # no rights on the base table
    base.ok("REVOKE SELECT ON app.* FROM owner")
    assert reader.error("SELECT name FROM names").errno == 1356  # the definer lost its rights
    owner.session.close()
    reader.session.close()
