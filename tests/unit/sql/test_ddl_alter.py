"""ALTER TABLE (table rebuild), RENAME TABLE, CREATE TABLE ... LIKE / ... SELECT."""

from __future__ import annotations

from decimal import Decimal

import pytest

from edb_proxy.fieldtypes import FieldType
from edb_proxy.sql import Database, ResultSet
from tests.unit.sql.helpers import Client


@pytest.fixture
def t(client: Client) -> Client:
    client.ok(
        "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, a VARCHAR(20), b INT DEFAULT 3,"
        " KEY ka (a))"
    )
    client.ok("INSERT INTO t (a, b) VALUES ('x', 1), ('yy', 2), ('zzz', NULL)")
    return client


def _show(client: Client, name: str = "t") -> str:
    text = client.rows(f"SHOW CREATE TABLE {name}")[0][1]
    assert isinstance(text, str)
    return text


def _columns(client: Client, name: str = "t") -> list[str]:
    return [str(r[0]) for r in client.rows(f"SHOW COLUMNS FROM {name}")]


def test_add_columns_first_after_and_defaults(t: Client) -> None:
    t.ok("ALTER TABLE t ADD COLUMN c INT NOT NULL AFTER a, ADD d VARCHAR(5) DEFAULT 'q' FIRST")
    assert _columns(t) == ["d", "id", "a", "c", "b"]
    assert t.rows("SELECT d, id, a, c, b FROM t ORDER BY id") == [
        ("q", 1, "x", 0, 1),
        ("q", 2, "yy", 0, 2),
        ("q", 3, "zzz", 0, None),
    ]


def test_drop_modify_change_rename_column(t: Client) -> None:
    t.ok("ALTER TABLE t DROP COLUMN b")
    assert _columns(t) == ["id", "a"]
    t.ok("ALTER TABLE t MODIFY COLUMN a VARCHAR(3) NOT NULL")
    t.ok("ALTER TABLE t CHANGE a name CHAR(5)")
    t.ok("ALTER TABLE t RENAME COLUMN name TO title")
    assert _columns(t) == ["id", "title"]
    assert "KEY `ka` (`title`)" in _show(t)
    assert t.rows("SELECT title FROM t WHERE title = 'yy'") == [("yy",)]


def test_set_and_drop_default(t: Client) -> None:
    t.ok("ALTER TABLE t ALTER COLUMN b SET DEFAULT 42")
    t.ok("INSERT INTO t (a) VALUES ('d')")
    assert t.value("SELECT b FROM t WHERE a = 'd'") == 42
    t.ok("ALTER TABLE t ALTER b DROP DEFAULT")
    assert "`b` int DEFAULT NULL" in _show(t)


def test_type_change_converts_values(t: Client) -> None:
    t.ok("ALTER TABLE t MODIFY b DECIMAL(6,2)")
    result = t.run("SELECT b FROM t WHERE id = 1")
    assert isinstance(result, ResultSet)
    assert result.columns[0].type == FieldType.MYSQL_TYPE_NEWDECIMAL
    assert result.rows[0][0] == Decimal("1.00")
    t.ok("ALTER TABLE t MODIFY b VARCHAR(10)")
    assert t.rows("SELECT b FROM t ORDER BY id") == [("1.00",), ("2.00",), (None,)]
    t.ok("UPDATE t SET b = '17' WHERE id = 1")
    t.ok("ALTER TABLE t MODIFY b BIGINT")
    assert t.rows("SELECT b FROM t ORDER BY id") == [(17,), (2,), (None,)]


@pytest.mark.parametrize(
    ("alter", "errno"),
    [
        ("ALTER TABLE t MODIFY a VARCHAR(2)", 1265),  # 'zzz' too long: truncated
        ("ALTER TABLE t MODIFY b INT NOT NULL", 1138),  # a NULL
        ("ALTER TABLE t MODIFY a INT", 1366),  # 'x' is not an integer
        ("ALTER TABLE t MODIFY b TINYINT UNSIGNED, MODIFY a VARCHAR(1)", 1265),
        ("ALTER TABLE t ADD COLUMN a INT", 1060),
        ("ALTER TABLE t DROP COLUMN nope", 1091),
        ("ALTER TABLE t MODIFY nope INT", 1054),
        ("ALTER TABLE t ADD c INT AFTER nope", 1054),
        ("ALTER TABLE t CHANGE a b INT", 1060),
        ("ALTER TABLE t ADD INDEX ka (b)", 1061),
        ("ALTER TABLE t ADD PRIMARY KEY (b)", 1068),
        ("ALTER TABLE t ADD INDEX kx (zz)", 1072),
        ("ALTER TABLE t DROP INDEX nope", 1091),
        ("ALTER TABLE t DROP FOREIGN KEY nope", 1091),
        ("ALTER TABLE t DROP id, DROP a, DROP b", 1090),
        ("ALTER TABLE nope ADD c INT", 1146),
        ("ALTER TABLE t ADD c INT, ADD d INT, ADD c INT", 1060),
    ],
)
def test_failing_alter_changes_nothing(t: Client, alter: str, errno: int) -> None:
    before = _show(t)
    rows = t.rows("SELECT * FROM t ORDER BY id")
    assert t.error(alter).errno == errno
    assert _show(t) == before
    assert t.rows("SELECT * FROM t ORDER BY id") == rows
    assert t.value("SELECT COUNT(*) FROM t WHERE a = 'yy'") == 1  # index still usable


def test_out_of_range_and_truncation_errors(client: Client) -> None:
    client.ok("CREATE TABLE n (a INT, s VARCHAR(10))")
    client.ok("INSERT INTO n VALUES (300, '12abc'), (5, '7')")
    err = client.error("ALTER TABLE n MODIFY a TINYINT")
    assert (err.errno, err.message) == (1264, "Out of range value for column 'a' at row 1")
    err = client.error("ALTER TABLE n MODIFY s INT")
    assert (err.errno, err.message) == (1265, "Data truncated for column 's' at row 1")
    client.ok("ALTER TABLE n MODIFY a SMALLINT UNSIGNED")


def test_indexes_and_primary_key(t: Client) -> None:
    t.ok("ALTER TABLE t ADD UNIQUE KEY ub (b), DROP INDEX ka, ADD INDEX (a, b)")
    text = _show(t)
    assert "UNIQUE KEY `ub` (`b`)" in text and "KEY `a` (`a`,`b`)" in text
    assert "`ka`" not in text
    assert t.error("INSERT INTO t (a, b) VALUES ('n', 1)").errno == 1062
    t.ok("CREATE TABLE k (a INT NOT NULL, b INT NOT NULL)")
    t.ok("INSERT INTO k VALUES (1, 1), (1, 2)")
    t.ok("ALTER TABLE k ADD PRIMARY KEY (a, b)")
    assert t.error("INSERT INTO k VALUES (1, 2)").errno == 1062
    t.ok("ALTER TABLE k DROP PRIMARY KEY")
    t.ok("INSERT INTO k VALUES (1, 2)")
    assert t.error("ALTER TABLE k DROP PRIMARY KEY").errno == 1091
    assert t.error("ALTER TABLE k ADD UNIQUE (a, b)").errno == 1062


def test_auto_increment_and_options_survive(t: Client) -> None:
    t.ok("ALTER TABLE t ADD c INT, ENGINE=InnoDB, DEFAULT CHARSET=utf8mb4, AUTO_INCREMENT=100")
    t.ok("ALTER TABLE t COMMENT='hello'")
    assert _show(t).endswith("COMMENT='hello'")
    result = t.ok("INSERT INTO t (a) VALUES ('next')")
    assert result.last_insert_id == 4
    assert "`id` int NOT NULL AUTO_INCREMENT" in _show(t)


def test_rename_table_forms(t: Client) -> None:
    t.ok("CREATE DATABASE other")
    t.ok("ALTER TABLE t RENAME TO t2")
    t.ok("ALTER TABLE t2 RENAME AS t3")
    t.ok("RENAME TABLE t3 TO other.t4")
    assert t.value("SELECT COUNT(*) FROM other.t4") == 3
    assert t.error("SELECT * FROM t").errno == 1146
    t.ok("CREATE TABLE u (x INT)")
    t.ok("RENAME TABLE other.t4 TO t, u TO tmp, t TO u, tmp TO t")  # each step sees the last
    assert _columns(t, "u")[0] == "id" and _columns(t, "t") == ["x"]
    assert t.error("RENAME TABLE u TO t").errno == 1050
    assert t.error("RENAME TABLE nope TO z").errno == 1146
    assert t.error("RENAME TABLE u TO nodb.z").errno == 1049
    assert t.error("RENAME TABLE u TO z, nope TO y").errno == 1146
    assert _columns(t, "u")[0] == "id"  # atomic: the first move was rolled back


def test_create_table_like(t: Client) -> None:
    t.ok("CREATE TABLE l LIKE t")
    assert _show(t, "l") == _show(t).replace("`t`", "`l`", 1)
    assert t.value("SELECT COUNT(*) FROM l") == 0
    assert t.error("CREATE TABLE l LIKE t").errno == 1050
    assert t.ok("CREATE TABLE IF NOT EXISTS l LIKE t").warnings == 1
    assert t.rows("SHOW WARNINGS") == [("Note", 1050, "Table 'l' already exists")]


def test_create_table_select(t: Client) -> None:
    result = t.ok(
        "CREATE TABLE s AS SELECT id, a, b * 2 AS dbl, COUNT(*) AS n FROM t GROUP BY id, a, b"
    )
    assert result.affected_rows == 3
    text = _show(t, "s")
    assert "`a` varchar(20) DEFAULT NULL" in text and "`n` bigint" in text
    assert t.rows("SELECT id, a, dbl, n FROM s ORDER BY id") == [
        (1, "x", 2, 1),
        (2, "yy", 4, 1),
        (3, "zzz", None, 1),
    ]
    t.ok("CREATE TABLE s2 SELECT a FROM t WHERE a = 'yy'")
    assert t.rows("SELECT a FROM s2") == [("yy",)]
    assert t.error("CREATE TABLE s SELECT 1 AS x").errno == 1050
    assert t.error("CREATE TABLE s3 SELECT a, a FROM t").errno == 1060


def test_cached_plans_follow_the_schema(t: Client, other: Client) -> None:
    assert t.rows("SELECT * FROM t WHERE id = 1") == [(1, "x", 1)]
    generation = t.session.db.catalog.generation
    other.ok("ALTER TABLE t ADD COLUMN z INT DEFAULT 9")
    assert t.session.db.catalog.generation > generation
    assert t.rows("SELECT * FROM t WHERE id = 1") == [(1, "x", 1, 9)]
    prepared = t.session.prepare("SELECT * FROM t WHERE id = ?")
    other.ok("ALTER TABLE t DROP COLUMN b")
    result = t.session.run_prepared(prepared, [1])
    assert isinstance(result, ResultSet)
    assert [c.name for c in result.columns] == ["id", "a", "z"]


def test_alter_commits_open_transaction(t: Client) -> None:
    t.ok("BEGIN")
    t.ok("INSERT INTO t (a) VALUES ('tx')")
    t.ok("ALTER TABLE t ADD c INT")
    t.ok("ROLLBACK")
    assert t.value("SELECT COUNT(*) FROM t WHERE a = 'tx'") == 1


def test_alter_in_manifest(db_path: object) -> None:
    db = Database(db_path)  # type: ignore[arg-type]
    db.initialize(
        [
            "CREATE DATABASE app",
            "CREATE TABLE app.t (id INT PRIMARY KEY)",
            "ALTER TABLE app.t ADD COLUMN v VARCHAR(4) NOT NULL DEFAULT 'x'",
            "CREATE VIEW app.v AS SELECT id, v FROM app.t",
        ]
    )
    session = db.session(connection_id=1, user="root")
    client = Client(session)
    client.ok("INSERT INTO app.t (id) VALUES (1)")
    assert client.rows("SELECT * FROM app.v") == [(1, "x")]
    session.close()
    db.close()


def test_widening_keeps_data_and_enum_members_are_enforced(client: Client) -> None:
    client.ok("CREATE TABLE w (k INT, c CHAR(3), e ENUM('a','b'))")
    client.ok("INSERT INTO w VALUES (2147483647, 'abc', 'b')")
    client.ok("ALTER TABLE w MODIFY k BIGINT, MODIFY c VARCHAR(10), MODIFY e ENUM('a','b','c')")
    client.ok("INSERT INTO w VALUES (9223372036854775807, 'abcdefghij', 'c')")
    assert client.rows("SELECT k, c, e FROM w ORDER BY k") == [
        (2147483647, "abc", "b"),
        (9223372036854775807, "abcdefghij", "c"),
    ]
    assert client.error("INSERT INTO w (e) VALUES ('d')").errno in (1265, 3819, 1366)
    assert client.error("ALTER TABLE w MODIFY e ENUM('a','b')").errno == 1265


def test_failure_after_batches_were_copied_rolls_everything_back(client: Client) -> None:
    client.ok("CREATE TABLE big (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10), KEY kv (v))")
    values = ",".join(f"('{i}')" for i in range(1, 1201))
    client.ok(f"INSERT INTO big (v) VALUES {values}")
    client.ok("UPDATE big SET v = 'x1100' WHERE id = 1100")  # not an integer: row 1100
    before = _show(client, "big")
    err = client.error("ALTER TABLE big MODIFY v INT, ADD COLUMN w INT")
    assert (err.errno, err.message) == (
        1366,
        "Incorrect integer value: 'x1100' for column 'v' at row 1100",
    )
    assert _show(client, "big") == before
    assert client.value("SELECT COUNT(*) FROM big") == 1200
    assert client.value("SELECT v FROM big WHERE id = 1100") == "x1100"
    assert client.value("SELECT COUNT(*) FROM big WHERE v = '7'") == 1
    client.ok("UPDATE big SET v = '1100' WHERE id = 1100")
    client.ok("ALTER TABLE big MODIFY v INT")
    assert client.value("SELECT SUM(v) FROM big") == 1200 * 1201 // 2
    assert client.ok("INSERT INTO big (v) VALUES (1)").last_insert_id == 1201


def test_create_table_with_definitions_and_select(t: Client) -> None:
    result = t.ok(
        "CREATE TABLE d2 (extra INT, b BIGINT NOT NULL DEFAULT 0, KEY (extra)) SELECT id, b"
        " FROM t WHERE b IS NOT NULL"
    )
    assert result.affected_rows == 2
    assert _columns(t, "d2") == ["extra", "b", "id"]
    assert "`b` bigint NOT NULL DEFAULT '0'" in _show(t, "d2")
    assert t.rows("SELECT extra, b, id FROM d2 ORDER BY id") == [(None, 1, 1), (None, 2, 2)]


def test_auto_increment_must_be_a_key(t: Client) -> None:
    assert t.error("CREATE TABLE a1 (a INT AUTO_INCREMENT, b INT)").errno == 1075
    assert t.error("ALTER TABLE t DROP PRIMARY KEY").errno == 1075
    assert t.error("ALTER TABLE t ADD c INT AUTO_INCREMENT").errno == 1075


def test_invalid_defaults_are_1067(t: Client) -> None:
    assert t.error("CREATE TABLE d1 (a VARCHAR(3) DEFAULT 'toolong')").errno == 1067
    assert t.error("CREATE TABLE d1 (a ENUM('x') DEFAULT 'y')").errno == 1067
    assert (
        t.error("ALTER TABLE t ALTER COLUMN a SET DEFAULT 'way too long for twenty'").errno == 1067
    )
    assert t.error("ALTER TABLE t MODIFY b INT DEFAULT 'abc'").errno == 1067
