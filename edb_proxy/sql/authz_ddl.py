"""Privilege checks of utility statements: DDL and account statements.

:func:`guard_utility` wraps every compiled utility statement
(:func:`edb_proxy.sql.utility.plan_utility`) so its requirements are checked each time it
runs, before its handler looks anything up (privileges before existence). The requirements
are read off the statement text with the token reader, independently of the handler, so DDL
added later is covered by the same table (https://dev.mysql.com/doc/refman/8.0/en/
privileges-provided.html):

==============================================  =============================================
statement                                       privileges
==============================================  =============================================
CREATE DATABASE d / DROP DATABASE d             CREATE / DROP on ``d.*`` (1044)
CREATE TABLE t [LIKE s | AS SELECT ...]         CREATE on t (+ SELECT on s / the SELECT's
                                                tables, INSERT on t); REFERENCES on a
                                                FOREIGN KEY's parent
DROP TABLE t, ... / TRUNCATE t                  DROP on each
CREATE INDEX ... ON t / DROP INDEX ... ON t     INDEX on t
ALTER TABLE t ...                               ALTER on t (+ RENAME TO u: DROP on t, CREATE
                                                and INSERT on u; REFERENCES on a parent)
RENAME TABLE t TO u, ...                        ALTER and DROP on t, CREATE and INSERT on u
CREATE [OR REPLACE] VIEW v AS SELECT ...        CREATE VIEW on v (+ DROP if OR REPLACE),
                                                SELECT on what the SELECT reads
ALTER VIEW v / DROP VIEW v, ...                 CREATE VIEW and DROP / DROP
GRANT, REVOKE, CREATE/ALTER/DROP/RENAME USER    :mod:`edb_proxy.sql.authz_stmt`
==============================================  =============================================

Other utility statements need no privilege here: SET GLOBAL is refused (1227) by its handler,
SHOW statements check in :mod:`edb_proxy.sql.show` hooks, USE in ``Session.use``, and DO /
``SET @v = (SELECT ...)`` compile through the query checker.

After an account statement ran, ``Database.grant_generation`` is bumped (every session's
grant snapshot is re-read before its next statement).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot.tokenizer_core import TokenType

from edb_proxy.errors import SQLError
from edb_proxy.sql.api import Result
from edb_proxy.sql.authz import Requirement
from edb_proxy.sql.authz_stmt import check_account_statement, check_grant_statement
from edb_proxy.sql.authz_tree import tree_requirements
from edb_proxy.sql.dcl import AccountStatement, parse_dcl
from edb_proxy.sql.lexer import Lexed
from edb_proxy.sql.parsing import parse_one
from edb_proxy.sql.reader import TokenReader
from edb_proxy.sql.utility import Utility

if TYPE_CHECKING:
    from edb_proxy.sql.catalog import Catalog
    from edb_proxy.sql.session import Session

__all__ = ["ddl_requirements", "guard_utility"]

_DDL = frozenset({"CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME"})
_ACCOUNT = frozenset({"GRANT", "REVOKE"})
_NONE: frozenset[str] = frozenset()


class _Collector:
    def __init__(self, database: str | None) -> None:
        self.database = database
        self.reqs: set[Requirement] = set()

    def table(self, priv: str, db: str | None, name: str) -> None:
        owner = db or self.database
        if owner:  # otherwise the handler raises 1046
            self.reqs.add(("", priv, owner.lower(), name.lower(), _NONE))

    def database_level(self, priv: str, name: str) -> None:
        self.reqs.add(("", priv, name.lower(), "", _NONE))


def _skip_if(r: TokenReader, *words: str) -> None:
    r.accept(*words)


def _names(r: TokenReader) -> list[tuple[str | None, str]]:
    out = [r.qualified()]
    while r.accept(","):
        out.append(r.qualified())
    return out


def _references(r: TokenReader, c: _Collector) -> None:
    """REFERENCES on every ``REFERENCES parent`` from the reader's position on."""
    while r.peek() is not None:
        if r.accept("REFERENCES"):
            db, name = r.qualified()
            c.table("REFERENCES", db, name)
        else:
            r.pos += 1


def _select_requirements(
    text: str, catalog: Catalog, database: str | None
) -> frozenset[Requirement]:
    return tree_requirements(parse_one(text), catalog, database)


def _create(r: TokenReader, c: _Collector, text: str, catalog: Catalog) -> None:
    if r.accept("DATABASE") or r.accept("SCHEMA"):
        _skip_if(r, "IF", "NOT", "EXISTS")
        c.database_level("CREATE", r.name())
        return
    replace = r.accept("OR", "REPLACE")
    _skip_view_options(r)
    if r.accept("VIEW"):
        db, name = r.qualified()
        c.table("CREATE_VIEW", db, name)
        if replace:
            c.table("DROP", db, name)
        _view_body(r, c, text, catalog)
        return
    for word in ("UNIQUE", "FULLTEXT", "SPATIAL"):
        r.accept(word)
    if r.accept("INDEX"):
        while not r.accept("ON"):
            if r.peek() is None:
                raise r.error()
            r.pos += 1
        db, name = r.qualified()
        c.table("INDEX", db, name)
        return
    r.accept("TEMPORARY")
    if r.accept("TABLE"):
        _skip_if(r, "IF", "NOT", "EXISTS")
        db, name = r.qualified()
        c.table("CREATE", db, name)
        start = r.pos
        if r.accept("LIKE") or r.accept("(", "LIKE"):
            sdb, sname = r.qualified()
            c.table("SELECT", sdb, sname)
            return
        r.pos = start
        select = _find_select(r)
        if select is not None:
            c.table("INSERT", db, name)
            c.reqs |= _select_requirements(text[select:], catalog, c.database)
        r.pos = start
        _references(r, c)


def _find_select(r: TokenReader) -> int | None:
    """Offset of a top-level ``[AS] SELECT``/``WITH`` after a CREATE TABLE's definition."""
    depth = 0
    while r.peek() is not None:
        tok = r.peek()
        assert tok is not None
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0 and r.word() in ("SELECT", "WITH"):
            return tok.start
        r.pos += 1
    return None


def _view_body(r: TokenReader, c: _Collector, text: str, catalog: Catalog) -> None:
    if r.accept("("):
        while not r.accept(")"):
            if r.peek() is None:
                raise r.error()
            r.pos += 1
    r.expect("AS")
    tok = r.peek()
    if tok is None:
        raise r.error()
    body = text[tok.start :]
    for suffix in ("WITH CASCADED CHECK OPTION", "WITH LOCAL CHECK OPTION", "WITH CHECK OPTION"):
        if body.rstrip().rstrip(";").upper().endswith(suffix):
            body = body.rstrip().rstrip(";")[: -len(suffix)]
            break
    c.reqs |= _select_requirements(body, catalog, c.database)


def _skip_view_options(r: TokenReader) -> None:
    """Skip CREATE/ALTER VIEW options: ALGORITHM = x, DEFINER = u, SQL SECURITY x."""
    while True:
        if r.accept("ALGORITHM") or r.accept("DEFINER"):
            r.accept("=")
            r.user_name()
        elif r.accept("SQL", "SECURITY"):
            r.name()
        else:
            break


def _alter(r: TokenReader, c: _Collector, text: str, catalog: Catalog) -> None:
    for word in ("ONLINE", "IGNORE"):
        r.accept(word)
    _skip_view_options(r)
    if r.accept("VIEW"):
        db, name = r.qualified()
        c.table("CREATE_VIEW", db, name)
        c.table("DROP", db, name)
        _view_body(r, c, text, catalog)
        return
    if r.accept("DATABASE") or r.accept("SCHEMA"):
        c.database_level("ALTER", r.name())
        return
    r.expect("TABLE")
    db, name = r.qualified()
    c.table("ALTER", db, name)
    start = r.pos
    while r.peek() is not None:
        if r.accept("RENAME"):
            if r.accept("INDEX") or r.accept("KEY") or r.accept("COLUMN"):
                continue
            if not r.accept("TO"):
                r.accept("AS")
            ndb, nname = r.qualified()
            c.table("DROP", db, name)
            c.table("CREATE", ndb or db, nname)
            c.table("INSERT", ndb or db, nname)
        elif r.accept("ADD") and (
            r.accept("INDEX") or r.accept("KEY") or r.accept("UNIQUE") or r.accept("FULLTEXT")
        ):
            c.table("INDEX", db, name)
        else:
            r.pos += 1
    r.pos = start
    _references(r, c)


def _drop(r: TokenReader, c: _Collector) -> None:
    if r.accept("DATABASE") or r.accept("SCHEMA"):
        _skip_if(r, "IF", "EXISTS")
        c.database_level("DROP", r.name())
        return
    if r.accept("INDEX"):
        r.name()
        r.expect("ON")
        db, name = r.qualified()
        c.table("INDEX", db, name)
        return
    r.accept("TEMPORARY")
    if r.accept("TABLE") or r.accept("TABLES") or r.accept("VIEW"):
        _skip_if(r, "IF", "EXISTS")
        for db, name in _names(r):
            c.table("DROP", db, name)


def ddl_requirements(
    lx: Lexed, head: str, catalog: Catalog, database: str | None
) -> frozenset[Requirement]:
    """The privileges a DDL statement needs (see the module table).

    Raises:
        SQLError: 1064 when the statement cannot be read (the handler would refuse it too).
    """
    text = lx.exact()
    r = TokenReader(text)
    c = _Collector(database)
    r.expect(head)
    if head == "CREATE":
        _create(r, c, text, catalog)
    elif head == "DROP":
        _drop(r, c)
    elif head == "ALTER":
        _alter(r, c, text, catalog)
    elif head == "TRUNCATE":
        r.accept("TABLE")
        db, name = r.qualified()
        c.table("DROP", db, name)
    elif head == "RENAME":
        # sqlglot's tokenizer reads RENAME as a command: the rest is one string token
        rest = r.peek()
        r = TokenReader(rest.text if rest is not None else "")
        r.expect("TABLE")
        while True:
            db, name = r.qualified()
            r.expect("TO")
            ndb, nname = r.qualified()
            c.table("ALTER", db, name)
            c.table("DROP", db, name)
            c.table("CREATE", ndb, nname)
            c.table("INSERT", ndb, nname)
            if not r.accept(","):
                break
    return frozenset(c.reqs)


def _is_account(lx: Lexed, head: str) -> bool:
    if head in _ACCOUNT:
        return True
    words = lx.clean.split(None, 2)
    return head in ("CREATE", "ALTER", "DROP", "RENAME") and (
        len(words) > 1 and words[1].upper() == "USER"
    )


def guard_utility(session: Session, lx: Lexed, head: str, utility: Utility) -> Utility:
    """``utility`` with its privilege check (and, for account statements, the grant bump).

    Statements outside DDL and account management are returned unchanged.
    """
    if head not in _DDL and head not in _ACCOUNT:
        return utility
    inner = utility.handler
    if _is_account(lx, head):
        stmt = parse_dcl(lx.clean) if not lx.clean.upper().lstrip().startswith("RENAME") else None

        def run_account(s: Session, values: list[object]) -> Result:
            if stmt is None:
                s.authz.require("CREATE_USER", "")
            elif isinstance(stmt, AccountStatement):
                check_account_statement(s.authz, stmt)
            else:
                check_grant_statement(s.authz, stmt, s.database)
            try:
                return inner(s, values)
            finally:
                s.db.grant_generation += 1

        return Utility(run_account, utility.keeps_warnings)
    try:
        reqs = ddl_requirements(lx, head, session.db.catalog, session.database)
    except SQLError:
        if session.authz.enforce:
            raise
        return utility

    def run_ddl(s: Session, values: list[object]) -> Result:
        s.authz.check(reqs)
        return inner(s, values)

    return Utility(run_ddl, utility.keeps_warnings)
