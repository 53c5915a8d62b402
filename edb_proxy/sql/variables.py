"""Server and session system variables (``@@name``, ``SET``, ``SHOW VARIABLES``).

Global values belong to the :class:`~edb_proxy.sql.database.Database` and change only through
``Database.set_variable`` (the server's configuration); clients may change session values
only. Values are Python ints or strs; their type decides the column type MySQL reports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from edb_proxy.errors import ER, SQLError

__all__ = [
    "BOOLEAN",
    "GLOBAL_ONLY",
    "READ_ONLY",
    "default_variables",
    "is_known_variable",
    "is_server_defined",
    "normalize_session_value",
    "register_server_variable",
]

_SQL_MODE = (
    "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
)
_DEFAULTS: dict[str, object] = {
    "auto_increment_increment": 1,
    "auto_increment_offset": 1,
    "autocommit": 1,
    "big_tables": 0,
    "character_set_client": "utf8mb4",
    "character_set_connection": "utf8mb4",
    "character_set_database": "utf8mb4",
    "character_set_filesystem": "binary",
    "character_set_results": "utf8mb4",
    "character_set_server": "utf8mb4",
    "character_set_system": "utf8mb3",
    "collation_connection": "utf8mb4_general_ci",
    "collation_database": "utf8mb4_general_ci",
    "collation_server": "utf8mb4_general_ci",
    "connect_timeout": 10,
    "default_authentication_plugin": "caching_sha2_password",
    "default_storage_engine": "InnoDB",
    "default_week_format": 0,
    "div_precision_increment": 4,
    "explicit_defaults_for_timestamp": 1,
    "foreign_key_checks": 1,
    "group_concat_max_len": 1024,
    "have_ssl": "YES",
    "have_openssl": "YES",
    "init_connect": "",
    "innodb_lock_wait_timeout": 50,
    "interactive_timeout": 28800,
    "license": "Apache-2.0",
    "lower_case_table_names": 1,
    "max_allowed_packet": 67108864,
    "max_connections": 151,
    "max_execution_time": 0,
    "net_buffer_length": 16384,
    "net_read_timeout": 30,
    "net_write_timeout": 60,
    "performance_schema": 0,
    "port": 3306,
    "protocol_version": 10,
    "query_cache_size": 0,
    "query_cache_type": "OFF",
    "require_secure_transport": "OFF",
    "session_track_schema": 1,
    "session_track_state_change": 0,
    "session_track_system_variables": "time_zone,autocommit,character_set_client,"
    "character_set_results,character_set_connection",
    "session_track_transaction_info": "OFF",
    "sql_auto_is_null": 0,
    "sql_mode": _SQL_MODE,
    "sql_notes": 1,
    "sql_safe_updates": 0,
    "sql_select_limit": 18446744073709551615,
    "sql_warnings": 0,
    "system_time_zone": "UTC",
    "time_zone": "SYSTEM",
    "tls_version": "TLSv1.2,TLSv1.3",
    "transaction_isolation": "SERIALIZABLE",
    "transaction_read_only": 0,
    "tx_isolation": "SERIALIZABLE",
    "tx_read_only": 0,
    "unique_checks": 1,
    "version": "",
    "version_comment": "edb-proxy (confidential MySQL-compatible server)",
    "version_compile_machine": "x86_64",
    "version_compile_os": "Linux",
    "wait_timeout": 28800,
    "warning_count": 0,
    "error_count": 0,
    "last_insert_id": 0,
    "identity": 0,
}

#: Variables a client may not set in its session (server configuration).
GLOBAL_ONLY = frozenset(
    [
        "character_set_system",
        "connect_timeout",
        "default_authentication_plugin",
        "have_ssl",
        "have_openssl",
        "license",
        "lower_case_table_names",
        "max_connections",
        "port",
        "protocol_version",
        "query_cache_size",
        "require_secure_transport",
        "system_time_zone",
        "tls_version",
        "version",
        "version_comment",
        "version_compile_machine",
        "version_compile_os",
        "performance_schema",
        "character_set_filesystem",
        "init_connect",
    ]
)
#: Variables nobody sets with SET.
READ_ONLY = frozenset({"warning_count", "error_count"} | GLOBAL_ONLY)

BOOLEAN = frozenset(
    [
        "autocommit",
        "big_tables",
        "foreign_key_checks",
        "unique_checks",
        "sql_auto_is_null",
        "sql_notes",
        "sql_safe_updates",
        "sql_warnings",
        "transaction_read_only",
        "tx_read_only",
        "explicit_defaults_for_timestamp",
    ]
)
_ISOLATION = {"READ-UNCOMMITTED", "READ-COMMITTED", "REPEATABLE-READ", "SERIALIZABLE"}
_CHARSETS = {"utf8mb4", "utf8", "utf8mb3", "binary", "ascii", "latin1"}
_TZ = re.compile(r"^[+-](?:0?\d|1[0-4]):[0-5]\d$")
_REFUSED_MODES = {"ANSI_QUOTES", "NO_BACKSLASH_ESCAPES", "ANSI", "PIPES_AS_CONCAT"}


def default_variables(
    server_version: str, overrides: Mapping[str, object] | None
) -> dict[str, object]:
    """The global variables: our defaults, the version, then ``overrides``."""
    values = dict(_DEFAULTS)
    values["version"] = server_version
    for name, value in (overrides or {}).items():
        values[name.lower()] = value
        register_server_variable(name)
    return values


#: Names the server configuration added (read-only for clients, like GLOBAL_ONLY ones).
_SERVER_DEFINED: set[str] = set()


def register_server_variable(name: str) -> None:
    """Make a server-defined global variable (``@@edb_manifest_sha256``) readable."""
    low = name.lower()
    if low not in _DEFAULTS:
        _SERVER_DEFINED.add(low)


def is_server_defined(name: str) -> bool:
    return name.lower() in _SERVER_DEFINED


def is_known_variable(name: str) -> bool:
    low = name.lower()
    return low in _DEFAULTS or low in _SERVER_DEFINED


def _as_bool(name: str, value: object) -> int:
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, str) and value.upper() in ("ON", "TRUE", "1", "OFF", "FALSE", "0"):
        return 1 if value.upper() in ("ON", "TRUE", "1") else 0
    raise SQLError(
        ER.ER_WRONG_VALUE_FOR_VAR, f"Variable '{name}' can't be set to the value of '{value}'"
    )


def normalize_session_value(name: str, value: object) -> object:
    """Validate a client's ``SET [SESSION] name = value`` and return the stored value.

    Raises:
        SQLError: 1193 unknown variable, 1238 read-only/global-only, 1231 bad value.
    """
    name = name.lower()
    if not is_known_variable(name):
        raise SQLError(ER.ER_UNKNOWN_SYSTEM_VARIABLE, f"Unknown system variable '{name}'")
    if name in READ_ONLY or name in _SERVER_DEFINED:
        raise SQLError(
            ER.ER_INCORRECT_GLOBAL_LOCAL_VAR,
            f"Variable '{name}' is a read only variable or a GLOBAL variable",
        )
    if name in BOOLEAN:
        return _as_bool(name, value)
    if name in ("transaction_isolation", "tx_isolation"):
        text = str(value).upper().replace(" ", "-")
        if text not in _ISOLATION:
            raise SQLError(
                ER.ER_WRONG_VALUE_FOR_VAR,
                f"Variable '{name}' can't be set to the value of '{value}'",
            )
        return text
    if name.startswith("character_set_") or name.startswith("collation_"):
        text = "utf8mb4" if value is None else str(value).lower()
        base = text.split("_", 1)[0] if name.startswith("collation_") else text
        if base not in _CHARSETS:
            raise SQLError(ER.ER_UNKNOWN_CHARACTER_SET, f"Unknown character set: '{text}'")
        return text
    if name == "sql_mode":
        text = "" if value is None else str(value).upper()
        modes = [m.strip() for m in text.split(",") if m.strip()]
        refused = _REFUSED_MODES.intersection(modes)
        if refused:
            raise SQLError(
                ER.ER_WRONG_VALUE_FOR_VAR,
                f"Variable 'sql_mode' can't be set to the value of '{sorted(refused)[0]}'"
                " (not supported by edb-proxy)",
            )
        return ",".join(modes)
    if name == "time_zone":
        text = str(value)
        if text.upper() in ("SYSTEM", "UTC", "+00:00") or _TZ.match(text):
            return "SYSTEM" if text.upper() == "SYSTEM" else text
        raise SQLError(ER.ER_UNKNOWN_TIME_ZONE, f"Unknown or incorrect time zone: '{text}'")
    default = _DEFAULTS[name]
    if isinstance(default, int) and not isinstance(value, int):
        try:
            return int(str(value))
        except ValueError:
            raise SQLError(
                ER.ER_WRONG_TYPE_FOR_VAR, f"Incorrect argument type to variable '{name}'"
            ) from None
    return value
