"""Handlers of the DDL statements beyond CREATE/DROP TABLE: ALTER TABLE, RENAME TABLE,
CREATE TABLE ... LIKE / ... SELECT, and CREATE/ALTER/DROP VIEW.

Each handler is compiled once per statement text (DDL is never cached) and runs through
:meth:`Session.run_write <edb_proxy.sql.session.Session.run_write>`: implicit commit, one write
transaction (so a failing ALTER changes nothing), catalog reload (which bumps the generation and
so invalidates every cached plan compiled against the old schema).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import apsw
from sqlglot import exp

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql import alter, ddl, views
from edb_proxy.sql.api import OkResult, Result
from edb_proxy.sql.catalog import Table, check_name
from edb_proxy.sql.compiler import compile_tree
from edb_proxy.sql.lexer import Lexed, syntax_error
from edb_proxy.sql.parsing import parse_one
from edb_proxy.sql.plan import Const, Plan
from edb_proxy.sql.policy import not_supported
from edb_proxy.sql.reader import TokenReader

if TYPE_CHECKING:
    from edb_proxy.sql.session import Session

__all__ = [
    "alter_handler",
    "create_like_handler",
    "create_select_handler",
    "create_view_handler",
    "drop_view_handler",
    "rename_handler",
]

Handler = Callable[["Session", list[object]], Result]
_RENAME_AS = re.compile(r"\bRENAME\s+AS\b", re.IGNORECASE)
_RENAME = re.compile(r"\s*RENAME\b", re.IGNORECASE)


def _db_for(session: Session, db: str | None) -> str:
    name = db or session.database
    if not name:
        raise SQLError(ER.ER_NO_DB_ERROR, "No database selected")
    return name.lower()


def _base_table(session: Session, db: str, name: str) -> Table:
    if session.db.catalog.view(db, name) is not None:
        raise SQLError(ER.ER_WRONG_OBJECT, f"'{db}.{name}' is not BASE TABLE")
    return session.db.catalog.require_table(db, name)


# -- ALTER ------------------------------------------------------------------------------------


def alter_handler(lx: Lexed) -> Handler:
    """ALTER TABLE / ALTER VIEW (other ALTERs are 1235)."""
    text = lx.exact()
    try:
        tree = parse_one(text)
    except SQLError:
        if not _RENAME_AS.search(text):
            raise
        tree = parse_one(_RENAME_AS.sub("RENAME TO", text, count=1))
    if not isinstance(tree, exp.Alter):
        raise syntax_error(lx.clean)
    kind = str(tree.args.get("kind") or "").upper()
    if kind == "VIEW":
        return _alter_view_handler(tree)
    if kind != "TABLE":
        raise not_supported(f"ALTER {kind}")
    target = tree.this
    actions = list(tree.args.get("actions") or [])
    renames = [a for a in actions if isinstance(a, exp.AlterRename)]
    if len(renames) > 1:
        raise syntax_error(lx.clean)
    changes = len(renames) < len(actions) or bool(tree.args.get("options"))

    def run(session: Session, values: list[object]) -> Result:
        db = _db_for(session, target.db or None)
        table = _base_table(session, db, target.name)
        catalog = session.db.catalog
        plan = alter.plan_alter(catalog, table, tree) if changes else None
        moves: list[tuple[str, str, str, str]] = []
        if renames:
            new = renames[0].this
            new_db = _db_for(session, new.db or None) if new.db else db
            if (new_db, new.name.lower()) != (db, table.name):
                moves.append((db, table.name, new_db, new.name))

        def work(conn: apsw.Connection) -> None:
            if plan is not None:
                alter.apply_alter(conn, catalog, plan)
            if moves:
                alter.rename_tables(conn, moves)

        session.run_write(work)
        return OkResult(info="Records: 0  Duplicates: 0  Warnings: 0")

    return run


# -- RENAME TABLE -----------------------------------------------------------------------------


def rename_handler(lx: Lexed) -> Handler:
    """RENAME TABLE a TO b [, c TO d] (atomic; across databases too)."""
    head = _RENAME.match(lx.clean)
    if head is None:
        raise syntax_error(lx.clean)
    r = TokenReader(lx.clean[head.end() :])  # sqlglot lexes RENAME's rest as one string
    if not r.accept("TABLE"):
        r.expect("TABLES")
    pairs: list[tuple[str | None, str, str | None, str]] = []
    while True:
        src_db, src = r.qualified()
        r.expect("TO")
        dst_db, dst = r.qualified()
        pairs.append((src_db, src, dst_db, dst))
        if not r.accept(","):
            break
    if not r.at_end():
        raise r.error()

    def run(session: Session, values: list[object]) -> Result:
        moves = []
        for src_db, src, dst_db, dst in pairs:
            sdb = _db_for(session, src_db)
            if session.db.catalog.view(sdb, src) is not None:
                raise not_supported("RENAME TABLE of a view")
            moves.append((sdb, src.lower(), _db_for(session, dst_db), dst))
        session.run_write(lambda conn: alter.rename_tables(conn, moves))
        return OkResult()

    return run


# -- CREATE TABLE ... LIKE / ... SELECT -------------------------------------------------------


def create_like_handler(tree: exp.Create, source: exp.Table) -> Handler:
    """CREATE TABLE t LIKE s: columns and indexes, not foreign keys (as MySQL)."""
    target = tree.this if isinstance(tree.this, exp.Table) else tree.this.this
    exists = bool(tree.args.get("exists"))

    def run(session: Session, values: list[object]) -> Result:
        src = _base_table(session, _db_for(session, source.db or None), source.name)
        db = _db_for(session, target.db or None)
        name = check_name(target.name, kind="table")
        table = Table.from_json(db, name, src.to_json())
        table.foreign_keys = []
        done = session.run_write(
            lambda conn: ddl.create_table(conn, session.db.catalog, table, if_not_exists=exists)
        )
        return _created(session, done, name)

    return run


def _created(session: Session, done: object, name: str) -> Result:
    if not done:
        session.warn("Note", 1050, f"Table '{name}' already exists")
        return OkResult(warnings=1)
    return OkResult()


def _metadata(session: Session, body: exp.Expression, plan: Plan, db: str) -> Plan:
    """The plan whose columns describe ``body``: a UNION's columns take its first SELECT's
    types (the union itself only knows them when rows arrive)."""
    first = body
    while isinstance(first, exp.Union | exp.Intersect | exp.Except):
        first = cast(exp.Expression, first.left)
    if first is body:
        return plan
    return _compile_select(session, first, db)


def _compile_select(session: Session, body: exp.Expression, db: str) -> Plan:
    text = body.sql(dialect="mysql")
    return compile_tree(
        body.copy(),
        text=text,
        catalog=session.db.catalog,
        database=db,
        found_rows=False,
        template=False,
        slot_count=0,
        authorize=session.authz.check,
    )


def _params(plan: Plan) -> tuple[object, ...]:
    """The bound values of a plan compiled from DDL text (every parameter is a constant)."""
    return tuple(s.value if isinstance(s, Const) else None for s in plan.sources or ())


def create_select_handler(tree: exp.Create) -> Handler:
    """CREATE TABLE t [(defs)] [AS] SELECT ...: column types from the SELECT's metadata.

    Explicit definitions come first and win for the SELECT columns they name (as MySQL).
    """
    schema = tree.this
    explicit = isinstance(schema, exp.Schema) and bool(schema.expressions)
    if isinstance(schema, exp.Schema):
        schema = schema.this
    target = schema
    body = tree.args["expression"]
    exists = bool(tree.args.get("exists"))

    def run(session: Session, values: list[object]) -> Result:
        db = _db_for(session, target.db or None)
        name = check_name(target.name, kind="table")
        catalog = session.db.catalog
        if catalog.table(db, name) is not None or catalog.view(db, name) is not None:
            if exists:
                return _created(session, False, name)
            raise SQLError(ER.ER_TABLE_EXISTS_ERROR, f"Table '{name}' already exists")
        plan = _compile_select(session, body, session.database or db)
        meta = _metadata(session, body, plan, session.database or db)
        columns = views.select_columns(catalog, meta.columns)
        seen: set[str] = set()
        for col in columns:
            if col.name.lower() in seen:
                raise SQLError(ER.ER_DUP_FIELDNAME, f"Duplicate column name '{col.name}'")
            seen.add(col.name.lower())
        if explicit:
            defined = ddl.table_from_tree(tree, db)
            merged = list(defined.columns)
            merged += [c for c in columns if defined.column(c.name) is None]
            table = Table(
                db=db,
                name=name,
                columns=merged,
                indexes=defined.indexes,
                options=defined.options,
                foreign_keys=defined.foreign_keys,
            )
        else:
            table = Table(db=db, name=name, columns=columns)
        params = _params(plan)
        cols = ", ".join('"' + c.name.replace('"', '""') + '"' for c in columns)
        insert = f'INSERT INTO "{table.sqlite_name}" ({cols}) {plan.sql}'

        def work(conn: apsw.Connection) -> int:
            ddl.create_table(conn, catalog, table, if_not_exists=False)
            conn.execute(insert, params)
            return int(conn.changes())

        count = session.run_write(work)
        rows = count if isinstance(count, int) else 0
        return OkResult(affected_rows=rows, info=f"Records: {rows}  Duplicates: 0  Warnings: 0")

    return run


# -- views ------------------------------------------------------------------------------------


def create_view_handler(tree: exp.Create) -> Handler:
    """CREATE [OR REPLACE] VIEW v [(cols)] AS SELECT ..."""
    mode = "replace" if tree.args.get("replace") else "create"
    schema = tree.this
    cols: tuple[str, ...] = ()
    if isinstance(schema, exp.Schema):
        cols = tuple(e.name for e in schema.expressions)
        schema = schema.this
    body = tree.args.get("expression")
    if not isinstance(body, exp.Query):
        raise not_supported("this CREATE VIEW form")
    return _view_handler(schema, cols, cast(exp.Expression, body), mode)


def _alter_view_handler(tree: exp.Alter) -> Handler:
    target = tree.this
    actions = list(tree.args.get("actions") or [])
    if len(actions) != 1 or not isinstance(actions[0], exp.Query):
        raise not_supported("this ALTER VIEW form")
    cols: tuple[str, ...] = ()
    if isinstance(target, exp.Schema):
        cols = tuple(e.name for e in target.expressions)
        target = target.this
    return _view_handler(target, cols, cast(exp.Expression, actions[0]), "alter")


def _view_handler(
    target: exp.Expression, cols: tuple[str, ...], body: exp.Expression, mode: str
) -> Handler:
    if not isinstance(target, exp.Table):
        raise not_supported("this view name")

    def run(session: Session, values: list[object]) -> Result:
        db = _db_for(session, target.db or None)
        catalog = session.db.catalog
        prepared = views.prepare_body(body, catalog, db)
        plan = _compile_select(session, prepared, db)
        meta = _metadata(session, prepared, plan, db)

        def work(conn: apsw.Connection) -> None:
            # SQLite resolves columns when it prepares: an unknown one fails here (1054).
            # plan.sql is regenerated from the tree; values are bound.
            check = f"SELECT 1 FROM ({plan.sql}) LIMIT 0"  # noqa: S608
            conn.execute(check, _params(plan)).fetchall()
            views.create_view(
                conn,
                catalog,
                db=db,
                name=target.name,
                body=prepared,
                column_list=cols,
                definer=session.user,
                mode=mode,
                plan_columns=meta.columns,
            )

        session.run_write(work)
        return OkResult()

    return run


def drop_view_handler(tree: exp.Drop) -> Handler:
    """DROP VIEW [IF EXISTS] v [, w] (all or nothing)."""
    exists = bool(tree.args.get("exists"))
    targets = [(t.db or None, t.name) for t in tree.args.get("tables") or []]

    def run(session: Session, values: list[object]) -> Result:
        names = [(_db_for(session, db), name.lower()) for db, name in targets]
        missing = session.run_write(
            lambda conn: views.drop_views(conn, session.db.catalog, names, if_exists=exists)
        )
        assert isinstance(missing, list)
        for name in missing:
            session.warn("Note", 1051, f"Unknown table '{name}'")
        return OkResult(warnings=len(missing))

    return run
