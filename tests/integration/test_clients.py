"""The common scenario, run through every supported client on both event loops.

Connect over verified TLS (password user and X.509 user), create a table with the common types,
insert, select with NULLs, use prepared statements with parameters, roll back a transaction, and
check that errors carry MySQL's errno.
"""

from __future__ import annotations

import datetime
import decimal

import pytest

from tests.integration.clients import (
    CLIENT_NAMES,
    Client,
    ClientError,
    connect,
    connector_cext_available,
)
from tests.integration.harness import NATIVE_USER, PASSWORD_USER, X509_USER, ServerInfo

pytestmark = pytest.mark.integration

TYPES_DDL = """CREATE TABLE {t} (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  i INT, bi BIGINT, si SMALLINT, d DECIMAL(10,2), f DOUBLE,
  s VARCHAR(50), c CHAR(10), tx TEXT, b BLOB,
  dt DATETIME, da DATE, tm TIME
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"""

ROW = (
    -42,
    9007199254740993,
    -7,
    decimal.Decimal("12345678.91"),
    2.5,
    "héllo 'quoted' \\ back",
    "char",
    "long text ✓",
    b"\x00\x01\xffbin",
    datetime.datetime(2024, 2, 29, 13, 14, 15),
    datetime.date(1999, 12, 31),
    datetime.timedelta(hours=25, minutes=3, seconds=4),
)


def _skip_unavailable(name: str) -> None:
    if name == "connector-cext" and not connector_cext_available():
        pytest.skip(
            "mysql-connector-python C extension does not load here "
            "(its wheel needs OpenSSL >= 3.2; Debian 12 has 3.0)"
        )


def _check_typed_row(name: str, row: tuple[object, ...]) -> None:
    """Drivers convert on the column types the server reports; check they got it right."""
    if name == "mysql-cli":
        texts = row[1:]
        assert texts[0] == "-42"
        assert texts[1] == "9007199254740993"
        assert texts[3] == "12345678.91"
        assert texts[8] == "\\0\x01\udcffbin"  # --batch escapes NUL; 0xFF is not UTF-8
        assert texts[9] == "2024-02-29 13:14:15"
        assert texts[10] == "1999-12-31"
        assert texts[11] == "25:03:04"
        return
    values = list(row[1:])
    expected = list(ROW)
    if name.startswith("connector"):
        # mysql-connector returns TEXT/BLOB as bytes/str depending on flags; compare loosely.
        values[7] = values[7].decode() if isinstance(values[7], (bytes, bytearray)) else values[7]
        values[8] = bytes(values[8]) if isinstance(values[8], (bytes, bytearray)) else values[8]
        values[5] = values[5].decode() if isinstance(values[5], (bytes, bytearray)) else values[5]
        values[6] = values[6].decode() if isinstance(values[6], (bytes, bytearray)) else values[6]
    assert values == expected


def _scenario(client: Client, table: str) -> None:
    name = client.name
    client.query(f"DROP TABLE IF EXISTS {table}")
    client.query(TYPES_DDL.format(t=table))
    cols = "i, bi, si, d, f, s, c, tx, b, dt, da, tm"
    if name == "mysql-cli":
        client.query(
            f"INSERT INTO {table} ({cols}) VALUES (-42, 9007199254740993, -7, 12345678.91, 2.5, "
            "'héllo \\'quoted\\' \\\\ back', 'char', 'long text ✓', X'0001ff62696e', "
            "'2024-02-29 13:14:15', '1999-12-31', '25:03:04')"
        )
    else:
        placeholders = ", ".join(["%s"] * len(ROW))
        client.query(f"INSERT INTO {table} ({cols}) VALUES ({placeholders})", ROW)
    client.query(f"INSERT INTO {table} (i) VALUES (NULL)")
    rows = client.query(f"SELECT id, {cols} FROM {table} ORDER BY id")
    assert len(rows) == 2
    _check_typed_row(name, rows[0])
    null_row = rows[1]
    if name == "mysql-cli":
        assert all(v == "NULL" for v in null_row[1:])
    else:
        assert all(v is None for v in null_row[1:])
        assert null_row[0] == rows[0][0] + 1  # AUTO_INCREMENT

    # Parameters (server-side prepared statements where the driver supports them).
    if name != "mysql-cli":
        found = client.query(f"SELECT s, i FROM {table} WHERE i = %s AND s = %s", (-42, ROW[5]))
        assert [tuple(r) for r in found] == [(ROW[5], -42)] or name.startswith("connector")
        injected = client.query(f"SELECT COUNT(*) FROM {table} WHERE s = %s", ("x' OR '1'='1",))
        assert int(injected[0][0]) == 0

    # Transaction with rollback.
    if name == "mysql-cli":  # one process per call: the transaction must be one script
        inside = client.query(
            f"BEGIN; INSERT INTO {table} (i) VALUES (1), (2), (3); "
            f"SELECT COUNT(*) FROM {table}; ROLLBACK"
        )
        assert int(inside[0][0]) == 5
    else:
        client.query("BEGIN")
        client.query(f"INSERT INTO {table} (i) VALUES (1), (2), (3)")
        assert int(client.query(f"SELECT COUNT(*) FROM {table}")[0][0]) == 5
        client.query("ROLLBACK")
    assert int(client.query(f"SELECT COUNT(*) FROM {table}")[0][0]) == 2

    # Errors carry MySQL's errno and SQLSTATE.
    with pytest.raises(ClientError) as info:
        client.query(f"SELECT * FROM {table}_missing")
    assert info.value.errno == 1146
    with pytest.raises(ClientError) as info:
        client.query(f"INSERT INTO {table} (id, i) VALUES (1, 1)")
    assert info.value.errno == 1062
    with pytest.raises(ClientError) as info:
        client.query("SELEC 1")
    assert info.value.errno == 1064
    client.query(f"DROP TABLE {table}")


@pytest.mark.parametrize("name", CLIENT_NAMES)
def test_password_user_scenario(server: ServerInfo, name: str) -> None:
    _skip_unavailable(name)
    client = connect(name, server, *PASSWORD_USER)
    try:
        _scenario(client, f"t_pw_{name.replace('-', '_')}")
    finally:
        client.close()


@pytest.mark.parametrize("name", CLIENT_NAMES)
def test_x509_user_scenario(server: ServerInfo, name: str) -> None:
    _skip_unavailable(name)
    client = connect(name, server, X509_USER, "", x509=True)
    try:
        _scenario(client, f"t_x509_{name.replace('-', '_')}")
    finally:
        client.close()


@pytest.mark.parametrize("name", ["pymysql", "mysqlclient", "mysql-cli"])
def test_native_password_user(server: ServerInfo, name: str) -> None:
    client = connect(name, server, *NATIVE_USER)
    try:
        assert [tuple(map(str, r)) for r in client.query("SELECT 1")] == [("1",)]
    finally:
        client.close()


def test_server_side_prepared_statement_types(server: ServerInfo) -> None:
    """mysql-connector's prepared cursor exercises the binary protocol both ways."""
    client = connect("connector-pure", server, *PASSWORD_USER)
    try:
        client.query("DROP TABLE IF EXISTS t_ps")
        client.query(TYPES_DDL.format(t="t_ps"))
        cols = "i, bi, si, d, f, s, c, tx, b, dt, da, tm"
        client.query(f"INSERT INTO t_ps ({cols}) VALUES ({', '.join(['%s'] * 12)})", ROW)
        rows = client.query(f"SELECT id, {cols} FROM t_ps WHERE id = %s", (1,))
        assert len(rows) == 1
        _check_typed_row("connector-pure", rows[0])
        rows = client.query("SELECT i FROM t_ps WHERE i = %s", (None,))
        assert rows == []
        client.query("DROP TABLE t_ps")
    finally:
        client.close()
