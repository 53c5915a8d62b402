"""SHOW [FULL] PROCESSLIST, ``SHOW ... WHERE expr`` and ``EXPLAIN SELECT``.

``SHOW ... WHERE``: the SHOW statement without its WHERE clause runs as usual; its rows are
then filtered in SQLite through the internal virtual table ``information_schema.edb_show_rows``
(:mod:`edb_proxy.sql.infoschema`), whose columns ``C0``..``C19`` hold the row's values and
``N`` its position. The WHERE expression is parsed by sqlglot (a lone expression, checked by
the policy like any query) and its column names — the SHOW result's labels, case-insensitive —
are rewritten to ``C<i>``; an unknown name is 1054. The rows are handed over through the
session's process record for the duration of that one query.

``EXPLAIN SELECT ...``: the SELECT is compiled as usual and SQLite's ``EXPLAIN QUERY PLAN`` of
the generated SQL is reshaped into MySQL's twelve columns (id, select_type, table, partitions,
type, possible_keys, key, key_len, ref, rows, filtered, Extra). SQLite's own names never reach
the client: index names are reported by their MySQL names (``PRIMARY`` for the rowid and
SQLite's automatic indexes), internal scans (``json_each`` of information_schema tables) show no
table name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from edb_proxy.errors import ER, SQLError
from edb_proxy.fieldtypes import ColumnDef, ColumnFlag, FieldType, Value
from edb_proxy.sql.api import Result, ResultSet
from edb_proxy.sql.compiler import compile_tree
from edb_proxy.sql.infoschema import INFORMATION_SCHEMA, SHOW_TABLE
from edb_proxy.sql.lexer import Lexed, syntax_error
from edb_proxy.sql.parsing import parse_one
from edb_proxy.sql.reader import TokenReader
from edb_proxy.sql.values import bind

if TYPE_CHECKING:
    from edb_proxy.sql.session import Session

__all__ = [
    "explain_handler",
    "plan_more_show",
    "processlist_handler",
    "split_where",
    "where_filter",
]

Handler = Callable[["Session", list[object]], Result]
_MAX_COLUMNS = 20


def _text(name: str, length: int = 64) -> ColumnDef:
    return ColumnDef(name=name, type=FieldType.MYSQL_TYPE_VAR_STRING, length=length * 4)


def _int(name: str) -> ColumnDef:
    return ColumnDef(
        name=name,
        type=FieldType.MYSQL_TYPE_LONGLONG,
        length=21,
        charset=63,
        flags=ColumnFlag.NUM_FLAG,
    )


# -- SHOW PROCESSLIST -------------------------------------------------------------------------

_PROCESS_COLUMNS = [
    _int("Id"),
    _text("User", 32),
    _text("Host", 261),
    _text("db"),
    _text("Command", 16),
    ColumnDef(
        name="Time",
        type=FieldType.MYSQL_TYPE_LONG,
        length=7,
        charset=63,
        flags=ColumnFlag.NUM_FLAG,
    ),
    _text("State", 30),
    _text("Info", 100),
]


def processlist_handler(full: bool) -> Handler:
    """``SHOW [FULL] PROCESSLIST``: the sessions the caller may see (Info cut at 100 chars)."""

    def run(session: Session, values: list[object]) -> Result:
        rows = session.db.processes.visible_rows(session, full=full)
        return ResultSet(_PROCESS_COLUMNS, [tuple(r) for r in rows])

    return run


# -- SHOW ... WHERE ---------------------------------------------------------------------------


def split_where(lx: Lexed) -> tuple[Lexed, str] | None:
    """Split ``SHOW ... WHERE expr`` into the statement without WHERE and the expression text.

    Returns:
        None when the statement has no WHERE keyword.
    """
    reader = TokenReader(lx.clean)
    for index, tok in enumerate(reader.tokens):
        if tok.text.upper() == "WHERE" and index > 0 and tok.token_type.name == "WHERE":
            text = lx.clean
            head = Lexed(parts=[text[: tok.start]], values=[], raw=[], param_count=0)
            return head, text[tok.end + 1 :]
    return None


def where_filter(inner: Handler, condition: str) -> Handler:
    """Wrap SHOW handler ``inner`` so its rows are filtered by the WHERE ``condition``."""
    tree = parse_one("SELECT 1 WHERE " + condition)
    where = tree.args.get("where") if isinstance(tree, exp.Select) else None
    extra = {k for k, v in tree.args.items() if v} - {"expressions", "where"}
    if where is None or extra:
        raise syntax_error(condition)
    predicate: exp.Expression = where.this

    def run(session: Session, values: list[object]) -> Result:
        result = inner(session, values)
        if not isinstance(result, ResultSet):
            return result
        return _filter(session, result, predicate.copy())

    return run


def _filter(session: Session, result: ResultSet, predicate: exp.Expression) -> ResultSet:
    labels = {c.name.lower(): i for i, c in enumerate(result.columns)}
    if len(labels) > _MAX_COLUMNS:
        raise SQLError(ER.ER_NOT_SUPPORTED_YET, "SHOW ... WHERE over this many columns")
    for column in list(predicate.find_all(exp.Column)):
        index = labels.get(column.name.lower())
        if index is None or column.table:
            raise SQLError(
                ER.ER_BAD_FIELD_ERROR, f"Unknown column '{column.sql()}' in 'where clause'"
            )
        column.replace(exp.column(f"C{index}"))
    select = (
        exp.select("N")
        .from_(exp.table_(SHOW_TABLE, db=INFORMATION_SCHEMA))
        .where(predicate)
        .order_by("N")
    )
    plan = compile_tree(
        select,
        text="",
        catalog=session.db.catalog,
        database=session.database,
        found_rows=session.client_found_rows,
        template=False,
        slot_count=0,
    )
    stash: list[list[object]] = []
    for n, row in enumerate(result.rows):
        cells: list[object] = [v if isinstance(v, int | float | str) else None for v in row]
        stash.append(cells + [None] * (_MAX_COLUMNS - len(cells)) + [n])
    process = session.process
    process.show_rows = stash
    try:
        picked = session.execute_plan(plan, [])
    finally:
        process.show_rows = []
    assert isinstance(picked, ResultSet)
    keep = [result.rows[int(str(r[0]))] for r in picked.rows]
    return ResultSet(result.columns, keep)


# -- EXPLAIN ------------------------------------------------------------------------------

_EXPLAIN_COLUMNS = [
    _int("id"),
    _text("select_type", 20),
    _text("table"),
    _text("partitions"),
    _text("type", 10),
    _text("possible_keys", 4096),
    _text("key"),
    _text("key_len", 4096),
    _text("ref", 1024),
    _int("rows"),
    ColumnDef(name="filtered", type=FieldType.MYSQL_TYPE_DOUBLE, length=4, charset=63, decimals=2),
    _text("Extra", 256),
]
_DETAIL = re.compile(
    r"^(?P<verb>SCAN|SEARCH) (?P<table>\S+)(?: AS \S+)?"
    r"(?: USING (?P<covering>COVERING )?(?P<how>INDEX (?P<index>\S+)|INTEGER PRIMARY KEY"
    r"|PRIMARY KEY|ROWID)?)?(?: \((?P<cond>[^)]*)\))?"
)


def explain_handler(query: str) -> Handler:
    """``EXPLAIN <SELECT>``: SQLite's query plan in MySQL's shape (compiled at run time)."""

    def run(session: Session, values: list[object]) -> Result:
        tree = parse_one(query)
        if not isinstance(tree, exp.Select | exp.Union | exp.Intersect | exp.Except):
            raise syntax_error(query)
        authz = getattr(session, "authz", None)
        plan = compile_tree(
            tree,
            text=query,
            catalog=session.db.catalog,
            database=session.database,
            found_rows=session.client_found_rows,
            template=False,
            slot_count=0,
            authorize=getattr(authz, "check", None),
        )
        bindings = bind(plan.sources, []) if plan.sources is not None else []
        try:
            steps = session.conn.execute("EXPLAIN QUERY PLAN " + plan.sql, bindings).fetchall()
        except Exception:  # noqa: BLE001 (a plan SQLite refuses to explain is not the client's)
            steps = []
        return ResultSet(_EXPLAIN_COLUMNS, _mysql_rows(steps, single=isinstance(tree, exp.Select)))

    return run


def _index_name(raw: str) -> str:
    """MySQL's name of SQLite index ``raw`` (``db.t.i`` -> ``i``; automatic ones PRIMARY)."""
    if raw.lower().startswith("sqlite_"):
        return "PRIMARY"
    return raw.rsplit(".", 1)[-1]


def _mysql_rows(steps: list[tuple[object, ...]], *, single: bool) -> list[tuple[Value, ...]]:
    rows: list[list[Value]] = []
    select_type = "SIMPLE" if single else "PRIMARY"
    ident = 1
    for step in steps:
        detail = str(step[-1])
        upper = detail.upper()
        if upper.startswith("USE TEMP B-TREE"):
            if rows:
                note = "Using filesort" if "ORDER BY" in upper else "Using temporary"
                prev = str(rows[-1][11] or "")
                rows[-1][11] = f"{prev}; {note}" if prev else note
            continue
        if upper.startswith(("SCALAR SUBQUERY", "CORRELATED", "LIST SUBQUERY")):
            ident += 1
            select_type = "DEPENDENT SUBQUERY" if upper.startswith("CORRELATED") else "SUBQUERY"
            continue
        if upper.startswith(("COMPOUND", "UNION", "LEFT-MOST")):
            if not upper.startswith(("COMPOUND", "LEFT-MOST")):
                ident += 1
                select_type = "UNION"
            continue
        if upper.startswith("SCAN CONSTANT ROW"):
            rows.append([ident, select_type, None, None, None, None, None, None, None])
            rows[-1] += [None, None, "No tables used"]
            continue
        m = _DETAIL.match(detail)
        if m is None:
            continue
        name = m.group("table").rsplit(".", 1)[-1]
        table = None if name == "json_each" else name
        how = m.group("how") or ""
        cond = m.group("cond") or ""
        key: str | None = None
        if how.startswith("INDEX"):
            key = _index_name(m.group("index"))
        elif how:
            key = "PRIMARY"
        if m.group("verb") == "SCAN":
            access = "index" if key else "ALL"
        elif "=" in cond and not any(op in cond for op in ("<", ">")):
            access = "const" if key == "PRIMARY" and not how.startswith("INDEX") else "ref"
        else:
            access = "range"
        extra: str | None = "Using index" if m.group("covering") else None
        ref = "const" if access in ("const", "ref") else None
        rows.append(
            [ident, select_type, table, None, access, key, key, None, ref, 1, 100.0, extra]
        )
    return [tuple(r) for r in rows]


# -- SHOW TABLE STATUS, routines, triggers, events (GUI tools) ---------------------------------

_TABLE_STATUS = [
    "Name",
    "Engine",
    "Version",
    "Row_format",
    "Rows",
    "Avg_row_length",
    "Data_length",
    "Max_data_length",
    "Index_length",
    "Data_free",
    "Auto_increment",
    "Create_time",
    "Update_time",
    "Check_time",
    "Collation",
    "Checksum",
    "Create_options",
    "Comment",
]
_ROUTINE_STATUS = (
    "Db",
    "Name",
    "Type",
    "Definer",
    "Modified",
    "Created",
    "Security_type",
    "Comment",
    "character_set_client",
    "collation_connection",
    "Database Collation",
)
_TRIGGERS = (
    "Trigger",
    "Event",
    "Table",
    "Statement",
    "Timing",
    "Created",
    "sql_mode",
    "Definer",
    "character_set_client",
    "collation_connection",
    "Database Collation",
)
_EVENTS = (
    "Db",
    "Name",
    "Definer",
    "Time zone",
    "Type",
    "Execute at",
    "Interval value",
    "Interval field",
    "Starts",
    "Ends",
    "Status",
    "Originator",
    "character_set_client",
    "collation_connection",
    "Database Collation",
)


_PLUGINS: tuple[tuple[Value, ...], ...] = (
    ("mysql_native_password", "ACTIVE", "AUTHENTICATION", None, "GPL"),
    ("caching_sha2_password", "ACTIVE", "AUTHENTICATION", None, "GPL"),
    ("InnoDB", "ACTIVE", "STORAGE ENGINE", None, "GPL"),
)


def _empty(names: tuple[str, ...]) -> Handler:
    columns = [_text(n) for n in names]
    return lambda session, values: ResultSet(columns, [])


def _db_and_like(r: TokenReader) -> tuple[str | None, str | None]:
    db = r.name() if r.accept("FROM") or r.accept("IN") else None
    pattern = r.string() if r.accept("LIKE") else None
    if not r.at_end():
        raise r.error()
    return db, pattern


def plan_more_show(r: TokenReader) -> Handler | None:
    """SHOW TABLE STATUS, PROCEDURE|FUNCTION STATUS, TRIGGERS, EVENTS and PLUGINS.

    ``r`` is positioned after ``SHOW [FULL]``; returns None (reader untouched) for other
    statements. Routines, triggers and events do not exist, so their lists are empty.
    """
    if r.accept("TABLE", "STATUS"):
        db, pattern = _db_and_like(r)
        return lambda session, values: _table_status(session, db, pattern)
    if r.accept("PROCEDURE", "STATUS") or r.accept("FUNCTION", "STATUS"):
        if r.accept("LIKE"):
            r.string()
        if not r.at_end():
            raise r.error()
        return _empty(_ROUTINE_STATUS)
    if r.accept("PLUGINS"):
        if not r.at_end():
            raise r.error()
        columns = [_text(n) for n in ("Name", "Status", "Type", "Library", "License")]
        return lambda session, values: ResultSet(columns, list(_PLUGINS))
    if r.accept("TRIGGERS"):
        _db_and_like(r)
        return _empty(_TRIGGERS)
    if r.accept("EVENTS"):
        _db_and_like(r)
        return _empty(_EVENTS)
    return None


def _table_status(session: Session, db: str | None, pattern: str | None) -> Result:
    from edb_proxy.sql.infoschema_rows import rows_for, visible  # noqa: PLC0415 (cycle)
    from edb_proxy.sql.show import like_matcher  # noqa: PLC0415 (cycle)

    name = (db or session.database or "").lower()
    if not name:
        raise SQLError(ER.ER_NO_DB_ERROR, "No database selected")
    if not session.db.catalog.has_database(name) or not visible(session, name):
        raise SQLError(ER.ER_BAD_DB_ERROR, f"Unknown database '{name}'")
    match = like_matcher(pattern)
    rows: list[tuple[Value, ...]] = []
    for row in rows_for(session, "TABLES"):  # same values as information_schema.TABLES
        if str(row[1]).lower() == name and match(str(row[2])):
            rows.append(tuple(_cell(v) for v in (row[2], *row[4:])))
    columns = [_int(n) if n in _NUMERIC_STATUS else _text(n) for n in _TABLE_STATUS]
    return ResultSet(columns, rows)


_NUMERIC_STATUS = frozenset(
    {
        "Version",
        "Rows",
        "Avg_row_length",
        "Data_length",
        "Max_data_length",
        "Index_length",
        "Data_free",
        "Auto_increment",
        "Checksum",
    }
)


def _cell(value: object) -> Value:
    return value if value is None or isinstance(value, int | str) else str(value)
