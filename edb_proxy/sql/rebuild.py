"""Table rebuild: the general path of ALTER TABLE and RENAME TABLE on SQLite.

Theory of operation
-------------------
SQLite's own ALTER TABLE is limited (and its RENAME is not open to the authorizer), so every
structural change rebuilds the table inside the caller's write transaction:

1. copy every row, in rowid order, into a scratch STRICT table ``edb_rebuild`` whose columns
   are ``ANY`` (values are kept exactly, whatever their type);
2. drop the old SQLite table (its indexes go with it);
3. create the new table from the new catalog model (:func:`ddl.create_storage`: columns,
   keys, foreign keys, indexes);
4. copy the rows back, converting each value that changes type with MySQL strict mode's
   checks (1264 out of range, 1265 truncated, 1366 incorrect value, 1138 NULL
   into NOT NULL), row numbers counted from 1 in copy order (a string too long for its new
   type is 1265 ``Data truncated``, as MySQL's ALTER reports it; 1406 is INSERT's error);
5. drop the scratch table.

Invariants
1. All of it runs in one SQLite transaction: a failure at any step rolls back to the old table,
   old data and old catalog (the caller owns the transaction and reloads the catalog).
2. Foreign key enforcement is off while the tables are swapped (foreignkeys invariant 2);
   data is copied unchanged for kept columns, so constraints that held still hold.
3. AUTO_INCREMENT counters survive: the counter is max(id) + 1, and ids are copied.
4. No client value reaches SQL text: values move through bound parameters.
"""

from __future__ import annotations

import decimal
import re

import apsw

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql import ddl
from edb_proxy.sql.catalog import Column, Table, quote
from edb_proxy.sql.coltypes import ColumnType, to_decimal
from edb_proxy.sql.foreignkeys import enforcement_off
from edb_proxy.sql.temporal import normalize_date, normalize_datetime, normalize_time

__all__ = ["SCRATCH", "convert", "implicit_default", "rebuild"]

#: The scratch table's SQLite name (no dot: no client can name it).
SCRATCH = "edb_rebuild"

_INT_RANGES = {
    "TINYINT": 8,
    "SMALLINT": 16,
    "MEDIUMINT": 24,
    "INT": 32,
    "BIGINT": 64,
}
_TEXT_BYTES = {"TINYTEXT": 255, "TEXT": 65535, "MEDIUMTEXT": 16777215, "LONGTEXT": 4294967295}
_BLOB_BYTES = {"TINYBLOB": 255, "BLOB": 65535, "MEDIUMBLOB": 16777215, "LONGBLOB": 4294967295}
_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_BATCH = 500
#: 1265 "Data truncated" (looked up by number: its enum name is another module's choice).
_TRUNCATED = next(kind for kind in ER if kind.errno == 1265)


def rebuild(
    conn: apsw.Connection,
    old: Table,
    new: Table,
    sources: list[str | None],
    *,
    defaults: dict[int, object] | None = None,
) -> None:
    """Replace the SQLite table of ``old`` by one built from ``new``, keeping the rows.

    Args:
        sources: for each column of ``new``, the name of the ``old`` column its values come
            from, or None for a new column (it gets ``defaults[i]`` when given, else its
            DEFAULT).
        defaults: values for new columns by position in ``new.columns``.

    Raises:
        SQLError: the strict-mode conversion errors of the module docstring; storage errors
            are left to the caller's error translation.
    """
    defaults = defaults or {}
    old_names = [c.name for c in old.columns]
    scratch_cols = ", ".join(f"{quote('c' + str(i))} ANY" for i in range(len(old_names)))
    select_old = ", ".join(quote(n) for n in old_names)
    with enforcement_off(conn):
        conn.execute(f"DROP TABLE IF EXISTS {quote(SCRATCH)}")
        conn.execute(f"CREATE TABLE {quote(SCRATCH)} ({scratch_cols}) STRICT")
        conn.execute(
            f"INSERT INTO {quote(SCRATCH)} SELECT {select_old} "  # noqa: S608 (catalog names)
            f"FROM {quote(old.sqlite_name)} ORDER BY rowid"
        )
        conn.execute(f"DROP TABLE {quote(old.sqlite_name)}")
        ddl.create_storage(conn, new)
        _copy_back(conn, old, new, sources, defaults)
        conn.execute(f"DROP TABLE {quote(SCRATCH)}")


def _copy_back(
    conn: apsw.Connection,
    old: Table,
    new: Table,
    sources: list[str | None],
    defaults: dict[int, object],
) -> None:
    index = {c.name.lower(): i for i, c in enumerate(old.columns)}
    targets: list[str] = []
    exprs: list[str] = []
    params: list[object] = []
    checks: list[tuple[int, Column, Column]] = []  # (position in the SELECT, new, old column)
    for i, col in enumerate(new.columns):
        src = sources[i]
        if src is None:
            if i in defaults:
                targets.append(quote(col.name))
                params.append(defaults[i])
                exprs.append(f"?{len(params)}")
            continue
        old_col = old.column(src)
        assert old_col is not None
        targets.append(quote(col.name))
        exprs.append(quote("c" + str(index[src.lower()])))
        if needs_conversion(old_col, col):
            checks.append((len(exprs) - 1, col, old_col))
    table = quote(new.sqlite_name)
    if not targets:
        count = conn.execute(f"SELECT count(*) FROM {quote(SCRATCH)}").fetchall()[0][0]  # noqa: S608
        for _ in range(int(str(count))):
            conn.execute(f"INSERT INTO {table} DEFAULT VALUES")
        return
    cols = ", ".join(targets)
    if not checks:
        conn.execute(
            f"INSERT INTO {table} ({cols}) SELECT {', '.join(exprs)} "  # noqa: S608
            f"FROM {quote(SCRATCH)} ORDER BY rowid",
            tuple(params),
        )
        return
    plain = [e for e in exprs if not e.startswith("?")]
    marks = ", ".join(f"?{i + 1}" for i in range(len(exprs)))
    insert = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608
    batch: list[tuple[object, ...]] = []
    reader = conn.cursor()
    try:
        rows = reader.execute(
            f"SELECT {', '.join(plain)} FROM {quote(SCRATCH)} ORDER BY rowid"  # noqa: S608
        )
        for rownum, row in enumerate(rows, start=1):
            values: list[object] = []
            it = iter(row)
            pi = 0
            for e in exprs:
                if e.startswith("?"):
                    values.append(params[pi])
                    pi += 1
                else:
                    values.append(next(it))
            for pos, col, old_col in checks:
                values[pos] = convert(values[pos], col, rownum, source=old_col)
            batch.append(tuple(values))
            if len(batch) >= _BATCH:
                conn.executemany(insert, batch)
                batch = []
    finally:
        reader.close()  # an open statement would keep the failed transaction from rolling back
    if batch:
        conn.executemany(insert, batch)


def needs_conversion(old: Column, new: Column) -> bool:
    """True when values of ``old`` must be checked/converted to be stored in ``new``."""
    a, b = old.ctype, new.ctype
    same = (a.name, a.length, a.scale, a.unsigned, a.values) == (
        b.name,
        b.length,
        b.scale,
        b.unsigned,
        b.values,
    )
    if new.not_null and not old.not_null:
        return True
    return not same and not _widens(a, b)


def _widens(a: ColumnType, b: ColumnType) -> bool:
    """True when every value of type ``a`` is stored unchanged in type ``b``."""
    if a.name in _INT_RANGES and b.name in _INT_RANGES:
        if a.unsigned == b.unsigned:
            return _INT_RANGES[b.name] >= _INT_RANGES[a.name]
        return a.unsigned and _INT_RANGES[b.name] > _INT_RANGES[a.name]  # unsigned -> signed
    strings = ("CHAR", "VARCHAR")
    if a.name in strings and b.name in strings:
        return (b.length or 1) >= (a.length or 1)
    if a.name in strings and b.name in _TEXT_BYTES:
        return (a.length or 1) * 4 <= _TEXT_BYTES[b.name]
    if a.name in _TEXT_BYTES and b.name in _TEXT_BYTES:
        return _TEXT_BYTES[b.name] >= _TEXT_BYTES[a.name]
    if a.name == b.name == "ENUM":
        return b.values[: len(a.values)] == a.values
    return False


def _err(kind: ER, message: str) -> SQLError:
    return SQLError(kind, message)


def convert(value: object, col: Column, row: int, *, source: Column | None = None) -> object:
    """``value`` as stored in ``col`` under MySQL strict mode, or the error MySQL raises.

    ``source`` is the column the value comes from (a DECIMAL keeps its scale as text).

    Raises:
        SQLError: 1138, 1264, 1265, 1366, 1292.
    """
    if value is None:
        if col.not_null and not col.auto_increment:
            raise _err(ER.ER_INVALID_USE_OF_NULL, "Invalid use of NULL value")
        return None
    t = col.ctype
    name = t.name
    binary = name in _BLOB_BYTES or name in ("BINARY", "VARBINARY")
    if isinstance(value, bytes) and not binary:
        value = value.decode("utf-8", "replace")
    if name in _INT_RANGES or name in ("YEAR", "BIT"):
        return _to_int(value, col, row)
    if name == "DECIMAL":
        return _to_decimal(value, col, row)
    if name in ("FLOAT", "DOUBLE"):
        return float(_number(value, col, row, "double"))
    if name in ("DATE", "DATETIME", "TIMESTAMP", "TIME"):
        return _to_temporal(value, t, col, row)
    if binary:
        data = value if isinstance(value, bytes) else _text(value).encode("utf-8")
        limit = _BLOB_BYTES.get(name, t.length or 0)
        if len(data) > limit:
            raise _too_long(col, row)
        return data
    if source is not None and source.ctype.name == "DECIMAL" and isinstance(value, int | float):
        value = to_decimal(value, source.ctype.scale or 0)
    text = _text(value)
    if name in ("CHAR", "VARCHAR") and t.length is not None and len(text) > t.length:
        raise _too_long(col, row)
    if name in _TEXT_BYTES and len(text.encode("utf-8")) > _TEXT_BYTES[name]:
        raise _too_long(col, row)
    if name == "ENUM":
        member = next((m for m in t.values if m.lower() == text.lower()), None)
        if member is None:
            raise _err(_TRUNCATED, f"Data truncated for column '{col.name}' at row {row}")
        return member
    return text


def _text(value: object) -> str:
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    return str(value)


def _too_long(col: Column, row: int) -> SQLError:
    """ALTER's copy reports a string that does not fit as 1265, as MySQL and MariaDB do (1406
    is INSERT/UPDATE's error)."""
    return _err(_TRUNCATED, f"Data truncated for column '{col.name}' at row {row}")


def _number(value: object, col: Column, row: int, kind: str) -> decimal.Decimal:
    if isinstance(value, int):
        return decimal.Decimal(value)
    if isinstance(value, float):
        return decimal.Decimal(repr(value))
    text = str(value)
    m = _NUMBER.match(text)
    if m is None:
        raise _err(
            ER.ER_TRUNCATED_WRONG_VALUE_FOR_FIELD,
            f"Incorrect {kind} value: '{text}' for column '{col.name}' at row {row}",
        )
    if text[m.end() :].strip():
        raise _err(_TRUNCATED, f"Data truncated for column '{col.name}' at row {row}")
    return decimal.Decimal(m.group(0).strip())


def _out_of_range(col: Column, row: int) -> SQLError:
    return _err(
        ER.ER_WARN_DATA_OUT_OF_RANGE, f"Out of range value for column '{col.name}' at row {row}"
    )


def _to_int(value: object, col: Column, row: int) -> int:
    number = _number(value, col, row, "integer")
    n = int(number.to_integral_value(rounding=decimal.ROUND_HALF_UP))
    t = col.ctype
    if t.name == "YEAR":
        if not (n == 0 or 1901 <= n <= 2155):
            raise _out_of_range(col, row)
        return n
    bits = _INT_RANGES.get(t.name, 64)
    if t.name == "BIT":
        lo, hi = 0, (1 << (t.length or 1)) - 1
    elif t.unsigned:
        lo, hi = 0, (1 << bits) - 1
    else:
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if not lo <= n <= hi:
        raise _out_of_range(col, row)
    return n


def _to_decimal(value: object, col: Column, row: int) -> object:
    t = col.ctype
    number = _number(value, col, row, "decimal")
    scale = t.scale or 0
    q = number.quantize(decimal.Decimal(1).scaleb(-scale), rounding=decimal.ROUND_HALF_UP)
    if len(q.as_tuple().digits) - scale > t.precision - scale and abs(q) >= 1:
        raise _out_of_range(col, row)
    if t.unsigned and q < 0:
        raise _out_of_range(col, row)
    return float(q) if t.sqlite_decl == "REAL" else str(q)


def _to_temporal(value: object, t: ColumnType, col: Column, row: int) -> object:
    if t.name == "DATE":
        out = normalize_date(value)
        ok = isinstance(out, str) and len(out) == 10
    elif t.name == "TIME":
        out = normalize_time(value, t.length or 0)
        ok = isinstance(out, str) and ":" in out
    else:
        out = normalize_datetime(value, t.length or 0)
        ok = isinstance(out, str) and len(out) >= 19
    if not ok:
        kind = "date" if t.name == "DATE" else "time" if t.name == "TIME" else "datetime"
        raise _err(
            ER.ER_TRUNCATED_WRONG_VALUE,
            f"Incorrect {kind} value: '{value}' for column '{col.name}' at row {row}",
        )
    return out


def implicit_default(col: Column) -> object:
    """MySQL's implicit default of a NOT NULL column without DEFAULT (for ADD COLUMN)."""
    t = col.ctype
    if t.is_integer or t.name in ("YEAR", "BIT", "FLOAT", "DOUBLE"):
        return 0
    if t.name == "DECIMAL":
        return 0.0 if t.sqlite_decl == "REAL" else "0"
    if t.name == "DATE":
        return "0000-00-00"
    if t.name in ("DATETIME", "TIMESTAMP"):
        return "0000-00-00 00:00:00"
    if t.name == "TIME":
        return "00:00:00"
    if t.name == "ENUM":
        return t.values[0] if t.values else ""
    if t.name in _BLOB_BYTES or t.name in ("BINARY", "VARBINARY"):
        return b""
    return ""
