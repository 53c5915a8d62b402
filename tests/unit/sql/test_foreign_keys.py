"""FOREIGN KEY constraints: enforced by SQLite, recorded in the catalog, MySQL's errors."""

from __future__ import annotations

import pytest

from edb_proxy.sql.catalog import ForeignKey
from tests.unit.sql.helpers import Client

CHILD_FAIL = (
    "Cannot add or update a child row: a foreign key constraint fails (`app`.`c`, CONSTRAINT"
    " `fk_p` FOREIGN KEY (`pid`) REFERENCES `p` (`id`) ON DELETE CASCADE)"
)


@pytest.fixture
def fk(client: Client) -> Client:
    client.ok("CREATE TABLE p (id INT PRIMARY KEY, name VARCHAR(10))")
    client.ok(
        "CREATE TABLE c (id INT AUTO_INCREMENT PRIMARY KEY, pid INT,"
        " CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p(id) ON DELETE CASCADE)"
    )
    client.ok("INSERT INTO p VALUES (1, 'a'), (2, 'b')")
    client.ok("INSERT INTO c (pid) VALUES (1), (2), (2), (NULL)")
    return client


def test_insert_of_orphan_is_1452_with_mysql_message(fk: Client) -> None:
    err = fk.error("INSERT INTO c (pid) VALUES (3)")
    assert (err.errno, err.sqlstate, err.message) == (1452, "23000", CHILD_FAIL)
    assert fk.error("UPDATE c SET pid = 9 WHERE id = 1").errno == 1452
    assert fk.value("SELECT COUNT(*) FROM c") == 4


def test_cascade_restrict_and_set_null(fk: Client) -> None:
    fk.ok("DELETE FROM p WHERE id = 2")
    assert fk.rows("SELECT pid FROM c ORDER BY id") == [(1,), (None,)]
    fk.ok("CREATE TABLE r (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p (id))")
    fk.ok("INSERT INTO r VALUES (1, 1)")
    err = fk.error("DELETE FROM p WHERE id = 1")
    assert err.errno == 1451
    assert err.message == (
        "Cannot delete or update a parent row: a foreign key constraint fails (`app`.`r`,"
        " CONSTRAINT `r_ibfk_1` FOREIGN KEY (`pid`) REFERENCES `p` (`id`))"
    )
    assert fk.error("UPDATE p SET id = 7 WHERE id = 1").errno == 1451
    fk.ok(
        "CREATE TABLE s (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p (id)"
        " ON DELETE SET NULL ON UPDATE CASCADE)"
    )
    fk.ok("INSERT INTO p VALUES (5, 'e')")
    fk.ok("INSERT INTO s VALUES (1, 5)")
    fk.ok("UPDATE p SET id = 6 WHERE id = 5")
    assert fk.value("SELECT pid FROM s") == 6
    fk.ok("DELETE FROM p WHERE id = 6")
    assert fk.value("SELECT pid FROM s") is None


def test_foreign_key_checks_variable(fk: Client, other: Client) -> None:
    fk.ok("SET FOREIGN_KEY_CHECKS = 0")
    fk.ok("INSERT INTO c (pid) VALUES (99)")
    assert other.error("INSERT INTO c (pid) VALUES (98)").errno == 1452  # per session
    fk.ok("DROP TABLE p")  # 3730 only with checks on
    fk.ok("CREATE TABLE p (id INT PRIMARY KEY, name VARCHAR(10))")
    fk.ok("SET FOREIGN_KEY_CHECKS = 1")
    assert fk.error("INSERT INTO c (pid) VALUES (97)").errno == 1452
    fk.ok("SET FOREIGN_KEY_CHECKS = 0")
    fk.session.reset()  # COM_RESET_CONNECTION restores the default
    assert fk.error("INSERT INTO c (pid) VALUES (96)").errno == 1452


def test_drop_parent_is_3730_unless_the_child_goes_too(fk: Client) -> None:
    err = fk.error("DROP TABLE p")
    assert err.errno == 3730
    assert err.message == (
        "Cannot drop table 'p' referenced by a foreign key constraint 'fk_p' on table 'c'."
    )
    assert fk.value("SELECT COUNT(*) FROM c") == 4  # no cascade happened
    fk.ok("DROP TABLE c, p")


@pytest.mark.parametrize(
    ("ddl", "errno"),
    [
        ("CREATE TABLE x (pid BIGINT, FOREIGN KEY (pid) REFERENCES p (id))", 3780),
        ("CREATE TABLE x (pid INT, FOREIGN KEY (pid) REFERENCES p (name))", 1822),
        ("CREATE TABLE x (pid INT, FOREIGN KEY (pid) REFERENCES nope (id))", 1824),
        ("CREATE TABLE x (pid INT, FOREIGN KEY (zz) REFERENCES p (id))", 1072),
        ("CREATE TABLE x (pid INT, a INT, FOREIGN KEY (pid, a) REFERENCES p (id))", 1239),
        (
            "CREATE TABLE x (pid INT NOT NULL, FOREIGN KEY (pid) REFERENCES p (id)"
            " ON DELETE SET NULL)",
            1830,
        ),
        (
            "CREATE TABLE x (pid INT, CONSTRAINT f FOREIGN KEY (pid) REFERENCES p (id),"
            " CONSTRAINT f FOREIGN KEY (pid) REFERENCES p (id))",
            1826,
        ),
    ],
)
def test_definition_errors(fk: Client, ddl: str, errno: int) -> None:
    assert fk.error(ddl).errno == errno
    assert fk.error("SELECT * FROM x").errno == 1146


def test_catalog_accessor_and_implicit_index(fk: Client) -> None:
    catalog = fk.session.db.catalog
    assert catalog.foreign_keys("app", "c") == [
        ForeignKey("fk_p", ("pid",), "app", "p", ("id",), "CASCADE", "NO ACTION")
    ]
    assert catalog.foreign_keys("app", "p") == []
    assert catalog.foreign_keys("app", "nope") == []
    assert [i.name for i in catalog.require_table("app", "c").indexes] == ["PRIMARY", "fk_p"]
    parent = catalog.require_table("app", "p")
    assert [(t.name, f.name) for t, f in parent.referenced_by] == [("c", "fk_p")]


def test_alter_add_and_drop_foreign_key(client: Client) -> None:
    client.ok("CREATE TABLE p (id INT PRIMARY KEY)")
    client.ok("CREATE TABLE c (id INT PRIMARY KEY, pid INT)")
    client.ok("INSERT INTO p VALUES (1)")
    client.ok("INSERT INTO c VALUES (1, 1), (2, 5)")
    err = client.error("ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (pid) REFERENCES p (id)")
    assert err.errno == 1452
    assert client.session.db.catalog.foreign_keys("app", "c") == []
    client.ok("DELETE FROM c WHERE id = 2")
    client.ok(
        "ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE"
    )
    assert client.error("INSERT INTO c VALUES (3, 9)").errno == 1452
    assert client.error("ALTER TABLE c DROP COLUMN pid").errno == 1828
    assert client.error("ALTER TABLE p DROP COLUMN id").errno == 1829
    client.ok("ALTER TABLE c DROP FOREIGN KEY f")
    client.ok("INSERT INTO c VALUES (3, 9)")
    assert client.error("ALTER TABLE c DROP FOREIGN KEY f").errno == 1091


def test_altering_and_renaming_the_parent_keeps_children_working(fk: Client) -> None:
    fk.ok("ALTER TABLE p ADD COLUMN extra INT, MODIFY name VARCHAR(30)")
    assert fk.error("INSERT INTO c (pid) VALUES (3)").errno == 1452
    fk.ok("RENAME TABLE p TO parent")
    assert fk.session.db.catalog.foreign_keys("app", "c")[0].ref_table == "parent"
    fk.ok("INSERT INTO parent (id, name) VALUES (3, 'c')")
    fk.ok("INSERT INTO c (pid) VALUES (3)")
    assert fk.error("INSERT INTO c (pid) VALUES (4)").errno == 1452
    fk.ok("ALTER TABLE parent RENAME COLUMN id TO pk")
    assert fk.session.db.catalog.foreign_keys("app", "c")[0].ref_columns == ("pk",)
    fk.ok("DELETE FROM parent WHERE pk = 3")  # cascade still wired
    assert fk.value("SELECT COUNT(*) FROM c WHERE pid = 3") == 0
    rows = fk.rows("SELECT id, pid FROM c ORDER BY id")
    fk.ok("ALTER TABLE c ADD COLUMN note TEXT")  # rebuilding the child keeps its rows
    assert fk.rows("SELECT id, pid FROM c ORDER BY id") == rows


def test_cross_database_and_self_reference(client: Client) -> None:
    client.ok("CREATE DATABASE hr")
    client.ok("CREATE TABLE hr.dept (id INT PRIMARY KEY)")
    client.ok(
        "CREATE TABLE emp (id INT PRIMARY KEY, dept INT, boss INT,"
        " FOREIGN KEY (dept) REFERENCES hr.dept (id), FOREIGN KEY (boss) REFERENCES emp (id))"
    )
    client.ok("INSERT INTO hr.dept VALUES (1)")
    client.ok("INSERT INTO emp VALUES (1, 1, NULL), (2, 1, 1)")
    assert client.error("INSERT INTO emp VALUES (3, 2, NULL)").errno == 1452
    assert client.error("INSERT INTO emp VALUES (3, 1, 7)").errno == 1452
    assert client.error("DELETE FROM emp WHERE id = 1").errno == 1451
    client.ok("RENAME TABLE emp TO staff")
    assert client.error("INSERT INTO staff VALUES (3, 1, 7)").errno == 1452
    client.ok("INSERT INTO staff VALUES (3, 1, 2)")


def test_truncate_of_a_referenced_table_is_1701(fk: Client) -> None:
    err = fk.error("TRUNCATE TABLE p")
    assert err.errno == 1701
    assert "(`app`.`c`, CONSTRAINT `fk_p` FOREIGN KEY" in err.message
    assert fk.value("SELECT COUNT(*) FROM c") == 4
    fk.ok("TRUNCATE TABLE c")
    fk.ok("SET FOREIGN_KEY_CHECKS = 0")
    fk.ok("TRUNCATE TABLE p")
    assert fk.value("SELECT COUNT(*) FROM p") == 0


def test_altering_a_referenced_key_keeps_the_rules(fk: Client) -> None:
    assert fk.error("ALTER TABLE p MODIFY id BIGINT").errno == 3780
    assert fk.error("ALTER TABLE c MODIFY pid BIGINT").errno == 3780
    assert fk.error("ALTER TABLE p DROP PRIMARY KEY").errno == 1553
    fk.ok("ALTER TABLE p MODIFY name VARCHAR(40)")
    fk.ok("ALTER TABLE c MODIFY pid INT COMMENT 'parent'")
    assert fk.error("INSERT INTO c (pid) VALUES (3)").errno == 1452


def test_drop_database_referenced_from_outside_is_3730(client: Client) -> None:
    client.ok("CREATE DATABASE hr")
    client.ok("CREATE TABLE hr.dept (id INT PRIMARY KEY)")
    client.ok(
        "CREATE TABLE emp (id INT PRIMARY KEY, dept INT,"
        " FOREIGN KEY (dept) REFERENCES hr.dept (id))"
    )
    assert client.error("DROP DATABASE hr").errno == 3730
    client.ok("CREATE TABLE hr.local (d INT, FOREIGN KEY (d) REFERENCES hr.dept (id))")
    client.ok("DROP TABLE emp")
    assert client.ok("DROP DATABASE hr").affected_rows == 2  # inside references are fine


def test_constraint_names_follow_index_name_rules(fk: Client) -> None:
    err = fk.error(
        "CREATE TABLE x (pid INT, CONSTRAINT `a.b` FOREIGN KEY (pid) REFERENCES p (id))"
    )
    assert err.errno == 1103
