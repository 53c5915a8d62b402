"""SHOW PROCESSLIST, KILL [QUERY | CONNECTION], COM_PROCESS_KILL and max_execution_time
through a real server, with PyMySQL on both event loops."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest

from tests.integration.clients import CLIENT_NAMES, connect, connector_cext_available
from tests.integration.harness import (
    PASSWORD_USER,
    PKI,
    ServerInfo,
    manifest_for,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.integration

BOB = ("bob", "bob-Secret-9")


@pytest.fixture(scope="module", params=["asyncio", "trio"])
def kill_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pki: PKI
) -> Iterator[ServerInfo]:
    tmp: Path = tmp_path_factory.mktemp(f"kill-{request.param}")
    manifest = manifest_for(
        pki,
        extra_sql=[
            f"CREATE USER {BOB[0]} IDENTIFIED BY '{BOB[1]}'",
            f"GRANT SELECT, INSERT ON app.* TO {BOB[0]}",
            "CREATE TABLE app.kt (id INT PRIMARY KEY)",
        ],
    )
    info = start_server(
        tmp,
        manifest=manifest,
        pki=pki,
        event_loop=request.param,
        extra_args=["--max-statement-time", "1"],
    )
    yield info
    code = stop_server(info)
    log = info.log_text()
    assert code == 0, log
    assert "Traceback" not in log, log


def _connect(server: ServerInfo, user: tuple[str, str] = PASSWORD_USER) -> pymysql.Connection:
    return pymysql.connect(
        host=server.host,
        port=server.port,
        user=user[0],
        password=user[1],
        database="app",
        ssl_ca=str(server.server_ca),
        autocommit=True,
        read_timeout=20,
    )


def _tid(conn: pymysql.Connection) -> int:
    return int(conn.thread_id())  # type: ignore[no-untyped-call]


def _kill(conn: pymysql.Connection, thread_id: int) -> None:
    """COM_PROCESS_KILL."""
    conn.kill(thread_id)  # type: ignore[no-untyped-call]


def _query(conn: pymysql.Connection, sql: str) -> list[tuple[object, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


def _wait_until_waiting(observer: pymysql.Connection, target: int) -> None:
    """Poll SHOW FULL PROCESSLIST until ``target`` runs a statement (waits for the lock)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = _query(observer, "SHOW FULL PROCESSLIST")
        if any(r[0] == target and r[4] == "Query" for r in rows):
            return
        time.sleep(0.02)
    raise AssertionError("target never started waiting")


def _in_thread(conn: pymysql.Connection, sql: str) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            _query(conn, sql)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, errors


def test_processlist_kill_query_and_connection(kill_server: ServerInfo) -> None:
    holder = _connect(kill_server)
    victim = _connect(kill_server)
    try:
        ids = {r[0] for r in _query(holder, "SHOW PROCESSLIST")}
        assert {_tid(holder), _tid(victim)} <= ids
        rows = {r[0]: r for r in _query(victim, "SHOW FULL PROCESSLIST")}
        assert rows[_tid(victim)][7] == "SHOW FULL PROCESSLIST"
        assert rows[_tid(holder)][4] == "Sleep"

        # KILL QUERY of a statement waiting for a lock: it fails with 1317
        _query(holder, "DELETE FROM kt")
        _query(holder, "BEGIN")
        _query(holder, "INSERT INTO kt VALUES (1)")
        thread, errors = _in_thread(victim, "INSERT INTO kt VALUES (2)")
        _wait_until_waiting(holder, _tid(victim))
        _query(holder, f"KILL QUERY {_tid(victim)}")
        thread.join(10)
        assert not thread.is_alive()
        assert len(errors) == 1 and isinstance(errors[0], pymysql.MySQLError)
        assert errors[0].args[0] == 1317
        _query(holder, "COMMIT")
        assert _query(victim, "SELECT COUNT(*) FROM kt") == [(1,)]  # still connected

        # KILL CONNECTION: the victim's next statement finds the connection gone
        _query(holder, f"KILL CONNECTION {_tid(victim)}")
        with pytest.raises(pymysql.MySQLError) as info:
            _query(victim, "SELECT 1")
        assert info.value.args[0] in (2006, 2013)
        time.sleep(0.1)
        ids = {r[0] for r in _query(holder, "SHOW PROCESSLIST")}
        assert _tid(victim) not in ids
    finally:
        holder.close()
        try:
            victim.close()
        except pymysql.MySQLError:
            pass


def test_kill_connection_while_waiting(kill_server: ServerInfo) -> None:
    holder = _connect(kill_server)
    victim = _connect(kill_server)
    try:
        _query(holder, "BEGIN")
        _query(holder, "INSERT INTO kt VALUES (50)")
        thread, errors = _in_thread(victim, "INSERT INTO kt VALUES (51)")
        _wait_until_waiting(holder, _tid(victim))
        _query(holder, f"KILL {_tid(victim)}")
        thread.join(10)
        assert not thread.is_alive()
        assert len(errors) == 1 and isinstance(errors[0], pymysql.MySQLError)
        assert errors[0].args[0] in (1317, 2013)
        _query(holder, "ROLLBACK")
        with pytest.raises(pymysql.MySQLError) as info:
            _query(victim, "SELECT 1")
        assert info.value.args[0] in (2006, 2013)
    finally:
        holder.close()


def test_kill_without_privilege_is_1095(kill_server: ServerInfo) -> None:
    alice = _connect(kill_server)
    bob = _connect(kill_server, BOB)
    try:
        with pytest.raises(pymysql.MySQLError) as info:
            _query(bob, f"KILL {_tid(alice)}")
        assert info.value.args[0] == 1095
        with pytest.raises(pymysql.MySQLError) as info:
            _kill(bob, _tid(alice))  # COM_PROCESS_KILL
        assert info.value.args[0] == 1095
        with pytest.raises(pymysql.MySQLError) as info:
            _query(bob, "KILL 999999")
        assert info.value.args[0] == 1094
        assert [r[0] for r in _query(bob, "SHOW PROCESSLIST")] == [_tid(bob)]
        assert _query(alice, "SELECT 1") == [(1,)]  # untouched
        # a user may kill its own connections (COM_PROCESS_KILL here)
        bob2 = _connect(kill_server, BOB)
        _kill(bob, _tid(bob2))
        with pytest.raises(pymysql.MySQLError) as info:
            _query(bob2, "SELECT 1")
        assert info.value.args[0] in (2006, 2013)
    finally:
        alice.close()
        bob.close()


def test_max_execution_time_through_the_server(kill_server: ServerInfo) -> None:
    conn = _connect(kill_server)
    try:
        _query(conn, "SET max_execution_time = 100")
        with pytest.raises(pymysql.MySQLError) as info:
            _query(
                conn,
                "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c"
                " WHERE n < 1000000000) SELECT COUNT(*) FROM c",
            )
        assert info.value.args[0] == 3024
        assert _query(conn, "SELECT @@edb_max_statement_time") == [(1.0,)]
        # the server-wide cap (--max-statement-time 1) stops any statement, here a write
        _query(conn, "SET max_execution_time = 0")
        started = time.monotonic()
        with pytest.raises(pymysql.MySQLError) as info:
            _query(
                conn,
                "INSERT INTO kt (id) WITH RECURSIVE c(n) AS (SELECT 1000 UNION ALL"
                " SELECT n + 1 FROM c WHERE n < 1000000000) SELECT n FROM c",
            )
        assert info.value.args[0] == 3024
        assert time.monotonic() - started < 10
        assert _query(conn, "SELECT COUNT(*) FROM kt WHERE id >= 1000") == [(0,)]
        assert _query(conn, "SELECT 2") == [(2,)]
    finally:
        conn.close()


@pytest.mark.parametrize("name", CLIENT_NAMES)
def test_introspection_through_every_client(kill_server: ServerInfo, name: str) -> None:
    if name == "connector-cext" and not connector_cext_available():
        pytest.skip("mysql-connector C extension not installed")
    client = connect(name, kill_server, *PASSWORD_USER)
    try:
        rows = client.query(
            "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'kt'"
        )
        assert [tuple(str(v) for v in r) for r in rows] == [("kt", "BASE TABLE")]
        rows = client.query(
            "SELECT COLUMN_NAME, COLUMN_TYPE, COLUMN_KEY FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = 'app' AND TABLE_NAME = 'kt'"
        )
        assert [tuple(str(v) for v in r) for r in rows] == [("id", "int", "PRI")]
        rows = client.query("SHOW TABLES WHERE Tables_in_app = 'kt'")
        assert [str(r[0]) for r in rows] == ["kt"]
        rows = client.query("SHOW FULL PROCESSLIST")
        assert any(str(r[7]) == "SHOW FULL PROCESSLIST" for r in rows)
        rows = client.query("EXPLAIN SELECT * FROM kt WHERE id = 1")
        assert [(str(r[2]), str(r[4]), str(r[6])) for r in rows] == [("kt", "const", "PRIMARY")]
    finally:
        client.close()
