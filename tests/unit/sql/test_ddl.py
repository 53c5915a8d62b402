"""DDL: databases, tables, indexes; names, errors and the catalog."""

from __future__ import annotations

import pytest

from edb_proxy.sql import Database
from tests.unit.sql.helpers import Client


def test_create_and_drop_database(client: Client) -> None:
    assert client.ok("CREATE DATABASE d1").affected_rows == 1
    assert client.error("CREATE DATABASE d1").errno == 1007
    assert client.ok("CREATE DATABASE IF NOT EXISTS d1").warnings == 1
    client.ok("CREATE TABLE d1.t (a INT)")
    client.ok("USE d1")
    assert client.value("SELECT DATABASE()") == "d1"
    assert client.ok("DROP DATABASE d1").affected_rows == 1
    assert client.session.database is None
    assert client.error("DROP DATABASE d1").errno == 1008
    client.ok("DROP DATABASE IF EXISTS d1")
    assert client.error("DROP DATABASE mysql").errno == 1044
    assert client.error("CREATE DATABASE `a.b`").errno == 1102


def test_system_database_names_exist(client: Client) -> None:
    client.session.use("information_schema")
    client.session.use("mysql")
    with pytest.raises(Exception):  # noqa: B017
        client.session.use("nope")


def test_create_table_errors(client: Client) -> None:
    client.ok("CREATE TABLE t (a INT)")
    assert client.error("CREATE TABLE t (a INT)").errno == 1050
    assert client.ok("CREATE TABLE IF NOT EXISTS t (a INT)").warnings == 1
    assert client.error("CREATE TABLE nodb.t (a INT)").errno == 1049
    assert client.error("CREATE TABLE d (a INT, A INT)").errno == 1060
    assert client.error("CREATE TABLE d (a INT, KEY (b))").errno == 1072
    assert client.error("CREATE TABLE d (a INT PRIMARY KEY, b INT, PRIMARY KEY (b))").errno == 1068
    assert client.error("CREATE TEMPORARY TABLE d (a INT)").errno == 1235
    assert client.error("CREATE TABLE d (a INT AUTO_INCREMENT, b INT, PRIMARY KEY (b))").errno == (
        1075  # the auto column must be a key (MySQL's ER_WRONG_AUTO_KEY)
    )
    assert client.error("CREATE TABLE d (a INT AUTO_INCREMENT, b INT, KEY (a))").errno == 1235


def test_table_options_and_keys(client: Client) -> None:
    client.ok(
        "CREATE TABLE opts (id INT UNSIGNED NOT NULL AUTO_INCREMENT, code CHAR(3) NOT NULL,"
        " note TEXT, price DECIMAL(8,2) DEFAULT '0.00', created TIMESTAMP NULL DEFAULT"
        " CURRENT_TIMESTAMP, PRIMARY KEY (id), UNIQUE KEY uq_code (code), KEY idx_price"
        " (price), KEY (created)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"
        " COMMENT='demo' AUTO_INCREMENT=100"
    )
    client.ok("INSERT INTO opts (code) VALUES ('ABC')")
    assert client.error("INSERT INTO opts (code) VALUES ('abc')").errno == 1062  # case-insensitive
    row = client.rows("SELECT id, price, created IS NOT NULL FROM opts")[0]
    assert row[0] == 1 and str(row[1]) == "0.00" and row[2] == 1
    keys = {r[2] for r in client.rows("SHOW INDEX FROM opts")}
    assert keys == {"PRIMARY", "uq_code", "idx_price", "created"}


def test_indexes(client: Client) -> None:
    client.ok("CREATE TABLE ix (a INT, b VARCHAR(10))")
    client.ok("CREATE INDEX ia ON ix (a)")
    client.ok("CREATE UNIQUE INDEX ib ON ix (b(5) DESC) USING BTREE")
    assert client.error("CREATE INDEX ia ON ix (b)").errno == 1061
    assert client.error("CREATE INDEX ic ON ix (nope)").errno == 1072
    client.ok("INSERT INTO ix VALUES (1, 'x')")
    assert client.error("INSERT INTO ix VALUES (2, 'x')").message == (
        "Duplicate entry 'x' for key 'ix.ib'"
    )
    client.ok("DROP INDEX ib ON ix")
    client.ok("INSERT INTO ix VALUES (2, 'x')")
    assert client.error("DROP INDEX ib ON ix").errno == 1091


def test_drop_tables_and_truncate(client: Client) -> None:
    client.ok("CREATE TABLE a (x INT)")
    client.ok("CREATE TABLE b (x INT AUTO_INCREMENT PRIMARY KEY)")
    client.ok("INSERT INTO b VALUES (NULL), (NULL)")
    client.ok("TRUNCATE TABLE b")
    assert client.value("SELECT COUNT(*) FROM b") == 0
    assert client.ok("INSERT INTO b VALUES (NULL)").last_insert_id == 1
    err = client.error("DROP TABLE a, missing")
    assert (err.errno, err.message) == (1051, "Unknown table 'app.missing'")
    assert client.rows("SHOW TABLES") == [("a",), ("b",)]  # nothing dropped
    assert client.ok("DROP TABLE IF EXISTS a, b, missing").warnings == 1
    assert client.rows("SHOW TABLES") == []


def test_names_are_case_insensitive(client: Client) -> None:
    client.ok("CREATE TABLE MixedCase (Col INT)")
    client.ok("INSERT INTO mixedcase (col) VALUES (1)")
    assert client.value("SELECT COL FROM MIXEDCASE") == 1
    assert client.rows("SHOW TABLES") == [("mixedcase",)]


def test_catalog_survives_reopen(db_path, database: Database, client: Client) -> None:  # type: ignore[no-untyped-def]
    client.ok("CREATE TABLE keep (id BIGINT PRIMARY KEY, v DECIMAL(6,3))")
    client.ok("INSERT INTO keep VALUES (1, '1.5')")
    client.session.close()
    database.close()
    again = Database(db_path)
    session = again.session(connection_id=1, user="root")
    session.use("app")
    assert Client(session).rows("SELECT v FROM keep") == [
        (__import__("decimal").Decimal("1.500"),)
    ]
    session.close()
    again.close()
