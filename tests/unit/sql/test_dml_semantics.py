"""MySQL DML semantics: affected rows of upserts, left-to-right UPDATE, multi-table DELETE.

Expected values are those the MySQL 8.0 manual states (15.2.7.2 INSERT ... ON DUPLICATE KEY
UPDATE, 15.2.17 UPDATE, 15.2.2 DELETE).
"""

from __future__ import annotations

import pytest

from tests.unit.sql.helpers import Client


@pytest.fixture
def kv(client: Client) -> Client:
    client.ok("CREATE TABLE kv (id INT PRIMARY KEY, a INT, b INT)")
    client.ok("INSERT INTO kv VALUES (1, 10, 100), (2, 20, 200)")
    return client


UPSERTS = [
    # (statement, affected rows, rows after)
    (
        "INSERT INTO kv VALUES (3, 30, 300) ON DUPLICATE KEY UPDATE a = VALUES(a)",
        1,
        [(1, 10, 100), (2, 20, 200), (3, 30, 300)],
    ),
    (
        "INSERT INTO kv VALUES (1, 11, 0) ON DUPLICATE KEY UPDATE a = VALUES(a)",
        2,
        [(1, 11, 100), (2, 20, 200)],
    ),
    (
        "INSERT INTO kv VALUES (1, 10, 0) ON DUPLICATE KEY UPDATE a = VALUES(a)",
        0,
        [(1, 10, 100), (2, 20, 200)],
    ),
    (
        "INSERT INTO kv VALUES (1, 0, 0) ON DUPLICATE KEY UPDATE a = a + 1",
        2,
        [(1, 11, 100), (2, 20, 200)],
    ),
    (
        "INSERT INTO kv VALUES (1, 5, 6), (2, 20, 7), (4, 1, 1)"
        " ON DUPLICATE KEY UPDATE a = VALUES(a)",
        2 + 0 + 1,
        [(1, 5, 100), (2, 20, 200), (4, 1, 1)],
    ),
    (
        "INSERT INTO kv VALUES (1, 7, 8) AS new ON DUPLICATE KEY UPDATE a = new.a, b = new.b",
        2,
        [(1, 7, 8), (2, 20, 200)],
    ),
    (
        "INSERT INTO kv VALUES (2, 9, 9) AS n(x, y, z) ON DUPLICATE KEY UPDATE b = n.y + n.z",
        2,
        [(1, 10, 100), (2, 20, 18)],
    ),
    (
        "INSERT INTO kv SET id = 1, a = 3, b = 4 ON DUPLICATE KEY UPDATE b = VALUES(b) + 1",
        2,
        [(1, 10, 5), (2, 20, 200)],
    ),
]


@pytest.mark.parametrize(("sql", "affected", "after"), UPSERTS, ids=[u[0] for u in UPSERTS])
def test_upsert_affected_rows(
    kv: Client, sql: str, affected: int, after: list[tuple[int, ...]]
) -> None:
    assert kv.ok(sql).affected_rows == affected
    assert kv.value("SELECT ROW_COUNT()") == affected
    assert kv.rows("SELECT id, a, b FROM kv ORDER BY id") == after


def test_upsert_unchanged_row_counts_one_with_found_rows(database: object) -> None:
    from edb_proxy.sql import Database

    assert isinstance(database, Database)
    session = database.session(connection_id=9, user="root", client_found_rows=True)
    session.use("app")
    c = Client(session)
    c.ok("CREATE TABLE kv (id INT PRIMARY KEY, a INT)")
    c.ok("INSERT INTO kv VALUES (1, 10)")
    assert (
        c.ok("INSERT INTO kv VALUES (1, 10) ON DUPLICATE KEY UPDATE a = VALUES(a)").affected_rows
        == 1
    )
    assert (
        c.ok("INSERT INTO kv VALUES (1, 11) ON DUPLICATE KEY UPDATE a = VALUES(a)").affected_rows
        == 2
    )
    assert c.ok("UPDATE kv SET a = 11 WHERE id = 1").affected_rows == 1
    session.close()


UPDATES = [
    # (statement, affected, rows after) -- assignments run left to right
    ("UPDATE kv SET a = a + 1, b = a WHERE id = 1", 1, [(1, 11, 11), (2, 20, 200)]),
    ("UPDATE kv SET b = a, a = a + 1 WHERE id = 1", 1, [(1, 11, 10), (2, 20, 200)]),
    ("UPDATE kv SET a = a + 1, b = a * 2, a = b WHERE id = 2", 1, [(1, 10, 100), (2, 42, 42)]),
    ("UPDATE kv SET a = b, b = a", 2, [(1, 100, 100), (2, 200, 200)]),
    ("UPDATE kv SET kv.a = kv.a + 5, kv.b = kv.a", 2, [(1, 15, 15), (2, 25, 25)]),
    ("UPDATE kv SET a = 10 WHERE id = 1", 0, [(1, 10, 100), (2, 20, 200)]),
    ("UPDATE kv SET a = a + 1 ORDER BY id DESC LIMIT 1", 1, [(1, 10, 100), (2, 21, 200)]),
    (
        "UPDATE kv SET b = (SELECT MAX(a) FROM kv AS k2), a = 0 WHERE id = 1",
        1,
        [(1, 0, 20), (2, 20, 200)],
    ),
]


@pytest.mark.parametrize(("sql", "affected", "after"), UPDATES, ids=[u[0] for u in UPDATES])
def test_update_left_to_right(
    kv: Client, sql: str, affected: int, after: list[tuple[int, ...]]
) -> None:
    assert kv.ok(sql).affected_rows == affected
    assert kv.rows("SELECT id, a, b FROM kv ORDER BY id") == after


def test_delete_order_by_limit(kv: Client) -> None:
    kv.ok("INSERT INTO kv VALUES (3, 30, 300)")
    assert kv.ok("DELETE FROM kv ORDER BY a DESC LIMIT 2").affected_rows == 2
    assert kv.rows("SELECT id FROM kv") == [(1,)]


def test_multi_table_delete_using(kv: Client) -> None:
    kv.ok("CREATE TABLE gone (id INT PRIMARY KEY)")
    kv.ok("INSERT INTO gone VALUES (2), (5)")
    ok = kv.ok("DELETE FROM kv USING kv, gone WHERE kv.id = gone.id")
    assert ok.affected_rows == 1
    assert kv.rows("SELECT id FROM kv") == [(1,)]
    assert kv.rows("SELECT id FROM gone ORDER BY id") == [(2,), (5,)]


def test_multi_table_delete_with_join_condition(kv: Client) -> None:
    kv.ok("CREATE TABLE keep (id INT PRIMARY KEY, flag INT)")
    kv.ok("INSERT INTO keep VALUES (1, 0), (2, 1)")
    ok = kv.ok("DELETE FROM kv USING kv, keep WHERE kv.id = keep.id AND keep.flag = 0")
    assert ok.affected_rows == 1
    assert kv.rows("SELECT id FROM kv") == [(2,)]


def test_multi_table_delete_unknown_target(kv: Client) -> None:
    kv.ok("CREATE TABLE other (id INT PRIMARY KEY)")
    err = kv.error("DELETE FROM kv USING other WHERE other.id = 1")
    assert err.errno == 1109


def test_last_insert_id_rules(client: Client) -> None:
    client.ok("CREATE TABLE ai (id INT PRIMARY KEY AUTO_INCREMENT, v INT)")
    ok = client.ok("INSERT INTO ai (v) VALUES (1), (2), (3)")
    assert ok.last_insert_id == 1
    assert client.value("SELECT LAST_INSERT_ID()") == 1
    client.ok("INSERT INTO ai (v) VALUES (4)")
    assert client.value("SELECT LAST_INSERT_ID()") == 4
    client.ok("UPDATE ai SET v = LAST_INSERT_ID(v + 100) WHERE id = 2")
    assert client.value("SELECT LAST_INSERT_ID()") == 102


@pytest.fixture
def joined(kv: Client) -> Client:
    kv.ok("CREATE TABLE bonus (id INT PRIMARY KEY, amount INT)")
    kv.ok("INSERT INTO bonus VALUES (1, 5), (9, 9)")
    return kv


MULTI = [
    (
        "UPDATE kv JOIN bonus ON kv.id = bonus.id SET kv.a = kv.a + bonus.amount",
        1,
        [(1, 15, 100), (2, 20, 200)],
    ),
    (
        "UPDATE kv AS k INNER JOIN bonus AS b ON k.id = b.id SET a = b.amount, k.b = a",
        1,
        [(1, 5, 5), (2, 20, 200)],
    ),
    (
        "UPDATE kv JOIN bonus ON kv.id = bonus.id SET kv.a = 0 WHERE bonus.amount > 100",
        0,
        [(1, 10, 100), (2, 20, 200)],
    ),
    ("DELETE kv FROM kv JOIN bonus ON kv.id = bonus.id", 1, [(2, 20, 200)]),
    ("DELETE k FROM kv AS k JOIN bonus AS b ON k.id = b.id WHERE b.amount = 6", 0, None),
    ("DELETE FROM k USING kv AS k, bonus WHERE k.id = bonus.id", 1, [(2, 20, 200)]),
]


@pytest.mark.parametrize(("sql", "affected", "after"), MULTI, ids=[m[0] for m in MULTI])
def test_multi_table_update_and_delete(
    joined: Client, sql: str, affected: int, after: list[tuple[int, ...]] | None
) -> None:
    assert joined.ok(sql).affected_rows == affected
    expected = after if after is not None else [(1, 10, 100), (2, 20, 200)]
    assert joined.rows("SELECT id, a, b FROM kv ORDER BY id") == expected
    assert joined.rows("SELECT id FROM bonus ORDER BY id") == [(1,), (9,)]


def test_multi_table_update_refuses_order_by(joined: Client) -> None:
    err = joined.error("UPDATE kv JOIN bonus ON kv.id = bonus.id SET kv.a = 1 ORDER BY kv.id")
    assert err.errno in (1221, 1064)


def test_multi_table_update_of_joined_table_is_1235(joined: Client) -> None:
    err = joined.error("UPDATE kv JOIN bonus ON kv.id = bonus.id SET bonus.amount = 1")
    assert err.errno == 1235


REPLACES = [
    ("REPLACE INTO kv VALUES (3, 30, 300)", 1, [(1, 10, 100), (2, 20, 200), (3, 30, 300)]),
    ("REPLACE INTO kv VALUES (1, 11, 111)", 2, [(1, 11, 111), (2, 20, 200)]),
    ("REPLACE INTO kv (id, a) VALUES (1, 5)", 2, [(1, 5, None), (2, 20, 200)]),
    ("REPLACE INTO kv VALUES (1, 10, 100)", 2, [(1, 10, 100), (2, 20, 200)]),
    (
        "REPLACE INTO kv VALUES (2, 0, 0), (5, 5, 5)",
        3,
        [(1, 10, 100), (2, 0, 0), (5, 5, 5)],
    ),
    ("REPLACE INTO kv SET id = 2, a = 1", 2, [(1, 10, 100), (2, 1, None)]),
]


@pytest.mark.parametrize(("sql", "affected", "after"), REPLACES, ids=[r[0] for r in REPLACES])
def test_replace_affected_rows(
    kv: Client, sql: str, affected: int, after: list[tuple[object, ...]]
) -> None:
    assert kv.ok(sql).affected_rows == affected
    assert kv.rows("SELECT id, a, b FROM kv ORDER BY id") == after


def test_replace_resets_unnamed_columns_to_defaults(client: Client) -> None:
    client.ok("CREATE TABLE rd (id INT PRIMARY KEY, a INT DEFAULT 7, b VARCHAR(5) DEFAULT 'x')")
    client.ok("INSERT INTO rd VALUES (1, 1, 'y')")
    assert client.ok("REPLACE INTO rd (id) VALUES (1)").affected_rows == 2
    assert client.rows("SELECT id, a, b FROM rd") == [(1, 7, "x")]
