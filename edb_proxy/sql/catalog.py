"""The catalog: MySQL databases, tables, columns and indexes, and their SQLite names.

Theory of operation
-------------------
All MySQL databases live in ONE SQLite file, so a transaction spans databases atomically.
MySQL table ``db.t`` is the SQLite table ``"db.t"`` (a dot inside a quoted identifier); index
``i`` of it is ``"db.t.i"``. MySQL names may not contain a dot here (error 1102/1103), so the
split is unambiguous and no user table can collide with a system table (system tables have no
dot) or an index (two dots). Names are case-insensitive and stored in lower case, as MySQL
does with ``lower_case_table_names=1`` (SQLite's own names are case-insensitive).

The MySQL definition of every table (column types, defaults, keys, foreign keys) is stored as
JSON in the system table ``edb_tables``; SQLite's schema is derived from it and never read back.
Views live only here (``edb_views``: normalized SELECT text, column models, definer) and are
expanded by the compiler (:mod:`edb_proxy.sql.views`); SQLite never sees a view. The
in-memory :class:`Catalog` is a snapshot rebuilt after every DDL commit; its ``generation``
invalidates cached statement plans.

Invariants
1. ``edb_tables`` and the SQLite schema change in the same transaction.
2. User table names always contain exactly one dot; system tables none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from edb_proxy.errors import ER, SQLError
from edb_proxy.fieldtypes import ColumnDef, ColumnFlag
from edb_proxy.sql.coltypes import ColumnType, Converter, column_def, converter_for

__all__ = [
    "SYSTEM_DATABASES",
    "SYSTEM_SCHEMA",
    "Catalog",
    "Column",
    "ForeignKey",
    "Index",
    "Table",
    "View",
    "check_name",
    "quote",
    "storage_name",
]

#: Database names that always exist (no tables of ours are visible in them yet).
SYSTEM_DATABASES = ("information_schema", "mysql", "performance_schema", "sys")

SYSTEM_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS edb_meta(key TEXT PRIMARY KEY, value ANY) STRICT",
    "CREATE TABLE IF NOT EXISTS edb_databases(name TEXT PRIMARY KEY) STRICT",
    "CREATE TABLE IF NOT EXISTS edb_tables(db TEXT NOT NULL, name TEXT NOT NULL,"
    " spec TEXT NOT NULL, PRIMARY KEY(db, name)) STRICT",
    "CREATE TABLE IF NOT EXISTS edb_accounts(user TEXT PRIMARY KEY, plugin TEXT NOT NULL,"
    " password_hash BLOB NOT NULL, native_stage2 BLOB NOT NULL, has_password INTEGER NOT NULL,"
    " require_ssl INTEGER NOT NULL, require_x509 INTEGER NOT NULL, x509_issuer TEXT NOT NULL,"
    " x509_subject TEXT NOT NULL) STRICT",
    "CREATE TABLE IF NOT EXISTS edb_grants(user TEXT NOT NULL, db TEXT NOT NULL,"
    " tbl TEXT NOT NULL, privilege TEXT NOT NULL, grantable INTEGER NOT NULL,"
    " PRIMARY KEY(user, db, tbl, privilege)) STRICT",
    "CREATE TABLE IF NOT EXISTS edb_column_grants(user TEXT NOT NULL, db TEXT NOT NULL,"
    " tbl TEXT NOT NULL, col TEXT NOT NULL, privilege TEXT NOT NULL,"
    " PRIMARY KEY(user, db, tbl, col, privilege)) STRICT",
    "CREATE TABLE IF NOT EXISTS edb_views(db TEXT NOT NULL, name TEXT NOT NULL,"
    " spec TEXT NOT NULL, PRIMARY KEY(db, name)) STRICT",
)


def quote(name: str) -> str:
    """An SQLite identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


def storage_name(db: str, table: str) -> str:
    """The SQLite table name of MySQL table ``db.table`` (unquoted)."""
    return f"{db}.{table}"


def check_name(name: str, *, kind: str) -> str:
    """Validate a database/table/index name and return it in lower case.

    Raises:
        SQLError: 1102 (database) or 1103 (table, index) for an empty name, one with a dot,
            trailing space or NUL, or one longer than 64 characters (1059).
    """
    if len(name) > 64:
        raise SQLError(ER.ER_TOO_LONG_IDENT, f"Identifier name '{name[:64]}...' is too long")
    if not name or "." in name or "\x00" in name or name.endswith(" "):
        err = ER.ER_WRONG_DB_NAME if kind == "database" else ER.ER_WRONG_TABLE_NAME
        label = "database" if kind == "database" else "table"
        raise SQLError(err, f"Incorrect {label} name '{name}'")
    return name.lower()


@dataclass(slots=True)
class Column:
    """One MySQL column.

    ``default`` is the default as MySQL SQL text (``'0'``, ``NULL``, ``CURRENT_TIMESTAMP``) or
    None when the column has no DEFAULT clause.
    """

    name: str
    ctype: ColumnType
    not_null: bool = False
    default: str | None = None
    auto_increment: bool = False
    on_update_now: bool = False
    comment: str = ""
    collation: str = ""

    def to_json(self) -> dict[str, Any]:
        t = self.ctype
        return {
            "name": self.name,
            "type": t.name,
            "length": t.length,
            "scale": t.scale,
            "unsigned": t.unsigned,
            "zerofill": t.zerofill,
            "values": list(t.values),
            "not_null": self.not_null,
            "default": self.default,
            "auto_increment": self.auto_increment,
            "on_update_now": self.on_update_now,
            "comment": self.comment,
            "collation": self.collation,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Column:
        ctype = ColumnType(
            name=d["type"],
            length=d["length"],
            scale=d["scale"],
            unsigned=d["unsigned"],
            zerofill=d["zerofill"],
            values=tuple(d["values"]),
        )
        return cls(
            name=d["name"],
            ctype=ctype,
            not_null=d["not_null"],
            default=d["default"],
            auto_increment=d["auto_increment"],
            on_update_now=d.get("on_update_now", False),
            comment=d.get("comment", ""),
            collation=d.get("collation", ""),
        )


@dataclass(slots=True)
class Index:
    """A MySQL index: ``PRIMARY``, a UNIQUE key or a plain KEY."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    primary: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "unique": self.unique,
            "primary": self.primary,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Index:
        return cls(d["name"], tuple(d["columns"]), d["unique"], d["primary"])


@dataclass(slots=True)
class ForeignKey:
    """A FOREIGN KEY constraint of a table (the child) on ``ref_db.ref_table`` (the parent).

    ``on_delete``/``on_update`` are MySQL's words: ``RESTRICT``, ``CASCADE``, ``SET NULL``,
    ``NO ACTION`` (the default, reported as MySQL reports it: no clause).
    """

    name: str
    columns: tuple[str, ...]
    ref_db: str
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "ref_db": self.ref_db,
            "ref_table": self.ref_table,
            "ref_columns": list(self.ref_columns),
            "on_delete": self.on_delete,
            "on_update": self.on_update,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ForeignKey:
        return cls(
            d["name"],
            tuple(d["columns"]),
            d["ref_db"],
            d["ref_table"],
            tuple(d["ref_columns"]),
            d.get("on_delete", "NO ACTION"),
            d.get("on_update", "NO ACTION"),
        )


@dataclass(slots=True)
class Table:
    """A MySQL table and what the SQL layer derives from it."""

    db: str
    name: str
    columns: list[Column]
    indexes: list[Index] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    by_name: dict[str, Column] = field(default_factory=dict, repr=False)
    #: Filled by :meth:`Catalog.load`: ``(child table, constraint)`` pairs naming this table.
    referenced_by: list[tuple[Table, ForeignKey]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.by_name = {c.name.lower(): c for c in self.columns}

    @property
    def sqlite_name(self) -> str:
        return storage_name(self.db, self.name)

    @property
    def auto_increment(self) -> Column | None:
        return next((c for c in self.columns if c.auto_increment), None)

    @property
    def primary(self) -> Index | None:
        return next((i for i in self.indexes if i.primary), None)

    def column(self, name: str) -> Column | None:
        return self.by_name.get(name.lower())

    def flags(self, col: Column) -> ColumnFlag:
        """MySQL column flags from nullability, keys and AUTO_INCREMENT."""
        flags = ColumnFlag.NONE
        low = col.name.lower()
        if col.not_null:
            flags |= ColumnFlag.NOT_NULL_FLAG
            if col.default is None and not col.auto_increment:
                flags |= ColumnFlag.NO_DEFAULT_VALUE_FLAG
        if col.auto_increment:
            flags |= ColumnFlag.AUTO_INCREMENT_FLAG
        if col.on_update_now:
            flags |= ColumnFlag.ON_UPDATE_NOW_FLAG
        for idx in self.indexes:
            cols = [c.lower() for c in idx.columns]
            if low not in cols:
                continue
            if idx.primary:
                flags |= ColumnFlag.PRI_KEY_FLAG
            elif idx.unique and len(cols) == 1:
                flags |= ColumnFlag.UNIQUE_KEY_FLAG
            elif cols[0] == low:
                flags |= ColumnFlag.MULTIPLE_KEY_FLAG
        return flags

    def column_def(self, col: Column, *, label: str | None = None, alias: str = "") -> ColumnDef:
        """The result-set column definition of ``col`` (MySQL names, never SQLite's)."""
        return column_def(
            col.ctype,
            name=label if label is not None else col.name,
            flags=self.flags(col),
            org_name=col.name,
            table=alias or self.name,
            org_table=self.name,
            schema=self.db,
        )

    def converter(self, col: Column) -> Converter | None:
        return converter_for(col.ctype)

    def to_json(self) -> str:
        return json.dumps(
            {
                "columns": [c.to_json() for c in self.columns],
                "indexes": [i.to_json() for i in self.indexes],
                "options": self.options,
                "foreign_keys": [f.to_json() for f in self.foreign_keys],
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, db: str, name: str, spec: str) -> Table:
        d = json.loads(spec)
        return cls(
            db=db,
            name=name,
            columns=[Column.from_json(c) for c in d["columns"]],
            indexes=[Index.from_json(i) for i in d["indexes"]],
            options=dict(d.get("options", {})),
            foreign_keys=[ForeignKey.from_json(f) for f in d.get("foreign_keys", [])],
        )


@dataclass(slots=True)
class View:
    """A view: its SELECT as normalized MySQL text, re-parsed and expanded at compile time.

    ``columns`` are the view's column names and types (computed from the SELECT's metadata
    when the view was created); ``column_list`` is the explicit ``(c1, c2)`` list or empty;
    ``definer`` is the account whose rights the body is checked with (``user@host``).
    """

    db: str
    name: str
    sql: str
    columns: list[Column]
    column_list: tuple[str, ...] = ()
    definer: str = ""

    def as_table(self) -> Table:
        """The view's columns as a :class:`Table` model (result metadata, ``SELECT *``)."""
        return Table(db=self.db, name=self.name, columns=list(self.columns))

    def to_json(self) -> str:
        return json.dumps(
            {
                "sql": self.sql,
                "columns": [c.to_json() for c in self.columns],
                "column_list": list(self.column_list),
                "definer": self.definer,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, db: str, name: str, spec: str) -> View:
        d = json.loads(spec)
        return cls(
            db,
            name,
            d["sql"],
            [Column.from_json(c) for c in d["columns"]],
            tuple(d.get("column_list", ())),
            d.get("definer", ""),
        )


@dataclass(slots=True)
class Catalog:
    """An immutable-by-convention snapshot of databases and tables."""

    generation: int
    databases: frozenset[str]
    tables: dict[tuple[str, str], Table]
    views: dict[tuple[str, str], View] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        rows_db: Iterable[str],
        rows_tables: Iterable[tuple[str, str, str]],
        generation: int,
        rows_views: Iterable[tuple[str, str, str]] = (),
    ) -> Catalog:
        tables = {(db, name): Table.from_json(db, name, spec) for db, name, spec in rows_tables}
        for child in tables.values():
            for fk in child.foreign_keys:
                parent = tables.get((fk.ref_db, fk.ref_table))
                if parent is not None:
                    parent.referenced_by.append((child, fk))
        views = {(db, name): View.from_json(db, name, spec) for db, name, spec in rows_views}
        return cls(generation, frozenset(rows_db), tables, views)

    def view(self, db: str, name: str) -> View | None:
        return self.views.get((db.lower(), name.lower()))

    def views_in(self, db: str) -> Iterator[View]:
        low = db.lower()
        for (vdb, _), view in sorted(self.views.items()):
            if vdb == low:
                yield view

    def foreign_keys(self, db: str, table: str) -> list[ForeignKey]:
        """The FOREIGN KEY constraints of ``db.table`` (empty for unknown tables).

        For information_schema: KEY_COLUMN_USAGE has one row per ``(fk, position)`` with
        ``REFERENCED_TABLE_SCHEMA = fk.ref_db``, ``REFERENCED_TABLE_NAME = fk.ref_table``,
        ``REFERENCED_COLUMN_NAME = fk.ref_columns[position]``; REFERENTIAL_CONSTRAINTS takes
        ``UPDATE_RULE = fk.on_update``, ``DELETE_RULE = fk.on_delete``, and
        ``UNIQUE_CONSTRAINT_NAME`` the parent's PRIMARY or UNIQUE index on ``ref_columns``.
        """
        found = self.table(db, table)
        return list(found.foreign_keys) if found is not None else []

    def has_database(self, name: str) -> bool:
        low = name.lower()
        return low in self.databases or low in SYSTEM_DATABASES

    def table(self, db: str, name: str) -> Table | None:
        return self.tables.get((db.lower(), name.lower()))

    def require_table(self, db: str, name: str) -> Table:
        """The table, or 1146 ``Table 'db.t' doesn't exist``."""
        table = self.table(db, name)
        if table is None:
            raise SQLError(ER.ER_NO_SUCH_TABLE, f"Table '{db}.{name}' doesn't exist")
        return table

    def tables_in(self, db: str) -> Iterator[Table]:
        low = db.lower()
        for (tdb, _), table in sorted(self.tables.items()):
            if tdb == low:
                yield table
