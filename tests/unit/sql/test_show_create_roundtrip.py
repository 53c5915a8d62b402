"""SHOW CREATE TABLE round trips: CREATE from its output gives the same output (MySQL 8)."""

from __future__ import annotations

import pytest

from tests.unit.sql.helpers import Client

#: Tables covering types, defaults, nullability, AUTO_INCREMENT, keys, comments, collations
#: and foreign keys (the parent ``p`` exists for the FK cases).
TABLES = [
    "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, a VARCHAR(20), b INT DEFAULT 3)",
    "CREATE TABLE t (a TINYINT, b SMALLINT UNSIGNED, c MEDIUMINT NOT NULL, d BIGINT DEFAULT -5,"
    " e INT UNSIGNED NOT NULL DEFAULT '7')",
    "CREATE TABLE t (a DECIMAL(10,2) DEFAULT '1.50', b DECIMAL(30,5), c FLOAT, d DOUBLE NOT NULL)",
    "CREATE TABLE t (a CHAR(3) NOT NULL DEFAULT '', b VARCHAR(255) COMMENT 'it''s',"
    " c TEXT, d LONGTEXT NOT NULL, e TINYTEXT)",
    "CREATE TABLE t (a BINARY(4), b VARBINARY(10) NOT NULL, c BLOB, d MEDIUMBLOB)",
    "CREATE TABLE t (a DATE, b DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,"
    " c TIME NOT NULL, d YEAR, e TIMESTAMP NULL DEFAULT NULL)",
    "CREATE TABLE t (a ENUM('x','y','z') NOT NULL DEFAULT 'y', b JSON, c BOOL DEFAULT 0)",
    "CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, c VARCHAR(5), PRIMARY KEY (a, b),"
    " UNIQUE KEY uc (c), KEY kb (b, c))",
    "CREATE TABLE t (a VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,"
    " KEY (a)) COMMENT='a table'",
    "CREATE TABLE t (id BIGINT NOT NULL AUTO_INCREMENT, pid INT, PRIMARY KEY (id),"
    " CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE ON UPDATE SET NULL)",
    "CREATE TABLE t (id INT PRIMARY KEY, pid INT NOT NULL, FOREIGN KEY (pid) REFERENCES p (id)"
    " ON DELETE RESTRICT, KEY ix (pid, id))",
    "CREATE TABLE t (id INT PRIMARY KEY, boss INT, FOREIGN KEY (boss) REFERENCES t (id))",
    "CREATE TABLE t (a BIT(3), b SET('x','y'), c DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6),"
    " d TIME(3))",
    "CREATE TABLE t (a DECIMAL(10,2) UNSIGNED, b INT(5) ZEROFILL, c DOUBLE(8,3))",
    "CREATE TABLE t (a VARCHAR(10) DEFAULT 'it''s', b VARCHAR(10) DEFAULT 'a\\\\b',"
    " c ENUM('it''s','b'))",
    "CREATE TABLE t (a INT, b INT, c INT, UNIQUE (a), UNIQUE (a, b), INDEX (c), KEY (a))",
    "CREATE TABLE t (a TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, b TIMESTAMP NULL)",
    "CREATE TABLE t (a VARCHAR(10) COLLATE utf8mb4_general_ci, b CHAR(2) CHARACTER SET utf8mb4)",
    "CREATE TABLE t (a INT DEFAULT NULL, b VARCHAR(3) NOT NULL DEFAULT 'x') COMMENT 'x''y'",
]


def _show(client: Client, name: str) -> str:
    rows = client.rows(f"SHOW CREATE TABLE {name}")
    assert rows[0][0] == name
    text = rows[0][1]
    assert isinstance(text, str)
    return text


@pytest.mark.parametrize("ddl", TABLES)
def test_show_create_table_round_trips(client: Client, ddl: str) -> None:
    client.ok("CREATE TABLE p (id INT PRIMARY KEY)")
    client.ok(ddl)
    first = _show(client, "t")
    assert first.startswith("CREATE TABLE `t` (\n  `")
    assert first.endswith(
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"
    ) or ("COLLATE=utf8mb4_0900_ai_ci COMMENT=" in first)
    client.ok("DROP TABLE t")
    client.ok(first)
    assert _show(client, "t") == first


def test_mysql_8_layout(client: Client) -> None:
    client.ok("CREATE TABLE p (id INT PRIMARY KEY)")
    client.ok(
        "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT, k INT DEFAULT '0' NOT NULL,"
        " c CHAR(10) NOT NULL DEFAULT '', d TEXT, pid INT, PRIMARY KEY (id), KEY k_1 (k),"
        " UNIQUE KEY uc (c), CONSTRAINT f FOREIGN KEY (pid) REFERENCES p(id) ON DELETE CASCADE)"
    )
    assert _show(client, "t") == (
        "CREATE TABLE `t` (\n"
        "  `id` int NOT NULL AUTO_INCREMENT,\n"
        "  `k` int NOT NULL DEFAULT '0',\n"
        "  `c` char(10) NOT NULL DEFAULT '',\n"
        "  `d` text,\n"
        "  `pid` int DEFAULT NULL,\n"
        "  PRIMARY KEY (`id`),\n"
        "  UNIQUE KEY `uc` (`c`),\n"
        "  KEY `k_1` (`k`),\n"
        "  KEY `f` (`pid`),\n"
        "  CONSTRAINT `f` FOREIGN KEY (`pid`) REFERENCES `p` (`id`) ON DELETE CASCADE\n"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"
    )


def test_escapes_and_fractional_now(client: Client) -> None:
    client.ok(
        "CREATE TABLE t (a VARCHAR(10) DEFAULT 'a\\\\b',"
        " b DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))"
    )
    text = _show(client, "t")
    assert "`a` varchar(10) DEFAULT 'a\\\\b'" in text
    assert "`b` datetime(3) DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)" in text


def test_round_trip_after_alter(client: Client) -> None:
    client.ok("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, a INT)")
    client.ok(
        "ALTER TABLE t ADD COLUMN b VARCHAR(9) NOT NULL DEFAULT 'x' AFTER id,"
        " ADD UNIQUE KEY ub (b), MODIFY a BIGINT UNSIGNED, COMMENT='c'"
    )
    first = _show(client, "t")
    assert "`b` varchar(9) NOT NULL DEFAULT 'x'" in first
    client.ok("DROP TABLE t")
    client.ok(first)
    assert _show(client, "t") == first


def test_cross_database_reference_is_qualified(client: Client) -> None:
    client.ok("CREATE DATABASE other")
    client.ok("CREATE TABLE other.p (id INT PRIMARY KEY)")
    client.ok("CREATE TABLE t (pid INT, CONSTRAINT x FOREIGN KEY (pid) REFERENCES other.p (id))")
    first = _show(client, "t")
    assert "REFERENCES `other`.`p` (`id`)" in first
    client.ok("DROP TABLE t")
    client.ok(first)
    assert _show(client, "t") == first
