"""Utility statements: transactions, SET, USE, DDL, account statements, DO, no-ops.

Each is compiled on every use into a :class:`Utility` (a bound handler). Handlers run SQLite
work only through :meth:`Session.run_write` (DDL, accounts: own write transaction after an
implicit commit) or the session's transaction methods.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import apsw
from sqlglot import exp

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.api import OkResult, Result, ResultSet
from edb_proxy.sql.catalog import check_name
from edb_proxy.sql.compiler import compile_tree
from edb_proxy.sql.dcl import parse_dcl
from edb_proxy.sql.foreignkeys import set_checks
from edb_proxy.sql.lexer import Lexed, syntax_error
from edb_proxy.sql.parsing import parse_one
from edb_proxy.sql.policy import not_supported
from edb_proxy.sql.processlist import plan_kill
from edb_proxy.sql.reader import TokenReader
from edb_proxy.sql.schema_commands import dcl, ddl_handler
from edb_proxy.sql.show import plan_show
from edb_proxy.sql.variables import normalize_session_value

if TYPE_CHECKING:
    from edb_proxy.sql.session import Session

__all__ = ["Utility", "plan_utility"]

Handler = Callable[["Session", list[object]], Result]


@dataclass(frozen=True, slots=True)
class Utility:
    """A compiled utility statement."""

    handler: Handler
    keeps_warnings: bool = False

    def run(self, session: Session, values: list[object]) -> Result:
        return self.handler(session, values)


_OK = OkResult()
_BEGIN = re.compile(r"^(?:BEGIN(?: WORK)?|START TRANSACTION(?P<opts>(?: [A-Z ,]+)?))$")
_COMMIT = re.compile(r"^COMMIT(?: WORK)?(?: AND NO CHAIN)?(?: NO RELEASE)?$")
_ROLLBACK = re.compile(r"^ROLLBACK(?: WORK)?(?: AND NO CHAIN)?(?: NO RELEASE)?$")
_SAVEPOINT = re.compile(
    r"^(?P<verb>SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK(?: WORK)? TO(?: SAVEPOINT)?) (?P<name>\S+)$"
)
_NOOP = re.compile(r"^(?:UNLOCK TABLES?|LOCK TABLES? .*|FLUSH .*)$")
_UNSUPPORTED = frozenset(
    [
        "CALL",
        "LOAD",
        "HANDLER",
        "PREPARE",
        "EXECUTE",
        "DEALLOCATE",
        "KILL",
        "ANALYZE",
        "OPTIMIZE",
        "CHECK",
        "REPAIR",
        "XA",
        "INSTALL",
        "UNINSTALL",
        "CHECKSUM",
        "CACHE",
        "RESET",
        "PURGE",
        "CHANGE",
        "IMPORT",
        "CLONE",
        "RESTART",
        "SHUTDOWN",
        "HELP",
        "BINLOG",
        "TABLE",
        "VALUES",
        "RENAME",
    ]
)


def _ok(session: Session, values: list[object]) -> Result:
    return _OK


def plan_utility(session: Session, lx: Lexed, head: str) -> Utility:
    """Compile one non-DML statement.

    Raises:
        SQLError: 1064 for unknown statements, 1235 for unsupported ones.
    """
    norm = " ".join(lx.clean.upper().split())
    if head in ("BEGIN", "START", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
        if session.in_init:
            raise not_supported("transaction control in the manifest")
        return _transaction(norm, lx)
    if lx.param_count and head != "SET":
        raise not_supported("placeholders in this statement")
    if head == "SET":
        return Utility(_set_handler(lx))
    if head == "USE":
        r = TokenReader(lx.clean)
        r.expect("USE")
        name = r.name()
        if not r.at_end():
            raise r.error()
        return Utility(lambda s, v: _use(s, name))
    if head in ("SHOW", "DESCRIBE", "DESC", "EXPLAIN"):
        keeps = norm.startswith(("SHOW WARNINGS", "SHOW ERRORS", "SHOW COUNT"))
        return Utility(plan_show(session, lx, head), keeps_warnings=keeps)
    if head in ("CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME"):
        return Utility(ddl_handler(session, lx, head, norm))
    if head in ("GRANT", "REVOKE"):
        stmt = parse_dcl(lx.clean)
        return Utility(lambda s, v: dcl(s, stmt))
    if head == "DO":
        return Utility(_do_handler(lx))
    if head == "KILL":
        return Utility(plan_kill(lx.clean))  # edb_proxy.sql.processlist
    if _NOOP.match(norm):
        return Utility(_ok)
    if head in _UNSUPPORTED:
        raise not_supported(head)
    raise syntax_error(lx.clean)


def _use(session: Session, name: str) -> Result:
    session.use(name)
    return _OK


def _transaction(norm: str, lx: Lexed) -> Utility:
    m = _BEGIN.match(norm)
    if m:
        opts = {o.strip() for o in (m.group("opts") or "").split(",") if o.strip()}
        if not opts <= {"READ WRITE", "READ ONLY", "WITH CONSISTENT SNAPSHOT"}:
            raise syntax_error(lx.clean)
        snapshot = "WITH CONSISTENT SNAPSHOT" in opts
        if {"READ ONLY", "READ WRITE"} <= opts:
            raise syntax_error(lx.clean)
        read_only = "READ ONLY" in opts
        return Utility(lambda s, v: _begin(s, snapshot, read_only))
    if _COMMIT.match(norm):
        return Utility(_commit)
    if _ROLLBACK.match(norm):
        return Utility(_rollback)
    m = _SAVEPOINT.match(" ".join(lx.clean.split()))
    if m:
        verb = m.group("verb").upper()
        name = m.group("name").strip("`")
        check_name(name, kind="index")
        sql_verb = (
            "SAVEPOINT"
            if verb == "SAVEPOINT"
            else ("RELEASE SAVEPOINT" if verb.startswith("RELEASE") else "ROLLBACK TO SAVEPOINT")
        )
        return Utility(lambda s, v: _savepoint(s, sql_verb, name))
    if "CHAIN" in norm or "RELEASE" in norm:
        raise not_supported("COMMIT/ROLLBACK AND CHAIN or RELEASE")
    raise syntax_error(lx.clean)


def _begin(session: Session, snapshot: bool, read_only: bool = False) -> Result:
    session.begin(snapshot=snapshot, read_only=read_only)
    return _OK


def _commit(session: Session, values: list[object]) -> Result:
    session.commit()
    return _OK


def _rollback(session: Session, values: list[object]) -> Result:
    session.rollback()
    return _OK


def _savepoint(session: Session, verb: str, name: str) -> Result:
    if not session.in_transaction:
        if verb != "SAVEPOINT":
            raise SQLError(ER.ER_SP_DOES_NOT_EXIST, f"SAVEPOINT {name} does not exist")
        if session.autocommit:
            return _OK  # MySQL: the savepoint ends with the (auto-committed) statement
        session.begin()  # autocommit=0: SAVEPOINT starts the implicit transaction, as in MySQL
    quoted = '"u_' + name.lower().replace('"', '""') + '"'
    try:
        session.conn.execute(f"{verb} {quoted}").fetchall()
    except apsw.SQLError:
        raise SQLError(ER.ER_SP_DOES_NOT_EXIST, f"SAVEPOINT {name} does not exist") from None
    return _OK


# -- SET --------------------------------------------------------------------------------------


def _set_handler(lx: Lexed) -> Handler:
    tree = parse_one(lx.exact())
    if not isinstance(tree, exp.Set) or tree.args.get("unset"):
        raise syntax_error(lx.clean)
    items = list(tree.expressions)
    if not items:
        raise syntax_error(lx.clean)

    def run(session: Session, values: list[object]) -> Result:
        for item in items:
            _set_item(session, item, values)
        return _OK

    return run


def _set_item(session: Session, item: exp.Expression, values: list[object]) -> None:
    if not isinstance(item, exp.SetItem):
        raise not_supported("SET form")
    kind = str(item.args.get("kind") or "").upper()
    target = item.this
    if kind in ("NAMES", "CHARACTER SET"):
        charset = "utf8mb4" if target is None else target.name.lower()
        if charset == "default":
            charset = "utf8mb4"
        normalize_session_value("character_set_client", charset)
        session.variables["character_set_client"] = charset
        session.variables["character_set_results"] = charset
        if kind == "NAMES":
            session.variables["character_set_connection"] = charset
            collate = item.args.get("collate")
            if collate is not None:
                session.variables["collation_connection"] = normalize_session_value(
                    "collation_connection", collate.name
                )
        return
    if kind == "TRANSACTION":
        for option in item.expressions:
            text = option.name.upper()
            if text.startswith("ISOLATION LEVEL "):
                level = normalize_session_value("transaction_isolation", text[16:])
                session.variables["transaction_isolation"] = level
                session.variables["tx_isolation"] = level
            elif text in ("READ ONLY", "READ WRITE"):
                pass
            else:
                raise syntax_error(text)
        return
    if not isinstance(target, exp.EQ | exp.PropertyEQ):
        raise not_supported("SET form")
    lhs, rhs = target.this, target.expression
    if isinstance(lhs, exp.Parameter):
        session.user_variables[lhs.name.lower()] = _evaluate(session, rhs, values)  # type: ignore[assignment]
        return
    if isinstance(lhs, exp.SessionParameter):
        name = lhs.name.lower()
        scope = str(lhs.args.get("kind") or kind).upper()
    elif isinstance(lhs, exp.Column) and not lhs.table:
        name = lhs.name.lower()
        scope = kind
    else:
        raise not_supported("SET form")
    if scope in ("GLOBAL", "PERSIST", "PERSIST_ONLY"):
        raise SQLError(
            ER.ER_SPECIFIC_ACCESS_DENIED_ERROR,
            "Access denied; global variables are set by the server configuration",
        )
    if isinstance(rhs, exp.Var | exp.Column) and rhs.name.upper() == "DEFAULT":
        value: object = session.db.global_variable(name)
    elif isinstance(rhs, exp.Var) or (isinstance(rhs, exp.Column) and not rhs.table):
        value = rhs.name
    else:
        value = _evaluate(session, rhs, values)
    stored = normalize_session_value(name, value)
    if name == "autocommit":
        session.set_autocommit(bool(stored))
        return
    session.variables[name] = stored
    if name == "foreign_key_checks":
        set_checks(session.conn, bool(stored))
    if name in ("transaction_isolation", "tx_isolation"):
        session.variables["transaction_isolation"] = stored
        session.variables["tx_isolation"] = stored


def _evaluate(session: Session, node: exp.Expression, values: list[object]) -> object:
    """The value of a SET expression (literals directly, anything else through SQLite)."""
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        return int(node.this) if node.is_int else float(node.this)
    if (
        isinstance(node, exp.Neg)
        and isinstance(node.this, exp.Literal)
        and not node.this.is_string
    ):
        inner = _evaluate(session, node.this, values)
        return -inner  # type: ignore[operator]
    if isinstance(node, exp.Boolean):
        return int(bool(node.this))
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Var | exp.Column) and not (
        isinstance(node, exp.Column) and node.table
    ):
        return node.name
    select = exp.Select(expressions=[node.copy()])
    plan = compile_tree(
        select,
        text="",
        catalog=session.db.catalog,
        database=session.database,
        found_rows=session.client_found_rows,
        template=False,
        slot_count=len(values),
        authorize=session.authz.check,
    )
    result = session.execute_plan(plan, values)
    assert isinstance(result, ResultSet)
    return result.rows[0][0] if result.rows else None


def _do_handler(lx: Lexed) -> Handler:
    text = "SELECT" + lx.exact().lstrip()[2:]
    tree = parse_one(text)
    if not isinstance(tree, exp.Select):
        raise syntax_error(lx.clean)

    def run(session: Session, values: list[object]) -> Result:
        plan = compile_tree(
            tree.copy(),
            text=text,
            catalog=session.db.catalog,
            database=session.database,
            found_rows=session.client_found_rows,
            template=False,
            slot_count=len(values),
            authorize=session.authz.check,
        )
        session.execute_plan(plan, values)
        return _OK

    return run
