"""Result-set metadata: column labels and MySQL types of SELECT expressions.

Labels follow MySQL: an alias when given; for a column reference, the column name as the
client wrote it; for any other expression, the expression's text exactly as written
(``COUNT(*)``, ``@@version_comment``, ``1``). Types come from the catalog for column
references and from the expression otherwise (COUNT -> LONGLONG, SUM of integers ->
NEWDECIMAL, ...). When neither says, the column is *dynamic*: its type is taken from the first
non-NULL value at run time (int -> LONGLONG, float -> DOUBLE, str -> VAR_STRING, bytes -> BLOB,
all NULL -> NULL).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from edb_proxy.fieldtypes import (
    BINARY_CHARSET,
    UTF8MB4_CHARSET,
    ColumnDef,
    ColumnFlag,
    FieldType,
    Value,
)
from edb_proxy.sql.catalog import Table
from edb_proxy.sql.coltypes import ColumnType, Converter, to_decimal
from edb_proxy.sql.parsing import tokenize

__all__ = [
    "Scope",
    "Typed",
    "dynamic_def",
    "expression_type",
    "finish_dynamic",
    "select_labels",
    "value_def",
]

_END_OF_LIST = {
    TokenType.FROM,
    TokenType.WHERE,
    TokenType.GROUP_BY,
    TokenType.HAVING,
    TokenType.ORDER_BY,
    TokenType.LIMIT,
    TokenType.UNION,
    TokenType.INTERSECT,
    TokenType.EXCEPT,
    TokenType.INTO,
    TokenType.WINDOW,
    TokenType.FOR,
    TokenType.LOCK,
}
_MODIFIERS = {
    "DISTINCT",
    "ALL",
    "DISTINCTROW",
    "HIGH_PRIORITY",
    "STRAIGHT_JOIN",
    "SQL_SMALL_RESULT",
    "SQL_BIG_RESULT",
    "SQL_BUFFER_RESULT",
    "SQL_NO_CACHE",
    "SQL_CACHE",
    "SQL_CALC_FOUND_ROWS",
}


def select_labels(text: str, count: int) -> list[str] | None:
    """The source text of each item of the first SELECT list in ``text``.

    Returns None when the list cannot be split into exactly ``count`` items.
    """
    tokens = tokenize(text)
    start = next((i for i, t in enumerate(tokens) if t.token_type == TokenType.SELECT), None)
    if start is None:
        return None
    i = start + 1
    while i < len(tokens) and tokens[i].text.upper() in _MODIFIERS:
        i += 1
    items: list[tuple[int, int]] = []
    depth = 0
    first = i
    last = -1
    while i < len(tokens):
        tok = tokens[i]
        tt = tok.token_type
        if tt in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
        elif tt in (TokenType.R_PAREN, TokenType.R_BRACKET):
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (tt in _END_OF_LIST or tt == TokenType.SEMICOLON):
            break
        elif depth == 0 and tt == TokenType.COMMA:
            items.append((first, last))
            first = i + 1
            i += 1
            continue
        last = i
        i += 1
    items.append((first, last))
    if len(items) != count:
        return None
    out = []
    for a, b in items:
        if b < a:
            return None
        lo = tokens[a].start
        hi = tokens[b].end + 1
        out.append(text[lo:hi].strip())
    return out


@dataclass(slots=True)
class Scope:
    """Tables visible to a SELECT list: alias -> table, in FROM order."""

    tables: dict[str, Table]

    def resolve(self, column: exp.Column) -> tuple[str, Table] | None:
        qualifier = column.table.lower()
        name = column.name
        if qualifier:
            table = self.tables.get(qualifier)
            if table is not None and table.column(name) is not None:
                return qualifier, table
            return None
        for alias, table in self.tables.items():
            if table.column(name) is not None:
                return alias, table
        return None


@dataclass(frozen=True, slots=True)
class Typed:
    """A result column's definition, its value converter and whether it is dynamic."""

    column: ColumnDef
    converter: Converter | None = None
    dynamic: bool = False


def _def(
    name: str,
    ftype: FieldType,
    length: int,
    *,
    decimals: int = 0,
    charset: int = BINARY_CHARSET,
    flags: ColumnFlag = ColumnFlag.NONE,
) -> ColumnDef:
    return ColumnDef(
        name=name, type=ftype, length=length, flags=flags, decimals=decimals, charset=charset
    )


def dynamic_def(name: str) -> Typed:
    """A column typed from its first non-NULL value at run time."""
    return Typed(
        _def(name, FieldType.MYSQL_TYPE_VAR_STRING, 0, charset=UTF8MB4_CHARSET), dynamic=True
    )


def value_def(name: str, value: Value) -> ColumnDef:
    """The column definition MySQL would give a column holding ``value``."""
    if value is None:
        return _def(name, FieldType.MYSQL_TYPE_NULL, 0, charset=BINARY_CHARSET)
    if isinstance(value, bool | int):
        return _def(name, FieldType.MYSQL_TYPE_LONGLONG, 21, flags=ColumnFlag.NUM_FLAG)
    if isinstance(value, float):
        return _def(name, FieldType.MYSQL_TYPE_DOUBLE, 23, decimals=31, flags=ColumnFlag.NUM_FLAG)
    if isinstance(value, bytes):
        return _def(
            name,
            FieldType.MYSQL_TYPE_BLOB,
            65535,
            flags=ColumnFlag.BLOB_FLAG | ColumnFlag.BINARY_FLAG,
        )
    if isinstance(value, str):
        return _def(
            name, FieldType.MYSQL_TYPE_VAR_STRING, max(len(value), 1) * 4, charset=UTF8MB4_CHARSET
        )
    return _def(name, FieldType.MYSQL_TYPE_VAR_STRING, 64, charset=UTF8MB4_CHARSET)


def _longlong(name: str, length: int = 21) -> Typed:
    return Typed(_def(name, FieldType.MYSQL_TYPE_LONGLONG, length, flags=ColumnFlag.NUM_FLAG))


def _newdecimal(name: str, scale: int = 0, length: int = 33) -> Typed:
    return Typed(
        _def(
            name,
            FieldType.MYSQL_TYPE_NEWDECIMAL,
            length,
            decimals=scale,
            flags=ColumnFlag.NUM_FLAG,
        ),
        lambda v: to_decimal(v, scale),
    )


def _double(name: str) -> Typed:
    return Typed(
        _def(name, FieldType.MYSQL_TYPE_DOUBLE, 23, decimals=31, flags=ColumnFlag.NUM_FLAG),
        _as_float,
    )


def _string(name: str, length: int = 1024) -> Typed:
    return Typed(_def(name, FieldType.MYSQL_TYPE_VAR_STRING, length, charset=UTF8MB4_CHARSET))


def _datetime(name: str) -> Typed:
    return Typed(_def(name, FieldType.MYSQL_TYPE_DATETIME, 19, flags=ColumnFlag.BINARY_FLAG))


def _as_float(value: object) -> Value:
    if isinstance(value, int):
        return float(value)
    return value  # type: ignore[return-value]


def _as_bytes(value: object) -> Value:
    if isinstance(value, str):
        return value.encode("utf-8")
    return value  # type: ignore[return-value]


def _as_int(value: object) -> Value:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit():  # unsigned above 2**63-1, carried as text
        return int(value)
    return value  # type: ignore[return-value]


def _column_type(node: exp.Expression, scope: Scope) -> ColumnType | None:
    if isinstance(node, exp.Column):
        found = scope.resolve(node)
        if found:
            col = found[1].column(node.name)
            return col.ctype if col else None
    return None


def expression_type(name: str, node: exp.Expression, scope: Scope) -> Typed:
    """The MySQL type of a SELECT-list expression ``node`` labelled ``name``."""
    if isinstance(node, exp.Paren):
        return expression_type(name, node.this, scope)
    if isinstance(node, exp.Column):
        found = scope.resolve(node)
        if found:
            alias, table = found
            col = table.column(node.name)
            assert col is not None
            return Typed(table.column_def(col, label=name, alias=alias), table.converter(col))
        return dynamic_def(name)
    if isinstance(node, exp.Count):
        return _longlong(name)
    if isinstance(node, exp.Sum | exp.Avg):
        ctype = _column_type(node.this, scope)
        if ctype is not None and ctype.name in ("FLOAT", "DOUBLE"):
            return _double(name)
        if isinstance(node, exp.Avg):
            scale = (ctype.scale or 0) + 4 if ctype is not None else 4
            return _newdecimal(name, scale)
        if ctype is not None and ctype.name == "DECIMAL":
            return _newdecimal(name, ctype.scale or 0)
        return _newdecimal(name, 0)
    if isinstance(node, exp.Min | exp.Max):
        inner = expression_type(name, node.this, scope)
        return replace(
            inner,
            column=replace(
                inner.column,
                flags=inner.column.flags & ~(ColumnFlag.PRI_KEY_FLAG | ColumnFlag.NOT_NULL_FLAG),
            ),
        )
    if isinstance(node, exp.Literal):
        if node.is_string:
            return _string(name, max(len(node.this), 1) * 4)
        if node.is_int:
            return _longlong(name, len(node.this))
        digits = node.this
        if "e" in digits.lower():
            return _double(name)
        scale = len(digits.split(".", 1)[1]) if "." in digits else 0
        return _newdecimal(name, scale, len(digits))
    if isinstance(node, exp.Boolean):
        return Typed(_longlong(name, 1).column, lambda v: int(bool(v)) if v is not None else None)
    if isinstance(node, exp.Null):
        return Typed(_def(name, FieldType.MYSQL_TYPE_NULL, 0))
    if isinstance(node, exp.Cast):
        return _cast_type(name, node)
    if isinstance(node, exp.Predicate | exp.Not | exp.Exists):
        return _longlong(name, 1)
    if isinstance(node, exp.Div):
        return _division_type(name, node, scope)
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Mod | exp.Neg | exp.IntDiv):
        parts = [expression_type(name, a, scope) for a in node.iter_expressions()]
        kinds = {p.column.type for p in parts}
        if kinds <= {
            FieldType.MYSQL_TYPE_LONGLONG,
            FieldType.MYSQL_TYPE_LONG,
            FieldType.MYSQL_TYPE_SHORT,
            FieldType.MYSQL_TYPE_TINY,
            FieldType.MYSQL_TYPE_INT24,
        } or isinstance(node, exp.IntDiv):
            return Typed(_longlong(name).column, _as_int)
        return dynamic_def(name)
    if isinstance(node, exp.Length | exp.StrPosition):
        return _longlong(name, 10)
    if isinstance(
        node,
        exp.Concat
        | exp.ConcatWs
        | exp.Upper
        | exp.Lower
        | exp.Substring
        | exp.Trim
        | exp.Replace
        | exp.GroupConcat
        | exp.Hex,
    ):
        return _string(name)
    if isinstance(node, exp.CurrentTimestamp | exp.UtcTimestamp):
        return _datetime(name)
    if isinstance(node, exp.CurrentDate):
        return Typed(_def(name, FieldType.MYSQL_TYPE_DATE, 10, flags=ColumnFlag.BINARY_FLAG))
    if isinstance(
        node, exp.CurrentSchema | exp.CurrentUser | exp.SessionUser | exp.CurrentVersion
    ):
        return _string(name, 256)
    if isinstance(node, exp.Anonymous):
        fname = str(node.this).upper()
        if fname in (
            "CONNECTION_ID",
            "LAST_INSERT_ID",
            "FOUND_ROWS",
            "ROW_COUNT",
            "UNIX_TIMESTAMP",
            "CHAR_LENGTH",
            "CHARACTER_LENGTH",
            "OCTET_LENGTH",
            "INSTR",
        ):
            return _longlong(name)
        if fname in (
            "NOW",
            "SYSDATE",
            "LOCALTIME",
            "LOCALTIMESTAMP",
            "CURRENT_TIMESTAMP",
            "UTC_TIMESTAMP",
        ):
            return _datetime(name)
        if fname in (
            "USER",
            "SYSTEM_USER",
            "SESSION_USER",
            "CURRENT_USER",
            "DATABASE",
            "SCHEMA",
            "VERSION",
        ):
            return _string(name, 256)
        if fname == "RAND":
            return _double(name)
    return dynamic_def(name)


_EXACT_TYPES = frozenset(
    {
        FieldType.MYSQL_TYPE_LONGLONG,
        FieldType.MYSQL_TYPE_LONG,
        FieldType.MYSQL_TYPE_SHORT,
        FieldType.MYSQL_TYPE_TINY,
        FieldType.MYSQL_TYPE_INT24,
        FieldType.MYSQL_TYPE_NEWDECIMAL,
    }
)


def _division_type(name: str, node: exp.Div, scope: Scope) -> Typed:
    """``a / b``: DECIMAL with the operands' scale + 4 (``div_precision_increment``) for exact
    operands, DOUBLE when either is approximate, else dynamic."""
    parts = [expression_type(name, a, scope) for a in (node.this, node.expression)]
    kinds = {p.column.type for p in parts}
    if kinds & {FieldType.MYSQL_TYPE_DOUBLE, FieldType.MYSQL_TYPE_FLOAT}:
        return _double(name)
    if kinds <= _EXACT_TYPES:
        scale = min(30, parts[0].column.decimals + 4)
        return _newdecimal(name, scale)
    return dynamic_def(name)


def _cast_type(name: str, node: exp.Cast) -> Typed:
    to = node.to
    kind = to.this if isinstance(to, exp.DataType) else None
    dtype = exp.DataType.Type
    if kind in (dtype.BIGINT, dtype.INT, dtype.UBIGINT, dtype.UINT, dtype.SMALLINT, dtype.TINYINT):
        return Typed(_longlong(name).column, _as_int)
    if kind in (dtype.DECIMAL,):
        params = [p.this for p in to.expressions] if isinstance(to, exp.DataType) else []
        scale = int(str(params[1])) if len(params) > 1 else 0
        return _newdecimal(name, scale)
    if kind in (dtype.DOUBLE, dtype.FLOAT):
        return _double(name)
    if kind in (dtype.DATETIME, dtype.TIMESTAMP):
        return _datetime(name)
    if kind == dtype.DATE:
        return Typed(_def(name, FieldType.MYSQL_TYPE_DATE, 10, flags=ColumnFlag.BINARY_FLAG))
    if kind in (dtype.BINARY, dtype.VARBINARY, dtype.BLOB):
        return Typed(
            _def(name, FieldType.MYSQL_TYPE_VAR_STRING, 255, flags=ColumnFlag.BINARY_FLAG),
            _as_bytes,
        )
    return _string(name)


def finish_dynamic(
    columns: Sequence[ColumnDef], dynamic: Sequence[int], rows: Sequence[Sequence[Value]]
) -> list[ColumnDef]:
    """Type the dynamic columns from the first non-NULL value of each."""
    out = list(columns)
    for i in dynamic:
        value: Value = None
        for row in rows:
            if row[i] is not None:
                value = row[i]
                break
        out[i] = value_def(columns[i].name, value)
    return out
