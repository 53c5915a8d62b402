"""information_schema virtual tables: each table, ORM/GUI query shapes, visibility."""

from __future__ import annotations

import pytest

from edb_proxy.errors import ER
from edb_proxy.fieldtypes import FieldType
from edb_proxy.sql import Database, ResultSet
from edb_proxy.sql.infoschema import SHOW_TABLE, VIRTUAL_TABLES
from edb_proxy.sql.infoschema_rows import rows_for
from tests.unit.sql.helpers import Client

SCHEMA = [
    "CREATE TABLE parent (id INT NOT NULL AUTO_INCREMENT, code VARCHAR(20) NOT NULL DEFAULT 'x',"
    " qty DECIMAL(10,2), note TEXT, born DATETIME(3), PRIMARY KEY (id), UNIQUE KEY uq_code (code),"
    " KEY k_qty (qty)) COMMENT='the parents'",
    "CREATE TABLE child (id BIGINT UNSIGNED PRIMARY KEY, pid INT,"
    " CONSTRAINT fk_parent FOREIGN KEY (pid) REFERENCES parent(id) ON DELETE CASCADE)",
]


@pytest.fixture
def app(client: Client) -> Client:
    for ddl in SCHEMA:
        client.ok(ddl)
    client.ok("CREATE DATABASE other")
    client.ok("CREATE TABLE other.solo (a INT)")
    return client


def test_schemata_lists_user_and_system_databases(app: Client) -> None:
    rows = app.rows(
        "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME"
        " FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME"
    )
    names = [r[0] for r in rows]
    assert names == sorted(
        ["app", "other", "information_schema", "mysql", "performance_schema", "sys"]
    )
    assert rows[0][1:] == ("utf8mb4", "utf8mb4_general_ci")
    shown = [r[0] for r in app.rows("SHOW DATABASES")]
    assert shown == names  # SHOW DATABASES agrees


def test_tables_use_mysql_names_and_filter(app: Client) -> None:
    rows = app.rows(
        "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION, TABLE_COMMENT"
        " FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'app' ORDER BY TABLE_NAME"
    )
    assert rows == [
        ("app", "child", "BASE TABLE", "InnoDB", "utf8mb4_general_ci", ""),
        ("app", "parent", "BASE TABLE", "InnoDB", "utf8mb4_general_ci", "the parents"),
    ]
    everything = app.rows("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.tables")
    assert all("." not in str(name) for _, name in everything)  # never "db.t"
    assert ("information_schema", "COLUMNS") in everything
    assert ("other", "solo") in everything
    # comparisons on names are case-insensitive (lower_case_table_names = 1)
    assert (
        app.value("SELECT COUNT(*) FROM information_schema.TABLES WHERE table_schema = 'APP'") == 2
    )


def test_tables_metadata_types(app: Client) -> None:
    result = app.run(
        "SELECT TABLE_NAME, TABLE_ROWS, CREATE_TIME FROM information_schema.TABLES LIMIT 1"
    )
    assert isinstance(result, ResultSet)
    name, rows, created = result.columns
    assert name.type == FieldType.MYSQL_TYPE_VAR_STRING
    assert rows.type == FieldType.MYSQL_TYPE_LONGLONG
    assert created.type == FieldType.MYSQL_TYPE_DATETIME
    assert name.schema == "information_schema"


def test_columns_describe_each_column(app: Client) -> None:
    rows = app.rows(
        "SELECT COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE,"
        " CHARACTER_MAXIMUM_LENGTH, CHARACTER_OCTET_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE,"
        " DATETIME_PRECISION, CHARACTER_SET_NAME, COLUMN_TYPE, COLUMN_KEY, EXTRA"
        " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'app' AND TABLE_NAME = 'parent'"
        " ORDER BY ORDINAL_POSITION"
    )
    assert rows == [
        (
            "id",
            1,
            None,
            "NO",
            "int",
            None,
            None,
            10,
            0,
            None,
            None,
            "int",
            "PRI",
            "auto_increment",
        ),
        (
            "code",
            2,
            "x",
            "NO",
            "varchar",
            20,
            80,
            None,
            None,
            None,
            "utf8mb4",
            "varchar(20)",
            "UNI",
            "",
        ),
        (
            "qty",
            3,
            None,
            "YES",
            "decimal",
            None,
            None,
            10,
            2,
            None,
            None,
            "decimal(10,2)",
            "MUL",
            "",
        ),
        (
            "note",
            4,
            None,
            "YES",
            "text",
            65535,
            65535,
            None,
            None,
            None,
            "utf8mb4",
            "text",
            "",
            "",
        ),
        (
            "born",
            5,
            None,
            "YES",
            "datetime",
            None,
            None,
            None,
            None,
            3,
            None,
            "datetime(3)",
            "",
            "",
        ),
    ]
    unsigned = app.value(
        "SELECT COLUMN_TYPE FROM information_schema.COLUMNS"
        " WHERE TABLE_NAME = 'child' AND COLUMN_NAME = 'id'"
    )
    assert unsigned == "bigint unsigned"


def test_columns_agree_with_show_columns(app: Client) -> None:
    shown = app.rows("SHOW COLUMNS FROM parent")
    info = app.rows(
        "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY, COLUMN_DEFAULT, EXTRA"
        " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
        " AND TABLE_NAME = 'parent' ORDER BY ORDINAL_POSITION"
    )
    assert info == shown


def test_statistics_agree_with_show_index(app: Client) -> None:
    info = app.rows(
        "SELECT TABLE_NAME, NON_UNIQUE, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME"
        " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'app' AND TABLE_NAME = 'parent'"
        " ORDER BY INDEX_NAME, SEQ_IN_INDEX"
    )
    shown = sorted((r[0], r[1], r[2], r[3], r[4]) for r in app.rows("SHOW INDEX FROM parent"))
    assert sorted(info) == shown
    assert ("parent", 0, "PRIMARY", 1, "id") in info
    assert ("parent", 1, "k_qty", 1, "qty") in info


def test_key_column_usage_and_constraints(app: Client) -> None:
    keys = app.rows(
        "SELECT CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME,"
        " REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE"
        " WHERE TABLE_SCHEMA = 'app' ORDER BY TABLE_NAME, CONSTRAINT_NAME"
    )
    assert keys == [  # names compare case-insensitively, as in MySQL
        ("fk_parent", "child", "pid", "parent", "id"),
        ("PRIMARY", "child", "id", None, None),
        ("PRIMARY", "parent", "id", None, None),
        ("uq_code", "parent", "code", None, None),
    ]
    constraints = app.rows(
        "SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM"
        " information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = 'app'"
        " ORDER BY TABLE_NAME, CONSTRAINT_NAME"
    )
    assert constraints == [
        ("child", "fk_parent", "FOREIGN KEY"),
        ("child", "PRIMARY", "PRIMARY KEY"),
        ("parent", "PRIMARY", "PRIMARY KEY"),
        ("parent", "uq_code", "UNIQUE"),
    ]
    refs = app.rows(
        "SELECT CONSTRAINT_NAME, UNIQUE_CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE, TABLE_NAME,"
        " REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS"
    )
    assert refs == [("fk_parent", "PRIMARY", "NO ACTION", "CASCADE", "child", "parent")]


def test_django_introspection_queries(app: Client) -> None:
    tables = app.rows(
        "SELECT table_name, table_type, table_comment FROM information_schema.tables"
        " WHERE table_schema = DATABASE()"
    )
    assert sorted(tables) == [("child", "BASE TABLE", ""), ("parent", "BASE TABLE", "the parents")]
    relations = app.rows(
        "SELECT column_name, referenced_column_name, referenced_table_name"
        " FROM information_schema.key_column_usage WHERE table_name = 'child'"
        " AND table_schema = DATABASE() AND referenced_table_name IS NOT NULL"
        " AND referenced_column_name IS NOT NULL"
    )
    assert relations == [("pid", "id", "parent")]
    constraints = app.rows(
        "SELECT kc.`constraint_name`, kc.`column_name`, kc.`referenced_table_name`,"
        " kc.`referenced_column_name`, c.`constraint_type`"
        " FROM information_schema.key_column_usage AS kc,"
        " information_schema.table_constraints AS c"
        " WHERE kc.table_schema = DATABASE() AND"
        " (kc.referenced_table_schema = DATABASE() OR kc.referenced_table_schema IS NULL)"
        " AND c.table_schema = kc.table_schema AND c.constraint_name = kc.constraint_name"
        " AND c.table_name = kc.table_name"
        " AND c.constraint_type != 'CHECK' AND kc.table_name = 'child'"
        " ORDER BY kc.`ordinal_position`"
    )
    assert sorted(constraints) == [
        ("PRIMARY", "id", None, None, "PRIMARY KEY"),
        ("fk_parent", "pid", "parent", "id", "FOREIGN KEY"),
    ]
    description = app.rows(
        "SELECT column_name, data_type, character_maximum_length, numeric_precision,"
        " numeric_scale, extra, column_default,"
        " CASE WHEN collation_name = 'utf8mb4_general_ci' THEN NULL ELSE collation_name END"
        " AS collation_name,"
        " CASE WHEN column_type LIKE '% unsigned' THEN 1 ELSE 0 END AS is_unsigned"
        " FROM information_schema.columns WHERE table_name = 'child'"
        " AND table_schema = DATABASE()"
    )
    assert description == [
        ("id", "bigint", None, 20, 0, "", None, None, 1),
        ("pid", "int", None, 10, 0, "", None, None, 0),
    ]


def test_django_check_and_engine_queries(app: Client) -> None:
    checks = app.rows(
        "SELECT cc.constraint_name AS constraint_name, cc.check_clause AS check_clause"
        " FROM information_schema.check_constraints AS cc,"
        " information_schema.table_constraints AS tc"
        " WHERE cc.constraint_schema = DATABASE() AND tc.table_schema = cc.constraint_schema"
        " AND cc.constraint_name = tc.constraint_name AND tc.constraint_type = 'CHECK'"
        " AND tc.table_name = 'parent'"
    )
    assert checks == []
    engine = app.rows(
        "SELECT engine FROM information_schema.tables WHERE table_name = 'parent'"
        " AND table_schema = DATABASE()"
    )
    assert engine == [("InnoDB",)]


def test_sqlalchemy_introspection_queries(app: Client) -> None:
    assert app.rows(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'app'"
        " ORDER BY TABLE_NAME"
    ) == [("child",), ("parent",)]
    prepared = app.prepared(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
        ["app", "parent"],
    )
    assert isinstance(prepared, ResultSet) and prepared.rows == [(1,)]
    columns = app.rows(
        "SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = 'app' AND TABLE_NAME = 'child' ORDER BY ORDINAL_POSITION"
    )
    assert columns == [("id", "bigint", "NO"), ("pid", "int", "YES")]
    create = app.rows("SHOW CREATE TABLE parent")[0][1]
    assert isinstance(create, str) and "UNIQUE KEY `uq_code`" in create


def test_select_star_join_group_limit(app: Client) -> None:
    result = app.run("SELECT * FROM information_schema.ENGINES")
    assert isinstance(result, ResultSet)
    assert [c.name for c in result.columns] == [
        "ENGINE",
        "SUPPORT",
        "COMMENT",
        "TRANSACTIONS",
        "XA",
        "SAVEPOINTS",
    ]
    assert ("InnoDB", "DEFAULT") in [r[:2] for r in result.rows]
    counts = app.rows(
        "SELECT t.TABLE_NAME, COUNT(*) FROM information_schema.TABLES t"
        " JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = t.TABLE_SCHEMA"
        " AND c.TABLE_NAME = t.TABLE_NAME WHERE t.TABLE_SCHEMA = 'app'"
        " GROUP BY t.TABLE_NAME ORDER BY t.TABLE_NAME DESC LIMIT 1"
    )
    assert counts == [("parent", 5)]
    assert (
        app.value("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'other'")
        == 1
    )


def test_charsets_collations_and_empty_tables(app: Client) -> None:
    assert app.rows(
        "SELECT CHARACTER_SET_NAME, DEFAULT_COLLATE_NAME, MAXLEN"
        " FROM information_schema.CHARACTER_SETS ORDER BY 1"
    ) == [("binary", "binary", 1), ("utf8mb4", "utf8mb4_general_ci", 4)]
    collations = app.rows(
        "SELECT COLLATION_NAME, CHARACTER_SET_NAME, ID, IS_DEFAULT"
        " FROM information_schema.COLLATIONS WHERE ID = 45"
    )
    assert collations == [("utf8mb4_general_ci", "utf8mb4", 45, "Yes")]
    assert app.rows("SELECT * FROM information_schema.ROUTINES") == []
    assert app.rows("SELECT TABLE_NAME FROM information_schema.VIEWS") == []
    assert app.rows("SELECT * FROM information_schema.TRIGGERS") == []


def test_use_information_schema_and_unqualified_names(app: Client) -> None:
    app.ok("USE information_schema")
    assert app.value("SELECT COUNT(*) FROM TABLES WHERE TABLE_SCHEMA = 'app'") == 2
    app.ok("USE app")


def test_read_only_and_unknown(app: Client) -> None:
    err = app.error("DELETE FROM information_schema.TABLES")
    assert err.kind is ER.ER_DBACCESS_DENIED_ERROR
    err = app.error("INSERT INTO information_schema.SCHEMATA (SCHEMA_NAME) VALUES ('x')")
    assert err.kind is ER.ER_DBACCESS_DENIED_ERROR
    err = app.error("SELECT * FROM information_schema.no_such_table")
    assert err.errno == 1146
    assert "information_schema.no_such_table" in err.message
    # the generated function and json_each cannot be named by a client
    assert app.error("SELECT edb_infoschema(1)").errno == 1305
    assert app.error("SELECT * FROM json_each('[1]')").errno in (1146, 1235)


def test_ddl_changes_show_up_in_cached_plans(app: Client) -> None:
    query = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'app'"
    assert app.value(query) == 2
    app.ok("CREATE TABLE third (x INT)")
    assert app.value(query) == 3
    app.ok("DROP TABLE third")
    assert app.value(query) == 2


def test_visibility_follows_privileges(app: Client, database: Database) -> None:
    app.ok("CREATE USER bob IDENTIFIED BY 'bob-Secret-1'")
    app.ok("GRANT SELECT ON app.parent TO bob")
    session = database.session(connection_id=7, user="bob", enforce=True)
    bob = Client(session)
    try:
        tables = bob.rows(
            "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA <> 'information_schema'"
        )
        assert tables == [("app", "parent")]
        schemas = [r[0] for r in bob.rows("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")]
        assert "app" in schemas and "other" not in schemas
        assert (
            bob.value("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_NAME = 'child'")
            == 0
        )
    finally:
        session.close()


def test_views_are_listed(app: Client) -> None:
    app.ok("CREATE VIEW big AS SELECT id, code FROM parent WHERE id > 1")
    assert app.rows(
        "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = 'app' AND TABLE_TYPE = 'VIEW'"
    ) == [("big", "VIEW")]
    (row,) = app.rows(
        "SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, IS_UPDATABLE FROM"
        " information_schema.VIEWS"
    )
    assert row[:2] == ("app", "big")
    assert "parent" in str(row[2]) and '"app.parent"' not in str(row[2])  # MySQL names only
    assert app.rows(
        "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS"
        " WHERE TABLE_NAME = 'big' ORDER BY ORDINAL_POSITION"
    ) == [("id", "int"), ("code", "varchar(20)")]
    full = app.rows("SHOW FULL TABLES WHERE Table_type = 'VIEW'")
    assert full == [("big", "VIEW")]


def test_every_table_rows_match_its_columns(app: Client) -> None:
    """Invariant: each virtual table's rows have exactly its columns (a SELECT * per table)."""
    app.ok("CREATE VIEW vv AS SELECT id FROM parent")
    for name, table in VIRTUAL_TABLES.items():
        rows = rows_for(app.session, name)
        assert all(len(r) == len(table.columns) for r in rows), name
        if name == SHOW_TABLE.upper():
            continue
        result = app.run(f"SELECT * FROM information_schema.{name}")
        assert isinstance(result, ResultSet)
        assert [c.name for c in result.columns] == [c.name for c in table.columns]
    assert (
        app.value("SELECT COUNT(*) FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = 'app'")
        == 2
    )


def test_describe_information_schema_tables(app: Client) -> None:
    described = app.rows("DESCRIBE information_schema.PROCESSLIST")
    assert [(r[0], r[1]) for r in described] == [
        ("ID", "bigint unsigned"),
        ("USER", "varchar(32)"),
        ("HOST", "varchar(261)"),
        ("DB", "varchar(64)"),
        ("COMMAND", "varchar(16)"),
        ("TIME", "int"),
        ("STATE", "varchar(64)"),
        ("INFO", "longtext"),
    ]
    app.ok("USE information_schema")
    assert [r[0] for r in app.rows("SHOW COLUMNS FROM SCHEMATA LIKE 'SCHEMA%'")] == ["SCHEMA_NAME"]
    assert app.error("DESCRIBE nope").errno == 1146
    app.ok("USE app")


def test_show_tables_from_information_schema_agrees(app: Client) -> None:
    shown = app.rows("SHOW FULL TABLES FROM information_schema")
    info = app.rows(
        "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = 'information_schema' ORDER BY TABLE_NAME"
    )
    assert sorted(shown) == sorted(info)  # same rows (sort orders differ: NOCASE vs binary)
    assert ("PROCESSLIST", "SYSTEM VIEW") in shown
    assert all("EDB" not in str(name).upper() for name, _ in shown)  # internal table hidden


def test_engines_charsets_collations_agree_with_show(app: Client) -> None:
    assert app.rows("SHOW ENGINES") == app.rows("SELECT * FROM information_schema.ENGINES")
    charsets = app.rows(
        "SELECT CHARACTER_SET_NAME, DESCRIPTION, DEFAULT_COLLATE_NAME, MAXLEN"
        " FROM information_schema.CHARACTER_SETS"
    )
    assert sorted((a, b, c, str(d)) for a, b, c, d in charsets) == sorted(
        app.rows("SHOW CHARACTER SET")
    )
    collations = app.rows("SELECT * FROM information_schema.COLLATIONS")
    shown = app.rows("SHOW COLLATION")
    assert sorted(tuple(str(v) for v in r) for r in collations) == sorted(
        tuple(str(v) for v in r) for r in shown
    )


def test_privilege_tables_show_own_grants(app: Client, database: Database) -> None:
    app.ok("CREATE USER carol IDENTIFIED BY 'carol-Secret-1'")
    app.ok("GRANT SELECT, INSERT ON other.* TO carol WITH GRANT OPTION")
    app.ok("GRANT UPDATE ON app.child TO carol")
    app.ok("GRANT PROCESS, SHOW DATABASES ON *.* TO carol")
    session = database.session(connection_id=11, user="carol", enforce=True)
    carol = Client(session)
    try:
        assert carol.rows(
            "SELECT GRANTEE, PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.USER_PRIVILEGES"
            " ORDER BY PRIVILEGE_TYPE"
        ) == [("'carol'@'%'", "PROCESS", "NO"), ("'carol'@'%'", "SHOW DATABASES", "NO")]
        assert carol.rows(
            "SELECT TABLE_SCHEMA, PRIVILEGE_TYPE, IS_GRANTABLE"
            " FROM information_schema.SCHEMA_PRIVILEGES ORDER BY PRIVILEGE_TYPE"
        ) == [("other", "INSERT", "YES"), ("other", "SELECT", "YES")]
        assert carol.rows(
            "SELECT TABLE_SCHEMA, TABLE_NAME, PRIVILEGE_TYPE FROM"
            " information_schema.TABLE_PRIVILEGES"
        ) == [("app", "child", "UPDATE")]
    finally:
        session.close()
