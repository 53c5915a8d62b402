"""Types, strict mode, DML counts and functions end to end through a real server (PyMySQL)."""

from __future__ import annotations

from decimal import Decimal

import pymysql
import pytest

from tests.integration.harness import ServerInfo, pymysql_connect

pytestmark = pytest.mark.integration


def test_strict_mode_dml_counts_and_functions(asyncio_server: ServerInfo) -> None:
    conn = pymysql_connect(asyncio_server)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE tfe (id INT PRIMARY KEY, t TINYINT, v VARCHAR(3))")
            with pytest.raises(pymysql.err.DataError) as exc:
                cur.execute("INSERT INTO tfe VALUES (%s, %s, %s)", (1, 300, "ok"))
            assert exc.value.args == (1264, "Out of range value for column 't' at row 1")
            with pytest.raises(pymysql.err.DataError) as exc:
                cur.execute("INSERT INTO tfe VALUES (1, 1, 'long')")
            assert exc.value.args[0] == 1406

            cur.execute("SET sql_mode = ''")
            assert cur.execute("INSERT INTO tfe VALUES (1, 300, 'long')") == 1
            result = getattr(conn, "_result", None)  # PyMySQL keeps the OK packet's fields here
            assert result is not None and result.warning_count == 2
            cur.execute("SHOW WARNINGS")
            assert [r[1] for r in cur.fetchall()] == [1264, 1406]
            cur.execute("SET sql_mode = DEFAULT")

            assert (
                cur.execute("INSERT INTO tfe VALUES (1, 5, 'a') ON DUPLICATE KEY UPDATE t = 5")
                == 2
            )
            assert (
                cur.execute("INSERT INTO tfe VALUES (1, 5, 'a') ON DUPLICATE KEY UPDATE t = 5")
                == 0
            )
            assert (
                cur.execute("INSERT INTO tfe VALUES (2, 6, 'b') ON DUPLICATE KEY UPDATE t = 6")
                == 1
            )

            cur.execute("UPDATE tfe SET t = t + 1, v = t WHERE id = 2")
            cur.execute("SELECT t, v FROM tfe WHERE id = 2")
            assert cur.fetchall() == ((7, "7"),)

            cur.execute(
                "SELECT 7/2, DATE_FORMAT('2009-10-04 22:23:00', '%W %M %Y'),"
                " JSON_EXTRACT('{\"a\": [1, 2]}', '$.a[1]'), SUBSTRING('Sakila', -3)"
            )
            assert cur.fetchall() == ((Decimal("3.5000"), "Sunday October 2009", "2", "ila"),)
    finally:
        conn.close()
