"""The SQL layer: MySQL statements on SQLite (see docs/sql.md).

The server imports only the names below; :mod:`edb_proxy.sql.api` fixes the types that cross
the boundary.
"""

from __future__ import annotations

from edb_proxy.sql.accounts import check_password, dummy_password_hash, hash_password
from edb_proxy.sql.api import (
    Account,
    OkResult,
    PreparedStatement,
    Result,
    ResultSet,
    SessionAPI,
    Statement,
)
from edb_proxy.sql.database import Database
from edb_proxy.sql.session import Session

__all__ = [
    "Account",
    "Database",
    "OkResult",
    "PreparedStatement",
    "Result",
    "ResultSet",
    "Session",
    "SessionAPI",
    "Statement",
    "check_password",
    "dummy_password_hash",
    "hash_password",
]
