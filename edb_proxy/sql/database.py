"""The process-wide database: one SQLite file, its catalog, accounts, variables and cache.

Theory of operation
-------------------
:class:`Database` owns a *system* connection (catalog and account reads) and hands each
:class:`~edb_proxy.sql.session.Session` its own connection to the same WAL-mode file. The
catalog snapshot, the global variables and the statement cache live here and are shared by
all sessions of the process (one event-loop thread; no locking).

Invariants
1. The system schema exists after ``__init__``; ``is_initialized()`` is True only after
   :meth:`initialize` committed.
2. ``catalog.generation`` increases after every committed DDL; cached plans compiled against
   an older generation are recompiled before use.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import apsw

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.api import Account
from edb_proxy.sql.authz import Grants, load_grants
from edb_proxy.sql.cache import StatementCache
from edb_proxy.sql.catalog import SYSTEM_SCHEMA, Catalog
from edb_proxy.sql.functions import FUNCTION_NAMES
from edb_proxy.sql.grants import grant_lines
from edb_proxy.sql.infoschema import INFOSCHEMA_FUNCTIONS
from edb_proxy.sql.processlist import ProcessList
from edb_proxy.sql.session import Session
from edb_proxy.sql.variables import (
    GLOBAL_ONLY,
    default_variables,
    is_known_variable,
    is_server_defined,
    register_server_variable,
)
from edb_proxy.storage import StorageOptions, open_connection, translate_error

__all__ = ["Database"]

_SYSTEM_CONNECTION_ID = 0


class Database:
    """The database shared by every connection of the process.

    Args:
        path: the SQLite database file (created if missing).
        server_version: reported by ``VERSION()`` and ``@@version``.
        variables: overrides/extensions of the server variables (``max_allowed_packet``,
            ``require_secure_transport``, ``port`` ...).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        server_version: str = "8.0.36-edb-proxy-0.1.0",
        variables: Mapping[str, object] | None = None,
    ) -> None:
        self._path = os.fspath(path)
        self._globals = default_variables(server_version, variables)
        packet = self._globals.get("max_allowed_packet", 64 * 1024 * 1024)
        self._options = StorageOptions(
            functions=FUNCTION_NAMES | INFOSCHEMA_FUNCTIONS,
            max_length=int(packet) if isinstance(packet, int) else 64 * 1024 * 1024,
        )
        self.cache = StatementCache(1024)
        self.processes = ProcessList()  # live client sessions (edb_proxy.sql.processlist)
        self._started = time.monotonic()
        self._sessions = 0
        self.questions = 0
        self.init_allow_empty = False
        #: Bumped after every GRANT/REVOKE/account statement (see :mod:`edb_proxy.sql.authz`).
        self.grant_generation = 0
        self._conn = open_connection(self._path, create=True, options=self._options)
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            for ddl in SYSTEM_SCHEMA:
                self._conn.execute(ddl)
            self._conn.execute("COMMIT")
        except apsw.Error as exc:
            self._rollback()
            raise translate_error(exc) from None
        self._generation = 0
        self.catalog = self._load_catalog(self._conn)

    # -- catalog ----------------------------------------------------------------------------

    def _load_catalog(self, conn: apsw.Connection) -> Catalog:
        self._generation += 1
        dbs = [r[0] for r in conn.execute("SELECT name FROM edb_databases")]
        tables = [
            (r[0], r[1], r[2]) for r in conn.execute("SELECT db, name, spec FROM edb_tables")
        ]
        views = [(r[0], r[1], r[2]) for r in conn.execute("SELECT db, name, spec FROM edb_views")]
        return Catalog.load(dbs, tables, self._generation, views)

    def reload_catalog(self, conn: apsw.Connection | None = None) -> None:
        """Re-read the catalog (after DDL); ``conn`` sees its own uncommitted changes."""
        try:
            self.catalog = self._load_catalog(conn or self._conn)
        except apsw.Error as exc:
            raise translate_error(exc) from None

    def open_engine_connection(self) -> apsw.Connection:
        """A new hardened connection to the database file (one per session)."""
        return open_connection(self._path, create=False, options=self._options)

    def _rollback(self) -> None:
        try:
            if not self._conn.get_autocommit():
                self._conn.execute("ROLLBACK")
        except apsw.Error:
            pass

    def _meta(self, key: str) -> object:
        rows = self._conn.execute("SELECT value FROM edb_meta WHERE key = ?", (key,)).fetchall()
        return rows[0][0] if rows else None

    # -- initialization ---------------------------------------------------------------------

    def is_initialized(self) -> bool:
        """True once :meth:`initialize` has committed."""
        return self._meta("initialized") == 1

    @property
    def allow_empty_passwords(self) -> bool:
        """The manifest's ``allow_empty_passwords`` flag (persisted by initialize)."""
        return self._meta("allow_empty_passwords") == 1

    def initialize(self, sql: Sequence[str], *, allow_empty_passwords: bool = False) -> None:
        """Run the manifest's statements all-or-nothing in one transaction.

        Raises:
            SQLError: when a statement fails (everything is rolled back); the message names
                the statement's index, never its text. Also when already initialized.
        """
        if self.is_initialized():
            raise SQLError(ER.ER_NOT_SUPPORTED_YET, "The database is already initialized")
        session = Session(self, connection_id=_SYSTEM_CONNECTION_ID, user="root", enforce=False)
        session.in_init = True
        self.init_allow_empty = allow_empty_passwords
        conn = session.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            for index, text in enumerate(sql):
                try:
                    for stmt in session.parse(text, multi=True):
                        session.run(stmt)
                        if not session.in_transaction:
                            raise SQLError(
                                ER.ER_NOT_SUPPORTED_YET,
                                "transaction control is not allowed in the manifest",
                            )
                except SQLError as exc:
                    raise SQLError(
                        exc.kind,
                        f"initialization statement #{index} failed with error {exc.errno}",
                    ) from None
            conn.execute(
                "INSERT OR REPLACE INTO edb_meta(key, value) VALUES ('initialized', 1),"
                " ('allow_empty_passwords', ?)",
                (int(allow_empty_passwords),),
            )
            conn.execute("COMMIT")
        except BaseException:
            session.rollback_quietly()
            raise
        finally:
            self.init_allow_empty = False
            session.close()
            self.reload_catalog()
            self.cache.clear()

    # -- sessions and accounts --------------------------------------------------------------

    def session(
        self,
        *,
        connection_id: int,
        user: str,
        client_found_rows: bool = False,
        enforce: bool | None = None,
    ) -> Session:
        """A new session for one client connection.

        Args:
            enforce: check ``user``'s privileges on every statement. The server passes True.
                None (in-process callers): enforce iff ``user`` has an account now; a name
                without an account gets a *system* session with every privilege.
        """
        self._sessions += 1
        session = Session(
            self,
            connection_id=connection_id,
            user=user,
            client_found_rows=client_found_rows,
            enforce=enforce,
        )
        self.processes.add(session.process)
        return session

    def read_grants(self, user: str) -> Grants:
        """``user``'s committed privileges (see :mod:`edb_proxy.sql.authz`)."""
        try:
            return load_grants(self._conn, user)
        except apsw.Error as exc:
            raise translate_error(exc) from None

    def lookup_account(self, user: str) -> Account | None:
        """The account named ``user`` (host part ignored), or None."""
        try:
            rows = self._conn.execute(
                "SELECT user, plugin, password_hash, native_stage2, has_password, require_ssl,"
                " require_x509, x509_issuer, x509_subject FROM edb_accounts WHERE user = ?",
                (user,),
            ).fetchall()
            if not rows:
                return None
            r: tuple[Any, ...] = rows[0]
            return Account(
                user=str(r[0]),
                plugin=str(r[1]),
                password_hash=bytes(r[2]),
                native_stage2=bytes(r[3]),
                has_password=bool(r[4]),
                require_ssl=bool(r[5]),
                require_x509=bool(r[6]),
                x509_issuer=str(r[7]),
                x509_subject=str(r[8]),
                grants=tuple(grant_lines(self._conn, str(r[0]))),
            )
        except apsw.Error as exc:
            raise translate_error(exc) from None

    def grant_lines(self, user: str) -> list[str] | None:
        """SHOW GRANTS lines of ``user``, or None if the account does not exist."""
        account = self.lookup_account(user)
        if account is None:
            return None
        return grant_lines(self._conn, account.user)

    # -- variables --------------------------------------------------------------------------

    def set_variable(self, name: str, value: object) -> None:
        """Set a global variable (server configuration)."""
        register_server_variable(name)
        self._globals[name.lower()] = value

    def global_variable(self, name: str) -> object:
        return self._globals.get(name.lower())

    def variable_names(self) -> list[str]:
        return list(self._globals)

    def session_defaults(self) -> dict[str, object]:
        """Initial session values: the session-settable globals."""
        return {
            k: v
            for k, v in self._globals.items()
            if k not in GLOBAL_ONLY and is_known_variable(k) and not is_server_defined(k)
        }

    def status(self) -> dict[str, object]:
        """A few ``SHOW STATUS`` counters."""
        stats = self.cache.stats()
        return {
            "Uptime": int(time.monotonic() - self._started),
            "Questions": self.questions,
            "Connections": self._sessions,
            "Com_stmt_prepare_cache_hits": stats["hits"],
            "Com_stmt_prepare_cache_parses": stats["parses"],
            "Ssl_cipher": "",
        }

    def statement_cache_stats(self) -> dict[str, int]:
        """``{"parses": n, "hits": n, "entries": n}`` of the statement cache."""
        return self.cache.stats()

    def close(self) -> None:
        """Close the system connection (sessions close their own)."""
        try:
            self._conn.close()
        except apsw.Error:
            pass
