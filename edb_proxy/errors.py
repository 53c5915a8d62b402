"""Error model shared by every layer (stdlib only).

Theory of operation
-------------------
Every error a client can see is a member of :class:`ER`, whose *name* is the MySQL name
(``ER_DUP_ENTRY``) and whose *value* is the ``(errno, SQLSTATE)`` pair MySQL/MariaDB send for
it. ``ER`` is therefore the one total map from internal error kinds to wire codes; a unit test
checks that numbers are unique and SQLSTATEs well formed. Message texts are our own.

Invariants
1. Layers raise subclasses of :class:`EdbError`; only ``edb_proxy.server`` turns them into
   wire packets.
2. Anything that is not an :class:`SQLError` reaching the wire becomes
   ``ER_INTERNAL_ERROR`` with a correlation id; tracebacks never reach a client.
3. Messages never contain key material; user data only where MySQL itself echoes it
   (e.g. the duplicate key value), and never in logs unless debug is allowed.
"""

from __future__ import annotations

import traceback
from enum import Enum

__all__ = [
    "ER",
    "AuthenticationError",
    "EdbError",
    "EngineBusy",
    "IntegrityError",
    "LocalProtocolError",
    "ProtocolError",
    "RemoteProtocolError",
    "SQLError",
    "StorageError",
]


class ER(Enum):
    """MySQL error kinds: ``name`` is MySQL's, ``value`` is ``(errno, SQLSTATE)``."""

    ER_CON_COUNT_ERROR = (1040, "08004")
    ER_OUT_OF_RESOURCES = (1041, "HY000")
    ER_BAD_HOST_ERROR = (1042, "08S01")
    ER_HANDSHAKE_ERROR = (1043, "08S01")
    ER_DBACCESS_DENIED_ERROR = (1044, "42000")
    ER_ACCESS_DENIED_ERROR = (1045, "28000")
    ER_NO_DB_ERROR = (1046, "3D000")
    ER_UNKNOWN_COM_ERROR = (1047, "08S01")
    ER_BAD_NULL_ERROR = (1048, "23000")
    ER_BAD_DB_ERROR = (1049, "42000")
    ER_TABLE_EXISTS_ERROR = (1050, "42S01")
    ER_BAD_TABLE_ERROR = (1051, "42S02")
    ER_NON_UNIQ_ERROR = (1052, "23000")
    ER_SERVER_SHUTDOWN = (1053, "08S01")
    ER_BAD_FIELD_ERROR = (1054, "42S22")
    ER_WRONG_FIELD_WITH_GROUP = (1055, "42000")
    ER_WRONG_VALUE_COUNT = (1058, "21S01")
    ER_DUP_FIELDNAME = (1060, "42S21")
    ER_DUP_KEYNAME = (1061, "42000")
    ER_DUP_ENTRY = (1062, "23000")
    ER_PARSE_ERROR = (1064, "42000")
    ER_EMPTY_QUERY = (1065, "42000")
    ER_NONUNIQ_TABLE = (1066, "42000")
    ER_INVALID_DEFAULT = (1067, "42000")
    ER_MULTIPLE_PRI_KEY = (1068, "42000")
    ER_TOO_LONG_IDENT = (1059, "42000")
    ER_KEY_COLUMN_DOES_NOT_EXITS = (1072, "42000")
    ER_CANT_DROP_FIELD_OR_KEY = (1091, "42000")
    ER_NO_SUCH_THREAD = (1094, "HY000")
    ER_KILL_DENIED_ERROR = (1095, "HY000")
    ER_NO_TABLES_USED = (1096, "HY000")
    ER_UNKNOWN_SYSTEM_VARIABLE = (1193, "HY000")
    ER_UNKNOWN_CHARACTER_SET = (1115, "42000")
    ER_TOO_MANY_TABLES = (1116, "HY000")
    ER_TOO_BIG_ROWSIZE = (1118, "42000")
    ER_WRONG_OUTER_JOIN = (1120, "42000")
    ER_NULL_COLUMN_IN_INDEX = (1121, "42000")
    ER_NO_SUCH_TABLE = (1146, "42S02")
    ER_SYNTAX_ERROR = (1149, "42000")
    ER_NET_PACKET_TOO_LARGE = (1153, "08S01")
    ER_NET_READ_ERROR_FROM_PIPE = (1154, "08S01")
    ER_NET_FCNTL_ERROR = (1155, "08S01")
    ER_NET_PACKETS_OUT_OF_ORDER = (1156, "08S01")
    ER_NET_UNCOMPRESS_ERROR = (1157, "08S01")
    ER_NET_READ_ERROR = (1158, "08S01")
    ER_NET_READ_INTERRUPTED = (1159, "08S01")
    ER_NET_ERROR_ON_WRITE = (1160, "08S01")
    ER_NET_WRITE_INTERRUPTED = (1161, "08S01")
    ER_TOO_LONG_STRING = (1162, "42000")
    ER_TOO_LONG_KEY = (1071, "42000")
    ER_ERROR_DURING_COMMIT = (1180, "HY000")
    ER_ERROR_DURING_ROLLBACK = (1181, "HY000")
    ER_LOCK_WAIT_TIMEOUT = (1205, "HY000")
    ER_READ_ONLY_TRANSACTION = (1207, "25000")
    ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION = (1792, "25006")
    ER_WRONG_ARGUMENTS = (1210, "HY000")
    ER_NO_PERMISSION_TO_CREATE_USER = (1211, "42000")
    ER_LOCK_DEADLOCK = (1213, "40001")
    ER_NO_REFERENCED_ROW = (1216, "23000")
    ER_ROW_IS_REFERENCED = (1217, "23000")
    ER_SPECIFIC_ACCESS_DENIED_ERROR = (1227, "42000")
    ER_VAR_CANT_BE_READ = (1233, "HY000")
    ER_INCORRECT_GLOBAL_LOCAL_VAR = (1238, "HY000")
    ER_WRONG_VALUE_FOR_VAR = (1231, "42000")
    ER_WRONG_TYPE_FOR_VAR = (1232, "42000")
    ER_NOT_SUPPORTED_YET = (1235, "42000")
    ER_OPERAND_COLUMNS = (1241, "21000")
    ER_SUBQUERY_NO_1_ROW = (1242, "21000")
    ER_UNKNOWN_STMT_HANDLER = (1243, "HY000")
    ER_ILLEGAL_REFERENCE = (1247, "42S22")
    ER_NOT_SUPPORTED_AUTH_MODE = (1251, "08004")
    ER_WARN_DATA_OUT_OF_RANGE = (1264, "22003")
    ER_UNKNOWN_COLLATION = (1273, "HY000")
    ER_UNKNOWN_STORAGE_ENGINE = (1286, "42000")
    ER_UNKNOWN_TIME_ZONE = (1298, "HY000")
    ER_INVALID_CHARACTER_STRING = (1300, "HY000")
    ER_QUERY_INTERRUPTED = (1317, "70100")
    ER_QUERY_TIMEOUT = (3024, "HY000")
    ER_SP_DOES_NOT_EXIST = (1305, "42000")
    ER_STMT_HAS_NO_OPEN_CURSOR = (1421, "HY000")
    ER_TRUNCATED_WRONG_VALUE_FOR_FIELD = (1366, "22007")
    ER_CANNOT_USER = (1396, "HY000")
    ER_NONEXISTING_GRANT = (1141, "42000")
    ER_TABLEACCESS_DENIED_ERROR = (1142, "42000")
    ER_COLUMNACCESS_DENIED_ERROR = (1143, "42000")
    ER_ILLEGAL_GRANT_FOR_TABLE = (1144, "42000")
    ER_VIEW_INVALID = (1356, "HY000")
    ER_DATA_TOO_LONG = (1406, "22001")
    ER_TRUNCATED_WRONG_VALUE = (1292, "22007")
    ER_DIVISION_BY_ZERO = (1365, "22012")
    ER_PS_MANY_PARAM = (1390, "HY000")
    ER_STACK_OVERRUN_NEED_MORE = (1436, "HY000")
    ER_TOO_HIGH_LEVEL_OF_NESTING_FOR_SELECT = (1473, "HY000")
    ER_ROW_IS_REFERENCED_2 = (1451, "23000")
    ER_NO_REFERENCED_ROW_2 = (1452, "23000")
    ER_RECORD_FILE_FULL = (1114, "HY000")
    ER_GET_ERRNO = (1030, "HY000")
    ER_WRONG_DB_NAME = (1102, "42000")
    ER_WRONG_TABLE_NAME = (1103, "42000")
    ER_DB_CREATE_EXISTS = (1007, "HY000")
    ER_DB_DROP_EXISTS = (1008, "HY000")
    ER_TABLE_CORRUPT = (1877, "HY000")
    ER_SECURE_TRANSPORT_REQUIRED = (3159, "08004")
    ER_MUST_CHANGE_PASSWORD = (1820, "HY000")
    ER_DUP_UNIQUE = (1169, "23000")
    ER_CHECK_CONSTRAINT_VIOLATED = (3819, "HY000")
    ER_INTERNAL_ERROR = (1815, "HY000")
    WARN_DATA_TRUNCATED = (1265, "01000")
    ER_UNKNOWN_TABLE = (1109, "42S02")
    ER_WRONG_USAGE = (1221, "HY000")
    ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT = (1582, "42000")
    ER_INVALID_JSON_TEXT = (3140, "22032")
    ER_INVALID_JSON_TEXT_IN_PARAM = (3141, "22032")
    ER_INVALID_JSON_PATH = (3143, "42000")
    ER_INVALID_JSON_PATH_WILDCARD = (3149, "42000")
    ER_INVALID_USE_OF_NULL = (1138, "22004")
    ER_CANT_REMOVE_ALL_FIELDS = (1090, "42000")
    ER_WRONG_FK_DEF = (1239, "42000")
    ER_WRONG_OBJECT = (1347, "HY000")
    ER_VIEW_WRONG_LIST = (1353, "HY000")
    ER_VIEW_RECURSIVE = (1462, "HY000")
    ER_TRUNCATE_ILLEGAL_FK = (1701, "42000")
    ER_DROP_INDEX_FK = (1553, "HY000")
    ER_WRONG_AUTO_KEY = (1075, "42000")
    ER_FK_NO_INDEX_PARENT = (1822, "HY000")
    ER_FK_CANNOT_OPEN_PARENT = (1824, "HY000")
    ER_FK_DUP_NAME = (1826, "HY000")
    ER_FK_COLUMN_CANNOT_DROP = (1828, "HY000")
    ER_FK_COLUMN_CANNOT_DROP_CHILD = (1829, "HY000")
    ER_FK_COLUMN_NOT_NULL = (1830, "HY000")
    ER_FK_CANNOT_DROP_PARENT = (3730, "HY000")
    ER_FK_INCOMPATIBLE_COLUMNS = (3780, "HY000")

    @property
    def errno(self) -> int:
        """The MySQL error number."""
        return self.value[0]

    @property
    def sqlstate(self) -> str:
        """The five-character SQLSTATE."""
        return self.value[1]


class EdbError(Exception):
    """Root of every error this package raises on purpose."""


class SQLError(EdbError):
    """An error a client sees as a MySQL ERR packet.

    Args:
        kind: the MySQL error kind (errno and SQLSTATE come from it).
        message: our own message text; must not contain keys or unrelated user data.
    """

    def __init__(self, kind: ER, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    @property
    def errno(self) -> int:
        return self.kind.errno

    @property
    def sqlstate(self) -> str:
        return self.kind.sqlstate

    def __repr__(self) -> str:
        return f"SQLError({self.kind.name}, {self.message!r})"


class EngineBusy(SQLError):
    """The statement did not run because another session holds a conflicting lock.

    Contract: nothing changed (the statement had no effect); the caller may retry the same
    statement later. Callers that give up report :attr:`ER.ER_LOCK_WAIT_TIMEOUT`.
    """

    def __init__(self, message: str = "database is locked by another session") -> None:
        super().__init__(ER.ER_LOCK_WAIT_TIMEOUT, message)


class AuthenticationError(SQLError):
    """Login refused. Always ``ER_ACCESS_DENIED_ERROR`` unless stated otherwise."""

    def __init__(self, message: str, kind: ER = ER.ER_ACCESS_DENIED_ERROR) -> None:
        super().__init__(kind, message)


class ProtocolError(EdbError):
    """The MySQL wire protocol was violated.

    Attributes:
        kind: the error the server reports before closing (``ER_HANDSHAKE_ERROR``,
            ``ER_NET_PACKETS_OUT_OF_ORDER``, ``ER_NET_PACKET_TOO_LARGE``, ...).
    """

    def __init__(self, message: str, kind: ER = ER.ER_HANDSHAKE_ERROR) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class RemoteProtocolError(ProtocolError):
    """The peer sent something malformed or out of order; the connection must close."""


class LocalProtocolError(ProtocolError):
    """Our own code tried to send something the protocol state does not allow (a bug)."""


class StorageError(EdbError):
    """The storage engine failed (I/O error, disk full, corruption)."""


class IntegrityError(StorageError):
    """Tampering, swapping or rollback of stored data was detected."""


def code_locations(exc: BaseException, depth: int = 6) -> str:
    """``file:line`` of the innermost frames of ``exc``, for logs that must not quote data.

    Exception messages can contain user data (a duplicate key, a literal), so logs of
    unexpected errors carry the exception type and these locations instead of the message.
    """
    return "; ".join(
        f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"
        for frame in traceback.extract_tb(exc.__traceback__)[-depth:]
    )
