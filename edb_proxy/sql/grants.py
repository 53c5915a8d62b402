"""Run account statements against the system tables; render SHOW GRANTS.

Grant data model (enforced by :mod:`edb_proxy.sql.authz`): one row per
``(user, db, tbl, privilege)`` in ``edb_grants``; ``db = '*'`` is the global level and
``tbl = '*'`` the database level; ``privilege = 'ALL'`` stands for ALL PRIVILEGES; ``grantable``
records WITH GRANT OPTION. Column privileges (``GRANT SELECT (a, b) ON db.t``) are one row per
``(user, db, tbl, col, privilege)`` in ``edb_column_grants`` (their GRANT OPTION is the
table-level ``grantable`` flag, as in MySQL's ``tables_priv``).
"""

from __future__ import annotations

import apsw

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.accounts import hash_password, native_stage2
from edb_proxy.sql.dcl import AccountStatement, GrantStatement, UserSpec

__all__ = ["grant_lines", "run_account_statement", "run_grant_statement"]


def _exists(conn: apsw.Connection, user: str) -> bool:
    return bool(conn.execute("SELECT 1 FROM edb_accounts WHERE user = ?", (user,)).fetchall())


def _credentials(spec: UserSpec, allow_empty: bool) -> tuple[str, bytes, bytes, bool]:
    plugin = spec.plugin or "caching_sha2_password"
    password = spec.password or ""
    x509 = spec.require in ("X509", "SPECIFIED")
    if not password and not allow_empty and not x509:
        raise SQLError(
            ER.ER_CANNOT_USER,
            f"Operation CREATE USER failed for '{spec.user}': empty passwords are not allowed"
            " (the manifest did not allow them)",
        )
    if not password:
        return plugin, b"", b"", False
    stage2 = native_stage2(password) if plugin == "mysql_native_password" else b""
    return plugin, hash_password(password), stage2, True


def _tls(spec: UserSpec) -> tuple[int, int, str, str]:
    req = spec.require
    return (
        int(req in ("SSL", "X509", "SPECIFIED")),
        int(req in ("X509", "SPECIFIED")),
        spec.issuer,
        spec.subject,
    )


def run_account_statement(
    conn: apsw.Connection, stmt: AccountStatement, *, allow_empty: bool
) -> None:
    """CREATE/ALTER/DROP USER inside the caller's transaction.

    Raises:
        SQLError: 1396 ER_CANNOT_USER (exists / does not exist / empty password).
    """
    failed = [
        s.user
        for s in stmt.users
        if _exists(conn, s.user) == (stmt.verb == "CREATE") and not stmt.if_clause
    ]
    if failed:
        names = ",".join(f"'{u}'@'%'" for u in failed)
        raise SQLError(ER.ER_CANNOT_USER, f"Operation {stmt.verb} USER failed for {names}")
    for spec in stmt.users:
        exists = _exists(conn, spec.user)
        if stmt.verb == "CREATE" and not exists:
            plugin, phash, stage2, has_pw = _credentials(spec, allow_empty)
            conn.execute(
                "INSERT INTO edb_accounts(user, plugin, password_hash, native_stage2,"
                " has_password, require_ssl, require_x509, x509_issuer, x509_subject)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (spec.user, plugin, phash, stage2, int(has_pw), *_tls(spec)),
            )
        elif stmt.verb == "ALTER" and exists:
            if spec.password is not None or spec.plugin is not None:
                plugin, phash, stage2, has_pw = _credentials(spec, allow_empty)
                conn.execute(
                    "UPDATE edb_accounts SET plugin = ?, password_hash = ?, native_stage2 = ?,"
                    " has_password = ? WHERE user = ?",
                    (plugin, phash, stage2, int(has_pw), spec.user),
                )
            if spec.require is not None:
                conn.execute(
                    "UPDATE edb_accounts SET require_ssl = ?, require_x509 = ?, x509_issuer = ?,"
                    " x509_subject = ? WHERE user = ?",
                    (*_tls(spec), spec.user),
                )
        elif stmt.verb == "DROP" and exists:
            conn.execute("DELETE FROM edb_accounts WHERE user = ?", (spec.user,))
            conn.execute("DELETE FROM edb_grants WHERE user = ?", (spec.user,))
            conn.execute("DELETE FROM edb_column_grants WHERE user = ?", (spec.user,))


def run_grant_statement(
    conn: apsw.Connection, stmt: GrantStatement, *, database: str | None
) -> None:
    """GRANT/REVOKE inside the caller's transaction.

    Raises:
        SQLError: 1046 for ``ON t`` without a current database; 1396 unknown user; 1141
            REVOKE of a grant that does not exist.
    """
    db: str | None = stmt.db
    if db is None:
        if stmt.table == "*":
            db = database or "*"
        elif database is None:
            raise SQLError(ER.ER_NO_DB_ERROR, "No database selected")
        else:
            db = database
    db = db.lower() if db != "*" else db
    table = stmt.table.lower() if stmt.table != "*" else "*"
    if db == "*" and table != "*":
        raise SQLError(ER.ER_PARSE_ERROR, "Illegal GRANT/REVOKE command")
    privileges = (
        ["ALL"] if stmt.all_privileges else [p for p in stmt.privileges if p != "GRANT OPTION"]
    )
    option = stmt.grant_option or "GRANT OPTION" in stmt.privileges
    for user in stmt.users:
        if not _exists(conn, user):
            raise SQLError(ER.ER_CANNOT_USER, f"Operation GRANT failed for '{user}'@'%'")
        _column_grants(conn, stmt, user, db, table)
        if stmt.revoke:
            if stmt.all_privileges:
                conn.execute(
                    "DELETE FROM edb_column_grants WHERE user = ? AND db = ? AND tbl = ?",
                    (user, db, table),
                )
            for priv in privileges:
                if priv == "ALL":
                    conn.execute(
                        "DELETE FROM edb_grants WHERE user = ? AND db = ? AND tbl = ?",
                        (user, db, table),
                    )
                else:
                    conn.execute(
                        "DELETE FROM edb_grants WHERE user = ? AND db = ? AND tbl = ?"
                        " AND privilege = ?",
                        (user, db, table, priv),
                    )
            if option:
                conn.execute(
                    "UPDATE edb_grants SET grantable = 0 WHERE user = ? AND db = ? AND tbl = ?",
                    (user, db, table),
                )
            continue
        for priv in privileges:
            if priv == "USAGE":
                continue
            conn.execute(
                "INSERT INTO edb_grants(user, db, tbl, privilege, grantable)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(user, db, tbl, privilege) DO UPDATE SET"
                " grantable = max(grantable, excluded.grantable)",
                (user, db, table, priv, int(option)),
            )
        if option and not privileges:
            conn.execute(
                "UPDATE edb_grants SET grantable = 1 WHERE user = ? AND db = ? AND tbl = ?",
                (user, db, table),
            )


def _column_grants(
    conn: apsw.Connection, stmt: GrantStatement, user: str, db: str, table: str
) -> None:
    """Store or remove the column-level privileges of one GRANT/REVOKE for ``user``."""
    for priv, cols in stmt.columns.items():
        for col in cols:
            if stmt.revoke:
                conn.execute(
                    "DELETE FROM edb_column_grants WHERE user = ? AND db = ? AND tbl = ?"
                    " AND col = ? AND privilege = ?",
                    (user, db, table, col, priv),
                )
            else:
                conn.execute(
                    "INSERT OR IGNORE INTO edb_column_grants(user, db, tbl, col, privilege)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (user, db, table, col, priv),
                )


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


#: The order in which MySQL lists privileges in SHOW GRANTS (its privilege bit order).
_ORDER = (
    "ALL PRIVILEGES",
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "DROP",
    "RELOAD",
    "SHUTDOWN",
    "PROCESS",
    "FILE",
    "REFERENCES",
    "INDEX",
    "ALTER",
    "SHOW DATABASES",
    "SUPER",
    "CREATE TEMPORARY TABLES",
    "LOCK TABLES",
    "EXECUTE",
    "REPLICATION SLAVE",
    "REPLICATION CLIENT",
    "CREATE VIEW",
    "SHOW VIEW",
    "CREATE ROUTINE",
    "ALTER ROUTINE",
    "CREATE USER",
    "EVENT",
    "TRIGGER",
)


def _privilege_rank(text: str) -> tuple[int, str]:
    name = text.split(" (", 1)[0]
    return (_ORDER.index(name) if name in _ORDER else len(_ORDER), text)


def grant_lines(conn: apsw.Connection, user: str) -> list[str]:
    """``SHOW GRANTS FOR user`` lines, in MySQL's format (USAGE first)."""
    rows = conn.execute(
        "SELECT db, tbl, privilege, grantable FROM edb_grants WHERE user = ?"
        " ORDER BY db = '*' DESC, db, tbl, privilege",
        (user,),
    ).fetchall()
    who = f"{_ident(user)}@`%`"
    groups: dict[tuple[str, str], tuple[list[str], bool]] = {}
    for db, tbl, priv, grantable in rows:
        where = (str(db), str(tbl))
        privs, opt = groups.setdefault(where, ([], False))
        privs.append("ALL PRIVILEGES" if priv == "ALL" else str(priv).replace("_", " "))
        groups[where] = (privs, opt or bool(grantable))
    columns: dict[tuple[str, str, str], list[str]] = {}
    for db, tbl, col, priv in conn.execute(
        "SELECT db, tbl, col, privilege FROM edb_column_grants WHERE user = ?"
        " ORDER BY db, tbl, privilege, col",
        (user,),
    ):
        columns.setdefault((str(db), str(tbl), str(priv)), []).append(_ident(str(col)))
    for (db, tbl, priv), cols in columns.items():
        privs, opt = groups.setdefault((db, tbl), ([], False))
        privs.append(f"{priv} ({', '.join(cols)})")
    lines = []
    if ("*", "*") not in groups:
        lines.append(f"GRANT USAGE ON *.* TO {who}")
    for (db, tbl), (privs, opt) in groups.items():
        obj = ("*" if db == "*" else _ident(db)) + "." + ("*" if tbl == "*" else _ident(tbl))
        privs.sort(key=_privilege_rank)
        line = f"GRANT {', '.join(privs)} ON {obj} TO {who}"
        if opt:
            line += " WITH GRANT OPTION"
        lines.append(line)
    return lines
