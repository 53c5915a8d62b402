"""What popular clients send right after connecting, and the SHOW surface they use.

The statements are the ones these clients send (read from their sources: mysql CLI,
PyMySQL/aiomysql, mysql-connector-python, mysqlclient/libmysqlclient, sysbench).
"""

from __future__ import annotations

import pytest

from edb_proxy.fieldtypes import FieldType
from edb_proxy.sql import OkResult, ResultSet
from tests.unit.sql.helpers import Client

CONNECT_QUERIES = {
    "mysql-cli": [
        "SELECT @@version_comment LIMIT 1",
        "SELECT DATABASE()",
        "SHOW DATABASES",
        "SHOW TABLES",
    ],
    "pymysql": [
        "SET NAMES utf8mb4",
        "SET AUTOCOMMIT = 0",
        "SELECT @@max_allowed_packet",
        "SET NAMES utf8mb4 COLLATE utf8mb4_general_ci",
    ],
    "mysql-connector": [
        "SET NAMES 'utf8mb4' COLLATE 'utf8mb4_general_ci'",
        "SELECT @@session.autocommit",
        "SET @@session.autocommit = OFF",
        "SELECT @@session.transaction_isolation",
        "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
        "SHOW VARIABLES LIKE 'lower_case_table_names'",
    ],
    "mysqlclient": ["SET NAMES utf8mb4", "SET autocommit=0", "SELECT @@tx_isolation"],
    "jdbc-like": [
        "SELECT  @@session.auto_increment_increment AS auto_increment_increment,"
        " @@character_set_client AS character_set_client, @@character_set_connection AS"
        " character_set_connection, @@character_set_results AS character_set_results,"
        " @@character_set_server AS character_set_server, @@collation_server AS"
        " collation_server, @@collation_connection AS collation_connection, @@init_connect AS"
        " init_connect, @@interactive_timeout AS interactive_timeout, @@license AS license,"
        " @@lower_case_table_names AS lower_case_table_names, @@max_allowed_packet AS"
        " max_allowed_packet, @@net_write_timeout AS net_write_timeout, @@performance_schema AS"
        " performance_schema, @@query_cache_size AS query_cache_size, @@query_cache_type AS"
        " query_cache_type, @@sql_mode AS sql_mode, @@system_time_zone AS system_time_zone,"
        " @@time_zone AS time_zone, @@transaction_isolation AS transaction_isolation,"
        " @@wait_timeout AS wait_timeout",
        "SET character_set_results = NULL",
        "SET sql_mode='STRICT_TRANS_TABLES'",
        "SET time_zone = '+00:00'",
        "SET CHARACTER SET utf8",
    ],
    "sysbench": ["SET autocommit=1", "SELECT VERSION()", "SELECT CONNECTION_ID()"],
}


@pytest.mark.parametrize("client_name", sorted(CONNECT_QUERIES))
def test_connect_queries_succeed(client: Client, client_name: str) -> None:
    for sql in CONNECT_QUERIES[client_name]:
        client.run(sql)


def test_version_comment_label_and_type(client: Client) -> None:
    result = client.run("SELECT @@version_comment LIMIT 1")
    assert isinstance(result, ResultSet)
    assert result.columns[0].name == "@@version_comment"
    assert result.columns[0].type is FieldType.MYSQL_TYPE_VAR_STRING
    assert "edb-proxy" in str(result.rows[0][0])


def test_session_functions(client: Client) -> None:
    row = client.rows("SELECT DATABASE(), USER(), CURRENT_USER(), VERSION(), CONNECTION_ID(), 1")[
        0
    ]
    assert row == ("app", "root@localhost", "root@%", "8.0.36-edb-proxy-0.1.0", 1, 1)
    result = client.run("SELECT @@max_allowed_packet, @@autocommit")
    assert isinstance(result, ResultSet)
    assert result.rows == [(67108864, 1)]
    assert result.columns[0].type is FieldType.MYSQL_TYPE_LONGLONG


def test_autocommit_property_and_variable(client: Client) -> None:
    assert client.session.autocommit
    client.ok("SET autocommit=0")
    assert not client.session.autocommit
    assert client.value("SELECT @@autocommit") == 0
    client.ok("SET @@session.autocommit = 1")
    assert client.session.autocommit


def test_session_variable_changes(client: Client) -> None:
    client.ok("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    assert client.value("SELECT @@transaction_isolation") == "READ-COMMITTED"
    client.ok("SET sql_mode = 'STRICT_TRANS_TABLES'")
    assert client.value("SELECT @@sql_mode") == "STRICT_TRANS_TABLES"
    client.ok("SET time_zone = '+02:00'")
    assert client.value("SELECT @@session.time_zone") == "+02:00"
    assert client.value("SELECT @@global.time_zone") == "SYSTEM"
    client.ok("SET NAMES utf8mb4 COLLATE utf8mb4_bin")
    assert client.value("SELECT @@collation_connection") == "utf8mb4_bin"


def test_variable_errors(client: Client) -> None:
    assert client.error("SELECT @@no_such_variable").errno == 1193
    assert client.error("SET no_such_variable = 1").errno == 1193
    assert client.error("SET GLOBAL max_connections = 5").errno == 1227
    assert client.error("SET version = 'x'").errno == 1238
    assert client.error("SET sql_mode = 'ANSI_QUOTES'").errno == 1231
    assert client.error("SET time_zone = 'Mars/Olympus'").errno == 1298


def test_server_variables_override(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from edb_proxy.sql import Database

    db = Database(tmp_path / "v.db", variables={"require_secure_transport": "ON", "port": 4000})
    session = db.session(connection_id=3, user="root")
    c = Client(session)
    assert c.rows("SELECT @@require_secure_transport, @@port") == [("ON", 4000)]
    db.set_variable("max_connections", 20)
    assert c.value("SELECT @@max_connections") == 20
    session.close()
    db.close()


def test_show_variables_and_status(client: Client) -> None:
    rows = client.rows("SHOW VARIABLES LIKE 'max_allowed%'")
    assert rows == [("max_allowed_packet", "67108864")]
    rows = client.rows("SHOW SESSION VARIABLES LIKE 'autocommit'")
    assert rows == [("autocommit", "ON")]
    status = dict(client.rows("SHOW GLOBAL STATUS"))  # type: ignore[arg-type]
    assert "Uptime" in status and "Questions" in status
    assert client.rows("SHOW STATUS LIKE 'Uptime'")[0][0] == "Uptime"


def test_show_databases_tables_columns(client: Client) -> None:
    client.ok(
        "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v VARCHAR(5) DEFAULT 'x')"
    )
    dbs = [r[0] for r in client.rows("SHOW DATABASES")]
    assert {"app", "information_schema", "mysql"} <= set(dbs)
    assert client.rows("SHOW TABLES") == [("t",)]
    assert client.rows("SHOW FULL TABLES FROM app") == [("t", "BASE TABLE")]
    assert client.rows("SHOW COLUMNS FROM t") == [
        ("id", "int", "NO", "PRI", None, "auto_increment"),
        ("v", "varchar(5)", "YES", "", "x", ""),
    ]
    assert client.rows("DESCRIBE t") == client.rows("SHOW COLUMNS FROM t")
    full = client.rows("SHOW FULL COLUMNS FROM t")
    assert full[1][2] == "utf8mb4_general_ci"
    create = client.rows("SHOW CREATE TABLE t")[0]
    assert create[0] == "t"
    assert "`id` int NOT NULL AUTO_INCREMENT" in str(create[1])
    assert "PRIMARY KEY (`id`)" in str(create[1])
    assert client.rows("SHOW INDEX FROM t")[0][2] == "PRIMARY"
    fields = client.session.field_list("t", "%")
    assert [f.name for f in fields] == ["id", "v"]


def test_show_warnings_engines_grants(client: Client) -> None:
    result = client.ok("DROP TABLE IF EXISTS nope")
    assert result.warnings == 1
    assert client.rows("SHOW WARNINGS") == [("Note", 1051, "Unknown table 'app.nope'")]
    assert client.rows("SHOW COUNT(*) WARNINGS") == [(1,)]
    engines = client.rows("SHOW ENGINES")
    assert engines[0][0] == "InnoDB"
    client.ok("CREATE USER 'u1' IDENTIFIED BY 'secret'")
    client.ok("GRANT SELECT, INSERT ON app.* TO 'u1'@'%'")
    assert client.rows("SHOW GRANTS FOR 'u1'@'%'") == [
        ("GRANT USAGE ON *.* TO `u1`@`%`",),
        ("GRANT SELECT, INSERT ON `app`.* TO `u1`@`%`",),
    ]


def test_set_returns_ok(client: Client) -> None:
    assert client.ok("SET NAMES utf8mb4") == OkResult()


def test_server_defined_variables_are_readable_not_settable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from edb_proxy.sql import Database

    db = Database(tmp_path / "w.db", variables={"edb_manifest_sha256": "abc"})
    session = db.session(connection_id=3, user="root")
    c = Client(session)
    assert c.value("SELECT @@edb_manifest_sha256") == "abc"
    assert c.rows("SHOW VARIABLES LIKE 'edb_manifest%'") == [("edb_manifest_sha256", "abc")]
    assert c.error("SET edb_manifest_sha256 = 'x'").errno == 1238
    session.close()
    db.close()
