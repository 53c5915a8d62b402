"""``SHOW CREATE TABLE`` / ``SHOW CREATE VIEW`` text, formatted as MySQL 8 formats it.

Contract (tested by ``tests/unit/sql/test_show_create_roundtrip.py``): for every table this
layer can create, running the ``SHOW CREATE TABLE`` text as a ``CREATE TABLE`` yields a table
whose ``SHOW CREATE TABLE`` text is identical. MySQL's layout: backticks, two-space indent,
columns, then ``PRIMARY KEY``, ``UNIQUE KEY``s, ``KEY``s, then ``CONSTRAINT ... FOREIGN KEY``
lines, then ``ENGINE=InnoDB [AUTO_INCREMENT=n] DEFAULT CHARSET=utf8mb4
COLLATE=utf8mb4_0900_ai_ci [COMMENT='...']``.
"""

from __future__ import annotations

from edb_proxy.sql.catalog import Column, Table, View
from edb_proxy.sql.foreignkeys import mysql_clause

__all__ = ["TABLE_OPTIONS", "show_create_table", "show_create_view"]

#: The table options every table reports (one character set and collation here).
TABLE_OPTIONS = "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"

_NO_DEFAULT_TYPES = (
    "TINYTEXT",
    "TEXT",
    "MEDIUMTEXT",
    "LONGTEXT",
    "TINYBLOB",
    "BLOB",
    "MEDIUMBLOB",
    "LONGBLOB",
    "JSON",
)
_DEFAULT_COLLATIONS = ("", "utf8mb4_0900_ai_ci")


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _default(col: Column) -> str | None:
    d = col.default
    if d is None:
        if col.not_null or col.auto_increment or col.ctype.name in _NO_DEFAULT_TYPES:
            return None
        return "NULL"
    if d.upper().startswith("CURRENT_TIMESTAMP"):
        return _now(col)
    if d.upper() == "NULL":
        return "NULL"
    if d.startswith("'") and d.endswith("'") and len(d) >= 2:
        return _string(d[1:-1].replace("''", "'"))
    return _string(d)


def _now(col: Column) -> str:
    """``CURRENT_TIMESTAMP`` with the column's fractional digits, as MySQL requires."""
    fsp = col.ctype.length if col.ctype.name in ("DATETIME", "TIMESTAMP") else None
    return f"CURRENT_TIMESTAMP({fsp})" if fsp else "CURRENT_TIMESTAMP"


def column_text(col: Column) -> str:
    """One column line (without indent) as MySQL prints it."""
    line = f"{_ident(col.name)} {col.ctype.to_mysql()}"
    if col.collation not in _DEFAULT_COLLATIONS:
        charset = col.collation.split("_", 1)[0]
        line += f" CHARACTER SET {charset} COLLATE {col.collation}"
    if col.not_null:
        line += " NOT NULL"
    elif col.ctype.name == "TIMESTAMP":
        line += " NULL"
    default = _default(col)
    if default is not None:
        line += f" DEFAULT {default}"
    if col.auto_increment:
        line += " AUTO_INCREMENT"
    if col.on_update_now:
        line += f" ON UPDATE {_now(col)}"
    if col.comment:
        line += f" COMMENT {_string(col.comment)}"
    return line


def show_create_table(table: Table, *, next_auto_increment: int = 0) -> str:
    """``SHOW CREATE TABLE`` text; ``next_auto_increment`` > 1 adds ``AUTO_INCREMENT=n``."""
    lines = [column_text(c) for c in table.columns]
    ordered = (
        [i for i in table.indexes if i.primary]
        + [i for i in table.indexes if i.unique and not i.primary]
        + [i for i in table.indexes if not i.unique and not i.primary]
    )
    for idx in ordered:
        cols = ",".join(_ident(c) for c in idx.columns)
        if idx.primary:
            lines.append(f"PRIMARY KEY ({cols})")
        elif idx.unique:
            lines.append(f"UNIQUE KEY {_ident(idx.name)} ({cols})")
        else:
            lines.append(f"KEY {_ident(idx.name)} ({cols})")
    for fk in sorted(table.foreign_keys, key=lambda f: f.name.lower()):
        lines.append(mysql_clause(fk, table.db))
    body = ",\n".join("  " + line for line in lines)
    options = "ENGINE=InnoDB"
    if next_auto_increment > 1 and table.auto_increment is not None:
        options += f" AUTO_INCREMENT={next_auto_increment}"
    options += " " + TABLE_OPTIONS
    comment = table.options.get("comment", "")
    if comment:
        options += f" COMMENT={_string(comment)}"
    return f"CREATE TABLE {_ident(table.name)} (\n{body}\n) {options}"


def show_create_view(view: View) -> str:
    """``SHOW CREATE VIEW`` text (MySQL's ``CREATE ALGORITHM=UNDEFINED DEFINER=...`` form)."""
    user, _, host = (view.definer or "root@%").partition("@")
    cols = ""
    if view.column_list:
        cols = " (" + ",".join(_ident(c) for c in view.column_list) + ")"
    return (
        f"CREATE ALGORITHM=UNDEFINED DEFINER={_ident(user)}@{_ident(host or '%')} "
        f"SQL SECURITY DEFINER VIEW {_ident(view.name)}{cols} AS {view.sql}"
    )
