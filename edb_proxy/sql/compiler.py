"""Compile a checked MySQL query/DML tree into a cached SQLite plan.

Theory of operation
-------------------
A :class:`Plan` is everything needed to run a statement shape again without sqlglot: the
SQLite SQL (regenerated from the tree, never the client's text), where each SQLite parameter
``?N`` takes its value from, and the result metadata. Lifted literals and client ``?``
placeholders are *slots* (see :mod:`edb_proxy.sql.lexer`); slot ``i`` is written as the
placeholder ``:p<i>`` for sqlglot and becomes ``?<k>`` in the SQLite SQL. String literals left in
the tree become parameters too, so no client string is ever spliced into SQL text.

Invariants
1. The tree passed :func:`edb_proxy.sql.policy.check_tree` before rewriting; the rewrite only
   adds nodes of allowed kinds and ``edb_*`` function calls.
2. Every table reference is resolved against the catalog and replaced by its quoted SQLite
   name; an unresolved one raises 1046/1146 at compile time.
3. ``sources is None`` means SQLite parameter ``k`` is slot ``k-1`` (the hot path binds the
   statement's slot values unchanged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlglot import exp

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.authz import Requirement
from edb_proxy.sql.authz_tree import is_cte_reference, tree_requirements
from edb_proxy.sql.catalog import Catalog, Table
from edb_proxy.sql.dml import (
    is_delete_alias,
    record_cells,
    rewrite_delete,
    rewrite_insert,
    rewrite_update,
)
from edb_proxy.sql.fnrewrite import rewrite_library
from edb_proxy.sql.infoschema import is_virtual_db, resolve_virtual
from edb_proxy.sql.metadata import Scope, Typed, dynamic_def, expression_type, select_labels
from edb_proxy.sql.plan import Const, Plan
from edb_proxy.sql.policy import MYSQL_FUNCTIONS, check_tree, not_supported
from edb_proxy.sql.variables import is_known_variable
from edb_proxy.sql.views import expand_views, register_views

__all__ = ["Const", "Plan", "UnsafeTemplateError", "compile_tree"]


class UnsafeTemplateError(Exception):
    """A lifted literal sits where a parameter would change the statement's meaning."""


_SAFE_PARENTS: tuple[type[exp.Expression], ...] = (
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.NullSafeEQ,
    exp.In,
    exp.Between,
    exp.Tuple,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.IntDiv,
    exp.Neg,
    exp.Paren,
    exp.And,
    exp.Or,
    exp.Not,
    exp.Like,
    exp.Limit,
    exp.Offset,
    exp.Coalesce,
    exp.Nullif,
    exp.If,
    exp.Case,
    exp.Concat,
    exp.Sum,
    exp.Min,
    exp.Max,
    exp.Abs,
    exp.Substring,
    exp.Replace,
    exp.Upper,
    exp.Lower,
    exp.Length,
    exp.Cast,
    exp.Escape,
    exp.BitwiseAnd,
    exp.BitwiseOr,
    exp.BitwiseXor,
    exp.Values,
    exp.Greatest,
    exp.Least,
    exp.Round,
)
_TIME_FUNCTIONS: dict[type[exp.Expression], str] = {
    exp.CurrentSchema: "edb_database",
    exp.CurrentUser: "edb_current_user",
    exp.SessionUser: "edb_user",
    exp.CurrentVersion: "edb_version",
    exp.CurrentTimestamp: "edb_now",
    exp.UtcTimestamp: "edb_utc_now",
    exp.CurrentDate: "edb_curdate",
    exp.CurrentTime: "edb_curtime",
}


@dataclass(slots=True)
class _Context:
    catalog: Catalog
    database: str | None
    found_rows: bool
    template: bool
    slot_count: int
    sources: list[int | Const] = field(default_factory=list)
    identity: bool = True
    scope: dict[str, Table] = field(default_factory=dict)


def _top_selects(tree: object) -> list[exp.Select]:
    if isinstance(tree, exp.Select):
        return [tree]
    if isinstance(tree, exp.Union | exp.Intersect | exp.Except):
        return _top_selects(tree.left) + _top_selects(tree.right)
    if isinstance(tree, exp.Subquery):
        return _top_selects(tree.this)
    return []


def check_template(tree: exp.Expression) -> None:
    """Raise :class:`UnsafeTemplateError` if a lifted literal may not be a parameter."""
    for sel in _top_selects(tree):
        for item in sel.expressions:
            if item.find(exp.Placeholder) is not None:
                raise UnsafeTemplateError
    for ph in tree.find_all(exp.Placeholder):
        if not isinstance(ph.parent, _SAFE_PARENTS):
            raise UnsafeTemplateError


def _drop_dual(tree: exp.Expression) -> None:
    """``FROM DUAL`` (an unqualified, unjoined table named DUAL) means "no table" in MySQL."""
    for select in tree.find_all(exp.Select):
        source = select.args.get("from_")
        if (
            isinstance(source, exp.From)
            and isinstance(source.this, exp.Table)
            and not source.this.args.get("db")
            and source.this.name.lower() == "dual"
            and not source.this.alias
            and not select.args.get("joins")
        ):
            if any(isinstance(e, exp.Star) for e in select.expressions):
                raise SQLError(ER.ER_NO_TABLES_USED, "No tables used")
            select.set("from_", None)


def compile_tree(
    tree: exp.Expression,
    *,
    text: str,
    catalog: Catalog,
    database: str | None,
    found_rows: bool,
    template: bool,
    slot_count: int,
    authorize: Callable[[frozenset[Requirement]], None] | None = None,
) -> Plan:
    """Rewrite ``tree`` for SQLite and build its plan.

    Args:
        tree: one parsed SELECT/INSERT/UPDATE/DELETE (REPLACE: an INSERT with
            ``alternative="REPLACE"``).
        text: the text the tree was parsed from (for column labels).
        template: True when every slot is a ``:p<i>`` placeholder in the tree.
        slot_count: number of slots of the statement.
        authorize: called with the statement's privilege requirements before any name is
            resolved (privileges before existence; see :mod:`edb_proxy.sql.authz`).

    Raises:
        SQLError: 1046, 1146, 1054, 1235, 1305 and friends; 1142/1143 from ``authorize``.
    """
    _drop_dual(tree)
    check_tree(tree)
    ctx = _Context(catalog, database, found_rows, template, slot_count)
    if template:
        ctx.sources = list(range(slot_count))
    kind = {
        exp.Select: "query",
        exp.Union: "query",
        exp.Intersect: "query",
        exp.Except: "query",
        exp.Insert: "insert",
        exp.Update: "update",
        exp.Delete: "delete",
    }.get(type(tree))
    if kind is None:
        raise not_supported(type(tree).__name__.upper())
    for lock in list(tree.find_all(exp.Lock)):
        lock.pop()
    tree.set("locks", None)
    uses_tables = tree.find(exp.Table) is not None
    requirements = tree_requirements(tree, catalog, database)
    expansion = expand_views(tree, catalog, database)  # views.py: after the invoker's refs
    requirements |= expansion.requirements
    if authorize is not None:
        authorize(requirements)
    _resolve_tables(tree, ctx, kind)
    register_views(expansion, tree, ctx.scope)
    plan = Plan(
        kind,
        "",
        None,
        (),
        None,
        (),
        catalog.generation,
        slot_count=slot_count,
        uses_tables=uses_tables,
        requirements=requirements,
    )
    if kind == "query":
        _query_metadata(tree, ctx, text, plan)
    _rewrite_functions(tree)
    rewrite_library(tree)
    if kind == "insert":
        rewrite_insert(tree, ctx.scope, plan, found_rows=ctx.found_rows)
    elif kind == "update":
        rewrite_update(tree, ctx.scope, plan, found_rows=ctx.found_rows)
    elif kind == "delete":
        rewrite_delete(tree, ctx.scope, plan)
    _bind_parameters(tree, ctx)
    if kind == "insert":
        record_cells(tree, plan)
    try:
        plan.sql = tree.sql(dialect="sqlite")
    except RecursionError:
        raise SQLError(
            ER.ER_TOO_HIGH_LEVEL_OF_NESTING_FOR_SELECT, "Too high level of nesting for select"
        ) from None
    plan.sources = None if ctx.identity and template else tuple(ctx.sources)
    return plan


def _resolve_tables(tree: exp.Expression, ctx: _Context, kind: str) -> None:
    target = None
    if kind == "insert":
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    top = _top_selects(tree)
    top_froms = {id(sel) for sel in top}
    for table in list(tree.find_all(exp.Table)):
        name = table.name
        if is_cte_reference(table) or is_delete_alias(table):  # CTE scoping: authz_tree
            continue
        db = table.db or ctx.database
        if not db:
            raise SQLError(ER.ER_NO_DB_ERROR, "No database selected")
        alias = table.alias
        owner = table.find_ancestor(exp.Select)
        if is_virtual_db(db):  # information_schema: a derived table (edb_proxy.sql.infoschema)
            write = table is target or kind in ("update", "delete")
            info = resolve_virtual(table, name, write=write)
        else:
            info = ctx.catalog.require_table(db, name)
            table.set("this", exp.Identifier(this=info.sqlite_name, quoted=True))
            table.set("db", None)
            if table is not target and not alias:
                table.set("alias", exp.TableAlias(this=exp.Identifier(this=name, quoted=True)))
        if (owner is not None and id(owner) in top_froms) or kind in ("update", "delete"):
            ctx.scope.setdefault((alias or name).lower(), info)
        if table is target or kind in ("update", "delete"):
            ctx.scope.setdefault(name.lower(), info)
    for column in tree.find_all(exp.Column):
        if column.args.get("db"):
            column.set("db", None)
        if column.args.get("catalog"):
            raise not_supported("catalog-qualified column")


def _rewrite_functions(tree: exp.Expression) -> None:
    for node in list(tree.walk()):
        cls = type(node)
        if cls in _TIME_FUNCTIONS:
            args = [a for a in node.iter_expressions() if not isinstance(a, exp.Literal)]
            node.replace(exp.Anonymous(this=_TIME_FUNCTIONS[cls], expressions=args))
        elif cls is exp.Anonymous:
            name = str(node.this).upper()
            if name == "VALUES":
                continue
            node.set("this", MYSQL_FUNCTIONS[name])
        elif cls is exp.SessionParameter:
            var = node.name.lower()
            if not is_known_variable(var):
                raise SQLError(ER.ER_UNKNOWN_SYSTEM_VARIABLE, f"Unknown system variable '{var}'")
            scope = str(node.args.get("kind") or "").lower()
            node.replace(
                exp.Anonymous(
                    this="edb_sysvar",
                    expressions=[exp.Literal.string(var), exp.Literal.string(scope)],
                )
            )
        elif cls is exp.Parameter:
            node.replace(
                exp.Anonymous(this="edb_uservar", expressions=[exp.Literal.string(node.name)])
            )


def _star_columns(
    item: exp.Expression, sel: exp.Select, ctx: _Context
) -> list[tuple[str, Table, int]] | None:
    """The columns ``*`` / ``t.*`` stands for, or None when a source is not a known table."""
    star_of = item.table.lower() if isinstance(item, exp.Column) else ""
    sources = [(alias, t) for alias, t in ctx.scope.items() if not star_of or alias == star_of]
    count = (1 if sel.args.get("from_") else 0) + len(sel.args.get("joins") or [])
    if not sources or (not star_of and len(sources) != count):
        return None
    return [(alias, t, i) for alias, t in sources for i in range(len(t.columns))]


def _query_metadata(tree: exp.Expression, ctx: _Context, text: str, plan: Plan) -> None:
    selects = _top_selects(tree)
    first = selects[0]
    single = len(selects) == 1
    raw = list(first.expressions)
    src = select_labels(text, len(raw))
    scope = Scope(ctx.scope)
    items: list[exp.Expression] = []
    typed: list[Typed] = []
    for i, item in enumerate(raw):
        if _is_star(item):
            expanded = _star_columns(item, first, ctx)
            if expanded is None:
                raise not_supported("SELECT * over a derived table or CTE")
            for alias, table, index in expanded:
                col = table.columns[index]
                items.append(exp.column(col.name, table=alias, quoted=True))
                typed.append(Typed(table.column_def(col, alias=alias), table.converter(col)))
            continue
        items.append(item)
        if isinstance(item, exp.Alias):
            label = item.alias
        elif isinstance(item, exp.Literal) and item.is_string:
            label = str(item.this)
        elif isinstance(item, exp.Column):
            label = item.name
        elif src is not None:
            label = src[i]
        else:
            label = item.sql(dialect="mysql")
        node = item.this if isinstance(item, exp.Alias) else item
        typed.append(expression_type(label, node, scope) if single else dynamic_def(label))
    first.set("expressions", items)
    plan.columns = tuple(t.column for t in typed)
    convs = tuple(t.converter for t in typed)
    plan.converters = convs if any(c is not None for c in convs) else None
    plan.dynamic = tuple(i for i, t in enumerate(typed) if t.dynamic)


def _is_star(item: exp.Expression) -> bool:
    return isinstance(item, exp.Star) or (
        isinstance(item, exp.Column) and isinstance(item.this, exp.Star)
    )


def _bind_parameters(tree: exp.Expression, ctx: _Context) -> None:
    """Turn placeholders and string literals into numbered SQLite parameters."""
    for node in list(tree.walk()):
        if isinstance(node, exp.Placeholder):
            slot = int(str(node.this)[1:])
            if ctx.template:
                number = slot + 1
            else:
                ctx.identity = False
                ctx.sources.append(slot)
                number = len(ctx.sources)
            node.replace(exp.Var(this=f"?{number}"))
        elif isinstance(node, exp.HexString | exp.BitString):
            digits = str(node.this)
            if isinstance(node, exp.HexString):
                value: object = bytes.fromhex(digits if len(digits) % 2 == 0 else "0" + digits)
            else:
                value = int(digits or "0", 2)
            ctx.identity = False
            ctx.sources.append(Const(value))
            node.replace(exp.Var(this=f"?{len(ctx.sources)}"))
        elif isinstance(node, exp.Literal) and node.is_string:
            if isinstance(node.parent, exp.Alias | exp.TableAlias):
                continue
            ctx.identity = False
            ctx.sources.append(Const(node.this))
            node.replace(exp.Var(this=f"?{len(ctx.sources)}"))
