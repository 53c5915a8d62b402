"""MySQL wire-protocol constants, spelled as MySQL spells them.

Names and numbers follow ``include/mysql_com.h`` and ``include/my_command.h`` of the MySQL
server so they grep against the manual:

- Capability flags: https://dev.mysql.com/doc/dev/mysql-server/latest/group__group__cs__capabilities__flags.html
- Commands: https://dev.mysql.com/doc/dev/mysql-server/latest/my__command_8h.html
- Server status: https://dev.mysql.com/doc/dev/mysql-server/latest/mysql__com_8h.html

Contract: this module holds data only; it imports nothing of ours.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

__all__ = [
    "DEFAULT_SERVER_CAPABILITIES",
    "MAX_FRAME_PAYLOAD",
    "SCRAMBLE_LENGTH",
    "Capability",
    "Command",
    "CursorType",
    "ServerStatus",
    "SetOption",
]

#: The largest payload one frame carries; a frame this long means "more follows".
MAX_FRAME_PAYLOAD = 0xFFFFFF

#: Length of the authentication nonce ("scramble") sent in the greeting.
SCRAMBLE_LENGTH = 20


class Capability(IntFlag):
    """``CLIENT_*`` capability flags exchanged in the handshake."""

    CLIENT_LONG_PASSWORD = 1
    CLIENT_FOUND_ROWS = 1 << 1
    CLIENT_LONG_FLAG = 1 << 2
    CLIENT_CONNECT_WITH_DB = 1 << 3
    CLIENT_NO_SCHEMA = 1 << 4
    CLIENT_COMPRESS = 1 << 5
    CLIENT_ODBC = 1 << 6
    CLIENT_LOCAL_FILES = 1 << 7
    CLIENT_IGNORE_SPACE = 1 << 8
    CLIENT_PROTOCOL_41 = 1 << 9
    CLIENT_INTERACTIVE = 1 << 10
    CLIENT_SSL = 1 << 11
    CLIENT_IGNORE_SIGPIPE = 1 << 12
    CLIENT_TRANSACTIONS = 1 << 13
    CLIENT_RESERVED = 1 << 14
    CLIENT_SECURE_CONNECTION = 1 << 15
    CLIENT_RESERVED2 = 1 << 15  # MySQL 8 spelling of CLIENT_SECURE_CONNECTION
    CLIENT_MULTI_STATEMENTS = 1 << 16
    CLIENT_MULTI_RESULTS = 1 << 17
    CLIENT_PS_MULTI_RESULTS = 1 << 18
    CLIENT_PLUGIN_AUTH = 1 << 19
    CLIENT_CONNECT_ATTRS = 1 << 20
    CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 1 << 21
    CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS = 1 << 22
    CLIENT_SESSION_TRACK = 1 << 23
    CLIENT_DEPRECATE_EOF = 1 << 24
    CLIENT_OPTIONAL_RESULTSET_METADATA = 1 << 25
    CLIENT_ZSTD_COMPRESSION_ALGORITHM = 1 << 26
    CLIENT_QUERY_ATTRIBUTES = 1 << 27
    CLIENT_MULTI_FACTOR_AUTHENTICATION = 1 << 28
    CLIENT_CAPABILITY_EXTENSION = 1 << 29
    CLIENT_SSL_VERIFY_SERVER_CERT = 1 << 30
    CLIENT_REMEMBER_OPTIONS = 1 << 31


#: What :class:`~edb_proxy.protocol.connection.ServerConnection` offers by default.
#: Deliberately absent: COMPRESS, LOCAL_FILES (LOAD DATA LOCAL), QUERY_ATTRIBUTES,
#: OPTIONAL_RESULTSET_METADATA, SESSION_TRACK, ZSTD_COMPRESSION_ALGORITHM.
DEFAULT_SERVER_CAPABILITIES = (
    Capability.CLIENT_PROTOCOL_41
    | Capability.CLIENT_LONG_PASSWORD
    | Capability.CLIENT_FOUND_ROWS
    | Capability.CLIENT_LONG_FLAG
    | Capability.CLIENT_CONNECT_WITH_DB
    | Capability.CLIENT_NO_SCHEMA
    | Capability.CLIENT_ODBC
    | Capability.CLIENT_IGNORE_SPACE
    | Capability.CLIENT_INTERACTIVE
    | Capability.CLIENT_SSL
    | Capability.CLIENT_IGNORE_SIGPIPE
    | Capability.CLIENT_TRANSACTIONS
    | Capability.CLIENT_SECURE_CONNECTION
    | Capability.CLIENT_MULTI_STATEMENTS
    | Capability.CLIENT_MULTI_RESULTS
    | Capability.CLIENT_PS_MULTI_RESULTS
    | Capability.CLIENT_PLUGIN_AUTH
    | Capability.CLIENT_CONNECT_ATTRS
    | Capability.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
    | Capability.CLIENT_DEPRECATE_EOF
)


class Command(IntEnum):
    """``enum_server_command``: the first payload byte of a command-phase packet."""

    COM_SLEEP = 0x00
    COM_QUIT = 0x01
    COM_INIT_DB = 0x02
    COM_QUERY = 0x03
    COM_FIELD_LIST = 0x04
    COM_CREATE_DB = 0x05
    COM_DROP_DB = 0x06
    COM_REFRESH = 0x07
    COM_SHUTDOWN = 0x08
    COM_STATISTICS = 0x09
    COM_PROCESS_INFO = 0x0A
    COM_CONNECT = 0x0B
    COM_PROCESS_KILL = 0x0C
    COM_DEBUG = 0x0D
    COM_PING = 0x0E
    COM_TIME = 0x0F
    COM_DELAYED_INSERT = 0x10
    COM_CHANGE_USER = 0x11
    COM_BINLOG_DUMP = 0x12
    COM_TABLE_DUMP = 0x13
    COM_CONNECT_OUT = 0x14
    COM_REGISTER_SLAVE = 0x15
    COM_STMT_PREPARE = 0x16
    COM_STMT_EXECUTE = 0x17
    COM_STMT_SEND_LONG_DATA = 0x18
    COM_STMT_CLOSE = 0x19
    COM_STMT_RESET = 0x1A
    COM_SET_OPTION = 0x1B
    COM_STMT_FETCH = 0x1C
    COM_DAEMON = 0x1D
    COM_BINLOG_DUMP_GTID = 0x1E
    COM_RESET_CONNECTION = 0x1F


class ServerStatus(IntFlag):
    """``SERVER_STATUS_*`` bits carried by OK and EOF packets."""

    SERVER_STATUS_IN_TRANS = 1
    SERVER_STATUS_AUTOCOMMIT = 1 << 1
    SERVER_MORE_RESULTS_EXISTS = 1 << 3
    SERVER_STATUS_NO_GOOD_INDEX_USED = 1 << 4
    SERVER_STATUS_NO_INDEX_USED = 1 << 5
    SERVER_STATUS_CURSOR_EXISTS = 1 << 6
    SERVER_STATUS_LAST_ROW_SENT = 1 << 7
    SERVER_STATUS_DB_DROPPED = 1 << 8
    SERVER_STATUS_NO_BACKSLASH_ESCAPES = 1 << 9
    SERVER_STATUS_METADATA_CHANGED = 1 << 10
    SERVER_QUERY_WAS_SLOW = 1 << 11
    SERVER_PS_OUT_PARAMS = 1 << 12
    SERVER_STATUS_IN_TRANS_READONLY = 1 << 13
    SERVER_SESSION_STATE_CHANGED = 1 << 14


class CursorType(IntFlag):
    """``enum_cursor_type``: the flags byte of ``COM_STMT_EXECUTE``."""

    CURSOR_TYPE_NO_CURSOR = 0
    CURSOR_TYPE_READ_ONLY = 1
    CURSOR_TYPE_FOR_UPDATE = 2
    CURSOR_TYPE_SCROLLABLE = 4
    PARAMETER_COUNT_AVAILABLE = 8


class SetOption(IntEnum):
    """``enum_mysql_set_option``: the argument of ``COM_SET_OPTION``."""

    MYSQL_OPTION_MULTI_STATEMENTS_ON = 0
    MYSQL_OPTION_MULTI_STATEMENTS_OFF = 1
