"""Process list, KILL [CONNECTION | QUERY], max_execution_time and the server-wide cap."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from edb_proxy.errors import ER, EngineBusy, SQLError
from edb_proxy.sql import Database, Session
from edb_proxy.sql.api import Statement
from edb_proxy.sql.statements import ParsedStatement
from tests.unit.sql.helpers import Client

SLOW = (
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000000)"
    " SELECT COUNT(*) FROM c"
)


@pytest.fixture
def bob(database: Database, client: Client) -> Iterator[Client]:
    """A privileged-nothing user ``bob`` (SELECT on app.* only), connection 3."""
    client.ok("CREATE USER bob IDENTIFIED BY 'bob-Secret-1'")
    client.ok("GRANT SELECT, INSERT ON app.* TO bob")
    session = database.session(connection_id=3, user="bob", enforce=True)
    session.use("app")
    yield Client(session)
    session.close()


def _waiting(session: Session, sql: str) -> Statement:
    """Run ``sql`` on ``session`` until it is blocked by a lock; return the statement."""
    (stmt,) = session.parse(sql, multi=False)
    with pytest.raises(EngineBusy):
        session.run(stmt)
    return stmt


def test_processlist_lists_sessions(client: Client, other: Client) -> None:
    rows = client.rows("SHOW PROCESSLIST")
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        (1, "root", "app", "Query"),
        (2, "root", "app", "Sleep"),
    ]
    assert rows[0][7] == "SHOW PROCESSLIST"  # own running statement
    assert rows[1][7] is None  # idle
    info = client.rows("SELECT ID, COMMAND, INFO FROM information_schema.PROCESSLIST ORDER BY ID")
    assert info[1] == (2, "Sleep", None)
    assert info[0][2] is not None and "information_schema.PROCESSLIST" in str(info[0][2])


def test_info_is_truncated_unless_full(database: Database, client: Client, other: Client) -> None:
    long_text = "SELECT " + " + ".join(["1"] * 80)
    stmt = cast(ParsedStatement, other.session.parse(long_text, multi=False)[0])
    other.session.process.current = stmt  # as while running (another connection's view)
    other.session.process.command = "Query"
    short = next(r for r in client.rows("SHOW PROCESSLIST") if r[0] == 2)
    full = next(r for r in client.rows("SHOW FULL PROCESSLIST") if r[0] == 2)
    assert short[7] == long_text[:100]
    assert full[7] == long_text


def test_unprivileged_user_sees_only_own(client: Client, bob: Client) -> None:
    ids = [r[0] for r in bob.rows("SHOW PROCESSLIST")]
    assert ids == [3]
    assert bob.value("SELECT COUNT(*) FROM information_schema.PROCESSLIST") == 1
    everyone = [r[0] for r in client.rows("SHOW PROCESSLIST")]
    assert everyone == [1, 3]


def test_closed_session_leaves_the_list(database: Database, client: Client) -> None:
    extra = database.session(connection_id=9, user="root")
    assert 9 in [r[0] for r in client.rows("SHOW PROCESSLIST")]
    extra.close()
    assert 9 not in [r[0] for r in client.rows("SHOW PROCESSLIST")]


def test_kill_errors(client: Client, bob: Client) -> None:
    err = client.error("KILL 12345")
    assert err.kind is ER.ER_NO_SUCH_THREAD
    assert err.message == "Unknown thread id: 12345"
    err = bob.error("KILL 1")
    assert err.kind is ER.ER_KILL_DENIED_ERROR
    assert err.message == "You are not owner of thread 1"
    err = bob.error("KILL QUERY 1")
    assert err.kind is ER.ER_KILL_DENIED_ERROR
    assert client.error("KILL CONNECTION x").errno == 1064


def test_kill_own_other_connection(database: Database, bob: Client) -> None:
    second = database.session(connection_id=4, user="bob", enforce=True)
    closed: list[int] = []
    database.processes.attach(4, host="10.0.0.1", on_kill=lambda: closed.append(4))
    try:
        row = next(r for r in bob.rows("SHOW PROCESSLIST") if r[0] == 4)
        assert row[2] == "10.0.0.1"
        bob.ok("KILL 4")
        assert closed == [4]
        assert second.process.killed
        assert [r[4] for r in bob.rows("SHOW PROCESSLIST") if r[0] == 4] == ["Killed"]
    finally:
        second.close()


def test_kill_own_connection_is_1317(database: Database, client: Client) -> None:
    closed: list[bool] = []
    database.processes.attach(1, host="", on_kill=lambda: closed.append(True))
    err = client.error("KILL CONNECTION 1")
    assert err.kind is ER.ER_QUERY_INTERRUPTED
    assert closed == [True]


def test_kill_query_interrupts_a_waiting_statement(client: Client, other: Client) -> None:
    client.ok("CREATE TABLE w (id INT PRIMARY KEY)")
    client.ok("BEGIN")
    client.ok("INSERT INTO w VALUES (1)")
    stmt = _waiting(other.session, "INSERT INTO w VALUES (2)")
    row = next(r for r in client.rows("SHOW FULL PROCESSLIST") if r[0] == 2)
    assert row[4] == "Query" and row[7] == "INSERT INTO w VALUES (2)"
    client.ok("KILL QUERY 2")
    with pytest.raises(SQLError) as info:
        other.session.run(stmt)  # the server's retry
    assert info.value.kind is ER.ER_QUERY_INTERRUPTED
    assert info.value.sqlstate == "70100"
    client.ok("COMMIT")
    other.ok("INSERT INTO w VALUES (3)")  # the connection keeps working
    assert client.rows("SELECT id FROM w ORDER BY id") == [(1,), (3,)]


def test_kill_query_of_idle_session_is_a_no_op(client: Client, other: Client) -> None:
    client.ok("KILL QUERY 2")
    assert other.value("SELECT 7") == 7


def test_kill_connection_of_waiting_statement(
    database: Database, client: Client, other: Client
) -> None:
    closed: list[bool] = []
    database.processes.attach(2, host="", on_kill=lambda: closed.append(True))
    client.ok("CREATE TABLE w (id INT PRIMARY KEY)")
    client.ok("BEGIN")
    client.ok("INSERT INTO w VALUES (1)")
    stmt = _waiting(other.session, "INSERT INTO w VALUES (2)")
    client.ok("KILL CONNECTION 2")
    assert closed == [True]
    with pytest.raises(SQLError) as info:
        other.session.run(stmt)
    assert info.value.kind is ER.ER_QUERY_INTERRUPTED
    client.ok("ROLLBACK")


def test_max_execution_time_aborts_slow_select(client: Client) -> None:
    client.ok("SET max_execution_time = 50")
    started = time.monotonic()
    err = client.error(SLOW)
    elapsed = time.monotonic() - started
    assert err.kind is ER.ER_QUERY_TIMEOUT
    assert err.errno == 3024 and err.sqlstate == "HY000"
    assert err.message == (
        "Query execution was interrupted, maximum statement execution time exceeded"
    )
    assert elapsed < 2.0
    assert client.value("SELECT 1 + 1") == 2  # the session is fine afterwards
    assert [r[4] for r in client.rows("SHOW PROCESSLIST")] == ["Query"]


def test_max_execution_time_zero_means_no_limit(client: Client) -> None:
    client.ok("SET max_execution_time = 0")
    small = (
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 20000)"
        " SELECT COUNT(*) FROM c"
    )
    assert client.value(small) == 20000


def test_server_wide_cap_applies_to_every_statement(tmp_path: Path) -> None:
    db = Database(tmp_path / "cap.db", variables={"edb_max_statement_time": 0.05})
    try:
        db.initialize(["CREATE DATABASE app"])
        session = db.session(connection_id=1, user="root")
        session.use("app")
        c = Client(session)
        c.ok("CREATE TABLE t (n INT)")
        started = time.monotonic()
        err = c.error(SLOW)
        assert err.kind is ER.ER_QUERY_TIMEOUT
        err = c.error(
            "INSERT INTO t (n) WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c"
            " WHERE n < 1000000000) SELECT n FROM c"
        )
        assert err.kind is ER.ER_QUERY_TIMEOUT
        assert time.monotonic() - started < 3.0
        assert c.value("SELECT COUNT(*) FROM t") == 0  # the interrupted INSERT left nothing
        # inside a transaction, SQLite rolls an interrupted write back with its transaction
        c.ok("BEGIN")
        c.ok("INSERT INTO t VALUES (1)")
        err = c.error(
            "INSERT INTO t (n) WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c"
            " WHERE n < 1000000000) SELECT n FROM c"
        )
        assert err.kind is ER.ER_QUERY_TIMEOUT
        assert not session.in_transaction
        assert c.value("SELECT COUNT(*) FROM t") == 0
        # an interrupted read keeps the transaction
        c.ok("BEGIN")
        c.ok("INSERT INTO t VALUES (2)")
        assert c.error(SLOW).kind is ER.ER_QUERY_TIMEOUT
        assert session.in_transaction
        c.ok("COMMIT")
        assert c.value("SELECT COUNT(*) FROM t") == 1
        session.close()
    finally:
        db.close()


def test_passwords_are_masked_in_info(client: Client, other: Client) -> None:
    stmt = cast(
        ParsedStatement,
        other.session.parse("CREATE USER carol IDENTIFIED BY 'carol-Secret-1'", multi=False)[0],
    )
    other.session.process.current = stmt
    info = next(r[7] for r in client.rows("SHOW FULL PROCESSLIST") if r[0] == 2)
    assert info == "CREATE USER carol IDENTIFIED BY ?"
    assert "carol-Secret-1" not in str(
        client.rows("SELECT INFO FROM information_schema.PROCESSLIST")
    )
