"""The one map from APSW/SQLite exceptions to our typed errors.

Every ``apsw.Error`` that leaves the engine passes through :func:`translate_error`. The result
is an :class:`EngineError` (an :class:`~edb_proxy.errors.SQLError` with the MySQL kind already
chosen and a generic message of our own) or :class:`~edb_proxy.errors.EngineBusy`. SQLite's own
message is kept in :attr:`EngineError.detail` for the SQL layer, which knows MySQL names and
may write a better message (``Duplicate entry ...``); it is never sent to a client as is.
"""

from __future__ import annotations

import apsw

from edb_proxy.errors import ER, EngineBusy, SQLError

__all__ = ["EngineError", "StaleSnapshotError", "translate_error"]


class EngineError(SQLError):
    """An engine failure with its MySQL kind chosen.

    Attributes:
        detail: SQLite's message (internal: may name mangled tables; not for clients).
        extended: SQLite's extended result code (0 when unknown).
    """

    def __init__(self, kind: ER, message: str, *, detail: str = "", extended: int = 0) -> None:
        super().__init__(kind, message)
        self.detail = detail
        self.extended = extended


class StaleSnapshotError(EngineError):
    """SQLITE_BUSY_SNAPSHOT: the transaction read an old snapshot and can never write.

    The caller must roll the transaction back; clients see ER_LOCK_DEADLOCK and retry.
    """


_CONSTRAINT_KINDS: dict[int, tuple[ER, str]] = {
    apsw.SQLITE_CONSTRAINT_UNIQUE: (ER.ER_DUP_ENTRY, "Duplicate entry"),
    apsw.SQLITE_CONSTRAINT_PRIMARYKEY: (ER.ER_DUP_ENTRY, "Duplicate entry"),
    apsw.SQLITE_CONSTRAINT_ROWID: (ER.ER_DUP_ENTRY, "Duplicate entry"),
    apsw.SQLITE_CONSTRAINT_NOTNULL: (ER.ER_BAD_NULL_ERROR, "Column cannot be null"),
    apsw.SQLITE_CONSTRAINT_FOREIGNKEY: (
        ER.ER_NO_REFERENCED_ROW_2,
        "Cannot add or update a child row: a foreign key constraint fails",
    ),
    apsw.SQLITE_CONSTRAINT_CHECK: (ER.ER_CHECK_CONSTRAINT_VIOLATED, "Check constraint violated"),
    apsw.SQLITE_CONSTRAINT_DATATYPE: (
        ER.ER_TRUNCATED_WRONG_VALUE_FOR_FIELD,
        "Incorrect value for the column's type",
    ),
}


def _sql_error(message: str) -> tuple[ER, str]:
    low = message.lower()
    if low.startswith("no such table"):
        return ER.ER_NO_SUCH_TABLE, "Table doesn't exist"
    if low.startswith("no such column") or "has no column named" in low:
        return ER.ER_BAD_FIELD_ERROR, "Unknown column"
    if low.startswith("ambiguous column"):
        return ER.ER_NON_UNIQ_ERROR, "Column is ambiguous"
    if "already exists" in low:
        if low.startswith("index"):
            return ER.ER_DUP_KEYNAME, "Duplicate key name"
        return ER.ER_TABLE_EXISTS_ERROR, "Table already exists"
    if low.startswith("no such index"):
        return ER.ER_CANT_DROP_FIELD_OR_KEY, "Can't DROP index; check that it exists"
    if "not authorized" in low or "prohibited" in low:
        return ER.ER_NOT_SUPPORTED_YET, "This operation is not supported"
    if "too many" in low or "too large" in low or "too big" in low:
        return ER.ER_TOO_BIG_ROWSIZE, "Statement exceeds an engine limit"
    if low.startswith("misuse of aggregate") or "aggregate functions" in low:
        return ER.ER_WRONG_FIELD_WITH_GROUP, "Invalid use of group function"
    if "more than one row" in low:
        return ER.ER_SUBQUERY_NO_1_ROW, "Subquery returns more than 1 row"
    if "columns" in low and ("values" in low or "sub-select" in low or "row value" in low):
        return ER.ER_WRONG_VALUE_COUNT, "Column count doesn't match value count"
    return ER.ER_PARSE_ERROR, "You have an error in your SQL syntax"


def translate_error(exc: BaseException) -> EngineError:
    """Map an APSW exception to our typed error (total: unknown ones become internal).

    Returns:
        :class:`EngineBusy` when a lock was not granted (nothing changed);
        :class:`StaleSnapshotError` for SQLITE_BUSY_SNAPSHOT; otherwise an
        :class:`EngineError`.
    """
    message = str(exc)
    extended = int(getattr(exc, "extendedresult", 0) or 0)
    if isinstance(exc, apsw.BusyError | apsw.LockedError):
        if extended == apsw.SQLITE_BUSY_SNAPSHOT:
            return StaleSnapshotError(
                ER.ER_LOCK_DEADLOCK,
                "Deadlock found when trying to get lock; try restarting transaction",
                detail=message,
                extended=extended,
            )
        return _BusyError(detail=message, extended=extended)
    if isinstance(exc, apsw.ConstraintError):
        kind, text = _CONSTRAINT_KINDS.get(
            extended, (ER.ER_CHECK_CONSTRAINT_VIOLATED, "Constraint violated")
        )
        return EngineError(kind, text, detail=message, extended=extended)
    if isinstance(exc, apsw.SQLError):
        kind, text = _sql_error(message)
        return EngineError(kind, text, detail=message, extended=extended)
    if isinstance(exc, apsw.FullError):
        return EngineError(ER.ER_RECORD_FILE_FULL, "The table is full", detail=message)
    if isinstance(exc, apsw.CorruptError | apsw.NotADBError) or (
        extended == apsw.SQLITE_IOERR_DATA
    ):
        return EngineError(
            ER.ER_TABLE_CORRUPT, "Storage is corrupt or was tampered with", detail=message
        )
    if isinstance(exc, apsw.IOError):
        return EngineError(ER.ER_GET_ERRNO, "Storage I/O error", detail=message)
    if isinstance(exc, apsw.ReadOnlyError):
        return EngineError(ER.ER_READ_ONLY_TRANSACTION, "Storage is read-only", detail=message)
    if isinstance(exc, apsw.NoMemError):
        return EngineError(ER.ER_OUT_OF_RESOURCES, "Out of memory", detail=message)
    if isinstance(exc, apsw.TooBigError):
        return EngineError(
            ER.ER_TOO_LONG_STRING, "String or blob exceeds max_allowed_packet", detail=message
        )
    if isinstance(exc, apsw.AuthError):
        return EngineError(
            ER.ER_NOT_SUPPORTED_YET, "This operation is not supported", detail=message
        )
    if isinstance(exc, apsw.InterruptError):
        return EngineError(ER.ER_QUERY_INTERRUPTED, "Query execution was interrupted")
    if isinstance(exc, apsw.MismatchError):
        return EngineError(
            ER.ER_TRUNCATED_WRONG_VALUE_FOR_FIELD,
            "Incorrect value for the column's type",
            detail=message,
        )
    if isinstance(exc, apsw.RangeError | apsw.BindingsError):
        return EngineError(ER.ER_WRONG_ARGUMENTS, "Incorrect arguments", detail=message)
    return EngineError(ER.ER_INTERNAL_ERROR, "internal storage error", detail=message)


class _BusyError(EngineBusy, EngineError):
    """EngineBusy that also carries the engine detail."""

    def __init__(self, *, detail: str, extended: int) -> None:
        EngineBusy.__init__(self)
        self.detail = detail
        self.extended = extended
