"""The contract between the SQL layer and the server (the composition root).

The server owns sockets and the wire protocol; the SQL layer owns everything about statements.
This module fixes the types that cross that boundary. Implementations live beside it
(``edb_proxy.sql.database`` and friends); the server imports only names re-exported by
``edb_proxy.sql``.

Threading contract: a :class:`Database` may be shared by every connection of one process; a
:class:`SessionAPI` belongs to one client connection and is used from one thread at a time.
Every call is synchronous and short: the server runs it on the event loop thread, so
the SQL layer never sleeps or waits for a lock. A statement that would wait raises
:class:`edb_proxy.errors.EngineBusy` *without side effects*, and the server retries it after an
asynchronous back-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from edb_proxy.fieldtypes import ColumnDef, Value

__all__ = [
    "Account",
    "OkResult",
    "PreparedStatement",
    "Result",
    "ResultSet",
    "SessionAPI",
    "Statement",
]


@dataclass(slots=True)
class ResultSet:
    """Rows returned by a statement.

    ``rows`` holds tuples of :data:`Value` in column order. ``warnings`` is the count
    reported in the EOF/OK that ends the result set.
    """

    columns: Sequence[ColumnDef]
    rows: Sequence[Sequence[Value]]
    warnings: int = 0


@dataclass(slots=True)
class OkResult:
    """A statement that returns no rows.

    ``affected_rows`` counts rows as MySQL does (``found_rows`` when the client asked for
    CLIENT_FOUND_ROWS); ``last_insert_id`` is the OK packet's insert id (0 when none).
    """

    affected_rows: int = 0
    last_insert_id: int = 0
    warnings: int = 0
    info: str = ""


Result = ResultSet | OkResult


class Statement(Protocol):
    """One parsed, authorized statement ready to run (opaque to the server)."""

    @property
    def text(self) -> str:
        """The statement's original text (for the process list; never logged by default)."""
        ...


class PreparedStatement(Protocol):
    """A server-side prepared statement (COM_STMT_PREPARE)."""

    @property
    def param_count(self) -> int:
        """Number of ``?`` placeholders."""
        ...

    @property
    def columns(self) -> Sequence[ColumnDef]:
        """Result columns if known at prepare time, else empty."""
        ...


@dataclass(frozen=True, slots=True)
class Account:
    """A user account as authentication needs it.

    Attributes:
        user: the account name (no host part: edb-proxy has no host patterns).
        plugin: ``"caching_sha2_password"`` or ``"mysql_native_password"``.
        password_hash: salted slow hash of the password (opaque; checked by
            :func:`edb_proxy.sql.accounts.check_password`), ``b""`` for accounts without one.
        native_stage2: ``SHA1(SHA1(password))`` for ``mysql_native_password`` accounts, else
            ``b""``.
        has_password: False only for empty-password accounts (allowed only when the manifest
            says so).
        require_ssl, require_x509: ``REQUIRE SSL`` / ``REQUIRE X509``.
        x509_issuer, x509_subject: ``REQUIRE ISSUER '/CN=..' SUBJECT '/CN=..'``, in MySQL's
            slash-separated form, or ``""`` when not required.
    """

    user: str
    plugin: str = "caching_sha2_password"
    password_hash: bytes = b""
    native_stage2: bytes = b""
    has_password: bool = True
    require_ssl: bool = False
    require_x509: bool = False
    x509_issuer: str = ""
    x509_subject: str = ""
    grants: tuple[str, ...] = field(default_factory=tuple)


class SessionAPI(Protocol):
    """What the server calls for one client connection."""

    database: str | None
    """The current database (``USE``/COM_INIT_DB), or None."""

    @property
    def in_transaction(self) -> bool:
        """True inside an explicit or implicit open transaction (SERVER_STATUS_IN_TRANS)."""
        ...

    @property
    def autocommit(self) -> bool:
        """The session's autocommit setting (SERVER_STATUS_AUTOCOMMIT)."""
        ...

    def parse(self, sql: str, *, multi: bool) -> list[Statement]:
        """Parse and authorize SQL text.

        Raises:
            SQLError: 1064 on a syntax error or when ``multi`` is False and the text holds more
                than one statement; 1065 for an empty query; 1235 for unsupported statements.
        """
        ...

    def run(self, stmt: Statement) -> Result:
        """Run one statement. Raises EngineBusy (retry later) or SQLError."""
        ...

    def prepare(self, sql: str) -> PreparedStatement:
        """Parse a statement with ``?`` placeholders. Raises SQLError."""
        ...

    def run_prepared(self, stmt: PreparedStatement, params: Sequence[Value]) -> Result:
        """Run a prepared statement. Raises EngineBusy, or SQLError (1210 on a count mismatch)."""
        ...

    def close_prepared(self, stmt: PreparedStatement) -> None:
        """Release a prepared statement; never raises."""
        ...

    def use(self, database: str) -> None:
        """Change the current database. Raises SQLError 1049 if it does not exist."""
        ...

    def field_list(self, table: str, wildcard: str) -> list[ColumnDef]:
        """Columns of ``table`` matching the LIKE pattern ``wildcard`` (COM_FIELD_LIST)."""
        ...

    def reset(self) -> None:
        """COM_RESET_CONNECTION: roll back, clear session variables and prepared statements."""
        ...

    def close(self) -> None:
        """Roll back anything open and release engine resources; never raises."""
        ...
