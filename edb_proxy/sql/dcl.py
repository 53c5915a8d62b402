"""A small parser for account statements sqlglot does not model.

sqlglot parses ``CREATE USER``, ``ALTER USER``, ``DROP USER``, ``GRANT`` and ``REVOKE`` as
opaque ``Command`` nodes, so these statements are tokenized with sqlglot's MySQL tokenizer
and parsed here (https://dev.mysql.com/doc/refman/8.0/en/account-management-statements.html).
Anything outside the grammar below is a syntax error (1064)::

    CREATE USER [IF NOT EXISTS] user [auth] [REQUIRE tls] {, user [auth]}
    ALTER USER [IF EXISTS] user [auth] [REQUIRE tls] {, user [auth]}
    DROP USER [IF EXISTS] user {, user}
    GRANT priv [(col {, col})] {, ...} ON object TO user {, user} [WITH GRANT OPTION]
    REVOKE priv [(col {, col})] {, ...} ON object FROM user {, user}
    user   := name ['@' host]          host: '%' or 'localhost' (accepted, ignored)
    auth   := IDENTIFIED [WITH plugin] BY 'password'
    tls    := NONE | SSL | X509 | {ISSUER 'dn' | SUBJECT 'dn'} [[AND] ...]
    object := * | *.* | db.* | db.table | table
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot.tokenizer_core import TokenType

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.authz import COLUMN_PRIVILEGES
from edb_proxy.sql.policy import not_supported
from edb_proxy.sql.reader import TokenReader

__all__ = ["PRIVILEGES", "AccountStatement", "GrantStatement", "UserSpec", "parse_dcl"]

PLUGINS = ("caching_sha2_password", "mysql_native_password")
#: Privileges MySQL 8.0 knows at the levels we store (global, database, table).
PRIVILEGES = frozenset(
    [
        "ALTER",
        "CREATE",
        "DELETE",
        "DROP",
        "EVENT",
        "EXECUTE",
        "INDEX",
        "INSERT",
        "LOCK_TABLES",
        "PROCESS",
        "REFERENCES",
        "RELOAD",
        "SELECT",
        "SHOW_DATABASES",
        "SHOW_VIEW",
        "SUPER",
        "TRIGGER",
        "UPDATE",
        "USAGE",
        "CREATE_USER",
        "CREATE_VIEW",
        "CREATE_TEMPORARY_TABLES",
        "REPLICATION_CLIENT",
        "REPLICATION_SLAVE",
        "FILE",
        "SHUTDOWN",
        "CREATE_ROUTINE",
        "ALTER_ROUTINE",
    ]
)
_HOSTS = ("%", "localhost")


@dataclass(slots=True)
class UserSpec:
    """One user of an account statement."""

    user: str
    plugin: str | None = None
    password: str | None = None
    require: str | None = None  # NONE, SSL, X509 or SPECIFIED
    issuer: str = ""
    subject: str = ""


@dataclass(slots=True)
class AccountStatement:
    """CREATE USER / ALTER USER / DROP USER."""

    verb: str  # CREATE, ALTER, DROP
    users: list[UserSpec]
    if_clause: bool = False


@dataclass(slots=True)
class GrantStatement:
    """GRANT / REVOKE on one object (db ``*`` and table ``*`` mean "all")."""

    revoke: bool
    privileges: list[str]
    db: str | None  # None: the current database
    table: str
    users: list[str]
    grant_option: bool = False
    all_privileges: bool = field(default=False)
    #: Column-level privileges: privilege -> column names (``GRANT SELECT (a, b) ON t``).
    columns: dict[str, list[str]] = field(default_factory=dict)


class _Reader(TokenReader):
    def user(self) -> str:
        user = self.user_name()
        if self.last_host.lower() not in _HOSTS:
            raise not_supported("host patterns other than '%' and 'localhost'")
        if not user:
            raise SQLError(ER.ER_CANNOT_USER, "Anonymous accounts are not supported")
        if len(user) > 32:
            raise SQLError(ER.ER_CANNOT_USER, f"User name '{user[:32]}...' is too long")
        return user


def _auth_and_tls(r: _Reader, spec: UserSpec) -> None:
    if r.accept("IDENTIFIED"):
        if r.accept("WITH"):
            plugin = r.name().lower()
            if plugin not in PLUGINS:
                raise SQLError(
                    ER.ER_NOT_SUPPORTED_AUTH_MODE, f"Plugin '{plugin}' is not supported"
                )
            spec.plugin = plugin
            if r.accept("BY"):
                spec.password = r.string()
            elif r.accept("AS"):
                raise not_supported("IDENTIFIED WITH ... AS 'hash'")
        else:
            r.expect("BY")
            spec.password = r.string()


def _require(r: _Reader, specs: list[UserSpec]) -> None:
    if not r.accept("REQUIRE"):
        return
    req: str
    issuer = subject = ""
    if r.accept("NONE"):
        req = "NONE"
    elif r.accept("SSL"):
        req = "SSL"
    elif r.accept("X509"):
        req = "X509"
    else:
        req = "SPECIFIED"
        seen = 0
        while True:
            if r.accept("ISSUER"):
                issuer = r.string()
            elif r.accept("SUBJECT"):
                subject = r.string()
            elif r.accept("CIPHER"):
                raise not_supported("REQUIRE CIPHER")
            else:
                break
            seen += 1
            r.accept("AND")
        if not seen:
            raise r.error()
    for spec in specs:
        spec.require, spec.issuer, spec.subject = req, issuer, subject


def _account(r: _Reader, verb: str) -> AccountStatement:
    if_clause = r.accept("IF", "NOT", "EXISTS") if verb == "CREATE" else r.accept("IF", "EXISTS")
    users: list[UserSpec] = []
    while True:
        spec = UserSpec(r.user())
        if verb != "DROP":
            _auth_and_tls(r, spec)
        users.append(spec)
        if not r.accept(","):
            break
    if verb != "DROP":
        _require(r, users)
        if r.accept("PASSWORD") or r.accept("ACCOUNT") or r.accept("WITH"):
            raise not_supported("password/account options")
    if not r.at_end():
        raise r.error()
    return AccountStatement(verb, users, if_clause)


def _privileges(r: _Reader) -> tuple[list[str], bool, dict[str, list[str]]]:
    columns: dict[str, list[str]] = {}
    if r.accept("ALL"):
        r.accept("PRIVILEGES")
        return [], True, columns
    privs: list[str] = []
    while True:
        words = []
        while True:
            tok = r.peek()
            if tok is None or tok.token_type in (TokenType.COMMA, TokenType.ON, TokenType.L_PAREN):
                break
            words.append(tok.text.upper())
            r.pos += 1
        priv = "_".join(words)
        if priv == "GRANT_OPTION":
            privs.append("GRANT OPTION")
        elif priv not in PRIVILEGES:
            raise r.error()
        else:
            privs.append(priv)
        tok = r.peek()
        if tok is not None and tok.token_type == TokenType.L_PAREN:
            if privs[-1] not in COLUMN_PRIVILEGES:
                raise SQLError(
                    ER.ER_ILLEGAL_GRANT_FOR_TABLE,
                    "Illegal GRANT/REVOKE command; please consult the manual to see which"
                    " privileges can be used",
                )
            r.expect("(")
            cols = columns.setdefault(privs.pop(), [])
            while True:
                cols.append(r.name().lower())
                if not r.accept(","):
                    break
            r.expect(")")
        if not r.accept(","):
            return privs, False, columns


def _object(r: _Reader) -> tuple[str | None, str]:
    r.accept("TABLE")
    tok = r.peek()
    if tok is None:
        raise r.error()
    first = "*" if tok.token_type == TokenType.STAR else r.name()
    if tok.token_type == TokenType.STAR:
        r.pos += 1
    if r.accept("."):
        tok = r.peek()
        if tok is not None and tok.token_type == TokenType.STAR:
            r.pos += 1
            return first, "*"
        if first == "*":
            raise r.error()
        return first, r.name()
    return (None, "*") if first == "*" else (None, first)


def _grant(r: _Reader, revoke: bool) -> GrantStatement:
    privs, all_privs, columns = _privileges(r)
    r.expect("ON")
    db, table = _object(r)
    r.expect("FROM" if revoke else "TO")
    users = [r.user()]
    while r.accept(","):
        users.append(r.user())
    option = False
    if not revoke and r.accept("WITH"):
        r.expect("GRANT", "OPTION")
        option = True
    if not r.at_end():
        raise r.error()
    if columns and table == "*":
        raise SQLError(
            ER.ER_ILLEGAL_GRANT_FOR_TABLE,
            "Illegal GRANT/REVOKE command; please consult the manual to see which privileges"
            " can be used",
        )
    return GrantStatement(revoke, privs, db, table, users, option, all_privs, columns)


def parse_dcl(text: str) -> AccountStatement | GrantStatement:
    """Parse one account statement.

    Raises:
        SQLError: 1064 on anything outside the grammar, 1235 for unsupported options.
    """
    r = _Reader(text)
    if r.accept("CREATE", "USER"):
        return _account(r, "CREATE")
    if r.accept("ALTER", "USER"):
        return _account(r, "ALTER")
    if r.accept("DROP", "USER"):
        return _account(r, "DROP")
    if r.accept("GRANT"):
        return _grant(r, revoke=False)
    if r.accept("REVOKE"):
        return _grant(r, revoke=True)
    raise r.error()
