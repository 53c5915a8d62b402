"""``information_schema`` as read-only virtual tables that ordinary SELECTs can query.

Theory of operation
-------------------
A reference to ``information_schema.X`` (or to ``X`` while ``information_schema`` is the
current database) is resolved by :func:`resolve_virtual`, which the compiler calls instead of
the catalog lookup. It replaces the table node by a derived table over SQLite's ``json_each``::

    (SELECT json_extract(value, '$[0]') COLLATE NOCASE AS "TABLE_CATALOG", ...
       FROM json_each(edb_infoschema(<code>))) AS "TABLES"

and returns a synthetic :class:`~edb_proxy.sql.catalog.Table` whose MySQL 8 column types give
the result metadata (and ``SELECT *``). ``edb_infoschema(code)`` is an application-defined
function registered on each session's connection (:func:`register_infoschema`); at run time it
returns the rows of table ``code`` as one JSON array built from the catalog and the process
list (:mod:`edb_proxy.sql.infoschema_rows`). So WHERE, JOIN, ORDER BY, LIMIT and aggregates
run in SQLite on generated SQL, plans stay cacheable (the SQL text does not depend on the
data) and no client value is spliced into SQL.

Invariants
1. The derived-table SQL is a constant of this module; clients cannot name ``edb_*``
   functions or ``json_each`` (policy: unknown function / table function).
2. Rows are built per call for the calling session: the visibility filter
   (:func:`edb_proxy.sql.infoschema_rows.visible`) and the process-list privilege rules
   apply to the caller, never to whoever compiled the cached plan.
3. Base-table names in rows are MySQL names (``db``, ``t``), never SQLite's ``"db.t"``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import apsw
from sqlglot import exp

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.catalog import Column, Table
from edb_proxy.sql.coltypes import ColumnType

if TYPE_CHECKING:
    from edb_proxy.sql.session import Session

__all__ = [
    "INFORMATION_SCHEMA",
    "INFOSCHEMA_FUNCTIONS",
    "SHOW_TABLE",
    "VIRTUAL_TABLES",
    "is_virtual_db",
    "register_infoschema",
    "resolve_virtual",
    "system_views",
    "virtual_table",
]

INFORMATION_SCHEMA = "information_schema"
#: Name of the internal virtual table over the rows of the current SHOW (SHOW ... WHERE).
SHOW_TABLE = "edb_show_rows"
#: Application-defined SQLite functions this module registers (for the authorizer).
INFOSCHEMA_FUNCTIONS = frozenset({"edb_infoschema"})

_V = "v"  # VARCHAR(n)
_TYPES = {
    "u": ColumnType("BIGINT", unsigned=True),
    "i": ColumnType("INT"),
    "dt": ColumnType("DATETIME"),
    "txt": ColumnType("LONGTEXT"),
}


def _columns(spec: str) -> list[Column]:
    """``"NAME:v64 OTHER:u"`` -> columns (``vN`` VARCHAR(N), ``u`` BIGINT UNSIGNED, ...)."""
    out = []
    for item in spec.split():
        name, kind = item.split(":")
        if kind.startswith(_V) and kind[1:].isdigit():
            ctype = ColumnType("VARCHAR", length=int(kind[1:]))
        else:
            ctype = _TYPES[kind]
        out.append(Column(name=name, ctype=ctype))
    return out


_SPECS: dict[str, str] = {
    "SCHEMATA": "CATALOG_NAME:v64 SCHEMA_NAME:v64 DEFAULT_CHARACTER_SET_NAME:v64"
    " DEFAULT_COLLATION_NAME:v64 SQL_PATH:v512 DEFAULT_ENCRYPTION:v3",
    "TABLES": "TABLE_CATALOG:v64 TABLE_SCHEMA:v64 TABLE_NAME:v64 TABLE_TYPE:v11 ENGINE:v64"
    " VERSION:i ROW_FORMAT:v10 TABLE_ROWS:u AVG_ROW_LENGTH:u DATA_LENGTH:u MAX_DATA_LENGTH:u"
    " INDEX_LENGTH:u DATA_FREE:u AUTO_INCREMENT:u CREATE_TIME:dt UPDATE_TIME:dt"
    " CHECK_TIME:dt TABLE_COLLATION:v64 CHECKSUM:u CREATE_OPTIONS:v256 TABLE_COMMENT:txt",
    "COLUMNS": "TABLE_CATALOG:v64 TABLE_SCHEMA:v64 TABLE_NAME:v64 COLUMN_NAME:v64"
    " ORDINAL_POSITION:u COLUMN_DEFAULT:txt IS_NULLABLE:v3 DATA_TYPE:txt"
    " CHARACTER_MAXIMUM_LENGTH:u CHARACTER_OCTET_LENGTH:u NUMERIC_PRECISION:u"
    " NUMERIC_SCALE:u DATETIME_PRECISION:u CHARACTER_SET_NAME:v64 COLLATION_NAME:v64"
    " COLUMN_TYPE:txt COLUMN_KEY:v3 EXTRA:v256 PRIVILEGES:v154 COLUMN_COMMENT:txt"
    " GENERATION_EXPRESSION:txt SRS_ID:u",
    "STATISTICS": "TABLE_CATALOG:v64 TABLE_SCHEMA:v64 TABLE_NAME:v64 NON_UNIQUE:i"
    " INDEX_SCHEMA:v64 INDEX_NAME:v64 SEQ_IN_INDEX:u COLUMN_NAME:v64 COLLATION:v1"
    " CARDINALITY:u SUB_PART:u PACKED:v10 NULLABLE:v3 INDEX_TYPE:v11 COMMENT:v8"
    " INDEX_COMMENT:v2048 IS_VISIBLE:v3 EXPRESSION:txt",
    "KEY_COLUMN_USAGE": "CONSTRAINT_CATALOG:v64 CONSTRAINT_SCHEMA:v64 CONSTRAINT_NAME:v64"
    " TABLE_CATALOG:v64 TABLE_SCHEMA:v64 TABLE_NAME:v64 COLUMN_NAME:v64 ORDINAL_POSITION:u"
    " POSITION_IN_UNIQUE_CONSTRAINT:u REFERENCED_TABLE_SCHEMA:v64 REFERENCED_TABLE_NAME:v64"
    " REFERENCED_COLUMN_NAME:v64",
    "REFERENTIAL_CONSTRAINTS": "CONSTRAINT_CATALOG:v64 CONSTRAINT_SCHEMA:v64"
    " CONSTRAINT_NAME:v64 UNIQUE_CONSTRAINT_CATALOG:v64 UNIQUE_CONSTRAINT_SCHEMA:v64"
    " UNIQUE_CONSTRAINT_NAME:v64 MATCH_OPTION:v7 UPDATE_RULE:v11 DELETE_RULE:v11"
    " TABLE_NAME:v64 REFERENCED_TABLE_NAME:v64",
    "TABLE_CONSTRAINTS": "CONSTRAINT_CATALOG:v64 CONSTRAINT_SCHEMA:v64 CONSTRAINT_NAME:v64"
    " TABLE_SCHEMA:v64 TABLE_NAME:v64 CONSTRAINT_TYPE:v11 ENFORCED:v3",
    "VIEWS": "TABLE_CATALOG:v64 TABLE_SCHEMA:v64 TABLE_NAME:v64 VIEW_DEFINITION:txt"
    " CHECK_OPTION:v8 IS_UPDATABLE:v3 DEFINER:v288 SECURITY_TYPE:v7"
    " CHARACTER_SET_CLIENT:v64 COLLATION_CONNECTION:v64",
    "ROUTINES": "SPECIFIC_NAME:v64 ROUTINE_CATALOG:v64 ROUTINE_SCHEMA:v64 ROUTINE_NAME:v64"
    " ROUTINE_TYPE:v9 DATA_TYPE:txt ROUTINE_BODY:v8 ROUTINE_DEFINITION:txt"
    " EXTERNAL_LANGUAGE:v64 IS_DETERMINISTIC:v3 SQL_DATA_ACCESS:v17 SECURITY_TYPE:v7"
    " CREATED:dt LAST_ALTERED:dt SQL_MODE:v520 ROUTINE_COMMENT:txt DEFINER:v288",
    "TRIGGERS": "TRIGGER_CATALOG:v64 TRIGGER_SCHEMA:v64 TRIGGER_NAME:v64"
    " EVENT_MANIPULATION:v6 EVENT_OBJECT_SCHEMA:v64 EVENT_OBJECT_TABLE:v64"
    " ACTION_STATEMENT:txt ACTION_TIMING:v6 DEFINER:v288",
    "PARAMETERS": "SPECIFIC_CATALOG:v64 SPECIFIC_SCHEMA:v64 SPECIFIC_NAME:v64"
    " ORDINAL_POSITION:u PARAMETER_MODE:v5 PARAMETER_NAME:v64 DATA_TYPE:txt"
    " DTD_IDENTIFIER:txt ROUTINE_TYPE:v9",
    "PARTITIONS": "TABLE_CATALOG:v64 TABLE_SCHEMA:v64 TABLE_NAME:v64 PARTITION_NAME:v64"
    " SUBPARTITION_NAME:v64 PARTITION_ORDINAL_POSITION:u SUBPARTITION_ORDINAL_POSITION:u"
    " PARTITION_METHOD:v13 SUBPARTITION_METHOD:v13 PARTITION_EXPRESSION:txt"
    " SUBPARTITION_EXPRESSION:txt PARTITION_DESCRIPTION:txt TABLE_ROWS:u AVG_ROW_LENGTH:u"
    " DATA_LENGTH:u MAX_DATA_LENGTH:u INDEX_LENGTH:u DATA_FREE:u CREATE_TIME:dt"
    " UPDATE_TIME:dt CHECK_TIME:dt CHECKSUM:u PARTITION_COMMENT:txt NODEGROUP:v256"
    " TABLESPACE_NAME:v268",
    "CHECK_CONSTRAINTS": "CONSTRAINT_CATALOG:v64 CONSTRAINT_SCHEMA:v64 CONSTRAINT_NAME:v64"
    " CHECK_CLAUSE:txt",
    "EVENTS": "EVENT_CATALOG:v64 EVENT_SCHEMA:v64 EVENT_NAME:v64 DEFINER:v288 TIME_ZONE:v64"
    " EVENT_BODY:v3 EVENT_DEFINITION:txt EVENT_TYPE:v9 EXECUTE_AT:dt INTERVAL_VALUE:v256"
    " INTERVAL_FIELD:v18 STATUS:v18 ON_COMPLETION:v12 CREATED:dt LAST_ALTERED:dt"
    " EVENT_COMMENT:v2048",
    "USER_PRIVILEGES": "GRANTEE:v292 TABLE_CATALOG:v512 PRIVILEGE_TYPE:v64 IS_GRANTABLE:v3",
    "SCHEMA_PRIVILEGES": "GRANTEE:v292 TABLE_CATALOG:v512 TABLE_SCHEMA:v64 PRIVILEGE_TYPE:v64"
    " IS_GRANTABLE:v3",
    "TABLE_PRIVILEGES": "GRANTEE:v292 TABLE_CATALOG:v512 TABLE_SCHEMA:v64 TABLE_NAME:v64"
    " PRIVILEGE_TYPE:v64 IS_GRANTABLE:v3",
    "PROCESSLIST": "ID:u USER:v32 HOST:v261 DB:v64 COMMAND:v16 TIME:i STATE:v64 INFO:txt",
    "ENGINES": "ENGINE:v64 SUPPORT:v8 COMMENT:v80 TRANSACTIONS:v3 XA:v3 SAVEPOINTS:v3",
    "CHARACTER_SETS": "CHARACTER_SET_NAME:v64 DEFAULT_COLLATE_NAME:v64 DESCRIPTION:v2048 MAXLEN:u",
    "COLLATIONS": "COLLATION_NAME:v64 CHARACTER_SET_NAME:v64 ID:u IS_DEFAULT:v3"
    " IS_COMPILED:v3 SORTLEN:u PAD_ATTRIBUTE:v9",
    SHOW_TABLE.upper(): " ".join(f"C{i}:v2048" for i in range(20)) + " N:u",
}

#: The virtual tables by upper-case name; a table's code is its position in this list.
VIRTUAL_TABLES: dict[str, Table] = {
    name: Table(db=INFORMATION_SCHEMA, name=name, columns=_columns(spec))
    for name, spec in _SPECS.items()
}
_CODES = {name: i for i, name in enumerate(VIRTUAL_TABLES)}
_NAMES = list(VIRTUAL_TABLES)


def _derived_sql(name: str) -> str:
    """The constant derived-table SQL of virtual table ``name`` (see the module docstring)."""
    items = []
    for i, col in enumerate(VIRTUAL_TABLES[name].columns):
        collate = " COLLATE NOCASE" if col.ctype.sqlite_decl == "TEXT" else ""
        items.append(f"json_extract(value, '$[{i}]'){collate} AS \"{col.name}\"")
    body = ", ".join(items)  # constant text of this module, no client value (invariant 1)
    return f"SELECT {body} FROM json_each(edb_infoschema({_CODES[name]}))"  # noqa: S608


_DERIVED = {name: _derived_sql(name) for name in VIRTUAL_TABLES}


def is_virtual_db(db: str) -> bool:
    """True when tables of database ``db`` are virtual (``information_schema``)."""
    return db.lower() == INFORMATION_SCHEMA


def system_views() -> list[str]:
    """Names of the information_schema tables clients see (sorted; no internal table)."""
    return sorted(name for name in VIRTUAL_TABLES if name != SHOW_TABLE.upper())


def virtual_table(name: str) -> Table:
    """The synthetic table ``information_schema.name`` (for SHOW COLUMNS, DESCRIBE ...).

    Raises:
        SQLError: 1146 for an unknown information_schema table.
    """
    info = VIRTUAL_TABLES.get(name.upper())
    if info is None:
        raise SQLError(
            ER.ER_NO_SUCH_TABLE, f"Table '{INFORMATION_SCHEMA}.{name.lower()}' doesn't exist"
        )
    return info


def resolve_virtual(table: exp.Table, name: str, *, write: bool = False) -> Table:
    """Replace ``table`` (a reference to ``information_schema.name``) by its derived table.

    The derived table keeps the reference's alias, or gets the table name as alias, so
    qualified columns (``TABLES.TABLE_NAME``) resolve.

    Args:
        write: the reference is the target of INSERT/UPDATE/DELETE.

    Returns:
        The synthetic table whose columns type the result.

    Raises:
        SQLError: 1044 when ``write`` (information_schema is read-only), 1146 for an unknown
            information_schema table.
    """
    if write:
        raise SQLError(
            ER.ER_DBACCESS_DENIED_ERROR,
            f"Access denied to database '{INFORMATION_SCHEMA}' (it is read-only)",
        )
    key = name.upper()
    info = virtual_table(name)
    alias = table.alias or name
    table.replace(
        exp.Subquery(
            this=exp.Var(this=_DERIVED[key]),
            alias=exp.TableAlias(this=exp.Identifier(this=alias, quoted=True)),
        )
    )
    return info


def register_infoschema(conn: apsw.Connection, session: Session) -> None:
    """Register ``edb_infoschema(code)`` on ``conn``: the rows of a virtual table as JSON."""
    from edb_proxy.sql.infoschema_rows import rows_for  # noqa: PLC0415 (import cycle)

    def infoschema(code: object) -> str:
        if not isinstance(code, int) or not 0 <= code < len(_NAMES):
            return "[]"
        return json.dumps(rows_for(session, _NAMES[code]), separators=(",", ":"))

    function: Callable[..., Any] = infoschema
    conn.create_scalar_function("edb_infoschema", function, 1, deterministic=False)
