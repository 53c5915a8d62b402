"""What a statement tree may contain: the node and function allow-lists.

Theory of operation
-------------------
sqlglot turns anything it cannot model into ``Command`` or ``Anonymous`` nodes, and it reads
``sqlite_master`` or ``pragma_table_info(...)`` as ordinary tables. So the only safe rule is an
allow-list: every node of a statement tree must be of a class listed here, and every
``Anonymous`` function must be a MySQL function listed here. The SQLite authorizer (in
``edb_proxy.storage.engine``) is the second fence.

Invariants
1. :func:`check_tree` raises for any node class not in :data:`ALLOWED_NODES`.
2. A table reference is a plain name (``db.t``), never a table-valued function, never a name
   starting with ``sqlite_`` or ``pragma_``.
3. Functions known to MySQL but not implemented raise 1235; unknown ones raise 1305, as MySQL
   does.
"""

from __future__ import annotations

from sqlglot import exp

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.fnrewrite import ANON_FUNCTIONS, LIBRARY_NODES

__all__ = ["ALLOWED_NODES", "MYSQL_FUNCTIONS", "check_tree", "not_supported"]


def not_supported(what: str) -> SQLError:
    """1235 ER_NOT_SUPPORTED_YET naming the construct."""
    return SQLError(
        ER.ER_NOT_SUPPORTED_YET, f"This version of edb-proxy doesn't yet support '{what}'"
    )


_STRUCTURE: tuple[type[exp.Expression], ...] = (
    exp.Select,
    exp.Union,
    exp.Intersect,
    exp.Except,
    exp.Subquery,
    exp.From,
    exp.Join,
    exp.Where,
    exp.Group,
    exp.Having,
    exp.Order,
    exp.Ordered,
    exp.Limit,
    exp.Offset,
    exp.Distinct,
    exp.Column,
    exp.Identifier,
    exp.Table,
    exp.TableAlias,
    exp.Alias,
    exp.Star,
    exp.Literal,
    exp.HexString,
    exp.BitString,
    exp.Null,
    exp.Boolean,
    exp.Placeholder,
    exp.Parameter,
    exp.SessionParameter,
    exp.Var,
    exp.Paren,
    exp.Tuple,
    exp.Values,
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Schema,
    exp.OnConflict,
    exp.With,
    exp.CTE,
    exp.Lock,
    exp.Dot,
)
_OPERATORS: tuple[type[exp.Expression], ...] = (
    exp.Neg,
    exp.Not,
    exp.And,
    exp.Or,
    exp.Xor,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.NullSafeEQ,
    exp.Is,
    exp.In,
    exp.Between,
    exp.Like,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.IntDiv,
    exp.Mod,
    exp.BitwiseAnd,
    exp.BitwiseOr,
    exp.BitwiseXor,
    exp.BitwiseNot,
    exp.BitwiseLeftShift,
    exp.BitwiseRightShift,
    exp.Case,
    exp.If,
    exp.Exists,
    exp.Any,
    exp.All,
    exp.Cast,
    exp.DataType,
    exp.DataTypeParam,
    exp.Escape,
)
_FUNCTIONS: tuple[type[exp.Expression], ...] = (
    exp.Count,
    exp.Sum,
    exp.Avg,
    exp.Min,
    exp.Max,
    exp.GroupConcat,
    exp.Length,
    exp.Upper,
    exp.Lower,
    exp.Substring,
    exp.Trim,
    exp.Round,
    exp.Floor,
    exp.Ceil,
    exp.Abs,
    exp.Coalesce,
    exp.Nullif,
    exp.Concat,
    exp.ConcatWs,
    exp.Replace,
    exp.StrPosition,
    exp.Hex,
    exp.Greatest,
    exp.Least,
    exp.Rand,
    exp.TsOrDsToDate,
    exp.CurrentSchema,
    exp.CurrentUser,
    exp.SessionUser,
    exp.CurrentVersion,
    exp.CurrentTimestamp,
    exp.CurrentDate,
    exp.CurrentTime,
    exp.UtcTimestamp,
    exp.Sign,
    exp.Sqrt,
    exp.Pow,
    exp.Exp,
    exp.Ln,
    exp.Log,
)
#: Node classes a statement tree may contain.
ALLOWED_NODES: frozenset[type[exp.Expression]] = frozenset(
    _STRUCTURE + _OPERATORS + _FUNCTIONS + LIBRARY_NODES
)

#: MySQL functions that sqlglot leaves ``Anonymous`` and that we implement, mapped to the
#: application-defined SQLite function (``edb_*``) or SQLite built-in that computes them.
MYSQL_FUNCTIONS: dict[str, str] = {
    "CONNECTION_ID": "edb_connection_id",
    "LAST_INSERT_ID": "edb_last_insert_id",
    "USER": "edb_user",
    "SYSTEM_USER": "edb_user",
    "SESSION_USER": "edb_user",
    "CURRENT_USER": "edb_current_user",
    "DATABASE": "edb_database",
    "SCHEMA": "edb_database",
    "VERSION": "edb_version",
    "NOW": "edb_now",
    "SYSDATE": "edb_now",
    "LOCALTIME": "edb_now",
    "LOCALTIMESTAMP": "edb_now",
    "CURRENT_TIMESTAMP": "edb_now",
    "UTC_TIMESTAMP": "edb_utc_now",
    "CURDATE": "edb_curdate",
    "CURRENT_DATE": "edb_curdate",
    "CURTIME": "edb_curtime",
    "CURRENT_TIME": "edb_curtime",
    "UNIX_TIMESTAMP": "edb_unix_timestamp",
    "FOUND_ROWS": "edb_found_rows",
    "ROW_COUNT": "edb_row_count",
    "RAND": "edb_rand",
    "CHAR_LENGTH": "length",
    "CHARACTER_LENGTH": "length",
    "OCTET_LENGTH": "octet_length",
    "INSTR": "instr",
    "LTRIM": "ltrim",
    "RTRIM": "rtrim",
    "IFNULL": "ifnull",
}
MYSQL_FUNCTIONS.update(ANON_FUNCTIONS)  # the function library (fnrewrite.py)
_KNOWN_UNSUPPORTED = frozenset(
    [
        "SLEEP",
        "BENCHMARK",
        "GET_LOCK",
        "RELEASE_LOCK",
        "IS_FREE_LOCK",
        "LOAD_FILE",
        "MASTER_POS_WAIT",
        "UUID",
        "UUID_SHORT",
        "MD5",
        "SHA",
        "SHA1",
        "SHA2",
        "AES_ENCRYPT",
        "AES_DECRYPT",
        "COMPRESS",
        "UNCOMPRESS",
        "FORMAT",
        "DATE_FORMAT",
        "STR_TO_DATE",
    ]
)


def check_tree(tree: exp.Expression) -> None:
    """Raise unless every node of ``tree`` is allowed (see the module invariants).

    Raises:
        SQLError: 1235 for unsupported constructs, 1305 for unknown functions, 1064 for
            ``Command`` fallbacks.
    """
    for node in tree.walk():
        cls = type(node)
        if cls is exp.Anonymous:
            name = str(node.this).upper()
            if name in MYSQL_FUNCTIONS:
                continue
            if name == "VALUES" and node.find_ancestor(exp.OnConflict) is not None:
                continue
            if name in _KNOWN_UNSUPPORTED:
                raise not_supported(name)
            raise SQLError(ER.ER_SP_DOES_NOT_EXIST, f"FUNCTION {name.lower()} does not exist")
        if cls is exp.Command:
            raise SQLError(ER.ER_PARSE_ERROR, "You have an error in your SQL syntax")
        if cls not in ALLOWED_NODES:
            raise not_supported(cls.key.upper())
        if cls is exp.Table:
            _check_table(node)  # type: ignore[arg-type]


def _check_table(table: exp.Table) -> None:
    if not isinstance(table.this, exp.Identifier):
        raise not_supported("table function")
    for part in (table.name, table.db):
        low = part.lower()
        if low.startswith(("sqlite_", "pragma_")) or low in ("dbstat", "sqlite_dbpage"):
            raise not_supported(part)
    if table.args.get("catalog"):
        raise not_supported("catalog-qualified name")
