"""Privilege checks of account statements (GRANT, REVOKE, CREATE/ALTER/DROP USER).

MySQL's rules (https://dev.mysql.com/doc/refman/8.0/en/grant.html): GRANT and REVOKE need
GRANT OPTION *and* every privilege being granted or revoked, at the statement's level or
above; ``ALL`` needs all of them. CREATE USER, DROP USER and ALTER USER of another account need
the global CREATE USER privilege; ALTER USER of one's own account (a password change) does not.

Errors as MySQL sends them: table level 1142 ``GRANT command denied to user 'u'@'%' for table
'db.t'``, database level 1044, global level 1045 ``Access denied for user 'u'@'%' (using
password: YES)``; account statements 1227 naming CREATE USER.
"""

from __future__ import annotations

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.authz import ALL_PRIVILEGES, GRANT_OPTION, Authorizer, table_denied
from edb_proxy.sql.dcl import AccountStatement, GrantStatement

__all__ = ["check_account_statement", "check_grant_statement"]


def _level(stmt: GrantStatement, database: str | None) -> tuple[str, str]:
    """``(db, table)`` of the statement's object; ``""`` for "every" (global: ``("", "")``)."""
    db = stmt.db
    if db is None:
        db = (database or "*") if stmt.table == "*" else (database or "")
    db = db.lower()
    if db == "*":
        return "", ""
    return db, "" if stmt.table == "*" else stmt.table.lower()


def check_grant_statement(authz: Authorizer, stmt: GrantStatement, database: str | None) -> None:
    """Raise unless the session may run this GRANT/REVOKE.

    Raises:
        SQLError: 1142 / 1044 / 1045 (see the module docstring).
    """
    if not authz.enforce:
        return
    db, table = _level(stmt, database)
    if stmt.db is None and stmt.table != "*" and not database:
        return  # 1046 from the statement itself
    needed = {GRANT_OPTION}
    needed |= ALL_PRIVILEGES if stmt.all_privileges else set(stmt.privileges) - {"USAGE"}
    denied = any(
        authz.denial(("", priv, db, table, frozenset())) is not None for priv in needed
    ) or any(
        authz.denial(("", priv, db, table, frozenset(cols))) is not None
        for priv, cols in stmt.columns.items()
    )
    if not denied:
        return
    if not db:
        raise SQLError(
            ER.ER_ACCESS_DENIED_ERROR,
            f"Access denied for user '{authz.user}'@'%' (using password: YES)",
        )
    if not table:
        raise SQLError(
            ER.ER_DBACCESS_DENIED_ERROR,
            f"Access denied for user '{authz.user}'@'%' to database '{db}'",
        )
    raise table_denied("GRANT", authz.user, db, table)


def check_account_statement(authz: Authorizer, stmt: AccountStatement) -> None:
    """Raise unless the session may run this CREATE/ALTER/DROP USER.

    Raises:
        SQLError: 1227 ER_SPECIFIC_ACCESS_DENIED_ERROR (CREATE USER privilege).
    """
    if not authz.enforce:
        return
    if stmt.verb == "ALTER" and all(spec.user == authz.user for spec in stmt.users):
        return
    authz.require("CREATE_USER", "")
