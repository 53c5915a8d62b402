"""Privilege enforcement: a user's grants, the checker, and the hooks other modules call.

Theory of operation
-------------------
Grants are stored per user in ``edb_grants`` (global ``*.*``, database ``db.*`` and table
``db.t`` levels) and ``edb_column_grants`` (column level); see :mod:`edb_proxy.sql.grants`.
:func:`load_grants` turns them into a :class:`Grants` snapshot. Every statement is reduced to a
set of :data:`Requirement` tuples ``(who, privilege, db, table, columns)`` before it runs
(:mod:`edb_proxy.sql.authz_tree` for queries and DML, :mod:`edb_proxy.sql.authz_ddl` and
:mod:`edb_proxy.sql.authz_stmt` for DDL and account statements, small hooks in
:mod:`edb_proxy.sql.show` and ``Session.use``); :meth:`Authorizer.check` raises MySQL's error
for the first requirement the user does not meet. A definer's unmet requirement (a view body)
is 1356 and never names the hidden object.

Levels of a requirement: ``db == ""`` is a global privilege (1227), ``table == ""`` a database
privilege (1044), otherwise a table privilege (1142), met at the table level or, for SELECT,
INSERT, UPDATE and REFERENCES, by column grants covering ``columns`` (else 1143). ``who`` is
``""`` for the session's user, or a view definer's name (:func:`definer_requirements`).

Invariants
1. Privileges are checked before existence: a statement naming a table the user has no
   privilege on fails with 1142 whether or not the table exists (no existence oracle).
2. A cached plan carries its requirements (``Plan.requirements``, computed when it is compiled)
   and :meth:`Session.execute_plan` checks them on every execution, for the current user.
3. ``Database.grant_generation`` increases after every GRANT, REVOKE and account statement;
   an :class:`Authorizer` drops its grant snapshot and its set of already-passed requirement
   sets when it changed, so a revoke applies to the next statement of every session.
4. A session created for an existing account (always the case for the server, which passes
   ``enforce=True``) is enforced for its whole life, even if the account is dropped (its
   grants are then empty). Only in-process callers (the manifest runner, tools, tests) get a
   *system* session with every privilege, by naming a user that has no account.

Hooks for other modules (all on ``session.authz``, an :class:`Authorizer`)
- ``visible(db, table=None) -> bool``: may the user see this database/table at all (any
  privilege on it or below it)? For SHOW DATABASES/TABLES and ``information_schema`` rows.
- ``visible_column(db, table, column) -> bool``: for SHOW COLUMNS / COM_FIELD_LIST.
- ``grants().holds(privilege, db="", table="")``: a raw test (``processlist`` uses it for
  PROCESS/SUPER at the global level).
- ``require(privilege, db, table="", columns=())``: raise unless held (DDL targets, ...).
- ``require_any(db, table=None, command="SHOW")``: raise 1044/1142 unless :meth:`visible`.
- ``check(requirements)``: the hot-path check of a requirement set.
- ``check_kill(owner, thread_id)``: KILL of another user's connection needs PROCESS/SUPER
  (1095, as MySQL).
- Views: :func:`definer_requirements` (in :mod:`edb_proxy.sql.authz_tree`) turns an expanded
  view body into requirements checked with the definer's grants; union them into the plan's
  requirements after :func:`~edb_proxy.sql.authz_tree.tree_requirements`.

Security: the checker runs before the catalog is consulted; the SQLite authorizer
(:mod:`edb_proxy.storage.engine`) stays the second fence for system tables and escape hatches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import apsw

from edb_proxy.errors import ER, SQLError

if TYPE_CHECKING:
    from edb_proxy.sql.database import Database

__all__ = [
    "ALL_PRIVILEGES",
    "COLUMN_PRIVILEGES",
    "GRANT_OPTION",
    "OPEN_DATABASES",
    "Authorizer",
    "Grants",
    "Requirement",
    "load_grants",
    "privilege_name",
    "table_denied",
]

#: ``(who, privilege, db, table, columns)``; see the module docstring for the levels.
Requirement = tuple[str, str, str, str, frozenset[str]]

#: What ``ALL [PRIVILEGES]`` stands for (every stored privilege but GRANT OPTION and USAGE).
ALL_PRIVILEGES = frozenset(
    [
        "ALTER",
        "ALTER_ROUTINE",
        "CREATE",
        "CREATE_ROUTINE",
        "CREATE_TEMPORARY_TABLES",
        "CREATE_USER",
        "CREATE_VIEW",
        "DELETE",
        "DROP",
        "EVENT",
        "EXECUTE",
        "FILE",
        "INDEX",
        "INSERT",
        "LOCK_TABLES",
        "PROCESS",
        "REFERENCES",
        "RELOAD",
        "REPLICATION_CLIENT",
        "REPLICATION_SLAVE",
        "SELECT",
        "SHOW_DATABASES",
        "SHOW_VIEW",
        "SHUTDOWN",
        "SUPER",
        "TRIGGER",
        "UPDATE",
    ]
)
#: Privileges that may be granted on columns (``GRANT SELECT (a, b) ON db.t``).
COLUMN_PRIVILEGES = frozenset(["SELECT", "INSERT", "UPDATE", "REFERENCES"])
GRANT_OPTION = "GRANT OPTION"
_EMPTY: frozenset[str] = frozenset()
#: Requirement sets remembered as passed per session (then the memo starts over).
_MAX_PASSED = 4096
#: Databases every user may read (their rows are filtered by :meth:`Authorizer.visible`).
OPEN_DATABASES = frozenset(["information_schema"])


def privilege_name(privilege: str) -> str:
    """The privilege as MySQL spells it in messages (``CREATE_VIEW`` -> ``CREATE VIEW``)."""
    return privilege.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Grants:
    """One user's privileges at one moment (GRANT OPTION is the privilege ``GRANT OPTION``)."""

    user: str
    exists: bool
    global_privs: frozenset[str] = _EMPTY
    db_privs: dict[str, frozenset[str]] = field(default_factory=dict)
    table_privs: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    column_privs: dict[tuple[str, str, str], frozenset[str]] = field(default_factory=dict)

    def holds(self, privilege: str, db: str, table: str = "") -> bool:
        """True if ``privilege`` is held at this level or a level above (columns aside)."""
        if privilege in self.global_privs:
            return True
        if not db:
            return False
        if privilege in self.db_privs.get(db, _EMPTY):
            return True
        return bool(table) and privilege in self.table_privs.get((db, table), _EMPTY)

    def columns(self, privilege: str, db: str, table: str) -> frozenset[str]:
        """The columns of ``db.table`` on which ``privilege`` was granted column by column."""
        return self.column_privs.get((db, table, privilege), _EMPTY)

    def any_on(self, db: str, table: str | None = None) -> bool:
        """True if the user holds any privilege on ``db`` (``table`` None: on it or below)."""
        if self.global_privs - {GRANT_OPTION}:
            return True
        if self.db_privs.get(db, _EMPTY) - {GRANT_OPTION}:
            return True
        if table is None:
            return any(d == db for d, _ in self.table_privs) or any(
                d == db for d, _, _ in self.column_privs
            )
        if self.table_privs.get((db, table), _EMPTY) - {GRANT_OPTION}:
            return True
        return any(d == db and t == table for d, t, _ in self.column_privs)


def _expand(privileges: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for p in privileges:
        if p == "ALL":
            out |= ALL_PRIVILEGES
        else:
            out.add(p)
    return frozenset(out)


def load_grants(conn: apsw.Connection, user: str) -> Grants:
    """Read ``user``'s committed grants through ``conn`` (the database's system connection)."""
    exists = bool(conn.execute("SELECT 1 FROM edb_accounts WHERE user = ?", (user,)).fetchall())
    if not exists:
        return Grants(user, False)
    levels: dict[tuple[str, str], set[str]] = {}
    for db, tbl, priv, grantable in conn.execute(
        "SELECT db, tbl, privilege, grantable FROM edb_grants WHERE user = ?", (user,)
    ):
        privs = levels.setdefault((str(db), str(tbl)), set())
        privs.add(str(priv))
        if grantable:
            privs.add(GRANT_OPTION)
    columns: dict[tuple[str, str, str], set[str]] = {}
    for db, tbl, col, priv in conn.execute(
        "SELECT db, tbl, col, privilege FROM edb_column_grants WHERE user = ?", (user,)
    ):
        columns.setdefault((str(db), str(tbl), str(priv)), set()).add(str(col).lower())
    global_privs = _expand(levels.pop(("*", "*"), set()))
    db_privs = {d: _expand(p) for (d, t), p in levels.items() if t == "*"}
    table_privs = {(d, t): _expand(p) for (d, t), p in levels.items() if t != "*"}
    return Grants(
        user,
        True,
        global_privs,
        db_privs,
        table_privs,
        {k: frozenset(v) for k, v in columns.items()},
    )


class Authorizer:
    """The privilege checker of one session (see the module docstring for the hooks).

    Args:
        database: the process's database (grant snapshots, ``grant_generation``).
        user: the session's user.
        enforce: False for a system session (every check passes).
    """

    __slots__ = ("_db", "_definers", "_generation", "_grants", "_passed", "enforce", "user")

    def __init__(self, database: Database, user: str, *, enforce: bool) -> None:
        self._db = database
        self.user = user
        self.enforce = enforce
        self._generation = -1
        self._grants = Grants(user, False)
        self._definers: dict[str, Grants] = {}
        self._passed: set[frozenset[Requirement]] = set()

    # -- grant snapshots --------------------------------------------------------------------

    def _refresh(self) -> None:
        generation = self._db.grant_generation
        if generation != self._generation:
            self._grants = self._db.read_grants(self.user)
            self._definers.clear()
            self._passed.clear()
            self._generation = generation

    def grants(self, who: str = "") -> Grants:
        """The current grants of the session's user (``who`` empty) or of a view definer."""
        self._refresh()
        if not who or who == self.user:
            return self._grants
        found = self._definers.get(who)
        if found is None:
            found = self._definers[who] = self._db.read_grants(who)
        return found

    # -- checks -----------------------------------------------------------------------------

    def check(self, requirements: frozenset[Requirement]) -> None:
        """Raise the MySQL error of the first unmet requirement (hot path: a set lookup).

        Raises:
            SQLError: 1142, 1143, 1044 or 1227 (see :meth:`denial`).
        """
        if not self.enforce or not requirements:
            return
        if self._generation != self._db.grant_generation:
            self._refresh()
        if requirements in self._passed:
            return
        for req in sorted(requirements):
            err = self.denial(req)
            if err is not None:
                raise err
        if len(self._passed) >= _MAX_PASSED:  # bounded memory per session
            self._passed.clear()
        self._passed.add(requirements)

    def denial(self, req: Requirement) -> SQLError | None:
        """The error for ``req`` if it is not met, else None."""
        who, privilege, db, table, columns = req
        if not self.enforce:
            return None
        grants = self.grants(who)
        if grants.holds(privilege, db, table):
            return None
        name = grants.user
        if who:  # a view body with its definer's rights: never name what the view hides
            return SQLError(
                ER.ER_VIEW_INVALID,
                "View references invalid table(s) or column(s) or function(s) or"
                " definer/invoker of view lack rights to use them",
            )
        if not db:
            return SQLError(
                ER.ER_SPECIFIC_ACCESS_DENIED_ERROR,
                "Access denied; you need (at least one of) the"
                f" {privilege_name(privilege)} privilege(s) for this operation",
            )
        if not table:
            return SQLError(
                ER.ER_DBACCESS_DENIED_ERROR,
                f"Access denied for user '{name}'@'%' to database '{db}'",
            )
        granted = grants.columns(privilege, db, table) if privilege in COLUMN_PRIVILEGES else None
        if granted:
            missing = sorted(columns - granted)
            if not missing:
                return None
            return SQLError(
                ER.ER_COLUMNACCESS_DENIED_ERROR,
                f"{privilege_name(privilege)} command denied to user '{name}'@'%' for column"
                f" '{missing[0]}' in table '{table}'",
            )
        return table_denied(privilege, name, db, table)

    def require(
        self, privilege: str, db: str, table: str = "", columns: Iterable[str] = ()
    ) -> None:
        """Raise unless the user holds ``privilege`` at ``db``/``db.table`` (``db`` "": global).

        Raises:
            SQLError: 1227 (global), 1044 (database), 1142/1143 (table, columns).
        """
        if not self.enforce:
            return
        err = self.denial(
            ("", privilege, db.lower(), table.lower(), frozenset(c.lower() for c in columns))
        )
        if err is not None:
            raise err

    def visible(self, db: str, table: str | None = None) -> bool:
        """May the user see database ``db`` (or table ``db.table``) at all?

        True for a system session, for ``information_schema``, and when the user holds any
        privilege on the object or (for a database) on anything inside it.
        """
        if not self.enforce:
            return True
        low = db.lower()
        if low in OPEN_DATABASES:
            return True
        return self.grants().any_on(low, None if table is None else table.lower())

    def visible_column(self, db: str, table: str, column: str) -> bool:
        """May the user see column ``db.table.column`` (SHOW COLUMNS, COM_FIELD_LIST)?

        True with any table-level (or higher) privilege, else when some column privilege on
        ``db.table`` names the column.
        """
        if not self.enforce:
            return True
        grants = self.grants()
        low_db, low_table, low_col = db.lower(), table.lower(), column.lower()
        held = (
            grants.global_privs
            | grants.db_privs.get(low_db, _EMPTY)
            | grants.table_privs.get((low_db, low_table), _EMPTY)
        )
        if held - {GRANT_OPTION}:
            return True
        return any(
            low_col in cols
            for (d, t, _), cols in grants.column_privs.items()
            if d == low_db and t == low_table
        )

    def sees_all_databases(self) -> bool:
        """True when SHOW DATABASES lists every database (global SHOW DATABASES)."""
        return not self.enforce or self.grants().holds("SHOW_DATABASES", "")

    def require_any(self, db: str, table: str | None = None, command: str = "SHOW") -> None:
        """Raise 1044 (database) or 1142 (table) unless :meth:`visible`."""
        if self.visible(db, table):
            return
        if table is None:
            raise SQLError(
                ER.ER_DBACCESS_DENIED_ERROR,
                f"Access denied for user '{self.user}'@'%' to database '{db.lower()}'",
            )
        raise table_denied(command, self.user, db.lower(), table.lower())

    def check_kill(self, owner: str, thread_id: int) -> None:
        """KILL of connection ``thread_id`` owned by ``owner``.

        Raises:
            SQLError: 1095 ER_KILL_DENIED_ERROR unless the connection is the user's own or the
                user holds PROCESS or SUPER globally (MySQL's rule for KILL).
        """
        if not self.enforce or owner == self.user:
            return
        grants = self.grants()
        if grants.holds("SUPER", "") or grants.holds("PROCESS", ""):
            return
        raise SQLError(ER.ER_KILL_DENIED_ERROR, f"You are not owner of thread {thread_id}")


def table_denied(command: str, user: str, db: str, table: str) -> SQLError:
    """1142 ``<COMMAND> command denied to user 'u'@'%' for table 'db.t'``."""
    return SQLError(
        ER.ER_TABLEACCESS_DENIED_ERROR,
        f"{privilege_name(command)} command denied to user '{user}'@'%' for table '{db}.{table}'",
    )
