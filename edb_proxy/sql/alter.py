"""ALTER TABLE and RENAME TABLE: plan the new catalog model, then rebuild.

Theory of operation
-------------------
:func:`plan_alter` applies the statement's actions, left to right, to a copy of the table's
catalog model, tracking for every resulting column the old column its values come from. Errors
are MySQL's and are raised before anything is touched: 1060 duplicate column, 1054 unknown
column, 1091 can't drop, 1061 duplicate key name, 1068 multiple primary key, 1072 key column
doesn't exist, 1090 dropping every column, 1828/1829 columns a foreign key needs.
:func:`apply_alter` then runs :func:`edb_proxy.sql.rebuild.rebuild` (or only a catalog update
when nothing SQLite stores changed: a default, a comment, table options) and rebuilds the
tables whose foreign keys name the altered or renamed table, so their SQLite constraints follow.

Supported actions: ADD [COLUMN] (FIRST/AFTER), DROP [COLUMN], MODIFY [COLUMN], CHANGE
[COLUMN], RENAME COLUMN, ALTER COLUMN SET/DROP DEFAULT, ADD/DROP INDEX/KEY/UNIQUE, ADD/DROP
PRIMARY KEY, ADD [CONSTRAINT] FOREIGN KEY, DROP FOREIGN KEY, RENAME [TO|AS], and the table
options ENGINE/CHARSET/COLLATE/COMMENT/AUTO_INCREMENT/ROW_FORMAT.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import apsw
from sqlglot import exp

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql import ddl
from edb_proxy.sql.catalog import Catalog, Column, ForeignKey, Index, Table, check_name
from edb_proxy.sql.foreignkeys import (
    check_existing,
    check_foreign_keys,
    fk_from_tree,
    mysql_clause,
    orphan_query,
)
from edb_proxy.sql.policy import not_supported
from edb_proxy.sql.rebuild import implicit_default, needs_conversion, rebuild

__all__ = ["AlterPlan", "apply_alter", "fresh_catalog", "plan_alter", "rename_tables"]


def _copy(table: Table) -> Table:
    return Table.from_json(table.db, table.name, table.to_json())


@dataclass(slots=True)
class AlterPlan:
    """The outcome of an ALTER TABLE's actions on the catalog model."""

    old: Table
    new: Table
    sources: list[str | None]
    new_fks: list[ForeignKey] = field(default_factory=list)
    structural: bool = False


def _cant_drop(name: str) -> SQLError:
    return SQLError(
        ER.ER_CANT_DROP_FIELD_OR_KEY, f"Can't DROP '{name}'; check that column/key exists"
    )


def _unknown_column(name: str, table: str) -> SQLError:
    return SQLError(ER.ER_BAD_FIELD_ERROR, f"Unknown column '{name}' in '{table}'")


class _State:
    def __init__(self, table: Table) -> None:
        self.table = table
        self.columns = list(table.columns)
        self.sources: list[str | None] = [c.name for c in table.columns]
        self.indexes = list(table.indexes)
        self.fks = list(table.foreign_keys)
        self.new_fks: list[ForeignKey] = []
        self.structural = False

    def find(self, name: str) -> int:
        low = name.lower()
        return next((i for i, c in enumerate(self.columns) if c.name.lower() == low), -1)

    def place(self, col: Column, source: str | None, position: exp.Expression | None) -> None:
        where = len(self.columns)
        if isinstance(position, exp.ColumnPosition):
            if str(position.args.get("position") or "").upper() == "FIRST":
                where = 0
            else:
                after = position.this.name if position.this is not None else ""
                i = self.find(after)
                if i < 0:
                    raise _unknown_column(after, self.table.name)
                where = i + 1
        self.columns.insert(where, col)
        self.sources.insert(where, source)

    def rename_refs(self, old: str, new: str) -> None:
        low = old.lower()
        for idx in self.indexes:
            idx.columns = tuple(new if c.lower() == low else c for c in idx.columns)
        for fk in self.fks:
            fk.columns = tuple(new if c.lower() == low else c for c in fk.columns)


def plan_alter(catalog: Catalog, table: Table, tree: exp.Alter) -> AlterPlan:
    """Apply ``tree``'s actions and options to a copy of ``table``.

    Raises:
        SQLError: see the module docstring; 1235 for actions not supported here.
    """
    work = _copy(table)
    work.referenced_by = table.referenced_by
    st = _State(work)
    for action in tree.args.get("actions") or []:
        _action(st, action)
    new = Table(
        db=work.db,
        name=work.name,
        columns=st.columns,
        indexes=[],
        options=dict(work.options),
        foreign_keys=st.fks,
    )
    ddl.apply_table_options(new, list(tree.args.get("options") or []))
    if not new.columns:
        raise SQLError(
            ER.ER_CANT_REMOVE_ALL_FIELDS,
            "You can't delete all columns with ALTER TABLE; use DROP TABLE instead",
        )
    ddl.finish_keys(new, st.indexes)
    check_foreign_keys(catalog, new, new=st.new_fks)
    new.referenced_by = table.referenced_by
    renamed = {
        src.lower(): col.name
        for col, src in zip(new.columns, st.sources, strict=True)
        if src is not None and src != col.name
    }
    check_existing(catalog, new, renamed)
    plan = AlterPlan(table, new, st.sources, st.new_fks, st.structural)
    old_shape = [
        (c.name, c.ctype.sqlite_decl, c.ctype.values, c.not_null, c.default, c.collation)
        for c in table.columns
    ]
    new_shape = [
        (c.name, c.ctype.sqlite_decl, c.ctype.values, c.not_null, c.default, c.collation)
        for c in new.columns
    ]
    if (
        old_shape != new_shape
        or [i.to_json() for i in table.indexes] != [i.to_json() for i in new.indexes]
        or [f.to_json() for f in table.foreign_keys] != [f.to_json() for f in new.foreign_keys]
        or [s.lower() if s else s for s in st.sources] != [c.name.lower() for c in table.columns]
        or any(needs_conversion(o, n) for o, n in zip(table.columns, new.columns, strict=False))
    ):
        plan.structural = True
    return plan


def _action(st: _State, action: exp.Expression) -> None:
    if isinstance(action, exp.ColumnDef):
        _add_column(st, action)
    elif isinstance(action, exp.Drop):
        _drop(st, action)
    elif isinstance(action, exp.ModifyColumn):
        _modify(st, action)
    elif isinstance(action, exp.RenameColumn):
        old, new = action.this.name, action.args["to"].name
        if not new or len(new) > 64 or new.endswith(" "):
            raise SQLError(ER.ER_WRONG_TABLE_NAME, f"Incorrect column name '{new}'")  # as ddl
        i = st.find(old)
        if i < 0:
            raise _unknown_column(old, st.table.name)
        if st.find(new) >= 0 and new.lower() != old.lower():
            raise SQLError(ER.ER_DUP_FIELDNAME, f"Duplicate column name '{new}'")
        col = st.columns[i]
        _check_parent_column(st, col.name, renaming=True)
        st.rename_refs(col.name, new)
        col.name = new
    elif isinstance(action, exp.AlterColumn):
        name = action.this.name
        i = st.find(name)
        if i < 0:
            raise _unknown_column(name, st.table.name)
        if action.args.get("drop"):
            st.columns[i].default = None
        elif action.args.get("default") is not None:
            st.columns[i].default = ddl.default_text(action.args["default"])
        else:
            raise not_supported("this ALTER COLUMN form")
    elif isinstance(action, exp.AddConstraint):
        for item in action.expressions:
            _add_constraint(st, item)
    elif isinstance(action, exp.DropPrimaryKey):
        pk = next((i for i in st.indexes if i.primary), None)
        if pk is None:
            raise _cant_drop("PRIMARY")
        st.indexes.remove(pk)
    elif isinstance(action, exp.AlterRename):
        pass  # the caller renames after the rebuild (rename_tables)
    else:
        raise not_supported(f"ALTER TABLE {action.key.upper()}")


def _add_column(st: _State, item: exp.ColumnDef) -> None:
    if st.find(item.name) >= 0:
        raise SQLError(ER.ER_DUP_FIELDNAME, f"Duplicate column name '{item.name}'")
    inline: list[Index] = []
    col = ddl.column_from_tree(item, inline)
    st.indexes.extend(inline)
    st.place(col, None, item.args.get("position"))


def _modify(st: _State, action: exp.ModifyColumn) -> None:
    coldef = action.this
    assert isinstance(coldef, exp.ColumnDef)
    rename_from = action.args.get("rename_from")
    old_name = rename_from.name if rename_from is not None else coldef.name
    i = st.find(old_name)
    if i < 0:
        raise _unknown_column(old_name, st.table.name)
    j = st.find(coldef.name)
    if j >= 0 and j != i:
        raise SQLError(ER.ER_DUP_FIELDNAME, f"Duplicate column name '{coldef.name}'")
    inline: list[Index] = []
    col = ddl.column_from_tree(coldef, inline)
    old_col = st.columns[i]
    if old_col.name != col.name:
        _check_parent_column(st, old_col.name, renaming=True)
        st.rename_refs(old_col.name, col.name)
    st.indexes.extend(i2 for i2 in inline if not (i2.primary and _has_primary(st)))
    if any(i2.primary for i2 in inline) and _has_primary(st, exclude=col.name):
        raise SQLError(ER.ER_MULTIPLE_PRI_KEY, "Multiple primary key defined")
    source = st.sources[i]
    del st.columns[i]
    del st.sources[i]
    position = coldef.args.get("position")
    if position is None:
        st.columns.insert(i, col)
        st.sources.insert(i, source)
    else:
        st.place(col, source, position)


def _has_primary(st: _State, exclude: str = "") -> bool:
    return any(
        i.primary and [c.lower() for c in i.columns] != [exclude.lower()] for i in st.indexes
    )


def _check_parent_column(st: _State, name: str, *, renaming: bool) -> None:
    """1829 when a child's foreign key needs column ``name`` (renames are followed)."""
    if renaming:
        return
    low = name.lower()
    for child, fk in st.table.referenced_by:
        if any(c.lower() == low for c in fk.ref_columns):
            raise SQLError(
                ER.ER_FK_COLUMN_CANNOT_DROP_CHILD,
                f"Cannot drop column '{name}': needed in a foreign key constraint "
                f"'{fk.name}' of table '{child.name}'",
            )


def _drop(st: _State, action: exp.Drop) -> None:
    kind = str(action.args.get("kind") or "").upper()
    targets = action.args.get("tables") or []
    if action.this is not None and not targets:
        targets = [action.this]
    for target in targets:
        name = target.name
        if kind in ("COLUMN", ""):
            i = st.find(name)
            if i < 0:
                if action.args.get("exists"):
                    continue
                raise _cant_drop(name)
            low = name.lower()
            for fk in st.fks:
                if any(c.lower() == low for c in fk.columns):
                    raise SQLError(
                        ER.ER_FK_COLUMN_CANNOT_DROP,
                        f"Cannot drop column '{name}': needed in a foreign key constraint "
                        f"'{fk.name}'",
                    )
            _check_parent_column(st, name, renaming=False)
            del st.columns[i]
            del st.sources[i]
            for idx in list(st.indexes):
                idx.columns = tuple(c for c in idx.columns if c.lower() != low)
                if not idx.columns:
                    st.indexes.remove(idx)
        elif kind == "INDEX":
            found = next((x for x in st.indexes if x.name.lower() == name.lower()), None)
            if found is None:
                raise _cant_drop(name)
            st.indexes.remove(found)
        elif kind == "FOREIGN KEY":
            gone = next((f for f in st.fks if f.name.lower() == name.lower()), None)
            if gone is None:
                raise _cant_drop(name)
            st.fks.remove(gone)
        else:
            raise not_supported(f"ALTER TABLE DROP {kind}")


def _add_constraint(st: _State, item: exp.Expression) -> None:
    cname = ""
    if isinstance(item, exp.Constraint):
        cname = item.this.name if item.this else ""
        if len(item.expressions) != 1:
            raise not_supported("CONSTRAINT with several parts")
        item = item.expressions[0]
    if isinstance(item, exp.ForeignKey):
        fk = fk_from_tree(item, cname or (item.this.name if item.this else ""), st.table.db)
        st.fks.append(fk)
        st.new_fks.append(fk)
        return
    if isinstance(item, exp.PrimaryKey):
        if _has_primary(st):
            raise SQLError(ER.ER_MULTIPLE_PRI_KEY, "Multiple primary key defined")
        st.indexes.append(Index("PRIMARY", _names(item.expressions), True, True))
        return
    if isinstance(item, exp.UniqueColumnConstraint):
        inner = item.this
        cols = inner.expressions if isinstance(inner, exp.Schema) else []
        iname = inner.this.name if isinstance(inner, exp.Schema) and inner.this else cname
        st.indexes.append(Index(iname, _names(cols), unique=True))
        return
    if isinstance(item, exp.IndexColumnConstraint):
        kind = str(item.args.get("kind") or "").upper()
        if kind in ("FULLTEXT", "SPATIAL"):
            raise not_supported(f"{kind} indexes")
        iname = item.this.name if item.this else cname
        st.indexes.append(Index(iname, _names(item.expressions), unique=kind == "UNIQUE"))
        return
    raise not_supported(f"ALTER TABLE ADD {item.key.upper()}")


def _names(items: list[exp.Expression]) -> tuple[str, ...]:
    out = []
    for item in items:
        node = item.this if isinstance(item, exp.Ordered) else item
        out.append(str(node.this) if isinstance(node, exp.Anonymous) else node.name)
    return tuple(out)


def apply_alter(conn: apsw.Connection, catalog: Catalog, plan: AlterPlan) -> None:
    """Carry out ``plan`` inside the caller's write transaction (all or nothing).

    Raises:
        SQLError: conversion errors (see :mod:`edb_proxy.sql.rebuild`); 1452 when an added
            foreign key does not hold for the existing rows.
    """
    new = plan.new
    if plan.structural:
        defaults: dict[int, object] = {}
        for i, (col, src) in enumerate(zip(new.columns, plan.sources, strict=True)):
            if src is None and col.default is None and col.not_null and not col.auto_increment:
                defaults[i] = implicit_default(col)
        rebuild(conn, plan.old, new, plan.sources, defaults=defaults)
        renamed = {
            s.lower(): c.name
            for c, s in zip(new.columns, plan.sources, strict=True)
            if s is not None and s != c.name
        }
        _follow_children(conn, catalog, plan.old, new.db, new.name, renamed)
        if plan.new_fks:
            _check_existing_rows(conn, new, plan.new_fks)
    _save(conn, plan.old, new)


def _save(conn: apsw.Connection, old: Table, new: Table) -> None:
    conn.execute("DELETE FROM edb_tables WHERE db = ? AND name = ?", (old.db, old.name))
    conn.execute(
        "INSERT INTO edb_tables(db, name, spec) VALUES (?, ?, ?)",
        (new.db, new.name, new.to_json()),
    )


def _follow_children(
    conn: apsw.Connection,
    catalog: Catalog,
    parent: Table,
    new_db: str,
    new_name: str,
    renamed: dict[str, str],
) -> None:
    """Rebuild the tables whose foreign keys name ``parent`` so they name its new form.

    SQLite resolves a foreign key's parent by name when a child row changes, so nothing is
    done when neither the parent's name nor a referenced column's name changed.
    """
    if (new_db, new_name) == (parent.db, parent.name) and not renamed:
        return
    done: set[tuple[str, str]] = set()
    for child, _ in parent.referenced_by:
        key = (child.db, child.name)
        if key in done or key == (parent.db, parent.name):
            continue
        done.add(key)
        current = fresh_catalog(conn).table(child.db, child.name) or child
        updated = _copy(current)
        for fk in updated.foreign_keys:
            if (fk.ref_db, fk.ref_table) == (parent.db, parent.name):
                fk.ref_db, fk.ref_table = new_db, new_name
                fk.ref_columns = tuple(renamed.get(c.lower(), c) for c in fk.ref_columns)
        rebuild(conn, current, updated, [c.name for c in current.columns])
        _save(conn, current, updated)


def _check_existing_rows(conn: apsw.Connection, table: Table, fks: list[ForeignKey]) -> None:
    for fk in fks:
        sql = orphan_query(table, fk)
        if conn.execute(sql).fetchall():
            raise SQLError(
                ER.ER_NO_REFERENCED_ROW_2,
                "Cannot add or update a child row: a foreign key constraint fails "
                f"(`{table.db}`.`{table.name}`, {mysql_clause(fk, table.db)})",
            )


def fresh_catalog(conn: apsw.Connection) -> Catalog:
    """The catalog as ``conn`` sees it now (its own uncommitted changes included)."""
    dbs = [r[0] for r in conn.execute("SELECT name FROM edb_databases")]
    tables = [(r[0], r[1], r[2]) for r in conn.execute("SELECT db, name, spec FROM edb_tables")]
    views = [(r[0], r[1], r[2]) for r in conn.execute("SELECT db, name, spec FROM edb_views")]
    return Catalog.load(dbs, tables, -1, views)


def rename_tables(conn: apsw.Connection, pairs: list[tuple[str, str, str, str]]) -> None:
    """RENAME TABLE: move ``(db, name)`` to ``(new_db, new_name)``, in order, in one transaction.

    Each step sees the previous ones (``a TO tmp, b TO a, tmp TO b`` swaps two tables).

    Raises:
        SQLError: 1146 unknown source, 1050 when the target exists, 1049 unknown target
            database.
    """
    for src_db, src_name, db, name in pairs:
        catalog = fresh_catalog(conn)
        table = catalog.require_table(src_db, src_name)
        target = check_name(name, kind="table")
        if db not in catalog.databases:
            raise SQLError(ER.ER_BAD_DB_ERROR, f"Unknown database '{db}'")
        if catalog.table(db, target) is not None or catalog.view(db, target) is not None:
            raise SQLError(ER.ER_TABLE_EXISTS_ERROR, f"Table '{name}' already exists")
        moved = _copy(table)
        moved.db, moved.name = db, target
        for fk in moved.foreign_keys:  # a self-reference follows the table
            if (fk.ref_db, fk.ref_table) == (table.db, table.name):
                fk.ref_db, fk.ref_table = db, target
        rebuild(conn, table, moved, [c.name for c in table.columns])
        _save(conn, table, moved)
        _follow_children(conn, catalog, table, db, target, {})
