"""DDL end to end through a real server with PyMySQL: ALTER, views, foreign keys, SHOW CREATE."""

from __future__ import annotations

import pymysql
import pytest

from tests.integration.harness import ServerInfo, pymysql_connect

pytestmark = pytest.mark.integration


def test_ddl_through_pymysql(asyncio_server: ServerInfo) -> None:
    conn = pymysql_connect(asyncio_server)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE ddl_p (id INT PRIMARY KEY, name VARCHAR(10))")
            cur.execute(
                "CREATE TABLE ddl_c (id INT AUTO_INCREMENT PRIMARY KEY, pid INT,"
                " CONSTRAINT ddl_fk FOREIGN KEY (pid) REFERENCES ddl_p (id) ON DELETE CASCADE)"
            )
            cur.execute("INSERT INTO ddl_p VALUES (1, 'a'), (2, 'b')")
            cur.execute("INSERT INTO ddl_c (pid) VALUES (%s), (%s)", (1, 2))
            with pytest.raises(pymysql.err.IntegrityError) as exc:
                cur.execute("INSERT INTO ddl_c (pid) VALUES (%s)", (3,))
            assert exc.value.args[0] == 1452

            cur.execute(
                "ALTER TABLE ddl_p ADD COLUMN score DECIMAL(5,2) NOT NULL DEFAULT '0'"
                " AFTER id, ADD UNIQUE KEY u_name (name)"
            )
            with pytest.raises(pymysql.err.DataError) as data_exc:
                cur.execute(
                    "ALTER TABLE ddl_p MODIFY score DECIMAL(5,2) NOT NULL, MODIFY name INT"
                )
            assert data_exc.value.args[0] == 1366

            cur.execute(
                "CREATE VIEW ddl_v AS SELECT p.name, p.score, c.id AS cid"
                " FROM ddl_p AS p JOIN ddl_c AS c ON c.pid = p.id"
            )
            cur.execute("SELECT name, score, cid FROM ddl_v ORDER BY cid")
            assert cur.fetchall() == (("a", 0, 1), ("b", 0, 2))
            assert [d[0] for d in cur.description] == ["name", "score", "cid"]
            field_type: object = cur.description[1][1]
            assert field_type == pymysql.constants.FIELD_TYPE.NEWDECIMAL

            cur.execute("SHOW CREATE TABLE ddl_c")
            row = cur.fetchone()
            assert row is not None
            text = row[1]
            assert "CONSTRAINT `ddl_fk` FOREIGN KEY (`pid`) REFERENCES `ddl_p` (`id`)" in text
            cur.execute("DROP TABLE ddl_c")
            cur.execute(text)  # round trip
            cur.execute("SHOW CREATE TABLE ddl_c")
            assert cur.fetchone() == ("ddl_c", text)

            cur.execute("SHOW FULL TABLES LIKE 'ddl_%'")
            assert set(cur.fetchall()) == {
                ("ddl_c", "BASE TABLE"),
                ("ddl_p", "BASE TABLE"),
                ("ddl_v", "VIEW"),
            }
            cur.execute("RENAME TABLE ddl_p TO ddl_parent")
            with pytest.raises(pymysql.err.OperationalError) as drop_exc:
                cur.execute("DROP TABLE ddl_parent")
            assert drop_exc.value.args[0] == 3730
            cur.execute("DROP VIEW ddl_v")
            cur.execute("DROP TABLE ddl_c, ddl_parent")
    finally:
        conn.close()
