"""Transactions: explicit and implicit, two sessions, busy and stale-snapshot handling."""

from __future__ import annotations

import pytest

from edb_proxy.errors import EngineBusy, SQLError
from tests.unit.sql.helpers import Client


@pytest.fixture
def acct(client: Client) -> Client:
    client.ok("CREATE TABLE acct (id INT PRIMARY KEY, bal INT NOT NULL)")
    client.ok("INSERT INTO acct VALUES (1, 100), (2, 100)")
    return client


def test_commit_and_rollback(acct: Client, other: Client) -> None:
    acct.ok("START TRANSACTION")
    assert acct.session.in_transaction
    acct.ok("UPDATE acct SET bal = bal - 10 WHERE id = 1")
    assert other.value("SELECT bal FROM acct WHERE id = 1") == 100  # not yet visible
    acct.ok("ROLLBACK")
    assert not acct.session.in_transaction
    assert acct.value("SELECT bal FROM acct WHERE id = 1") == 100
    acct.ok("BEGIN")
    acct.ok("UPDATE acct SET bal = bal - 10 WHERE id = 1")
    acct.ok("COMMIT")
    assert other.value("SELECT bal FROM acct WHERE id = 1") == 90


def test_autocommit_off_opens_transactions(acct: Client) -> None:
    acct.ok("SET autocommit=0")
    assert not acct.session.in_transaction
    acct.run("SELECT @@autocommit")  # no table: no transaction
    assert not acct.session.in_transaction
    acct.ok("UPDATE acct SET bal = 1 WHERE id = 2")
    assert acct.session.in_transaction
    acct.ok("COMMIT")
    assert not acct.session.in_transaction
    acct.rows("SELECT bal FROM acct")
    assert acct.session.in_transaction
    acct.ok("SET autocommit=1")  # commits, as MySQL does
    assert not acct.session.in_transaction


def test_writer_conflict_raises_engine_busy_without_effect(acct: Client, other: Client) -> None:
    acct.ok("BEGIN")
    acct.ok("UPDATE acct SET bal = 0 WHERE id = 1")
    with pytest.raises(EngineBusy) as info:
        other.run("UPDATE acct SET bal = 5 WHERE id = 2")
    assert info.value.errno == 1205
    assert not other.session.in_transaction
    acct.ok("COMMIT")
    assert other.ok("UPDATE acct SET bal = 5 WHERE id = 2").affected_rows == 1  # the retry
    assert acct.rows("SELECT bal FROM acct ORDER BY id") == [(0,), (5,)]


def test_busy_statement_leaves_its_transaction_usable(acct: Client, other: Client) -> None:
    acct.ok("BEGIN")
    acct.ok("UPDATE acct SET bal = 1 WHERE id = 1")
    other.ok("BEGIN")
    with pytest.raises(EngineBusy):
        other.run("INSERT INTO acct VALUES (3, 0)")
    assert other.session.in_transaction  # the client's own transaction stays open
    acct.ok("COMMIT")
    other.ok("INSERT INTO acct VALUES (3, 0)")
    other.ok("COMMIT")
    assert acct.value("SELECT COUNT(*) FROM acct") == 3


def test_implicit_transaction_rolled_back_on_busy(acct: Client, other: Client) -> None:
    acct.ok("BEGIN")
    acct.ok("UPDATE acct SET bal = 1 WHERE id = 1")
    other.ok("SET autocommit=0")
    with pytest.raises(EngineBusy):
        other.run("UPDATE acct SET bal = 2 WHERE id = 2")
    assert not other.session.in_transaction
    acct.ok("ROLLBACK")


def test_stale_snapshot_is_a_deadlock(acct: Client, other: Client) -> None:
    acct.ok("BEGIN")
    assert acct.value("SELECT bal FROM acct WHERE id = 1") == 100  # snapshot taken
    other.ok("UPDATE acct SET bal = 50 WHERE id = 1")  # commits after the snapshot
    err = acct.error("UPDATE acct SET bal = bal + 1 WHERE id = 1")
    assert not isinstance(err, EngineBusy)
    assert (err.errno, err.sqlstate) == (1213, "40001")
    assert not acct.session.in_transaction
    acct.ok("UPDATE acct SET bal = bal + 1 WHERE id = 1")  # a fresh attempt works
    assert other.value("SELECT bal FROM acct WHERE id = 1") == 51


def test_ddl_commits_implicitly(acct: Client, other: Client) -> None:
    acct.ok("BEGIN")
    acct.ok("UPDATE acct SET bal = 7 WHERE id = 1")
    acct.ok("CREATE TABLE side (a INT)")
    assert not acct.session.in_transaction
    assert other.value("SELECT bal FROM acct WHERE id = 1") == 7


def test_savepoints(acct: Client) -> None:
    acct.ok("BEGIN")
    acct.ok("UPDATE acct SET bal = 1 WHERE id = 1")
    acct.ok("SAVEPOINT s1")
    acct.ok("UPDATE acct SET bal = 2 WHERE id = 1")
    acct.ok("ROLLBACK TO SAVEPOINT s1")
    acct.ok("RELEASE SAVEPOINT s1")
    acct.ok("COMMIT")
    assert acct.value("SELECT bal FROM acct WHERE id = 1") == 1
    with pytest.raises(SQLError):
        acct.run("ROLLBACK TO SAVEPOINT nope")


def test_failed_statement_keeps_transaction(acct: Client) -> None:
    acct.ok("BEGIN")
    acct.ok("UPDATE acct SET bal = 3 WHERE id = 1")
    assert acct.error("INSERT INTO acct VALUES (1, 0)").errno == 1062
    assert acct.session.in_transaction
    acct.ok("COMMIT")
    assert acct.value("SELECT bal FROM acct WHERE id = 1") == 3


def test_close_rolls_back(database, acct: Client) -> None:  # type: ignore[no-untyped-def]
    session = database.session(connection_id=7, user="root")
    session.use("app")
    c = Client(session)
    c.ok("BEGIN")
    c.ok("UPDATE acct SET bal = 0")
    session.close()
    assert acct.value("SELECT SUM(bal) FROM acct") == 200


def test_reset_connection(acct: Client) -> None:
    acct.ok("SET @x = 1")
    acct.ok("SET autocommit = 0")
    acct.ok("UPDATE acct SET bal = 0 WHERE id = 1")
    acct.session.reset()
    assert not acct.session.in_transaction and acct.session.autocommit
    assert acct.value("SELECT @x") is None
    assert acct.value("SELECT bal FROM acct WHERE id = 1") == 100


def test_writing_sessions_take_the_write_lock_at_begin(acct: Client, other: Client) -> None:
    acct.ok("BEGIN")
    acct.ok("UPDATE acct SET bal = bal + 1 WHERE id = 1")
    acct.ok("COMMIT")  # this session writes: its next BEGIN takes the write lock
    acct.ok("BEGIN")
    with pytest.raises(EngineBusy):
        other.run("UPDATE acct SET bal = 0 WHERE id = 2")
    assert acct.value("SELECT bal FROM acct WHERE id = 1") == 101
    acct.ok("UPDATE acct SET bal = bal + 1 WHERE id = 1")  # never a stale snapshot
    acct.ok("COMMIT")
    other.ok("BEGIN")
    other.ok("UPDATE acct SET bal = 0 WHERE id = 2")
    with pytest.raises(EngineBusy):
        acct.run("BEGIN")  # no effect: retried by the server
    assert not acct.session.in_transaction
    other.ok("COMMIT")
    acct.ok("BEGIN")
    acct.ok("COMMIT")
    assert not acct.session.in_transaction


def test_after_a_deadlock_the_next_begin_takes_the_write_lock(acct: Client, other: Client) -> None:
    acct.ok("BEGIN")
    acct.rows("SELECT bal FROM acct")
    other.ok("UPDATE acct SET bal = 1 WHERE id = 2")
    assert acct.error("UPDATE acct SET bal = 2 WHERE id = 1").errno == 1213
    acct.ok("BEGIN")  # the retry: write lock taken now, so it cannot go stale again
    with pytest.raises(EngineBusy):
        other.run("UPDATE acct SET bal = 3 WHERE id = 2")
    acct.rows("SELECT bal FROM acct")
    acct.ok("UPDATE acct SET bal = 2 WHERE id = 1")
    acct.ok("COMMIT")


def test_savepoint_as_first_statement_with_autocommit_off(acct: Client) -> None:
    """MySQL: with autocommit=0 SAVEPOINT starts the transaction (SQLAlchemy relies on it)."""
    acct.ok("SET autocommit=0")
    acct.ok("SAVEPOINT s1")
    assert acct.session.in_transaction
    acct.ok("UPDATE acct SET bal = 0 WHERE id = 1")
    acct.ok("SAVEPOINT s2")
    acct.ok("UPDATE acct SET bal = 0 WHERE id = 2")
    acct.ok("ROLLBACK TO SAVEPOINT s2")
    acct.ok("RELEASE SAVEPOINT s1")
    assert acct.value("SELECT bal FROM acct WHERE id = 2") == 100
    acct.ok("ROLLBACK")
    assert acct.value("SELECT bal FROM acct WHERE id = 1") == 100


def test_savepoint_with_autocommit_on_does_not_outlive_the_statement(acct: Client) -> None:
    acct.ok("SAVEPOINT s1")
    assert not acct.session.in_transaction
    with pytest.raises(SQLError) as exc:
        acct.run("RELEASE SAVEPOINT s1")
    assert exc.value.errno == 1305


def test_read_only_transaction_refuses_writes(acct: Client) -> None:
    acct.ok("START TRANSACTION READ ONLY")
    assert acct.value("SELECT bal FROM acct WHERE id = 1") == 100
    for statement in (
        "UPDATE acct SET bal = 0",
        "INSERT INTO acct VALUES (3, 1)",
        "DELETE FROM acct",
    ):
        with pytest.raises(SQLError) as exc:
            acct.run(statement)
        assert (exc.value.errno, exc.value.sqlstate) == (1792, "25006")
    acct.ok("COMMIT")
    acct.ok("UPDATE acct SET bal = 5 WHERE id = 1")  # the restriction ended with the transaction
    assert acct.value("SELECT bal FROM acct WHERE id = 1") == 5
    with pytest.raises(SQLError):
        acct.run("START TRANSACTION READ ONLY, READ WRITE")
