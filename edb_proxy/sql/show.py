"""SHOW statements, DESCRIBE and COM_FIELD_LIST, answered from the catalog and variables.

Grammar (https://dev.mysql.com/doc/refman/8.0/en/show.html), each optionally ending in
``LIKE 'pattern'`` or ``WHERE expr``::

    SHOW [GLOBAL|SESSION] VARIABLES | STATUS
    SHOW DATABASES | SCHEMAS
    SHOW [FULL] TABLES [FROM db]
    SHOW [FULL] COLUMNS|FIELDS FROM t [FROM db];  DESCRIBE t
    SHOW CREATE TABLE t;  SHOW CREATE DATABASE db
    SHOW INDEX|INDEXES|KEYS FROM t [FROM db]
    SHOW WARNINGS | ERRORS | COUNT(*) WARNINGS | COUNT(*) ERRORS
    SHOW [STORAGE] ENGINES;  SHOW GRANTS [FOR user];  SHOW COLLATION;  SHOW CHARACTER SET
    SHOW [FULL] PROCESSLIST;  EXPLAIN SELECT ...;  SHOW TABLE STATUS [FROM db];
    SHOW PROCEDURE|FUNCTION STATUS;  SHOW TRIGGERS;  SHOW EVENTS  (edb_proxy.sql.infoschema_show)

Any SHOW may end in ``WHERE expr`` instead of ``LIKE`` (filtered by infoschema_show).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from edb_proxy.errors import ER, SQLError
from edb_proxy.fieldtypes import ColumnDef, ColumnFlag, FieldType, Value
from edb_proxy.sql.api import Result, ResultSet
from edb_proxy.sql.catalog import SYSTEM_DATABASES, Column, Table
from edb_proxy.sql.infoschema import is_virtual_db, system_views, virtual_table
from edb_proxy.sql.infoschema_show import (
    explain_handler,
    plan_more_show,
    processlist_handler,
    split_where,
    where_filter,
)
from edb_proxy.sql.lexer import Lexed
from edb_proxy.sql.policy import not_supported
from edb_proxy.sql.reader import TokenReader
from edb_proxy.sql.showcreate import show_create_table as render_create_table
from edb_proxy.sql.showcreate import show_create_view
from edb_proxy.sql.variables import BOOLEAN

if TYPE_CHECKING:
    from edb_proxy.sql.session import Session

__all__ = ["field_list", "like_matcher", "plan_show", "show_create_table"]

Handler = Callable[["Session", list[object]], Result]


def like_matcher(pattern: str | None) -> Callable[[str], bool]:
    """A case-insensitive MySQL LIKE matcher (``%``, ``_``, backslash escapes)."""
    if pattern is None:
        return lambda _: True
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    rx = re.compile("".join(out) + r"\Z", re.IGNORECASE | re.DOTALL)
    return lambda name: rx.match(name) is not None


def _text_col(name: str, length: int = 256) -> ColumnDef:
    return ColumnDef(name=name, type=FieldType.MYSQL_TYPE_VAR_STRING, length=length * 4)


def _result(names: Sequence[str], rows: Sequence[Sequence[Value]]) -> ResultSet:
    return ResultSet([_text_col(n) for n in names], [tuple(r) for r in rows])


def _like(r: TokenReader) -> str | None:
    if r.accept("LIKE"):
        return r.string()
    if r.accept("WHERE"):
        raise not_supported("SHOW ... WHERE")
    return None


def _end(r: TokenReader) -> None:
    if not r.at_end():
        raise r.error()


def _show_value(name: str, value: object) -> str:
    if value is None:
        return ""
    if name in BOOLEAN and isinstance(value, int):
        return "ON" if value else "OFF"
    return str(value)


def plan_show(session: Session, lx: Lexed, head: str) -> Handler:
    """Compile a SHOW/DESCRIBE statement into a handler."""
    if head == "SHOW" and (split := split_where(lx)) is not None:  # SHOW ... WHERE
        return where_filter(plan_show(session, split[0], head), split[1])
    r = TokenReader(lx.clean)
    if head in ("DESCRIBE", "DESC", "EXPLAIN"):
        r.pos = 1
        nxt = r.word()
        if nxt in ("SELECT", "WITH") and len(r.tokens) > 1:  # EXPLAIN SELECT (infoschema_show)
            return explain_handler(lx.clean[r.tokens[1].start :])
        if nxt in ("SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "FORMAT", "ANALYZE"):
            raise not_supported("EXPLAIN")
        db, name = r.qualified()
        column = r.name() if not r.at_end() else None
        _end(r)
        return lambda s, v: _columns(s, db, name, False, column)
    r.expect("SHOW")
    scope = "SESSION"
    for word in ("GLOBAL", "SESSION", "LOCAL"):
        if r.accept(word):
            scope = "GLOBAL" if word == "GLOBAL" else "SESSION"
    full = r.accept("FULL")
    if r.accept("PROCESSLIST"):
        _end(r)
        return processlist_handler(full)
    if (more := plan_more_show(r)) is not None:  # TABLE STATUS, TRIGGERS ... (infoschema_show)
        return more
    if r.accept("VARIABLES"):
        pattern = _like(r)
        _end(r)
        return lambda s, v: _variables(s, scope, pattern)
    if r.accept("STATUS"):
        pattern = _like(r)
        _end(r)
        return lambda s, v: _status(s, pattern)
    if r.accept("DATABASES") or r.accept("SCHEMAS"):
        pattern = _like(r)
        _end(r)
        return lambda s, v: _databases(s, pattern)
    if r.accept("TABLES"):
        db = r.name() if r.accept("FROM") or r.accept("IN") else None
        pattern = _like(r)
        _end(r)
        return lambda s, v: _tables(s, db, pattern, full)
    if r.accept("COLUMNS") or r.accept("FIELDS"):
        if not (r.accept("FROM") or r.accept("IN")):
            raise r.error()
        db, name = r.qualified()
        if r.accept("FROM") or r.accept("IN"):
            db = r.name()
        pattern = _like(r)
        _end(r)
        return lambda s, v: _columns(s, db, name, full, pattern)
    if r.accept("INDEX") or r.accept("INDEXES") or r.accept("KEYS"):
        if not (r.accept("FROM") or r.accept("IN")):
            raise r.error()
        db, name = r.qualified()
        if r.accept("FROM") or r.accept("IN"):
            db = r.name()
        _end(r)
        return lambda s, v: _indexes(s, db, name)
    if r.accept("CREATE", "TABLE"):
        db, name = r.qualified()
        _end(r)
        return lambda s, v: _create_table(s, db, name)
    if r.accept("CREATE", "VIEW"):
        db, name = r.qualified()
        _end(r)
        return lambda s, v: _create_view(s, db, name)
    if r.accept("CREATE", "DATABASE") or r.accept("CREATE", "SCHEMA"):
        r.accept("IF", "NOT", "EXISTS")
        name = r.name()
        _end(r)
        return lambda s, v: _create_database(s, name)
    if r.accept("WARNINGS") or r.accept("ERRORS"):
        errors_only = lx.clean.upper().rstrip().endswith("ERRORS")
        if r.accept("LIMIT"):
            r.name()
        _end(r)
        return lambda s, v: _warnings(s, errors_only)
    if r.accept("COUNT", "(", "*", ")"):
        errors_only = r.accept("ERRORS")
        if not errors_only:
            r.expect("WARNINGS")
        _end(r)
        label = "@@session.error_count" if errors_only else "@@session.warning_count"
        return lambda s, v: _count_warnings(s, label, errors_only)
    if r.accept("ENGINES") or r.accept("STORAGE", "ENGINES"):
        _end(r)
        return lambda s, v: _engines()
    if r.accept("GRANTS"):
        user: str | None = None
        if r.accept("FOR"):
            if r.accept("CURRENT_USER"):
                if r.accept("("):
                    r.expect(")")
            else:
                user = r.user_name()
        _end(r)
        return lambda s, v: _grants(s, user)
    if r.accept("COLLATION"):
        pattern = _like(r)
        _end(r)
        return lambda s, v: _collations(pattern)
    if r.accept("CHARACTER", "SET") or r.accept("CHARSET"):
        pattern = _like(r)
        _end(r)
        return lambda s, v: _charsets(pattern)
    raise not_supported("this SHOW statement")


def _variables(session: Session, scope: str, pattern: str | None) -> Result:
    match = like_matcher(pattern)
    names = sorted(session.db.variable_names())
    rows = []
    for name in names:
        if match(name):
            value = session.system_variable(name, scope.lower())
            rows.append((name, _show_value(name, value)))
    return _result(("Variable_name", "Value"), rows)


def _status(session: Session, pattern: str | None) -> Result:
    match = like_matcher(pattern)
    stats = session.db.status()
    stats["Last_query_cost"] = "0.000000"
    rows = [(k, str(v)) for k, v in sorted(stats.items()) if match(k)]
    return _result(("Variable_name", "Value"), rows)


def _databases(session: Session, pattern: str | None) -> Result:
    match = like_matcher(pattern)
    names = sorted(set(session.db.catalog.databases) | set(SYSTEM_DATABASES))
    names = [n for n in names if session.authz.visible(n)]  # privileges (authz)
    return _result(("Database",), [(n,) for n in names if match(n)])


def _db_name(session: Session, db: str | None) -> str:
    name = db or session.database
    if not name:
        raise SQLError(ER.ER_NO_DB_ERROR, "No database selected")
    session.authz.require_any(name)  # 1044 before existence (no oracle)
    if not session.db.catalog.has_database(name):
        raise SQLError(ER.ER_BAD_DB_ERROR, f"Unknown database '{name}'")
    return name.lower()


def _tables(session: Session, db: str | None, pattern: str | None, full: bool) -> Result:
    name = _db_name(session, db)
    match = like_matcher(pattern)
    label = f"Tables_in_{name}" + (f" ({pattern})" if pattern else "")
    tables = [t.name for t in session.db.catalog.tables_in(name) if match(t.name)]
    views = [v.name for v in session.db.catalog.views_in(name) if match(v.name)]
    kinds = sorted([(t, "BASE TABLE") for t in tables] + [(v, "VIEW") for v in views])
    kinds = [k for k in kinds if session.authz.visible(name, k[0])]  # privileges (authz)
    if is_virtual_db(name):  # information_schema's own tables (infoschema.py)
        kinds = [(t, "SYSTEM VIEW") for t in system_views() if match(t)]
    if full:
        return _result((label, "Table_type"), kinds)
    return _result((label,), [(t,) for t, _ in kinds])


def _table(session: Session, db: str | None, name: str) -> Table:
    if db or session.database:  # 1142 before existence (no oracle)
        session.authz.require_any(db or session.database or "", name)
    if is_virtual_db(db or session.database or ""):  # information_schema (infoschema.py)
        return virtual_table(name)
    view = session.db.catalog.view(_db_name(session, db), name)  # DESCRIBE v (views.py)
    if view is not None:
        return view.as_table()
    return session.db.catalog.require_table(_db_name(session, db), name)


def _type_text(col: Column) -> str:
    return col.ctype.to_mysql()


def _key_text(table: Table, col: Column) -> str:
    flags = table.flags(col)
    if flags & ColumnFlag.PRI_KEY_FLAG:
        return "PRI"
    if flags & ColumnFlag.UNIQUE_KEY_FLAG:
        return "UNI"
    if flags & ColumnFlag.MULTIPLE_KEY_FLAG:
        return "MUL"
    return ""


def _default_text(col: Column) -> str | None:
    d = col.default
    if d is None or d.upper() == "NULL":
        return None
    if d.startswith("'"):
        return d[1:-1].replace("''", "'")
    return d


def _extra(col: Column) -> str:
    parts = []
    if col.auto_increment:
        parts.append("auto_increment")
    if col.default and col.default.upper().startswith("CURRENT_TIMESTAMP"):
        parts.append("DEFAULT_GENERATED")
    if col.on_update_now:
        parts.append("on update CURRENT_TIMESTAMP")
    return " ".join(parts)


def _columns(
    session: Session, db: str | None, name: str, full: bool, pattern: str | None
) -> Result:
    table = _table(session, db, name)
    match = like_matcher(pattern)
    rows: list[tuple[Value, ...]] = []
    for col in table.columns:
        if not match(col.name) or not session.authz.visible_column(table.db, table.name, col.name):
            continue
        text_like = col.ctype.sqlite_decl == "TEXT" and col.ctype.name != "DECIMAL"
        base = (col.name, _type_text(col))
        tail = (
            "NO" if col.not_null else "YES",
            _key_text(table, col),
            _default_text(col),
            _extra(col),
        )
        if full:
            collation = (col.collation or "utf8mb4_general_ci") if text_like else None
            rows.append((*base, collation, *tail, "select,insert,update,references", col.comment))
        else:
            rows.append((*base, *tail))
    names: tuple[str, ...] = ("Field", "Type", "Null", "Key", "Default", "Extra")
    if full:
        names = (
            "Field",
            "Type",
            "Collation",
            "Null",
            "Key",
            "Default",
            "Extra",
            "Privileges",
            "Comment",
        )
    return _result(names, rows)


def _indexes(session: Session, db: str | None, name: str) -> Result:
    table = _table(session, db, name)
    rows = []
    for idx in table.indexes:
        for seq, cname in enumerate(idx.columns, start=1):
            col = table.column(cname)
            rows.append(
                (
                    table.name,
                    0 if idx.unique else 1,
                    idx.name,
                    seq,
                    col.name if col else cname,
                    "A",
                    None,
                    None,
                    None,
                    "" if col is not None and col.not_null else "YES",
                    "BTREE",
                    "",
                    "",
                    "YES",
                    None,
                )
            )
    names = (
        "Table",
        "Non_unique",
        "Key_name",
        "Seq_in_index",
        "Column_name",
        "Collation",
        "Cardinality",
        "Sub_part",
        "Packed",
        "Null",
        "Index_type",
        "Comment",
        "Index_comment",
        "Visible",
        "Expression",
    )
    result = _result(names, rows)
    return result


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def show_create_table(table: Table) -> str:
    """``SHOW CREATE TABLE`` text in MySQL's format (:mod:`edb_proxy.sql.showcreate`)."""
    return render_create_table(table)


def _create_table(session: Session, db: str | None, name: str) -> Result:
    if session.db.catalog.view(_db_name(session, db), name) is not None:
        return _create_view(session, db, name)
    table = _table(session, db, name)
    return _result(("Table", "Create Table"), [(table.name, show_create_table(table))])


def _create_view(session: Session, db: str | None, name: str) -> Result:
    low = _db_name(session, db)
    session.authz.require("SHOW_VIEW", low, name)  # before existence (authz)
    view = session.db.catalog.view(low, name)
    if view is None:
        raise SQLError(ER.ER_NO_SUCH_TABLE, f"Table '{low}.{name}' doesn't exist")
    names = ("View", "Create View", "character_set_client", "collation_connection")
    return _result(names, [(view.name, show_create_view(view), "utf8mb4", "utf8mb4_0900_ai_ci")])


def _create_database(session: Session, name: str) -> Result:
    low = _db_name(session, name)
    text = (
        f"CREATE DATABASE {_ident(low)} /*!40100 DEFAULT CHARACTER SET utf8mb4"
        " COLLATE utf8mb4_general_ci */"
    )
    return _result(("Database", "Create Database"), [(low, text)])


def _warnings(session: Session, errors_only: bool) -> Result:
    rows = [w for w in session.warnings if not errors_only or w[0] == "Error"]
    columns = [
        _text_col("Level", 7),
        ColumnDef(
            name="Code",
            type=FieldType.MYSQL_TYPE_LONG,
            length=4,
            charset=63,
            flags=ColumnFlag.NOT_NULL_FLAG | ColumnFlag.UNSIGNED_FLAG | ColumnFlag.NUM_FLAG,
        ),
        _text_col("Message", 512),
    ]
    return ResultSet(columns, [tuple(w) for w in rows])


def _count_warnings(session: Session, label: str, errors_only: bool) -> Result:
    count = sum(1 for w in session.warnings if not errors_only or w[0] == "Error")
    col = ColumnDef(
        name=label,
        type=FieldType.MYSQL_TYPE_LONGLONG,
        length=21,
        charset=63,
        flags=ColumnFlag.NUM_FLAG,
    )
    return ResultSet([col], [(count,)])


def _engines() -> Result:
    rows = [
        (
            "InnoDB",
            "DEFAULT",
            "edb-proxy storage (SQLite B-trees, serializable)",
            "YES",
            "NO",
            "YES",
        ),
        ("MyISAM", "YES", "Accepted as an alias of the default engine", "YES", "NO", "YES"),
        ("MEMORY", "YES", "Accepted as an alias of the default engine", "YES", "NO", "YES"),
    ]
    return _result(("Engine", "Support", "Comment", "Transactions", "XA", "Savepoints"), rows)


def _grants(session: Session, user: str | None) -> Result:
    who = user if user is not None else session.user
    if who != session.user:  # another account's grants: SELECT on `mysql` (1044)
        session.authz.require("SELECT", "mysql")
    lines = session.db.grant_lines(who)
    if lines is None:
        raise SQLError(
            ER.ER_NONEXISTING_GRANT, f"There is no such grant defined for user '{who}' on host '%'"
        )
    return _result((f"Grants for {who}@%",), [(line,) for line in lines])


_COLLATIONS = [
    ("utf8mb4_general_ci", "utf8mb4", 45, "Yes", "Yes", 1, "PAD SPACE"),
    ("utf8mb4_bin", "utf8mb4", 46, "", "Yes", 1, "PAD SPACE"),
    ("utf8mb4_0900_ai_ci", "utf8mb4", 255, "", "Yes", 0, "NO PAD"),
    ("binary", "binary", 63, "Yes", "Yes", 1, "NO PAD"),
]


def _collations(pattern: str | None) -> Result:
    match = like_matcher(pattern)
    rows = [r for r in _COLLATIONS if match(str(r[0]))]
    names = ("Collation", "Charset", "Id", "Default", "Compiled", "Sortlen", "Pad_attribute")
    return _result(names, [tuple(str(x) for x in r) for r in rows])


def _charsets(pattern: str | None) -> Result:
    match = like_matcher(pattern)
    rows = [
        ("utf8mb4", "UTF-8 Unicode", "utf8mb4_general_ci", "4"),
        ("binary", "Binary pseudo charset", "binary", "1"),
    ]
    return _result(
        ("Charset", "Description", "Default collation", "Maxlen"), [r for r in rows if match(r[0])]
    )


def field_list(session: Session, table: str, wildcard: str) -> list[ColumnDef]:
    """COM_FIELD_LIST: the column definitions of ``table`` matching ``wildcard``."""
    info = _table(session, None, table)
    match = like_matcher(wildcard or None)
    see = session.authz.visible_column
    return [
        info.column_def(c)
        for c in info.columns
        if match(c.name) and see(info.db, info.name, c.name)  # privileges (authz)
    ]


_STARTED = time.monotonic()
