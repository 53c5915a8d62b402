"""FOREIGN KEY constraints: catalog model, SQLite clauses, checks and MySQL's messages.

Theory of operation
-------------------
A MySQL foreign key is recorded in its child table's catalog entry (:class:`ForeignKey`) and
becomes an SQLite ``FOREIGN KEY ... REFERENCES "db.parent"(...)`` table constraint, so SQLite
enforces it (``foreign_keys`` is on for every connection). ``SET FOREIGN_KEY_CHECKS=0`` turns
enforcement off for one connection through ``SQLITE_DBCONFIG_ENABLE_FKEY`` (a C-level switch the
authorizer never sees, effective inside a transaction; SQLite expires prepared statements when
it changes).

Invariants
1. The referenced columns are the parent's PRIMARY KEY or a UNIQUE index on exactly those
   columns (SQLite's "parent key" rule; MySQL accepts any index: 1822 here).
2. Schema changes run with enforcement off (:func:`enforcement_off`): SQLite's ``DROP TABLE``
   would otherwise run an implicit ``DELETE`` that cascades into children. The SQL layer checks
   what MySQL checks (3730, 1828, 1829) before it drops anything.
3. The child columns are indexed: a KEY named after the constraint is added when no index
   starts with them, as InnoDB does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import apsw
from sqlglot import exp

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.catalog import (
    Catalog,
    ForeignKey,
    Index,
    Table,
    check_name,
    quote,
    storage_name,
)
from edb_proxy.sql.coltypes import ColumnType

__all__ = [
    "RULES",
    "check_existing",
    "check_foreign_keys",
    "enforcement_off",
    "fk_from_tree",
    "fk_sql",
    "mysql_clause",
    "orphan_query",
    "set_checks",
    "violation",
]

#: Referential actions MySQL accepts, in MySQL's spelling.
RULES = ("RESTRICT", "CASCADE", "SET NULL", "NO ACTION", "SET DEFAULT")


def fk_from_tree(node: exp.ForeignKey, name: str, db: str) -> ForeignKey:
    """The catalog model of a parsed ``FOREIGN KEY (...) REFERENCES t (...) ON ...``.

    Args:
        node: sqlglot's ForeignKey node.
        name: the constraint name (``""``: generated later as ``<table>_ibfk_<n>``).
        db: the database unqualified parent names belong to.

    Raises:
        SQLError: 1064 for a missing REFERENCES part, 1235 for ``SET DEFAULT``.
    """
    ref = node.args.get("reference")
    schema = ref.this if isinstance(ref, exp.Reference) else None
    if (
        not isinstance(ref, exp.Reference)
        or not isinstance(schema, exp.Schema)
        or not isinstance(schema.this, exp.Table)
    ):
        raise SQLError(ER.ER_PARSE_ERROR, "FOREIGN KEY needs REFERENCES table (columns)")
    parent = schema.this
    on_delete = on_update = "NO ACTION"
    for option in ref.args.get("options") or []:
        text = " ".join(str(option).upper().split())
        for prefix in ("ON DELETE ", "ON UPDATE "):
            if text.startswith(prefix):
                rule = text[len(prefix) :]
                if rule not in RULES or rule == "SET DEFAULT":
                    raise SQLError(
                        ER.ER_NOT_SUPPORTED_YET,
                        f"This version of MySQL doesn't yet support '{rule}'",
                    )
                if prefix == "ON DELETE ":
                    on_delete = rule
                else:
                    on_update = rule
    return ForeignKey(
        name=name,
        columns=tuple(e.name for e in node.expressions),
        ref_db=(parent.db or db).lower(),
        ref_table=parent.name.lower(),
        ref_columns=tuple(e.name for e in schema.expressions),
        on_delete=on_delete,
        on_update=on_update,
    )


def check_foreign_keys(catalog: Catalog, table: Table, *, new: list[ForeignKey]) -> None:
    """Name, validate and index the constraints in ``new`` (already in ``table.foreign_keys``).

    Raises:
        SQLError: 1826 duplicate name, 1072 unknown child column, 1824 unknown parent, 1239
            column count mismatch, 1822 parent not uniquely indexed on the columns, 3780
            incompatible types, 1830 SET NULL on a NOT NULL column.
    """
    used = {fk.name.lower() for fk in table.foreign_keys if fk.name}
    n = 1
    for fk in new:
        if not fk.name:
            while f"{table.name}_ibfk_{n}" in used:
                n += 1
            fk.name = f"{table.name}_ibfk_{n}"
            used.add(fk.name)
    names = [fk.name.lower() for fk in table.foreign_keys]
    for fk in new:
        check_name(fk.name, kind="index")  # it may name the child's index: no dots
        if names.count(fk.name.lower()) > 1:
            raise SQLError(ER.ER_FK_DUP_NAME, f"Duplicate foreign key constraint name '{fk.name}'")
        _check_one(catalog, table, fk)
        _ensure_child_index(table, fk)


def check_existing(catalog: Catalog, table: Table, renamed: dict[str, str]) -> None:
    """After ALTER TABLE: every constraint of and on ``table`` must still hold its rules.

    ``renamed`` maps old column names (lower case) to new ones. Raises 3780 for a column
    type that no longer matches, 1553 when the parent key index a child needs is gone.
    """
    for fk in table.foreign_keys:
        _check_one(catalog, table, fk)
    for child, fk in table.referenced_by:
        if (child.db, child.name) == (table.db, table.name):
            continue
        ref_columns = tuple(renamed.get(c.lower(), c) for c in fk.ref_columns)
        wanted = [c.lower() for c in ref_columns]
        if not any(
            (i.primary or i.unique) and [c.lower() for c in i.columns] == wanted
            for i in table.indexes
        ):
            raise SQLError(
                ER.ER_DROP_INDEX_FK,
                f"Cannot drop index needed in a foreign key constraint '{fk.name}'",
            )
        for child_name, parent_name in zip(fk.columns, ref_columns, strict=True):
            child_col = child.column(child_name)
            parent_col = table.column(parent_name)
            if child_col is None or parent_col is None:
                continue
            if not _compatible(child_col.ctype, parent_col.ctype):
                raise SQLError(
                    ER.ER_FK_INCOMPATIBLE_COLUMNS,
                    f"Referencing column '{child_name}' and referenced column '{parent_name}' "
                    f"in foreign key constraint '{fk.name}' are incompatible.",
                )


def _check_one(catalog: Catalog, table: Table, fk: ForeignKey) -> None:
    for cname in fk.columns:
        if table.column(cname) is None:
            raise SQLError(
                ER.ER_KEY_COLUMN_DOES_NOT_EXITS, f"Key column '{cname}' doesn't exist in table"
            )
    self_ref = (fk.ref_db, fk.ref_table) == (table.db, table.name)
    parent = table if self_ref else catalog.table(fk.ref_db, fk.ref_table)
    if parent is None:
        raise SQLError(
            ER.ER_FK_CANNOT_OPEN_PARENT, f"Failed to open the referenced table '{fk.ref_table}'"
        )
    if len(fk.columns) != len(fk.ref_columns) or not fk.columns:
        raise SQLError(
            ER.ER_WRONG_FK_DEF,
            f"Incorrect foreign key definition for '{fk.name}': Key reference and table "
            "reference don't match",
        )
    wanted = [c.lower() for c in fk.ref_columns]
    if not any(
        (i.primary or i.unique) and [c.lower() for c in i.columns] == wanted
        for i in parent.indexes
    ):
        raise SQLError(
            ER.ER_FK_NO_INDEX_PARENT,
            "Failed to add the foreign key constraint. Missing index for constraint "
            f"'{fk.name}' in the referenced table '{parent.name}'",
        )
    for child_name, parent_name in zip(fk.columns, fk.ref_columns, strict=True):
        child_col = table.column(child_name)
        parent_col = parent.column(parent_name)
        assert child_col is not None
        if parent_col is None or not _compatible(child_col.ctype, parent_col.ctype):
            raise SQLError(
                ER.ER_FK_INCOMPATIBLE_COLUMNS,
                f"Referencing column '{child_name}' and referenced column '{parent_name}' in "
                f"foreign key constraint '{fk.name}' are incompatible.",
            )
        if "SET NULL" in (fk.on_delete, fk.on_update) and child_col.not_null:
            raise SQLError(
                ER.ER_FK_COLUMN_NOT_NULL,
                f"Column '{child_name}' cannot be NOT NULL: needed in a foreign key "
                f"constraint '{fk.name}' SET NULL",
            )


_STRING_FAMILIES = ({"CHAR", "VARCHAR"}, {"BINARY", "VARBINARY"})


def _compatible(a: ColumnType, b: ColumnType) -> bool:
    """InnoDB's rule: same type (and sign) for numbers; strings may differ in length."""
    if a.name == b.name:
        return a.unsigned == b.unsigned and (a.name != "DECIMAL" or a.scale == b.scale)
    return any(a.name in family and b.name in family for family in _STRING_FAMILIES)


def _ensure_child_index(table: Table, fk: ForeignKey) -> None:
    cols = [c.lower() for c in fk.columns]
    for idx in table.indexes:
        if [c.lower() for c in idx.columns[: len(cols)]] == cols:
            return
    name = fk.name
    if any(i.name.lower() == name.lower() for i in table.indexes):
        raise SQLError(ER.ER_DUP_KEYNAME, f"Duplicate key name '{name}'")
    table.indexes.append(Index(name, fk.columns))


def fk_sql(fk: ForeignKey) -> str:
    """The SQLite table constraint enforcing ``fk`` (names are catalog names, quoted)."""
    cols = ", ".join(quote(c) for c in fk.columns)
    refs = ", ".join(quote(c) for c in fk.ref_columns)
    parent = quote(storage_name(fk.ref_db, fk.ref_table))
    text = f"FOREIGN KEY ({cols}) REFERENCES {parent} ({refs})"
    if fk.on_delete != "NO ACTION":
        text += f" ON DELETE {fk.on_delete}"
    if fk.on_update != "NO ACTION":
        text += f" ON UPDATE {fk.on_update}"
    return text


def mysql_clause(fk: ForeignKey, child_db: str) -> str:
    """``CONSTRAINT `fk` FOREIGN KEY (`c`) REFERENCES `p` (`id`) ON DELETE ...`` as MySQL
    prints it in SHOW CREATE TABLE and in 1451/1452 messages."""
    cols = ", ".join(_tick(c) for c in fk.columns)
    refs = ", ".join(_tick(c) for c in fk.ref_columns)
    parent = _tick(fk.ref_table)
    if fk.ref_db != child_db:
        parent = f"{_tick(fk.ref_db)}.{parent}"
    text = f"CONSTRAINT {_tick(fk.name)} FOREIGN KEY ({cols}) REFERENCES {parent} ({refs})"
    if fk.on_delete != "NO ACTION":
        text += f" ON DELETE {fk.on_delete}"
    if fk.on_update != "NO ACTION":
        text += f" ON UPDATE {fk.on_update}"
    return text


def orphan_query(table: Table, fk: ForeignKey) -> str:
    """SQL finding a row of ``table`` that ``fk`` does not hold for (catalog names only)."""
    child = quote(table.sqlite_name)
    parent = quote(storage_name(fk.ref_db, fk.ref_table))
    present = " AND ".join(f"c.{quote(col)} IS NOT NULL" for col in fk.columns)
    match = " AND ".join(
        f"p.{quote(r)} = c.{quote(col)}" for col, r in zip(fk.columns, fk.ref_columns, strict=True)
    )
    return (
        f"SELECT 1 FROM {child} AS c WHERE {present} AND NOT EXISTS "  # noqa: S608
        f"(SELECT 1 FROM {parent} AS p WHERE {match}) LIMIT 1"
    )


def _tick(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def violation(table: Table, kind: str, conn: apsw.Connection | None = None) -> SQLError:
    """MySQL's 1451/1452 for a foreign key failure of a statement of ``kind`` on ``table``.

    SQLite does not say which constraint failed: an INSERT (or an UPDATE of a table that has
    constraints and is not referenced) fails as a child (1452, first constraint of the table);
    a DELETE (or UPDATE of a referenced table) fails as a parent (1451, first child
    constraint naming the table).
    """
    child_side = kind == "insert" or (kind == "update" and not table.referenced_by)
    if child_side and table.foreign_keys:
        fk = table.foreign_keys[0]
        return SQLError(
            ER.ER_NO_REFERENCED_ROW_2,
            "Cannot add or update a child row: a foreign key constraint fails "
            f"({_tick(table.db)}.{_tick(table.name)}, {mysql_clause(fk, table.db)})",
        )
    if table.referenced_by:
        rule = "on_delete" if kind == "delete" else "on_update"
        refusing = [
            (c, f) for c, f in table.referenced_by if getattr(f, rule) in ("RESTRICT", "NO ACTION")
        ]
        child, fk = (refusing or table.referenced_by)[0]
        return SQLError(
            ER.ER_ROW_IS_REFERENCED_2,
            "Cannot delete or update a parent row: a foreign key constraint fails "
            f"({_tick(child.db)}.{_tick(child.name)}, {mysql_clause(fk, child.db)})",
        )
    return SQLError(
        ER.ER_NO_REFERENCED_ROW_2,
        "Cannot add or update a child row: a foreign key constraint fails",
    )


def set_checks(conn: apsw.Connection, on: bool) -> None:
    """``SET FOREIGN_KEY_CHECKS``: switch SQLite's enforcement for this connection."""
    conn.config(apsw.SQLITE_DBCONFIG_ENABLE_FKEY, 1 if on else 0)


@contextmanager
def enforcement_off(conn: apsw.Connection) -> Iterator[None]:
    """Within this block SQLite enforces no foreign keys (schema changes; invariant 2)."""
    before = conn.config(apsw.SQLITE_DBCONFIG_ENABLE_FKEY, -1)
    conn.config(apsw.SQLITE_DBCONFIG_ENABLE_FKEY, 0)
    try:
        yield
    finally:
        conn.config(apsw.SQLITE_DBCONFIG_ENABLE_FKEY, before)
