"""MySQL messages for engine errors that name tables, columns, keys or values.

:func:`edb_proxy.storage.translate_error` has already chosen the MySQL error kind; here the SQL
layer, which knows the MySQL names behind SQLite's ``"db.t"`` tables, writes MySQL's message.
Only values MySQL itself echoes (the duplicate key value) are included.
"""

from __future__ import annotations

import re

import apsw

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.catalog import Table, quote
from edb_proxy.sql.compiler import Plan
from edb_proxy.sql.foreignkeys import violation
from edb_proxy.storage import EngineError

__all__ = ["refine"]

_COLUMN_LIST = re.compile(r"constraint failed: (.*)$", re.IGNORECASE)
_NO_TABLE = re.compile(r"no such table: (?:main\.)?(.+)$")
_NO_COLUMN = re.compile(r"(?:no such column: |has no column named )(.+)$")
_TYPE_COLUMN = re.compile(r"column (\S+)$")


def _columns(detail: str) -> list[str]:
    m = _COLUMN_LIST.search(detail)
    if not m:
        return []
    return [part.strip().rsplit(".", 1)[-1] for part in m.group(1).split(",")]


def _format(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _duplicate_value(
    plan: Plan, table: Table, cols: list[str], sets: list[list[object]], conn: apsw.Connection
) -> str:
    """The conflicting key value of an INSERT, as MySQL prints it (``v1-v2``)."""
    cells = plan.extra.get("cells")
    names = plan.extra.get("columns")
    if not isinstance(cells, list) or not isinstance(names, list):
        return ""
    lowered = [str(n).lower() for n in names]
    try:
        where = [lowered.index(c.lower()) for c in cols]
    except ValueError:
        return ""
    candidates: list[tuple[object, ...]] = []
    for bindings in sets:
        for row in cells:
            idx = [row[i] for i in where]
            if any(i is None or i >= len(bindings) for i in idx):
                continue
            candidates.append(tuple(bindings[i] for i in idx if i is not None))
    cond = " AND ".join(f"{quote(c)} = ?" for c in cols)
    seen: set[tuple[object, ...]] = set()
    for key in candidates:
        try:
            hit = conn.execute(
                f"SELECT 1 FROM {quote(table.sqlite_name)} WHERE {cond} LIMIT 1",  # noqa: S608 (quoted catalog names)
                key,
            ).fetchall()
        except apsw.Error:
            return ""
        if hit or key in seen:
            return "-".join(_format(v) for v in key)
        seen.add(key)
    return ""


def refine(
    err: EngineError, plan: Plan, sets: list[list[object]], conn: apsw.Connection
) -> SQLError:
    """A plain :class:`SQLError` with MySQL's message for ``err``."""
    detail = err.detail
    table = plan.table
    if err.kind is ER.ER_DUP_ENTRY and table is not None:
        cols = _columns(detail)
        key = "PRIMARY"
        for idx in table.indexes:
            if [c.lower() for c in idx.columns] == [c.lower() for c in cols]:
                key = idx.name
                break
        value = _duplicate_value(plan, table, cols, sets, conn) if plan.kind == "insert" else ""
        return SQLError(err.kind, f"Duplicate entry '{value}' for key '{table.name}.{key}'")
    if err.kind is ER.ER_NO_REFERENCED_ROW_2 and table is not None:
        return violation(table, plan.kind)  # 1452 / 1451 with the constraint (foreignkeys)
    if err.kind is ER.ER_BAD_NULL_ERROR:
        cols = _columns(detail)
        name = cols[0] if cols else "?"
        return SQLError(err.kind, f"Column '{name}' cannot be null")
    if err.kind is ER.ER_NO_SUCH_TABLE:
        m = _NO_TABLE.search(detail)
        name = m.group(1) if m else "?"
        return SQLError(err.kind, f"Table '{name}' doesn't exist")
    if err.kind is ER.ER_BAD_FIELD_ERROR:
        m = _NO_COLUMN.search(detail)
        name = m.group(1).rsplit(".", 1)[-1] if m else "?"
        return SQLError(err.kind, f"Unknown column '{name}' in 'field list'")
    if err.kind is ER.ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
        m = _TYPE_COLUMN.search(detail)
        name = m.group(1).rsplit(".", 1)[-1] if m else "?"
        return SQLError(err.kind, f"Incorrect value for column '{name}' at row 1")
    if err.kind is ER.ER_CHECK_CONSTRAINT_VIOLATED and detail.startswith("CHECK"):
        return SQLError(
            ER.ER_TRUNCATED_WRONG_VALUE_FOR_FIELD, "Data truncated: value not allowed for column"
        )
    return SQLError(err.kind, err.message)
