"""The rows of the ``information_schema`` virtual tables, built from the catalog per call.

Row order follows the column lists of :data:`edb_proxy.sql.infoschema.VIRTUAL_TABLES`.
Values agree with the SHOW statements (:mod:`edb_proxy.sql.show`): both use the same key,
default and extra texts.

Visibility (the one filtering point): :func:`visible` decides whether the calling session may
see a database (``table=None``) or a table. It calls the authorization layer's predicate
``session.authz.visible(db, table)`` (:mod:`edb_proxy.sql.authz`) when the session has one;
otherwise everything is visible. Every table here goes through it.

Foreign keys and views are read from the catalog when it offers them
(``catalog.foreign_keys(db, table)`` or ``Table.foreign_keys``; ``catalog.views``); without
them KEY_COLUMN_USAGE lists key columns only and REFERENTIAL_CONSTRAINTS/VIEWS are empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from edb_proxy.sql.catalog import SYSTEM_DATABASES, Column, Table
from edb_proxy.sql.infoschema import INFORMATION_SCHEMA, SHOW_TABLE, VIRTUAL_TABLES, system_views
from edb_proxy.sql.show import _COLLATIONS, _default_text, _engines, _extra, _key_text

if TYPE_CHECKING:
    from edb_proxy.sql.session import Session

__all__ = ["rows_for", "visible"]

Row = list[object]
_DEF = "def"
_CHARSET = "utf8mb4"
_COLLATION = "utf8mb4_general_ci"
_INT_PRECISION = {"TINYINT": 3, "SMALLINT": 5, "MEDIUMINT": 7, "INT": 10, "BIGINT": 19}
_TEXT_LENGTHS = {"TINYTEXT": 255, "TEXT": 65535, "MEDIUMTEXT": 16777215, "LONGTEXT": 4294967295}
_BLOB_LENGTHS = {"TINYBLOB": 255, "BLOB": 65535, "MEDIUMBLOB": 16777215, "LONGBLOB": 4294967295}
_TEMPORAL = ("DATETIME", "TIMESTAMP", "TIME")


def visible(session: Session, db: str, table: str | None = None) -> bool:
    """Whether ``session`` may see database ``db`` (``table`` None) or table ``db.table``."""
    authz = getattr(session, "authz", None)
    check: Callable[[str, str | None], object] | None = getattr(authz, "visible", None)
    return True if check is None else bool(check(db, table))


def _databases(session: Session) -> list[str]:
    names = sorted(set(session.db.catalog.databases) | set(SYSTEM_DATABASES))
    return [n for n in names if visible(session, n)]


def _tables(session: Session) -> Iterator[Table]:
    for table in session.db.catalog.tables.values():
        if visible(session, table.db, table.name):
            yield table


def _virtual_tables() -> Iterator[Table]:
    return (VIRTUAL_TABLES[name] for name in system_views())


def _schemata(session: Session) -> list[Row]:
    return [[_DEF, n, _CHARSET, _COLLATION, None, "NO"] for n in _databases(session)]


def _tables_rows(session: Session) -> list[Row]:
    rows: list[Row] = []
    for t in sorted(_tables(session), key=lambda t: (t.db, t.name)):
        comment = t.options.get("comment", "")
        base: Row = [_DEF, t.db, t.name, "BASE TABLE", "InnoDB", 10, "Dynamic", None, 0, 0, 0]
        rows.append([*base, 0, 0, None, None, None, None, _COLLATION, None, "", comment])
    for view_db, view_name in _views(session):
        rows.append([_DEF, view_db, view_name, "VIEW", *[None] * 15, "", "VIEW"])
    if visible(session, INFORMATION_SCHEMA):
        for t in _virtual_tables():
            rows.append(
                [_DEF, INFORMATION_SCHEMA, t.name, "SYSTEM VIEW", None, 10, *[None] * 13, "", ""]
            )
    return rows


def _numeric(col: Column) -> tuple[object, object]:
    t = col.ctype
    if t.name in _INT_PRECISION:
        precision = _INT_PRECISION[t.name] + (1 if t.name == "BIGINT" and t.unsigned else 0)
        return precision, 0
    if t.name == "DECIMAL":
        return t.precision, t.scale or 0
    if t.name == "FLOAT":
        return t.length or 12, t.scale
    if t.name == "DOUBLE":
        return t.length or 22, t.scale
    if t.name == "BIT":
        return t.length or 1, None
    return None, None


def _char_lengths(col: Column) -> tuple[object, object]:
    t = col.ctype
    if t.name in ("CHAR", "VARCHAR"):
        n = t.length if t.length is not None else 1
        return n, 4 * n
    if t.name in _TEXT_LENGTHS:
        n = _TEXT_LENGTHS[t.name]
        return n, n
    if t.name in ("BINARY", "VARBINARY"):
        n = t.length if t.length is not None else 1
        return n, n
    if t.name in _BLOB_LENGTHS:
        n = _BLOB_LENGTHS[t.name]
        return n, n
    if t.name in ("ENUM", "SET"):
        longest = max((len(v) for v in t.values), default=0)
        if t.name == "SET":
            longest = sum(len(v) for v in t.values) + max(0, len(t.values) - 1)
        return longest, 4 * longest
    if t.name == "JSON":
        return _TEXT_LENGTHS["LONGTEXT"], _TEXT_LENGTHS["LONGTEXT"]
    return None, None


def _is_text(col: Column) -> bool:
    name = col.ctype.name
    return name in ("CHAR", "VARCHAR", "ENUM", "SET") or name in _TEXT_LENGTHS


def _column_row(table: Table, col: Column, position: int, key: str, extra: str) -> Row:
    t = col.ctype
    chars, octets = _char_lengths(col)
    precision, scale = _numeric(col)
    text = _is_text(col)
    dt_precision = (t.length or 0) if t.name in _TEMPORAL else (0 if t.name == "DATE" else None)
    return [
        _DEF,
        table.db,
        table.name,
        col.name,
        position,
        _default_text(col),
        "NO" if col.not_null else "YES",
        t.name.lower(),
        chars,
        octets,
        precision,
        scale,
        dt_precision,
        _CHARSET if text else None,
        (col.collation or _COLLATION) if text else None,
        t.to_mysql(),
        key,
        extra,
        "select,insert,update,references",
        col.comment,
        "",
        None,
    ]


def _columns_rows(session: Session) -> list[Row]:
    rows: list[Row] = []
    for t in sorted(_tables(session), key=lambda t: (t.db, t.name)):
        for i, col in enumerate(t.columns, start=1):
            rows.append(_column_row(t, col, i, _key_text(t, col), _extra(col)))
    registry = getattr(session.db.catalog, "views", None)
    for db, name in _views(session):
        view = registry.get((db, name)) if isinstance(registry, dict) else None
        as_table = getattr(view, "as_table", None)
        if callable(as_table):
            vt = as_table()
            for i, col in enumerate(vt.columns, start=1):
                rows.append(_column_row(vt, col, i, "", ""))
    if visible(session, INFORMATION_SCHEMA):
        for t in _virtual_tables():
            for i, col in enumerate(t.columns, start=1):
                rows.append(_column_row(t, col, i, "", ""))
    return rows


def _statistics(session: Session) -> list[Row]:
    rows: list[Row] = []
    for t in sorted(_tables(session), key=lambda t: (t.db, t.name)):
        for idx in t.indexes:
            name = "PRIMARY" if idx.primary else idx.name
            for seq, cname in enumerate(idx.columns, start=1):
                col = t.column(cname)
                nullable = "" if col is not None and col.not_null else "YES"
                head: Row = [_DEF, t.db, t.name, 0 if idx.unique or idx.primary else 1, t.db]
                cells: Row = [name, seq, col.name if col else cname, "A", None, None, None]
                rows.append([*head, *cells, nullable, "BTREE", "", "", "YES", None])
    return rows


def _foreign_keys(session: Session, table: Table) -> list[object]:
    """The table's foreign keys from the catalog, when the catalog records them."""
    lookup = getattr(session.db.catalog, "foreign_keys", None)
    if callable(lookup):
        found = lookup(table.db, table.name)
    else:
        found = getattr(table, "foreign_keys", None)
    return list(found or ())


def _attr(obj: object, *names: str, default: object = None) -> object:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def _fk_fields(table: Table, fk: object) -> tuple[str, list[str], str, str, list[str], str, str]:
    """``(name, columns, ref_db, ref_table, ref_columns, on_update, on_delete)``."""
    name = str(_attr(fk, "name", "constraint", default=""))
    columns = [str(c) for c in _attr(fk, "columns", default=()) or ()]  # type: ignore[attr-defined]
    ref_db = str(_attr(fk, "ref_db", "ref_database", "parent_db", default=table.db) or table.db)
    ref_table = str(_attr(fk, "ref_table", "parent_table", "references", default=""))
    ref_cols_raw = _attr(fk, "ref_columns", "parent_columns", default=()) or ()
    ref_columns = [str(c) for c in ref_cols_raw]  # type: ignore[attr-defined]
    on_update = str(_attr(fk, "on_update", default="RESTRICT") or "RESTRICT").upper()
    on_delete = str(_attr(fk, "on_delete", default="RESTRICT") or "RESTRICT").upper()
    return name, columns, ref_db, ref_table, ref_columns, on_update, on_delete


def _key_column_usage(session: Session) -> list[Row]:
    rows: list[Row] = []
    for t in sorted(_tables(session), key=lambda t: (t.db, t.name)):
        for idx in t.indexes:
            if not (idx.primary or idx.unique):
                continue
            name = "PRIMARY" if idx.primary else idx.name
            for pos, cname in enumerate(idx.columns, start=1):
                col = t.column(cname)
                key: Row = [_DEF, t.db, name, _DEF, t.db, t.name, col.name if col else cname]
                rows.append([*key, pos, None, None, None, None])
        for fk in _foreign_keys(session, t):
            name, cols, ref_db, ref_table, ref_cols, _, _ = _fk_fields(t, fk)
            for pos, cname in enumerate(cols, start=1):
                ref_col = ref_cols[pos - 1] if pos <= len(ref_cols) else None
                fk_row: Row = [_DEF, t.db, name, _DEF, t.db, t.name, cname, pos, pos]
                rows.append([*fk_row, ref_db, ref_table, ref_col])
    return rows


def _referential(session: Session) -> list[Row]:
    rows: list[Row] = []
    for t in sorted(_tables(session), key=lambda t: (t.db, t.name)):
        for fk in _foreign_keys(session, t):
            name, _, ref_db, ref_table, ref_cols, on_update, on_delete = _fk_fields(t, fk)
            unique = _unique_name(session, ref_db, ref_table, ref_cols)
            ref: Row = [_DEF, t.db, name, _DEF, ref_db, unique, "NONE", on_update, on_delete]
            rows.append([*ref, t.name, ref_table])
    return rows


def _unique_name(session: Session, db: str, table: str, columns: list[str]) -> str | None:
    """The name of the parent's key the foreign key references (``PRIMARY`` or a UNIQUE)."""
    parent = session.db.catalog.table(db, table)
    wanted = [c.lower() for c in columns]
    for idx in parent.indexes if parent is not None else ():
        if (idx.primary or idx.unique) and [c.lower() for c in idx.columns] == wanted:
            return "PRIMARY" if idx.primary else idx.name
    return None


def _table_constraints(session: Session) -> list[Row]:
    rows: list[Row] = []
    for t in sorted(_tables(session), key=lambda t: (t.db, t.name)):
        for idx in t.indexes:
            if idx.primary:
                rows.append([_DEF, t.db, "PRIMARY", t.db, t.name, "PRIMARY KEY", "YES"])
            elif idx.unique:
                rows.append([_DEF, t.db, idx.name, t.db, t.name, "UNIQUE", "YES"])
        for fk in _foreign_keys(session, t):
            name = _fk_fields(t, fk)[0]
            rows.append([_DEF, t.db, name, t.db, t.name, "FOREIGN KEY", "YES"])
    return rows


def _views(session: Session) -> list[tuple[str, str]]:
    """``(db, name)`` of the views the catalog records (none until views exist)."""
    registry = getattr(session.db.catalog, "views", None)
    if not registry:
        return []
    keys = registry.keys() if isinstance(registry, dict) else registry
    out = []
    for key in keys:
        if isinstance(key, tuple) and len(key) == 2:
            db, name = str(key[0]), str(key[1])
        else:
            db = str(_attr(key, "db", default=""))
            name = str(_attr(key, "name", default=""))
        if visible(session, db, name):
            out.append((db, name))
    return sorted(out)


def _views_rows(session: Session) -> list[Row]:
    registry = getattr(session.db.catalog, "views", None)
    rows: list[Row] = []
    for db, name in _views(session):
        view = registry.get((db, name)) if isinstance(registry, dict) else None
        definition = _attr(view, "definition", "sql", "text", default="") if view else ""
        definer = str(_attr(view, "definer", default="") or "root@%") if view else "root@%"
        rows.append(
            [_DEF, db, name, definition, "NONE", "NO", definer, "DEFINER", _CHARSET, _COLLATION]
        )
    return rows


def _partitions(session: Session) -> list[Row]:
    """One row per base table with no partition (as MySQL reports unpartitioned tables)."""
    rows: list[Row] = []
    for t in sorted(_tables(session), key=lambda t: (t.db, t.name)):
        rows.append(
            [_DEF, t.db, t.name, *[None] * 9, 0, 0, 0, 0, 0, 0, *[None] * 4, "", None, None]
        )
    return rows


_GRANT_OPTION = "GRANT OPTION"


def _privilege_rows(session: Session) -> dict[str, list[Row]]:
    """The caller's own grants by level, from the authorization layer's snapshot.

    A system session (no account, every privilege) and a session without ``authz`` have no
    grant rows. Privilege names are MySQL's (``SHOW DATABASES``, not ``SHOW_DATABASES``).
    """
    out: dict[str, list[Row]] = {"user": [], "schema": [], "table": []}
    authz = getattr(session, "authz", None)
    if authz is None or not getattr(authz, "enforce", False):
        return out
    grants = authz.grants()
    grantee = f"'{session.user}'@'%'"

    def names(privs: frozenset[str]) -> list[tuple[str, str]]:
        option = "YES" if _GRANT_OPTION in privs else "NO"
        return [(p.replace("_", " "), option) for p in sorted(privs - {_GRANT_OPTION})]

    user_rows = names(grants.global_privs) or [("USAGE", "NO")]
    out["user"] = [[grantee, _DEF, p, g] for p, g in user_rows]
    for db, privs in sorted(grants.db_privs.items()):
        out["schema"] += [[grantee, _DEF, db, p, g] for p, g in names(privs)]
    for (db, table), privs in sorted(grants.table_privs.items()):
        out["table"] += [[grantee, _DEF, db, table, p, g] for p, g in names(privs)]
    return out


def _processlist(session: Session) -> list[Row]:
    return [list(r) for r in session.db.processes.visible_rows(session, full=True)]


def _engines_rows(session: Session) -> list[Row]:
    result = _engines()
    return [list(r) for r in getattr(result, "rows", [])]


def _charsets(session: Session) -> list[Row]:
    return [
        [_CHARSET, _COLLATION, "UTF-8 Unicode", 4],
        ["binary", "binary", "Binary pseudo charset", 1],
    ]


def _collations(session: Session) -> list[Row]:
    return [list(r) for r in _COLLATIONS]


def _show_rows(session: Session) -> list[Row]:
    return session.process.show_rows


def _empty(session: Session) -> list[Row]:
    return []


_BUILDERS: dict[str, Callable[[Session], list[Row]]] = {
    "SCHEMATA": _schemata,
    "TABLES": _tables_rows,
    "COLUMNS": _columns_rows,
    "STATISTICS": _statistics,
    "KEY_COLUMN_USAGE": _key_column_usage,
    "REFERENTIAL_CONSTRAINTS": _referential,
    "TABLE_CONSTRAINTS": _table_constraints,
    "VIEWS": _views_rows,
    "PARTITIONS": _partitions,
    "PROCESSLIST": _processlist,
    "USER_PRIVILEGES": lambda session: _privilege_rows(session)["user"],
    "SCHEMA_PRIVILEGES": lambda session: _privilege_rows(session)["schema"],
    "TABLE_PRIVILEGES": lambda session: _privilege_rows(session)["table"],
    "ENGINES": _engines_rows,
    "CHARACTER_SETS": _charsets,
    "COLLATIONS": _collations,
    SHOW_TABLE.upper(): _show_rows,
}


def rows_for(session: Session, name: str) -> list[Row]:
    """The rows of virtual table ``name`` (upper case) as ``session`` may see them."""
    return _BUILDERS.get(name, _empty)(session)
