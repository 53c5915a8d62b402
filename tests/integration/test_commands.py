"""Protocol commands other than COM_QUERY, driven by real clients (and the raw client)."""

from __future__ import annotations

import mysql.connector
import pymysql
import pytest
from pymysql.constants import CLIENT

from tests.integration.clients import connect
from tests.integration.harness import PASSWORD_USER, ServerInfo, pymysql_connect
from tests.integration.raw import command, login

pytestmark = pytest.mark.integration


def test_ping_init_db_and_multi_statements(server: ServerInfo) -> None:
    conn = pymysql_connect(server, client_flag=CLIENT.MULTI_STATEMENTS)
    try:
        conn.ping(reconnect=False)  # COM_PING
        conn.select_db("app")  # COM_INIT_DB
        with pytest.raises(pymysql.MySQLError) as exc:
            conn.select_db("no_such_db")
        assert exc.value.args[0] == 1049
        with conn.cursor() as cur:
            cur.execute("SELECT 1; SELECT 2, 3")
            assert cur.fetchall() == ((1,),)
            assert cur.nextset()
            assert cur.fetchall() == ((2, 3),)
            assert not cur.nextset()
    finally:
        conn.close()


def test_two_statements_without_multi_statements_is_1064(server: ServerInfo) -> None:
    conn = pymysql_connect(server)
    try:
        with conn.cursor() as cur, pytest.raises(pymysql.MySQLError) as exc:
            cur.execute("SELECT 1; SELECT 2")
        assert exc.value.args[0] == 1064
    finally:
        conn.close()


def test_statistics_reset_connection_and_prepared(server: ServerInfo) -> None:
    conn = mysql.connector.connect(
        host=server.host,
        port=server.port,
        user=PASSWORD_USER[0],
        password=PASSWORD_USER[1],
        database="app",
        ssl_ca=str(server.server_ca),
        ssl_verify_cert=True,
        use_pure=True,
    )
    try:
        stats = conn.cmd_statistics()  # COM_STATISTICS
        assert stats["Uptime"] >= 0
        assert "Questions" in stats
        cur = conn.cursor()
        cur.execute("SET @marker = 42")
        cur.execute("SELECT @marker")
        assert cur.fetchall() == [(42,)]
        conn.cmd_reset_connection()  # COM_RESET_CONNECTION clears session state
        cur = conn.cursor()
        cur.execute("SELECT @marker")
        assert cur.fetchall() == [(None,)]
        ps = conn.cursor(prepared=True)  # COM_STMT_PREPARE / EXECUTE / CLOSE
        ps.execute("SELECT ? + 1, ?", (41, "text"))
        assert [tuple(r) for r in ps.fetchall()] == [(42, "text")]
        ps.close()
    finally:
        conn.close()


def test_transaction_status_and_autocommit_rollback(server: ServerInfo) -> None:
    """P13: ROLLBACK really rolls back when autocommit is off (mysql-mimic #79)."""
    conn = pymysql_connect(server)
    try:
        conn.autocommit(False)
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS t_ac (id INT PRIMARY KEY)")
            cur.execute("DELETE FROM t_ac")
            conn.commit()
            cur.execute("INSERT INTO t_ac VALUES (1)")
            conn.rollback()
            cur.execute("SELECT COUNT(*) FROM t_ac")
            assert cur.fetchone() == (0,)
        conn.autocommit(True)
    finally:
        conn.close()
    other = connect("mysqlclient", server, *PASSWORD_USER)
    try:
        assert [tuple(map(int, r)) for r in other.query("SELECT COUNT(*) FROM t_ac")] == [(0,)]
    finally:
        other.close()


def test_field_list_and_unknown_statement(server: ServerInfo) -> None:
    raw = login(server.host, server.port, *PASSWORD_USER, str(server.server_ca))
    try:
        packets = command(raw, b"\x02app")  # COM_INIT_DB
        assert packets[0][0] == 0x00
        command(raw, b"\x03CREATE TABLE IF NOT EXISTS t_fl (id INT, name VARCHAR(10))")
        packets = command(raw, b"\x04t_fl\x00")  # COM_FIELD_LIST
        assert packets[-1][0] == 0xFE
        assert len(packets) == 3  # two column definitions + terminator
        assert b"name" in packets[1] or b"name" in packets[0]
        # COM_STMT_EXECUTE for a statement that was never prepared: 1243, connection stays.
        packets = command(raw, b"\x17" + (999).to_bytes(4, "little") + b"\x00\x01\x00\x00\x00")
        assert packets[0][0] == 0xFF
        assert int.from_bytes(packets[0][1:3], "little") == 1243
        packets = command(raw, b"\x0e")  # COM_PING still works
        assert packets[0][0] == 0x00
    finally:
        raw.close()


def test_ok_packet_info_and_status_after_ddl(server: ServerInfo) -> None:
    """MariaDB Connector/C reads the OK info length-encoded (was 2027 'malformed packet')."""
    import MySQLdb

    conn = MySQLdb.connect(
        host=server.host,
        port=server.port,
        user=PASSWORD_USER[0],
        password=PASSWORD_USER[1],
        database="app",
        ssl={"ca": str(server.server_ca)},
        autocommit=True,
    )
    try:
        cur = conn.cursor()
        cur.execute("CREATE TABLE IF NOT EXISTS t_okinfo (a INT, b INT)")
        cur.execute("INSERT INTO t_okinfo VALUES (1, 2), (3, 4)")
        cur.execute("ALTER TABLE t_okinfo ADD UNIQUE (a)")
        assert conn.get_autocommit() is True  # SERVER_STATUS_AUTOCOMMIT in the DDL's OK
        cur.execute("INSERT INTO t_okinfo VALUES (5, 6), (7, 8)")
        info = conn.info()
        assert info is None or "Records" in info
        cur.execute("DROP TABLE t_okinfo")
    finally:
        conn.close()
