"""Schema and account statements: CREATE/DROP DATABASE, TABLE and INDEX, TRUNCATE (ALTER,
RENAME, CREATE ... LIKE/SELECT and views are in :mod:`edb_proxy.sql.ddl_statements`), and
CREATE/ALTER/DROP USER, GRANT, REVOKE, compiled into handlers run by
:meth:`Session.run_write <edb_proxy.sql.session.Session.run_write>` (implicit commit, own write
transaction, catalog reload).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql import ddl, ddl_statements
from edb_proxy.sql.api import OkResult, Result
from edb_proxy.sql.catalog import Index, Table
from edb_proxy.sql.dcl import AccountStatement, parse_dcl
from edb_proxy.sql.grants import run_account_statement, run_grant_statement
from edb_proxy.sql.lexer import Lexed, syntax_error
from edb_proxy.sql.parsing import parse_one
from edb_proxy.sql.policy import not_supported
from edb_proxy.sql.reader import TokenReader

if TYPE_CHECKING:
    from edb_proxy.sql.session import Session

__all__ = ["dcl", "ddl_handler"]

Handler = Callable[["Session", list[object]], Result]
_OK = OkResult()


# -- DDL --------------------------------------------------------------------------------------


def _db_for(session: Session, db: str | None) -> str:
    name = db or session.database
    if not name:
        raise SQLError(ER.ER_NO_DB_ERROR, "No database selected")
    return name.lower()


def _copy(table: Table) -> Table:
    return Table.from_json(table.db, table.name, table.to_json())


def ddl_handler(session: Session, lx: Lexed, head: str, norm: str) -> Handler:
    words = norm.split()
    second = words[1] if len(words) > 1 else ""
    if second == "USER" and head in ("CREATE", "DROP", "ALTER"):
        account = parse_dcl(lx.clean)
        return lambda s, v: dcl(s, account)
    if head == "CREATE" and (
        second == "INDEX" or (second in ("UNIQUE", "FULLTEXT", "SPATIAL") and "INDEX" in words[:3])
    ):
        return _create_index_handler(lx)
    if head == "DROP" and second == "INDEX":
        return _drop_index_handler(lx)
    if head == "ALTER":
        return ddl_statements.alter_handler(lx)
    if head == "RENAME":
        return ddl_statements.rename_handler(lx)
    tree = parse_one(lx.exact())
    if head == "TRUNCATE" and isinstance(tree, exp.TruncateTable):
        targets = list(tree.expressions)
        if len(targets) != 1:
            raise syntax_error(lx.clean)
        return _truncate_handler(targets[0])
    if isinstance(tree, exp.Create):
        kind = str(tree.args.get("kind") or "").upper()
        if kind in ("DATABASE", "SCHEMA"):
            name = tree.this.name
            exists = bool(tree.args.get("exists"))
            return lambda s, v: _create_database(s, name, exists)
        if kind == "TABLE":
            return _create_table_handler(tree)
        if kind == "VIEW":
            return ddl_statements.create_view_handler(tree)
        raise not_supported(f"CREATE {kind}")
    if isinstance(tree, exp.Drop):
        kind = str(tree.args.get("kind") or "").upper()
        exists = bool(tree.args.get("exists"))
        if kind in ("DATABASE", "SCHEMA"):
            name = tree.this.name if tree.this else tree.args["tables"][0].name
            return lambda s, v: _drop_database(s, name, exists)
        if kind == "TABLE" and not tree.args.get("temporary"):
            tables = [(t.db or None, t.name) for t in tree.args.get("tables") or []]
            return lambda s, v: _drop_tables(s, tables, exists)
        if kind == "VIEW":
            return ddl_statements.drop_view_handler(tree)
        raise not_supported(f"DROP {kind}")
    raise syntax_error(lx.clean)


def _create_database(session: Session, name: str, exists: bool) -> Result:
    done = session.run_write(
        lambda conn: ddl.create_database(conn, session.db.catalog, name, if_not_exists=exists)
    )
    if not done:
        session.warn("Note", 1007, f"Can't create database '{name}'; database exists")
        return OkResult(warnings=1)
    return OkResult(affected_rows=1)


def _drop_database(session: Session, name: str, exists: bool) -> Result:
    checks = bool(session.variables.get("foreign_key_checks", 1))
    count = session.run_write(
        lambda conn: ddl.drop_database(
            conn, session.db.catalog, name, if_exists=exists, fk_checks=checks
        )
    )
    assert isinstance(count, int)
    if session.database == name.lower():
        session.database = None
    if count < 0:
        session.warn("Note", 1008, f"Can't drop database '{name}'; database doesn't exist")
        return OkResult(warnings=1)
    return OkResult(affected_rows=count)


def _create_table_handler(tree: exp.Create) -> Handler:
    props = tree.args.get("properties")
    for prop in props.expressions if props else []:
        if isinstance(prop, exp.TemporaryProperty):
            raise not_supported("CREATE TEMPORARY TABLE")
        if isinstance(prop, exp.LikeProperty) and isinstance(prop.this, exp.Table):
            return ddl_statements.create_like_handler(tree, prop.this)
    if tree.args.get("expression") is not None:
        return ddl_statements.create_select_handler(tree)
    exists = bool(tree.args.get("exists"))
    schema = tree.this
    dbname = schema.this.db if isinstance(schema, exp.Schema) else None

    def run(session: Session, values: list[object]) -> Result:
        db = _db_for(session, dbname)
        if not session.db.catalog.has_database(db) or db not in session.db.catalog.databases:
            raise SQLError(ER.ER_BAD_DB_ERROR, f"Unknown database '{db}'")
        table = ddl.table_from_tree(tree, db)
        done = session.run_write(
            lambda conn: ddl.create_table(conn, session.db.catalog, table, if_not_exists=exists)
        )
        if not done:
            session.warn("Note", 1050, f"Table '{table.name}' already exists")
            return OkResult(warnings=1)
        return _OK

    return run


def _drop_tables(session: Session, tables: list[tuple[str | None, str]], exists: bool) -> Result:
    names = [(_db_for(session, db), name.lower()) for db, name in tables]
    checks = bool(session.variables.get("foreign_key_checks", 1))
    missing = session.run_write(
        lambda conn: ddl.drop_tables(
            conn, session.db.catalog, names, if_exists=exists, fk_checks=checks
        )
    )
    assert isinstance(missing, int)
    if missing:
        for db, name in names:
            if session.db.catalog.table(db, name) is None:
                session.warn("Note", 1051, f"Unknown table '{db}.{name}'")
        return OkResult(warnings=missing)
    return _OK


def _truncate_handler(target: exp.Expression) -> Handler:
    def run(session: Session, values: list[object]) -> Result:
        db = _db_for(session, target.args.get("db") and target.text("db"))
        table = session.db.catalog.require_table(db, target.name)
        checks = bool(session.variables.get("foreign_key_checks", 1))
        session.run_write(lambda conn: ddl.truncate_table(conn, table, fk_checks=checks))
        return _OK

    return run


def _index_target(r: TokenReader, session: Session) -> Table:
    db, name = r.qualified()
    return session.db.catalog.require_table(_db_for(session, db), name)


def _create_index_handler(lx: Lexed) -> Handler:
    r = TokenReader(lx.clean)
    r.expect("CREATE")
    unique = r.accept("UNIQUE")
    if r.accept("FULLTEXT") or r.accept("SPATIAL"):
        raise not_supported("FULLTEXT/SPATIAL indexes")
    r.expect("INDEX")
    name = r.name()
    if r.accept("USING"):
        r.name()
    r.expect("ON")
    db, table_name = r.qualified()
    r.expect("(")
    columns = []
    while True:
        columns.append(r.name())
        if r.accept("("):  # prefix length: the full value is indexed
            r.name()
            r.expect(")")
        if not (r.accept("ASC") or r.accept("DESC")):
            pass
        if not r.accept(","):
            break
    r.expect(")")
    while not r.at_end():
        if r.accept("USING"):
            r.name()
        elif r.accept("COMMENT"):
            r.string()
        elif r.accept("ALGORITHM") or r.accept("LOCK"):
            r.accept("=")
            r.name()
        else:
            raise r.error()
    index = Index(name, tuple(columns), unique=unique)

    def run(session: Session, values: list[object]) -> Result:
        table = _copy(session.db.catalog.require_table(_db_for(session, db), table_name))
        session.run_write(lambda conn: ddl.create_index(conn, table, index))
        return _OK

    return run


def _drop_index_handler(lx: Lexed) -> Handler:
    r = TokenReader(lx.clean)
    r.expect("DROP", "INDEX")
    name = r.name()
    r.expect("ON")
    db, table_name = r.qualified()
    while not r.at_end():
        if r.accept("ALGORITHM") or r.accept("LOCK"):
            r.accept("=")
            r.name()
        else:
            raise r.error()

    def run(session: Session, values: list[object]) -> Result:
        table = _copy(session.db.catalog.require_table(_db_for(session, db), table_name))
        session.run_write(lambda conn: ddl.drop_index(conn, table, name))
        return _OK

    return run


def dcl(session: Session, stmt: object) -> Result:
    if isinstance(stmt, AccountStatement):
        allow = session.db.allow_empty_passwords or (
            session.in_init and session.db.init_allow_empty
        )
        session.run_write(lambda conn: run_account_statement(conn, stmt, allow_empty=allow))
    else:
        session.run_write(
            lambda conn: run_grant_statement(conn, stmt, database=session.database)  # type: ignore[arg-type]
        )
    return _OK
