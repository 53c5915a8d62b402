"""Map MySQL function calls in a checked tree to the ``edb_*`` SQLite functions.

sqlglot parses most MySQL functions into typed nodes (``exp.Left``, ``exp.DateAdd`` ...) and
would write them for SQLite with SQLite's semantics (or not at all). After name resolution the
compiler calls :func:`rewrite_library`, which replaces each such node by a call of the
``edb_*`` function implementing MySQL's semantics (:mod:`edb_proxy.sql.libstring`,
:mod:`edb_proxy.sql.libdate`, :mod:`edb_proxy.sql.jsonfuncs`). Function names the parser leaves
``Anonymous`` are mapped through :data:`ANON_FUNCTIONS` (merged into the policy's allow-list).

Invariants
1. Every node class this module rewrites is in :data:`LIBRARY_NODES` (allowed by the policy)
   and every function it emits is registered (``functions.FUNCTION_NAMES``).
2. Units (``DAY``, ``YEAR_MONTH``) become string literals, which the compiler binds as
   parameters like any other string; no client text is spliced into SQL.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp
from sqlglot.dialects.mysql import MySQL

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.libdate import INTERVAL_UNITS

__all__ = ["ANON_FUNCTIONS", "LIBRARY_NODES", "rewrite_library"]

#: MySQL functions sqlglot leaves ``Anonymous`` -> the ``edb_*`` function implementing them.
ANON_FUNCTIONS: dict[str, str] = {
    "MID": "edb_substring",
    "FIELD": "edb_field",
    "FIND_IN_SET": "edb_find_in_set",
    "QUOTE": "edb_quote",
    "ORD": "edb_ord",
    "MICROSECOND": "edb_microsecond",
    "WEEKDAY": "edb_weekday",
    "WEEKOFYEAR": "edb_weekofyear",
    "YEARWEEK": "edb_yearweek",
    "ADDDATE": "edb_adddate",
    "SUBDATE": "edb_subdate",
    "TIMEDIFF": "edb_timediff",
    "TIME_FORMAT": "edb_time_format",
    "MAKEDATE": "edb_makedate",
    "MAKETIME": "edb_maketime",
    "TO_DAYS": "edb_to_days",
    "SEC_TO_TIME": "edb_sec_to_time",
    "TIME_TO_SEC": "edb_time_to_sec",
    "JSON_UNQUOTE": "edb_json_unquote",
    "JSON_ARRAY": "edb_json_array",
    "JSON_CONTAINS": "edb_json_contains",
    "JSON_CONTAINS_PATH": "edb_json_contains_path",
    "JSON_LENGTH": "edb_json_length",
    "JSON_INSERT": "edb_json_insert",
    "JSON_REPLACE": "edb_json_replace",
    "JSON_VALID": "edb_json_valid",
    "JSON_QUOTE": "edb_json_quote",
    "TRUNCATE": "edb_truncate",
    "LOCATE": "edb_locate",
    "CHAR_LENGTH": "edb_char_length",
    "CHARACTER_LENGTH": "edb_char_length",
    "OCTET_LENGTH": "edb_length",
    "INSTR": "edb_instr",
    "LTRIM": "edb_ltrim",
    "RTRIM": "edb_rtrim",
}

_SIMPLE: dict[type[exp.Expression], tuple[str, tuple[str, ...]]] = {
    # node class: (edb function, argument names in call order)
    exp.Left: ("edb_left", ("this", "expression")),
    exp.Right: ("edb_right", ("this", "expression")),
    exp.Repeat: ("edb_repeat", ("this", "times")),
    exp.Reverse: ("edb_reverse", ("this",)),
    exp.Space: ("edb_space", ("this",)),
    exp.Stuff: ("edb_insert", ("this", "start", "length", "expression")),
    exp.Hex: ("edb_hex", ("this",)),
    exp.Unhex: ("edb_unhex", ("this",)),
    exp.MD5: ("edb_md5", ("this",)),
    exp.SHA: ("edb_sha1", ("this",)),
    exp.SHA2: ("edb_sha2", ("this", "length")),
    exp.ToBase64: ("edb_to_base64", ("this",)),
    exp.FromBase64: ("edb_from_base64", ("this",)),
    exp.NumberToStr: ("edb_format", ("this", "format", "culture")),
    exp.Ascii: ("edb_ascii", ("this",)),
    exp.Upper: ("edb_upper", ("this",)),
    exp.Lower: ("edb_lower", ("this",)),
    exp.Time: ("edb_to_time", ("this",)),
    exp.TsOrDsToDate: ("edb_to_date", ("this",)),
    exp.Year: ("edb_year", ("this",)),
    exp.Month: ("edb_month", ("this",)),
    exp.Day: ("edb_day", ("this",)),
    exp.DayOfMonth: ("edb_day", ("this",)),
    exp.Hour: ("edb_hour", ("this",)),
    exp.Minute: ("edb_minute", ("this",)),
    exp.Second: ("edb_second", ("this",)),
    exp.DayOfWeek: ("edb_dayofweek", ("this",)),
    exp.DayOfYear: ("edb_dayofyear", ("this",)),
    exp.Week: ("edb_week", ("this", "mode")),
    exp.Quarter: ("edb_quarter", ("this",)),
    exp.Dayname: ("edb_dayname", ("this",)),
    exp.DateDiff: ("edb_datediff", ("this", "expression")),
    exp.StrToDate: ("edb_str_to_date", ("this", "format")),
    exp.StrToTime: ("edb_str_to_date", ("this", "format")),
    exp.TimeFromParts: ("edb_maketime", ("hour", "min", "sec")),
    exp.WeekOfYear: ("edb_weekofyear", ("this",)),
    exp.Rand: ("edb_rand", ("this",)),
    exp.LastDay: ("edb_last_day", ("this",)),
    exp.UnixToTime: ("edb_from_unixtime", ("this", "format")),
    exp.Ceil: ("edb_ceil", ("this",)),
    exp.Floor: ("edb_floor", ("this",)),
    exp.Round: ("edb_round", ("this", "decimals")),
    exp.Trunc: ("edb_truncate", ("this", "decimals")),
    exp.Pow: ("edb_pow", ("this", "expression")),
    exp.Sqrt: ("edb_sqrt", ("this",)),
    exp.Exp: ("edb_exp", ("this",)),
    exp.Ln: ("edb_ln", ("this",)),
    exp.Log: ("edb_log", ("this", "expression")),
    exp.Sign: ("edb_sign", ("this",)),
    exp.Pi: ("edb_pi", ()),
    exp.Abs: ("edb_abs", ("this",)),
    exp.JSONType: ("edb_json_type", ("this",)),
    exp.JSONKeys: ("edb_json_keys", ("this", "expression")),
    exp.JSONSet: ("edb_json_set", ("this", "expressions")),
    exp.JSONRemove: ("edb_json_remove", ("this", "expressions")),
    exp.JSONExtract: ("edb_json_extract", ("this", "expression", "expressions")),
    exp.JSONExtractScalar: ("edb_json_value", ("this", "expression")),
    exp.Elt: ("edb_elt", ("this", "expressions")),
    exp.Greatest: ("edb_greatest", ("this", "expressions")),
    exp.Least: ("edb_least", ("this", "expressions")),
    exp.Concat: ("edb_concat", ("expressions",)),
    exp.ConcatWs: ("edb_concat_ws", ("expressions",)),
    exp.Substring: ("edb_substring", ("this", "start", "length")),
    exp.Chr: ("edb_char", ("expressions",)),
    exp.UtcDate: ("edb_utc_date", ()),
    exp.ConvertTimezone: ("edb_convert_tz", ("timestamp", "source_tz", "target_tz")),
}

#: Node classes the policy must allow because this module rewrites (or reads) them.
LIBRARY_NODES: tuple[type[exp.Expression], ...] = (
    *_SIMPLE,
    exp.TsOrDsToTimestamp,
    exp.TimeToStr,
    exp.DateAdd,
    exp.DateSub,
    exp.TimestampDiff,
    exp.TimestampAdd,
    exp.Extract,
    exp.Interval,
    exp.Pad,
    exp.StrPosition,
    exp.Trim,
    exp.Length,
    exp.JSONObject,
    exp.JSONKeyValue,
    exp.JSONPath,
    exp.JSONPathRoot,
    exp.JSONPathKey,
    exp.JSONPathSubscript,
    exp.JSONPathWildcard,
    exp.JSONPathSlice,
    exp.JSONPathRecursive,
    exp.JSONPathSelector,
    exp.JSONPathFilter,
    exp.JSONPathScript,
    exp.JSONPathUnion,
    exp.PropertyEQ,
)


def _call(name: str, args: list[exp.Expression]) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=args)


def _unit(node: exp.Expression | None) -> exp.Expression:
    name = (node.name if node is not None else "DAY").upper()
    if name.endswith("S") and name[:-1] in INTERVAL_UNITS:
        name = name[:-1]
    if name not in INTERVAL_UNITS:
        raise SQLError(ER.ER_PARSE_ERROR, "You have an error in your SQL syntax near the unit")
    return exp.Literal.string(name)


def _args(node: exp.Expression, names: tuple[str, ...]) -> list[exp.Expression]:
    out: list[exp.Expression] = []
    for key in names:
        value = node.args.get(key)
        if isinstance(value, list):
            out.extend(v for v in value if isinstance(v, exp.Expression))
        elif isinstance(value, exp.Expression):
            out.append(_format_text(value) if key == "format" else _path_text(value))
    return out


def _format_text(value: exp.Expression) -> exp.Expression:
    """A DATE_FORMAT format literal back in MySQL's specifiers (sqlglot converts them)."""
    if not (isinstance(value, exp.Literal) and value.is_string):
        return value
    text: str = value.this
    out: list[str] = []
    i = 0
    while i < len(text):
        key = next((k for k in _INVERSE_KEYS if text.startswith(k, i)), None)
        if key is None:
            out.append(text[i])
            i += 1
        else:
            out.append(MySQL.INVERSE_TIME_MAPPING[key])
            i += len(key)
    return exp.Literal.string("".join(out))


_INVERSE_KEYS = sorted(MySQL.INVERSE_TIME_MAPPING, key=len, reverse=True)


def _path_text(value: exp.Expression) -> exp.Expression:
    if isinstance(value, exp.JSONPath):
        return exp.Literal.string(value.sql(dialect="mysql").strip("'"))
    return value


def _interval_parts(node: exp.Expression) -> tuple[exp.Expression, exp.Expression]:
    assert isinstance(node, exp.Interval)
    return node.this, _unit(node.args.get("unit"))


def _date_arith(node: exp.Expression) -> exp.Expression | None:
    """``d + INTERVAL n u`` / ``INTERVAL n u + d`` / ``d - INTERVAL n u``."""
    left, right = node.this, node.expression
    sign = -1 if isinstance(node, exp.Sub) else 1
    if isinstance(right, exp.Interval):
        amount, unit = _interval_parts(right)
        return _call("edb_date_add", [left, amount, unit, exp.Literal.number(sign)])
    if isinstance(left, exp.Interval) and sign == 1:
        amount, unit = _interval_parts(left)
        return _call("edb_date_add", [right, amount, unit, exp.Literal.number(1)])
    return None


def _special(node: exp.Expression) -> exp.Expression | None:
    """Nodes whose arguments need more than a fixed order."""
    if isinstance(node, exp.DateAdd | exp.DateSub):
        sign = -1 if isinstance(node, exp.DateSub) else 1
        amount = node.expression
        return _call(
            "edb_date_add",
            [node.this, amount, _unit(node.args.get("unit")), exp.Literal.number(sign)],
        )
    if isinstance(node, exp.Add | exp.Sub):
        return _date_arith(node)
    if isinstance(node, exp.TimestampDiff):
        return _call(
            "edb_timestampdiff", [_unit(node.args.get("unit")), node.expression, node.this]
        )
    if isinstance(node, exp.TimestampAdd):
        return _call(
            "edb_timestampadd", [_unit(node.args.get("unit")), node.expression, node.this]
        )
    if isinstance(node, exp.Extract):
        return _call("edb_extract", [_unit(node.this), node.expression])
    if isinstance(node, exp.TsOrDsToTimestamp):
        inner: exp.Expression = node.this
        return inner
    if isinstance(node, exp.TimeToStr):
        fmt = node.args.get("format")
        inner = node.this
        if (
            isinstance(inner, exp.Anonymous)
            and inner.this == "edb_to_date"
            and isinstance(fmt, exp.Literal)
            and fmt.this == "%B"
        ):
            return _call("edb_monthname", [inner])
        args = [inner] if fmt is None else [inner, _format_text(fmt)]
        return _call("edb_date_format", args)
    if isinstance(node, exp.Pad):
        name = "edb_lpad" if node.args.get("is_left") else "edb_rpad"
        fill = node.args.get("fill_pattern") or exp.Literal.string(" ")
        return _call(name, [node.this, node.expression, fill])
    if isinstance(node, exp.StrPosition):
        args = [node.args["substr"], node.this]
        if node.args.get("position") is not None:
            args.append(node.args["position"])
        return _call("edb_locate", args)
    if isinstance(node, exp.Trim):
        where = str(node.args.get("position") or "BOTH").upper()
        remove = node.expression or exp.Literal.string(" ")
        return _call("edb_trim", [node.this, remove, exp.Literal.string(where)])
    if isinstance(node, exp.Length):
        name = "edb_length" if node.args.get("binary") else "edb_char_length"
        return _call(name, [node.this])
    if isinstance(node, exp.Cast):
        return _cast(node)
    if isinstance(node, exp.PropertyEQ):
        target = node.this
        if not (isinstance(target, exp.Anonymous) and target.this == "edb_uservar"):
            raise SQLError(ER.ER_PARSE_ERROR, "You have an error in your SQL syntax near ':='")
        return _call("edb_setvar", [target.expressions[0], node.expression])
    if isinstance(node, exp.JSONObject):
        flat: list[exp.Expression] = []
        for kv in node.expressions:
            if isinstance(kv, exp.JSONKeyValue):
                flat.extend([kv.this, kv.expression])
            else:
                flat.append(kv)
        return _call("edb_json_object", flat)
    return None


_CAST_FUNCTIONS = {
    exp.DataType.Type.JSON: "edb_cast_json",
    exp.DataType.Type.UBIGINT: "edb_cast_unsigned",
    exp.DataType.Type.DATE: "edb_to_date",
    exp.DataType.Type.TIME: "edb_to_time",
    exp.DataType.Type.DATETIME: "edb_cast_datetime",
    exp.DataType.Type.TIMESTAMP: "edb_cast_datetime",
    exp.DataType.Type.CHAR: "edb_cast_char",
}


def _cast(node: exp.Cast) -> exp.Expression | None:
    """CAST/CONVERT targets whose MySQL result SQLite's CAST does not give."""
    to = node.args.get("to")
    if not isinstance(to, exp.DataType):
        return None
    name = _CAST_FUNCTIONS.get(to.this)
    if name is None:
        return None
    params: list[exp.Expression] = [
        p.this
        for p in to.expressions
        if isinstance(p, exp.DataTypeParam) and isinstance(p.this, exp.Expression)
    ]
    if name == "edb_cast_char":
        if not params or to.args.get("kind"):
            return None
        return _call(name, [node.this, params[0]])
    if name == "edb_cast_datetime":
        return _call(name, [node.this, params[0] if params else exp.Literal.number(0)])
    return _call(name, [node.this])


def _anonymous(node: exp.Anonymous) -> exp.Expression | None:
    """Rename-time fix-ups of already mapped ``edb_*`` calls (INTERVAL args, TRIM sides)."""
    name = str(node.this)
    args = list(node.expressions)
    if name in ("edb_adddate", "edb_subdate") and len(args) == 2:
        sign = exp.Literal.number(-1 if name == "edb_subdate" else 1)
        if isinstance(args[1], exp.Interval):
            amount, unit = _interval_parts(args[1])
            return _call("edb_date_add", [args[0], amount, unit, sign])
        return _call("edb_adddate_days", [args[0], args[1], sign])
    if name in ("edb_ltrim", "edb_rtrim"):
        where = "LEADING" if name == "edb_ltrim" else "TRAILING"
        return _call("edb_trim", [*args[:1], exp.Literal.string(" "), exp.Literal.string(where)])
    return None


_DIVISIONS: dict[type[exp.Expression], str] = {exp.Div: "/", exp.IntDiv: "DIV", exp.Mod: "MOD"}


def rewrite_library(tree: exp.Expression) -> None:
    """Replace MySQL function nodes of ``tree`` by ``edb_*`` calls (see the module doc).

    Division (``/``, DIV, MOD) by zero is NULL with warning 1365, or error 1365 in a write
    statement under strict mode with ERROR_FOR_DIVISION_BY_ZERO (``edb_div``'s third argument).
    """
    writes = exp.Literal.number(1 if isinstance(tree, exp.Insert | exp.Update | exp.Delete) else 0)
    for node in reversed(list(tree.walk(bfs=False))):  # children before their parents
        if node is tree or not isinstance(node, exp.Expression):
            continue
        cls = type(node)
        if cls in _DIVISIONS:
            kind = exp.Literal.string(_DIVISIONS[cls])
            node.replace(_call("edb_div", [node.this, node.expression, kind, writes.copy()]))
            continue
        spec = _SIMPLE.get(cls)
        new: exp.Expression | None
        if spec is not None:
            new = _call(spec[0], _args(node, spec[1]))
        elif cls is exp.Anonymous:
            new = _anonymous(node)  # type: ignore[arg-type]
        else:
            new = _special(node)
        if new is not None and new is not node:
            node.replace(new)
    _tag_json_arguments(tree)


#: JSON functions whose result is a JSON value, and where JSON functions take values.
_JSON_PRODUCERS = frozenset(
    [
        "edb_json_object",
        "edb_json_array",
        "edb_json_extract",
        "edb_json_set",
        "edb_json_insert",
        "edb_json_replace",
        "edb_json_remove",
        "edb_json_keys",
        "edb_cast_json",
    ]
)
_VALUE_POSITIONS: dict[str, Callable[[int], bool]] = {
    "edb_json_object": lambda i: i % 2 == 1,
    "edb_json_array": lambda i: True,
    "edb_json_set": lambda i: i > 0 and i % 2 == 0,
    "edb_json_insert": lambda i: i > 0 and i % 2 == 0,
    "edb_json_replace": lambda i: i > 0 and i % 2 == 0,
}


def _tag_json_arguments(tree: exp.Expression) -> None:
    """``JSON_ARRAY(JSON_OBJECT(...))``: nested JSON results are embedded as JSON values."""
    for call in list(tree.find_all(exp.Anonymous)):
        is_value = _VALUE_POSITIONS.get(str(call.this))
        if is_value is None:
            continue
        for i, arg in enumerate(list(call.expressions)):
            if is_value(i) and isinstance(arg, exp.Anonymous) and arg.this in _JSON_PRODUCERS:
                arg.replace(_call("edb_json_tag", [arg.copy()]))
