"""Open hardened SQLite connections.

Theory of operation
-------------------
Every connection the SQL layer uses comes from :func:`open_connection`. It applies, before any
other statement runs, the settings of sqlite.org/security.html ("Defense Against the Dark
Arts") and the durability settings of the storage design, then installs an authorizer that
acts as a second fence behind the SQL layer's own checks.

Invariants
1. Extension loading is off at the C level and never turned on.
2. ``SQLITE_DBCONFIG_DEFENSIVE`` is on, ``trusted_schema`` off, ``cell_size_check`` on,
   ``mmap_size`` 0, temporary files live in memory, and ATTACH is limited to 0 databases.
3. The busy timeout is 0: a lock conflict fails at once (the server retries asynchronously).
4. The authorizer denies ATTACH/DETACH, PRAGMA, virtual tables, triggers, views, reads of
   ``sqlite_*`` tables, writes to ``sqlite_*`` tables other than the schema table (which
   DEFENSIVE protects), and every function not on :data:`ALLOWED_FUNCTIONS` or in the
   caller's own list.
5. Journal mode WAL with ``synchronous=FULL``; foreign keys on.

Encryption seam: page encryption will be a VFS (see ``docs/sql.md`` and the storage design).
:class:`PageCipher` is the interface such a VFS will be handed; ``StorageOptions.vfs_name``
selects a registered VFS. With no VFS the file is plain SQLite.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import apsw

from edb_proxy.storage.faults import translate_error

__all__ = [
    "ALLOWED_FUNCTIONS",
    "LIMITS",
    "PageCipher",
    "StorageOptions",
    "open_connection",
    "schema_changes",
]


class PageCipher(Protocol):
    """Placeholder for the page-encryption interface (not used yet).

    A future encrypting VFS will call ``seal`` when SQLite writes a page and ``open`` when it
    reads one; ``open`` raises :class:`edb_proxy.errors.IntegrityError` on a bad tag, which the
    VFS reports to SQLite as ``SQLITE_IOERR_DATA`` (mapped to ER_TABLE_CORRUPT).
    """

    def seal(self, page_number: int, plaintext: bytes) -> bytes: ...

    def open(self, page_number: int, ciphertext: bytes) -> bytes: ...


#: ``sqlite3_limit()`` values. Starting from sqlite.org's suggestions, relaxed where MySQL
#: applications need more (see docs/sql.md for the reasoning behind each value).
LIMITS: dict[int, int] = {
    apsw.SQLITE_LIMIT_LENGTH: 64 * 1024 * 1024,  # max_allowed_packet's default (64 MiB)
    apsw.SQLITE_LIMIT_SQL_LENGTH: 4 * 1024 * 1024,  # 1 MiB client text, rewritten
    apsw.SQLITE_LIMIT_COLUMN: 2000,  # InnoDB allows 1017 columns per table
    apsw.SQLITE_LIMIT_EXPR_DEPTH: 1000,  # long OR chains written by ORMs
    apsw.SQLITE_LIMIT_COMPOUND_SELECT: 100,
    apsw.SQLITE_LIMIT_VDBE_OP: 10_000_000,  # bulk multi-row INSERTs
    apsw.SQLITE_LIMIT_FUNCTION_ARG: 127,
    apsw.SQLITE_LIMIT_ATTACHED: 0,
    apsw.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 1000,
    apsw.SQLITE_LIMIT_VARIABLE_NUMBER: 32766,  # the compile-time maximum of this build
    apsw.SQLITE_LIMIT_TRIGGER_DEPTH: 10,
}

#: SQLite functions the SQL layer may generate. Everything else is denied by the authorizer.
ALLOWED_FUNCTIONS: frozenset[str] = frozenset(
    [
        "abs",
        "current_date",
        "current_time",
        "current_timestamp",
        "avg",
        "char",
        "coalesce",
        "concat",
        "concat_ws",
        "count",
        "date",
        "datetime",
        "glob",
        "group_concat",
        "hex",
        "ifnull",
        "iif",
        "if",
        "instr",
        "julianday",
        "length",
        "like",
        "likely",
        "lower",
        "ltrim",
        "max",
        "min",
        "nullif",
        "octet_length",
        "random",
        "replace",
        "round",
        "rtrim",
        "sign",
        "strftime",
        "substr",
        "substring",
        "sum",
        "time",
        "total",
        "trim",
        "typeof",
        "unhex",
        "unicode",
        "unixepoch",
        "unlikely",
        "upper",
        "acos",
        "asin",
        "atan",
        "atan2",
        "ceil",
        "ceiling",
        "cos",
        "degrees",
        "exp",
        "floor",
        "ln",
        "log",
        "log10",
        "log2",
        "mod",
        "pi",
        "pow",
        "power",
        "radians",
        "sin",
        "sqrt",
        "tan",
        "trunc",
        "json",
        "json_array",
        "json_extract",
        "json_object",
        "json_valid",
        "json_type",
        "json_quote",
        "json_set",
        "json_insert",
        "json_replace",
        "json_remove",
        "json_array_length",
        "string_agg",
    ]
)

_ALLOWED_OPS = frozenset(
    {
        apsw.SQLITE_SELECT,
        apsw.SQLITE_READ,
        apsw.SQLITE_INSERT,
        apsw.SQLITE_UPDATE,
        apsw.SQLITE_DELETE,
        apsw.SQLITE_TRANSACTION,
        apsw.SQLITE_SAVEPOINT,
        apsw.SQLITE_CREATE_TABLE,
        apsw.SQLITE_CREATE_INDEX,
        apsw.SQLITE_DROP_TABLE,
        apsw.SQLITE_DROP_INDEX,
        apsw.SQLITE_ALTER_TABLE,
        apsw.SQLITE_REINDEX,
        apsw.SQLITE_RECURSIVE,
        apsw.SQLITE_FUNCTION,
        apsw.SQLITE_PRAGMA,
    }
)
_SCHEMA_TABLES = frozenset({"sqlite_master", "sqlite_schema", "sqlite_temp_master"})


@dataclass(frozen=True, slots=True)
class StorageOptions:
    """How to open the database file.

    Attributes:
        vfs_name: a registered APSW VFS (the page-encryption seam); None for SQLite's default.
        cipher: the page cipher the encrypting VFS will use; must be None until that exists.
        max_length: ``SQLITE_LIMIT_LENGTH`` (the largest string or blob), from
            ``max_allowed_packet``.
        cache_statements: size of APSW's prepared-statement cache per connection.
        functions: names of application-defined SQL functions the authorizer allows.
        pragmas: PRAGMA names the authorizer allows after opening (none by default).
    """

    vfs_name: str | None = None
    cipher: PageCipher | None = None
    max_length: int = 64 * 1024 * 1024
    cache_statements: int = 512
    functions: Collection[str] = field(default_factory=frozenset)
    pragmas: Collection[str] = field(default_factory=frozenset)


def open_connection(
    path: str | os.PathLike[str],
    *,
    create: bool,
    options: StorageOptions | None = None,
) -> apsw.Connection:
    """Open ``path`` with the hardened settings of this module.

    Args:
        path: the database file.
        create: create the file if it does not exist; otherwise it must exist.
        options: VFS, limits and authorizer allow-lists; defaults when None.

    Returns:
        An open :class:`apsw.Connection` in autocommit mode.

    Raises:
        StorageError or SQLError (through :func:`translate_error`) when the file cannot be
        opened or is not a database.
    """
    opts = options or StorageOptions()
    if opts.cipher is not None:
        raise NotImplementedError("page encryption is not implemented yet")
    flags = apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_NOFOLLOW | apsw.SQLITE_OPEN_EXRESCODE
    if create:
        flags |= apsw.SQLITE_OPEN_CREATE
    try:
        conn = apsw.Connection(
            os.fspath(path),
            flags=flags,
            vfs=opts.vfs_name,
            statementcachesize=opts.cache_statements,
        )
    except apsw.Error as exc:
        raise translate_error(exc) from None
    try:
        _harden(conn, opts)
    except apsw.Error as exc:
        conn.close()
        raise translate_error(exc) from None
    return conn


@contextmanager
def schema_changes(conn: apsw.Connection) -> Iterator[None]:
    """Within this block the authorizer lets SQLite's own DDL code read the schema table.

    The SQL layer wraps its generated DDL in it; client statements never run inside it.
    """
    auth = conn.authorizer
    if not isinstance(auth, _Authorizer):
        yield
        return
    auth.schema_changes = True
    try:
        yield
    finally:
        auth.schema_changes = False


def _harden(conn: apsw.Connection, opts: StorageOptions) -> None:
    conn.enable_load_extension(False)
    conn.set_busy_timeout(0)
    conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 1)
    conn.config(apsw.SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0)
    conn.config(apsw.SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0)
    conn.config(apsw.SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0)
    conn.config(apsw.SQLITE_DBCONFIG_ENABLE_TRIGGER, 0)
    conn.config(apsw.SQLITE_DBCONFIG_ENABLE_VIEW, 0)
    conn.config(apsw.SQLITE_DBCONFIG_DQS_DDL, 0)
    conn.config(apsw.SQLITE_DBCONFIG_DQS_DML, 0)
    conn.config(apsw.SQLITE_DBCONFIG_ENABLE_FKEY, 1)
    for limit, value in LIMITS.items():
        conn.limit(limit, value)
    conn.limit(apsw.SQLITE_LIMIT_LENGTH, max(1024 * 1024, min(opts.max_length, 1_000_000_000)))
    for pragma in (
        "trusted_schema=OFF",
        "cell_size_check=ON",
        "mmap_size=0",
        "temp_store=MEMORY",
        "foreign_keys=ON",
        "journal_mode=WAL",
        "synchronous=FULL",
    ):
        conn.execute("PRAGMA " + pragma).fetchall()
    mode = conn.execute("PRAGMA journal_mode").fetchall()
    if mode and str(mode[0][0]).lower() != "wal":
        raise apsw.CantOpenError("WAL journal mode unavailable")
    conn.authorizer = _Authorizer(
        frozenset(ALLOWED_FUNCTIONS | {f.lower() for f in opts.functions}),
        frozenset(p.lower() for p in opts.pragmas),
    )


class _Authorizer:
    """The second fence: decides on every action SQLite compiles (see invariant 4)."""

    __slots__ = ("functions", "pragmas", "schema_changes")

    def __init__(self, functions: frozenset[str], pragmas: frozenset[str]) -> None:
        self.functions = functions
        self.pragmas = pragmas
        self.schema_changes = False

    def __call__(
        self,
        op: int,
        one: str | None,
        two: str | None,
        dbname: str | None,
        trigger: str | None,
    ) -> int:
        if op not in _ALLOWED_OPS:
            return apsw.SQLITE_DENY
        if dbname not in (None, "main"):
            return apsw.SQLITE_DENY
        if op == apsw.SQLITE_FUNCTION:
            return apsw.SQLITE_OK if (two or "").lower() in self.functions else apsw.SQLITE_DENY
        if op == apsw.SQLITE_PRAGMA:
            return apsw.SQLITE_OK if (one or "").lower() in self.pragmas else apsw.SQLITE_DENY
        table = (one or "").lower()
        if table.startswith("sqlite_"):
            if op in (apsw.SQLITE_INSERT, apsw.SQLITE_UPDATE, apsw.SQLITE_DELETE):
                return apsw.SQLITE_OK if table in _SCHEMA_TABLES else apsw.SQLITE_DENY
            if (
                op == apsw.SQLITE_READ
                and table in _SCHEMA_TABLES
                and (self.schema_changes or two == "ROWID")
            ):
                return apsw.SQLITE_OK  # DDL reads the schema table; a rowid reveals nothing
            if op in (apsw.SQLITE_READ, apsw.SQLITE_SELECT):
                return apsw.SQLITE_DENY
            if op in (apsw.SQLITE_CREATE_TABLE, apsw.SQLITE_DROP_TABLE):
                return apsw.SQLITE_DENY
            if op in (apsw.SQLITE_CREATE_INDEX, apsw.SQLITE_DROP_INDEX):
                # SQLite names the indexes of PRIMARY KEY/UNIQUE constraints sqlite_autoindex_*
                return (
                    apsw.SQLITE_OK if table.startswith("sqlite_autoindex_") else apsw.SQLITE_DENY
                )
        return apsw.SQLITE_OK
