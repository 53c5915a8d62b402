"""Storage engine access: hardened SQLite connections through APSW.

The SQL layer opens every connection through :func:`open_connection` and turns every APSW
exception into one of our typed errors through :func:`translate_error`. Nothing above this
package imports :mod:`apsw` for those two jobs.
"""

from __future__ import annotations

from edb_proxy.storage.engine import (
    LIMITS,
    PageCipher,
    StorageOptions,
    open_connection,
    schema_changes,
)
from edb_proxy.storage.faults import EngineError, StaleSnapshotError, translate_error

__all__ = [
    "LIMITS",
    "EngineError",
    "PageCipher",
    "StaleSnapshotError",
    "StorageOptions",
    "open_connection",
    "schema_changes",
    "translate_error",
]
