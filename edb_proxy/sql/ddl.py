"""Data definition: MySQL CREATE/DROP TABLE, indexes and databases on SQLite.

Each function takes a connection *inside a write transaction the caller owns* and the catalog
snapshot; it changes SQLite's schema and ``edb_tables``/``edb_databases`` together (catalog
invariant 1). SQLite DDL text is generated here from the catalog model, never from client text.

MySQL -> SQLite table translation:
* tables are ``STRICT``; each column gets the declared type of
  :attr:`ColumnType.sqlite_decl`;
* a single-column integer PRIMARY KEY becomes ``INTEGER PRIMARY KEY`` (SQLite's rowid, which
  also gives AUTO_INCREMENT its "max + 1" semantics); AUTO_INCREMENT is allowed only there;
* other PRIMARY KEYs stay table constraints; UNIQUE and plain KEYs become separate indexes
  named ``"db.table.index"``;
* text columns compare case-insensitively (``COLLATE NOCASE``) as MySQL's default collations
  do, unless declared with a ``_bin``/``_cs`` collation; ENUM columns get a CHECK of members;
* FOREIGN KEY constraints become SQLite table constraints (:mod:`edb_proxy.sql.foreignkeys`);
  column-level ``REFERENCES`` is parsed and ignored, as InnoDB does;
* ENGINE, CHARSET, COLLATE, COMMENT, ROW_FORMAT and AUTO_INCREMENT=n are accepted and ignored.

Every function here runs with SQLite's foreign key enforcement off (foreignkeys invariant 2):
``DROP TABLE`` must never cascade.
"""

from __future__ import annotations

import re
from dataclasses import replace

import apsw
from sqlglot import exp

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.catalog import (
    SYSTEM_DATABASES,
    Catalog,
    Column,
    ForeignKey,
    Index,
    Table,
    check_name,
    quote,
    storage_name,
)
from edb_proxy.sql.coltypes import ColumnType, parse_type_name
from edb_proxy.sql.foreignkeys import (
    check_foreign_keys,
    enforcement_off,
    fk_from_tree,
    fk_sql,
    mysql_clause,
)
from edb_proxy.sql.policy import not_supported

__all__ = [
    "apply_table_options",
    "column_from_tree",
    "create_database",
    "create_index",
    "create_storage",
    "create_table",
    "default_text",
    "drop_database",
    "drop_index",
    "drop_tables",
    "finish_keys",
    "table_from_tree",
    "truncate_table",
]

_TYPE_HEAD = re.compile(r"^([A-Za-z][A-Za-z ]*?)\s*(?:\(|$| UNSIGNED| ZEROFILL| SIGNED)")


def _literal_text(node: exp.Expression) -> str:
    if isinstance(node, exp.Literal):
        if node.is_string:
            return "'" + str(node.this).replace("'", "''") + "'"
        return str(node.this)
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        return "-" + str(node.this.this)
    if isinstance(node, exp.Null):
        return "NULL"
    if isinstance(node, exp.Boolean):
        return "1" if node.this else "0"
    if isinstance(node, exp.CurrentTimestamp) or (
        isinstance(node, exp.Anonymous) and str(node.this).upper() in ("NOW", "CURRENT_TIMESTAMP")
    ):
        return "CURRENT_TIMESTAMP"
    raise not_supported("expression defaults")


def default_text(node: exp.Expression) -> str:
    """A DEFAULT value as the catalog stores it (MySQL SQL text).

    Raises:
        SQLError: 1235 for expression defaults.
    """
    return _literal_text(node)


def _column_type(kind: exp.DataType) -> ColumnType:
    text = kind.sql(dialect="mysql")
    m = _TYPE_HEAD.match(text)
    name = parse_type_name(m.group(1)) if m else ""
    if not name:
        raise not_supported(f"column type {text}")
    upper = text.upper()
    params = [p.this if isinstance(p, exp.DataTypeParam) else p for p in kind.expressions]
    values: tuple[str, ...] = ()
    length: int | None = None
    scale: int | None = None
    if name in ("ENUM", "SET"):
        values = tuple(str(p.this) for p in params if isinstance(p, exp.Literal))
    else:
        nums = [int(str(p.this)) for p in params if isinstance(p, exp.Literal) and p.is_int]
        if nums:
            length = nums[0]
        if len(nums) > 1:
            scale = nums[1]
    if text.upper().startswith(("BOOL", "TINYINT(1)")):
        length = 1
    if name == "DECIMAL" and scale is None:
        scale = 0
    if name in ("CHAR", "BINARY") and length is None:
        length = 1
    if name == "VARCHAR" and length is None:
        raise SQLError(ER.ER_PARSE_ERROR, "VARCHAR needs a length")
    return ColumnType(
        name=name,
        length=length,
        scale=scale,
        unsigned="UNSIGNED" in upper or (kind.this.name.startswith("U") and name != "UNKNOWN"),
        zerofill="ZEROFILL" in upper,
        values=values,
    )


def _key_columns(items: list[exp.Expression]) -> tuple[str, ...]:
    out = []
    for item in items:
        node = item.this if isinstance(item, exp.Ordered) else item
        if isinstance(node, exp.Anonymous):  # c(10): a prefix length, indexed in full here
            out.append(str(node.this))
        else:
            out.append(node.name)
    return tuple(out)


def table_from_tree(tree: exp.Create, db: str) -> Table:
    """The catalog model of a parsed ``CREATE TABLE``."""
    schema = tree.this
    if not isinstance(schema, exp.Schema):
        raise not_supported("CREATE TABLE ... LIKE/AS")
    name = check_name(schema.this.name, kind="table")
    columns: list[Column] = []
    indexes: list[Index] = []
    fks: list[ForeignKey] = []
    for element in schema.expressions:
        cname = ""
        item = element
        if isinstance(element, exp.Constraint):
            if len(element.expressions) != 1:
                raise not_supported("CONSTRAINT with several parts")
            cname = element.this.name if element.this else ""
            item = element.expressions[0]
        if isinstance(item, exp.ForeignKey):
            fk_name = cname or (item.this.name if item.this else "")
            fks.append(fk_from_tree(item, fk_name, db))
        elif isinstance(item, exp.ColumnDef):
            columns.append(_column(item, indexes))
        elif isinstance(item, exp.PrimaryKey):
            indexes.append(Index("PRIMARY", _key_columns(item.expressions), True, True))
        elif isinstance(item, exp.UniqueColumnConstraint):
            inner = item.this
            cols = inner.expressions if isinstance(inner, exp.Schema) else []
            iname = inner.this.name if isinstance(inner, exp.Schema) and inner.this else ""
            indexes.append(Index(iname, _key_columns(cols), unique=True))
        elif isinstance(item, exp.IndexColumnConstraint):
            kind = str(item.args.get("kind") or "").upper()
            if kind in ("FULLTEXT", "SPATIAL"):
                raise not_supported(f"{kind} indexes")
            iname = item.this.name if item.this else ""
            indexes.append(Index(iname, _key_columns(item.expressions), unique=kind == "UNIQUE"))
        else:
            raise not_supported(f"table element {item.key.upper()}")
    if not columns:
        raise SQLError(ER.ER_PARSE_ERROR, "A table must have at least 1 column")
    table = Table(db=db, name=name, columns=columns, indexes=[], foreign_keys=fks)
    props = tree.args.get("properties")
    apply_table_options(table, props.expressions if props else [])
    seen: set[str] = set()
    for col in columns:
        low = col.name.lower()
        if low in seen:
            raise SQLError(ER.ER_DUP_FIELDNAME, f"Duplicate column name '{col.name}'")
        seen.add(low)
    _name_indexes(table, indexes)
    _check_keys(table)
    return table


def apply_table_options(table: Table, options: list[exp.Expression]) -> None:
    """Record the table options that are reported back (COMMENT); accept the others.

    ENGINE, [DEFAULT] CHARSET, COLLATE, ROW_FORMAT and AUTO_INCREMENT=n are accepted and
    ignored (one engine, one character set; the AUTO_INCREMENT counter is max + 1).
    """
    for prop in options:
        if isinstance(prop, exp.SchemaCommentProperty) and isinstance(prop.this, exp.Literal):
            comment = str(prop.this.this)
            if comment:
                table.options["comment"] = comment
            else:
                table.options.pop("comment", None)


def column_from_tree(item: exp.ColumnDef, indexes: list[Index]) -> Column:
    """The catalog model of one column definition; inline keys are appended to ``indexes``."""
    return _column(item, indexes)


def _column(item: exp.ColumnDef, indexes: list[Index]) -> Column:
    kind = item.args.get("kind")
    if not isinstance(kind, exp.DataType):
        raise SQLError(ER.ER_PARSE_ERROR, f"Column '{item.name}' needs a type")
    col = Column(name=item.name, ctype=_column_type(kind))
    if not col.name or len(col.name) > 64 or col.name.endswith(" "):
        raise SQLError(ER.ER_WRONG_TABLE_NAME, f"Incorrect column name '{col.name}'")
    for constraint in item.constraints:
        c = constraint.kind
        if isinstance(c, exp.NotNullColumnConstraint):
            col.not_null = not c.args.get("allow_null")
        elif isinstance(c, exp.DefaultColumnConstraint):
            col.default = _literal_text(c.this)
        elif isinstance(c, exp.AutoIncrementColumnConstraint):
            col.auto_increment = True
            col.not_null = True
        elif isinstance(c, exp.PrimaryKeyColumnConstraint):
            indexes.append(Index("PRIMARY", (col.name,), True, True))
            col.not_null = True
        elif isinstance(c, exp.UniqueColumnConstraint):
            indexes.append(Index("", (col.name,), unique=True))
        elif isinstance(c, exp.CommentColumnConstraint):
            col.comment = str(c.this.this) if isinstance(c.this, exp.Literal) else ""
        elif isinstance(c, exp.OnUpdateColumnConstraint):
            col.on_update_now = True
        elif isinstance(c, exp.CollateColumnConstraint):
            col.collation = c.this.name.lower()
        elif isinstance(c, exp.ZeroFillColumnConstraint):
            col.ctype = replace(col.ctype, zerofill=True, unsigned=True)
        elif isinstance(c, exp.CharacterSetColumnConstraint | exp.Reference):
            pass  # column-level REFERENCES: parsed and ignored, as InnoDB does
        else:
            raise not_supported(f"column attribute {c.key.upper()}")
    return col


def finish_keys(table: Table, indexes: list[Index]) -> None:
    """Set ``table.indexes`` to ``indexes``: name unnamed ones, then check them.

    Raises:
        SQLError: 1068 multiple primary keys, 1061 duplicate key name, 1072 unknown key
            column, 1235 AUTO_INCREMENT off the integer primary key.
    """
    table.indexes = []
    _name_indexes(table, indexes)
    _check_keys(table)


def _name_indexes(table: Table, indexes: list[Index]) -> None:
    primary = [i for i in indexes if i.primary]
    if len(primary) > 1:
        raise SQLError(ER.ER_MULTIPLE_PRI_KEY, "Multiple primary key defined")
    used: set[str] = set()
    for idx in indexes:
        if not idx.name:
            base = idx.columns[0]
            name = base
            n = 2
            while name.lower() in used:
                name = f"{base}_{n}"
                n += 1
            idx.name = name
        if idx.name.lower() in used:
            raise SQLError(ER.ER_DUP_KEYNAME, f"Duplicate key name '{idx.name}'")
        if not idx.primary:
            check_name(idx.name, kind="index")
        used.add(idx.name.lower())
        table.indexes.append(idx)
        if idx.primary:
            for cname in idx.columns:
                col = table.column(cname)
                if col is not None:
                    col.not_null = True


def _check_keys(table: Table) -> None:
    for idx in table.indexes:
        for cname in idx.columns:
            if table.column(cname) is None:
                raise SQLError(
                    ER.ER_KEY_COLUMN_DOES_NOT_EXITS, f"Key column '{cname}' doesn't exist in table"
                )
    auto = [c for c in table.columns if c.auto_increment]
    keyed = {i.columns[0].lower() for i in table.indexes if i.columns}
    if len(auto) > 1 or any(c.name.lower() not in keyed for c in auto):
        raise SQLError(
            ER.ER_WRONG_AUTO_KEY,
            "Incorrect table definition; there can be only one auto column and it must be "
            "defined as a key",
        )
    if auto:
        pk = table.primary
        if (
            len(auto) > 1
            or pk is None
            or len(pk.columns) != 1
            or pk.columns[0].lower() != auto[0].name.lower()
            or not auto[0].ctype.is_integer
        ):
            raise not_supported("AUTO_INCREMENT on a column that is not the integer PRIMARY KEY")


def _rowid_pk(table: Table) -> str | None:
    pk = table.primary
    if pk is None or len(pk.columns) != 1:
        return None
    col = table.column(pk.columns[0])
    return col.name.lower() if col is not None and col.ctype.is_integer else None


def _check_default(col: Column) -> None:
    """1067 for a string default longer than the column or an ENUM default not a member."""
    d = col.default or ""
    if not (d.startswith("'") and d.endswith("'") and len(d) >= 2):
        return
    value = d[1:-1].replace("''", "'")
    t = col.ctype
    too_long = t.name in ("CHAR", "VARCHAR") and t.length is not None and len(value) > t.length
    not_member = t.name == "ENUM" and value.lower() not in (v.lower() for v in t.values)
    if too_long or not_member:
        raise SQLError(ER.ER_INVALID_DEFAULT, f"Invalid default value for '{col.name}'")


def _column_sql(table: Table, col: Column, rowid: str | None) -> str:
    parts = [quote(col.name), col.ctype.sqlite_decl]
    if rowid == col.name.lower():
        parts[1] = "INTEGER PRIMARY KEY"
    if col.not_null:
        parts.append("NOT NULL")
    if col.default is not None and col.default.upper() != "NULL":
        default = col.default
        _check_default(col)
        if col.ctype.sqlite_decl in ("INTEGER", "REAL") and default.startswith("'"):
            inner = default[1:-1]
            try:
                default = (
                    str(int(inner)) if col.ctype.sqlite_decl == "INTEGER" else repr(float(inner))
                )
            except ValueError:
                raise SQLError(
                    ER.ER_INVALID_DEFAULT, f"Invalid default value for '{col.name}'"
                ) from None
        parts.append(f"DEFAULT {default}")
    binary = col.collation.endswith(("_bin", "_cs")) or col.collation == "binary"
    if col.ctype.sqlite_decl == "TEXT" and col.ctype.name != "DECIMAL" and not binary:
        parts.append("COLLATE NOCASE")
    if col.ctype.name == "ENUM":
        members = ", ".join("'" + v.replace("'", "''") + "'" for v in col.ctype.values)
        parts.append(f"CHECK ({quote(col.name)} IN ({members}))")
    return " ".join(parts)


def create_table(
    conn: apsw.Connection, catalog: Catalog, table: Table, *, if_not_exists: bool
) -> bool:
    """Create ``table``. Returns False (nothing done) when it exists and IF NOT EXISTS.

    Raises:
        SQLError: 1049 unknown database, 1050 table exists.
    """
    if table.db not in catalog.databases:
        raise SQLError(ER.ER_BAD_DB_ERROR, f"Unknown database '{table.db}'")
    if catalog.table(table.db, table.name) is not None or catalog.view(table.db, table.name):
        if if_not_exists:
            return False
        raise SQLError(ER.ER_TABLE_EXISTS_ERROR, f"Table '{table.name}' already exists")
    check_foreign_keys(catalog, table, new=table.foreign_keys)
    create_storage(conn, table)
    conn.execute(
        "INSERT INTO edb_tables(db, name, spec) VALUES (?, ?, ?)",
        (table.db, table.name, table.to_json()),
    )
    return True


def create_storage(conn: apsw.Connection, table: Table) -> None:
    """Create the SQLite table and its indexes for the catalog model ``table``.

    The catalog row is the caller's business.
    """
    rowid = _rowid_pk(table)
    defs = [_column_sql(table, c, rowid) for c in table.columns]
    pk = table.primary
    if pk is not None and rowid is None:
        defs.append("PRIMARY KEY (" + ", ".join(quote(c) for c in pk.columns) + ")")
    defs.extend(fk_sql(fk) for fk in table.foreign_keys)
    conn.execute(f"CREATE TABLE {quote(table.sqlite_name)} ({', '.join(defs)}) STRICT")
    for idx in table.indexes:
        if not idx.primary:
            _create_sqlite_index(conn, table, idx)


def _create_sqlite_index(conn: apsw.Connection, table: Table, idx: Index) -> None:
    unique = "UNIQUE " if idx.unique else ""
    cols = ", ".join(quote(c) for c in idx.columns)
    name = quote(f"{table.sqlite_name}.{idx.name.lower()}")
    conn.execute(f"CREATE {unique}INDEX {name} ON {quote(table.sqlite_name)} ({cols})")


def _save(conn: apsw.Connection, table: Table) -> None:
    conn.execute(
        "UPDATE edb_tables SET spec = ? WHERE db = ? AND name = ?",
        (table.to_json(), table.db, table.name),
    )


def create_index(conn: apsw.Connection, table: Table, idx: Index) -> None:
    """CREATE [UNIQUE] INDEX (1061 duplicate name, 1072 unknown column)."""
    if any(i.name.lower() == idx.name.lower() for i in table.indexes):
        raise SQLError(ER.ER_DUP_KEYNAME, f"Duplicate key name '{idx.name}'")
    check_name(idx.name, kind="index")
    for cname in idx.columns:
        if table.column(cname) is None:
            raise SQLError(
                ER.ER_KEY_COLUMN_DOES_NOT_EXITS, f"Key column '{cname}' doesn't exist in table"
            )
    _create_sqlite_index(conn, table, idx)
    table.indexes.append(idx)
    _save(conn, table)


def drop_index(conn: apsw.Connection, table: Table, name: str) -> None:
    """DROP INDEX name ON table (1091 when it does not exist)."""
    idx = next((i for i in table.indexes if i.name.lower() == name.lower()), None)
    if idx is None:
        raise SQLError(
            ER.ER_CANT_DROP_FIELD_OR_KEY, f"Can't DROP '{name}'; check that column/key exists"
        )
    if idx.primary:
        raise not_supported("dropping the PRIMARY KEY")
    conn.execute(f"DROP INDEX {quote(f'{table.sqlite_name}.{idx.name.lower()}')}")
    table.indexes.remove(idx)
    _save(conn, table)


def drop_tables(
    conn: apsw.Connection,
    catalog: Catalog,
    names: list[tuple[str, str]],
    *,
    if_exists: bool,
    fk_checks: bool = True,
) -> int:
    """DROP TABLE of ``(db, table)`` pairs, all or nothing. Returns the number of missing ones.

    Raises:
        SQLError: 1051 naming every missing table (without IF EXISTS); 3730 for a table a
            foreign key of another (not dropped) table references, unless ``fk_checks`` is
            False (``FOREIGN_KEY_CHECKS=0``).
    """
    missing = [f"{db}.{t}" for db, t in names if catalog.table(db, t) is None]
    if missing and not if_exists:
        raise SQLError(ER.ER_BAD_TABLE_ERROR, f"Unknown table '{','.join(missing)}'")
    dropping = {(db.lower(), t.lower()) for db, t in names}
    if fk_checks:
        for db, t in names:
            table = catalog.table(db, t)
            for child, fk in table.referenced_by if table is not None else []:
                if (child.db, child.name) not in dropping:
                    raise SQLError(
                        ER.ER_FK_CANNOT_DROP_PARENT,
                        f"Cannot drop table '{t}' referenced by a foreign key constraint "
                        f"'{fk.name}' on table '{child.name}'.",
                    )
    with enforcement_off(conn):
        for db, t in names:
            table = catalog.table(db, t)
            if table is None:
                continue
            conn.execute(f"DROP TABLE {quote(table.sqlite_name)}")
            conn.execute(
                "DELETE FROM edb_tables WHERE db = ? AND name = ?", (table.db, table.name)
            )
    return len(missing)


def truncate_table(conn: apsw.Connection, table: Table, *, fk_checks: bool = True) -> None:
    """TRUNCATE TABLE: delete every row (SQLite's truncate optimization applies).

    Raises:
        SQLError: 1701 when another table's foreign key references it (checks on).
    """
    others = [(c, f) for c, f in table.referenced_by if (c.db, c.name) != (table.db, table.name)]
    if others and fk_checks:
        child, fk = others[0]
        raise SQLError(
            ER.ER_TRUNCATE_ILLEGAL_FK,
            "Cannot truncate a table referenced in a foreign key constraint "
            f"(`{child.db}`.`{child.name}`, {mysql_clause(fk, child.db)})",
        )
    with enforcement_off(conn):
        conn.execute(f"DELETE FROM {quote(table.sqlite_name)}")  # noqa: S608 (catalog name)


def create_database(
    conn: apsw.Connection, catalog: Catalog, name: str, *, if_not_exists: bool
) -> bool:
    """CREATE DATABASE (1007 when it exists). Returns False when nothing was done."""
    low = check_name(name, kind="database")
    if catalog.has_database(low):
        if if_not_exists:
            return False
        raise SQLError(ER.ER_DB_CREATE_EXISTS, f"Can't create database '{name}'; database exists")
    conn.execute("INSERT INTO edb_databases(name) VALUES (?)", (low,))
    return True


def drop_database(
    conn: apsw.Connection,
    catalog: Catalog,
    name: str,
    *,
    if_exists: bool,
    fk_checks: bool = True,
) -> int:
    """DROP DATABASE, its tables and views. Returns the number of tables dropped (-1: none).

    Raises:
        SQLError: 1008 unknown database; 1044 for the system databases; 3730 when a table of
            another database references one of its tables (unless ``fk_checks`` is False).
    """
    low = name.lower()
    if low in SYSTEM_DATABASES:
        raise SQLError(ER.ER_DBACCESS_DENIED_ERROR, f"Access denied to database '{name}'")
    if low not in catalog.databases:
        if if_exists:
            return -1
        raise SQLError(
            ER.ER_DB_DROP_EXISTS, f"Can't drop database '{name}'; database doesn't exist"
        )
    tables = list(catalog.tables_in(low))
    for table in tables if fk_checks else []:
        for child, fk in table.referenced_by:
            if child.db != low:
                raise SQLError(
                    ER.ER_FK_CANNOT_DROP_PARENT,
                    f"Cannot drop table '{table.name}' referenced by a foreign key constraint "
                    f"'{fk.name}' on table '{child.name}'.",
                )
    with enforcement_off(conn):
        for table in tables:
            conn.execute(f"DROP TABLE {quote(storage_name(table.db, table.name))}")
    conn.execute("DELETE FROM edb_tables WHERE db = ?", (low,))
    conn.execute("DELETE FROM edb_views WHERE db = ?", (low,))
    conn.execute("DELETE FROM edb_databases WHERE name = ?", (low,))
    return len(tables)
