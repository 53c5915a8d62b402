"""DML rewrites: what INSERT, UPDATE and DELETE need beyond a name-resolved tree.

* UPDATE reports *changed* rows as MySQL does: the WHERE clause gains ``AND (NOT (a IS new_a)
  OR ...)`` unless the client asked for CLIENT_FOUND_ROWS (then matched rows are counted).
* ``UPDATE/DELETE ... [ORDER BY] LIMIT`` becomes ``WHERE rowid IN (SELECT rowid ...)`` (the
  bundled SQLite has no UPDATE/DELETE LIMIT).
* INSERT: ``VALUES(col)`` in ON DUPLICATE KEY UPDATE becomes ``excluded.col`` of a SQLite
  upsert; ``DEFAULT`` becomes the column default; 0 for the AUTO_INCREMENT column generates a
  value (``NULLIF(x, 0)``), as in MySQL without NO_AUTO_VALUE_ON_ZERO.
* Temporal columns get their write-time normalizer (:mod:`edb_proxy.sql.temporal`).
"""

from __future__ import annotations

from sqlglot import exp

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.catalog import Column, Table
from edb_proxy.sql.plan import Plan
from edb_proxy.sql.policy import not_supported

__all__ = ["record_cells", "rewrite_delete", "rewrite_insert", "rewrite_update"]


def _insert_target(tree: exp.Insert, scope: dict[str, Table]) -> tuple[Table, list[str] | None]:
    target = tree.this
    cols: list[str] | None = None
    if isinstance(target, exp.Schema):
        cols = [c.name for c in target.expressions]
        target = target.this
    name = target.name
    table = next((t for t in scope.values() if t.sqlite_name == name), None)
    if table is None:  # pragma: no cover - resolved above
        raise SQLError(ER.ER_NO_SUCH_TABLE, "Table doesn't exist")
    return table, cols


def rewrite_insert(tree: exp.Expression, scope: dict[str, Table], plan: Plan) -> None:
    """INSERT/REPLACE: column checks, DEFAULT, AUTO_INCREMENT 0, upsert, temporal values."""
    assert isinstance(tree, exp.Insert)
    table, cols = _insert_target(tree, scope)
    plan.table = table
    for name in cols or []:
        if table.column(name) is None:
            raise SQLError(ER.ER_BAD_FIELD_ERROR, f"Unknown column '{name}' in 'field list'")
    names = cols if cols is not None else [c.name for c in table.columns]
    plan.extra["columns"] = names
    values = tree.expression
    if isinstance(values, exp.Values):
        for row in values.expressions:
            if len(row.expressions) != len(names):
                raise SQLError(
                    ER.ER_WRONG_VALUE_COUNT, "Column count doesn't match value count at row 1"
                )
            for i, original in enumerate(row.expressions):
                col = table.column(names[i])
                cell = original
                if isinstance(cell, exp.Var) and cell.name.upper() == "DEFAULT":
                    cell = cell.replace(_default_expr(col.default if col else None))
                if col is not None and col.ctype.name in _TEMPORAL:
                    cell.replace(_normalized(col, cell.copy()))
    auto = table.auto_increment
    if auto is not None:
        plan.has_autoinc = True
        lowered = [n.lower() for n in names]
        if auto.name.lower() in lowered:
            plan.autoinc_pos = lowered.index(auto.name.lower())
            if isinstance(values, exp.Values):
                for row in values.expressions:
                    cell = row.expressions[plan.autoinc_pos]
                    cell.replace(exp.Nullif(this=cell.copy(), expression=exp.Literal.number(0)))
    conflict = tree.args.get("conflict")
    if isinstance(conflict, exp.OnConflict) and conflict.args.get("duplicate"):
        sets = []
        for assignment in conflict.expressions:
            for call in list(assignment.find_all(exp.Anonymous)):
                if str(call.this).upper() == "VALUES" and call.expressions:
                    call.replace(exp.column(call.expressions[0].name, table="excluded"))
            sets.append(assignment)
        _normalize_assignments(sets, table)
        tree.set("conflict", exp.OnConflict(action=exp.var("DO UPDATE"), expressions=sets))
        if isinstance(values, exp.Select) and not values.args.get("where"):
            values.set("where", exp.Where(this=exp.true()))
    for call in tree.find_all(exp.Anonymous):
        if str(call.this).upper() == "VALUES":
            raise not_supported("VALUES() outside ON DUPLICATE KEY UPDATE")


def _normalized(col: Column | None, node: exp.Expression) -> exp.Expression:
    """``node`` wrapped in the write-time normalizer of ``col``'s temporal type, if any."""
    if col is None:
        return node
    name = col.ctype.name
    fsp = exp.Literal.number(col.ctype.length or 0)
    if name == "DATE":
        return exp.Anonymous(this="edb_date", expressions=[node])
    if name in ("DATETIME", "TIMESTAMP"):
        return exp.Anonymous(this="edb_datetime", expressions=[node, fsp])
    if name == "TIME":
        return exp.Anonymous(this="edb_time", expressions=[node, fsp])
    return node


_TEMPORAL = frozenset({"DATE", "DATETIME", "TIMESTAMP", "TIME"})


def _normalize_assignments(assignments: list[exp.Expression], table: Table) -> None:
    for assignment in assignments:
        if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column):
            col = table.column(assignment.this.name)
            if col is not None and col.ctype.name in _TEMPORAL:
                value = assignment.expression
                assignment.set("expression", _normalized(col, value.copy()))


def record_cells(tree: exp.Expression, plan: Plan) -> None:
    """For each VALUES cell, the binding index that holds its value (None: an expression)."""
    values = tree.expression
    if not isinstance(values, exp.Values):
        return
    rows: list[list[int | None]] = []
    for row in values.expressions:
        cells: list[int | None] = []
        for cell in row.expressions:
            node = cell.this if isinstance(cell, exp.Nullif) else cell
            is_param = isinstance(node, exp.Var) and node.name.startswith("?")
            cells.append(int(node.name[1:]) - 1 if is_param else None)
        rows.append(cells)
    plan.extra["cells"] = rows


def _default_expr(default: str | None) -> exp.Expression:
    if default is None or default.upper() == "NULL":
        return exp.null()
    if default.startswith("'"):
        return exp.Literal.string(default[1:-1].replace("''", "'"))
    if default.upper().startswith("CURRENT_TIMESTAMP"):
        return exp.Anonymous(this="edb_now", expressions=[])
    return exp.Literal.number(default)


def rewrite_update(
    tree: exp.Expression, scope: dict[str, Table], plan: Plan, *, found_rows: bool
) -> None:
    """UPDATE: single table, LIMIT via rowid, changed-rows filter, ON UPDATE columns."""
    assert isinstance(tree, exp.Update)
    table = next(iter(scope.values()), None)
    plan.table = table
    if len({id(t) for t in scope.values()}) != 1 or tree.args.get("from_"):
        raise not_supported("multi-table UPDATE")
    if table is not None:
        for assignment in tree.expressions:
            col = assignment.this
            if isinstance(col, exp.Column) and table.column(col.name) is None:
                raise SQLError(
                    ER.ER_BAD_FIELD_ERROR, f"Unknown column '{col.name}' in 'field list'"
                )
    _limit_to_rowid(tree)
    if table is not None:
        _normalize_assignments(list(tree.expressions), table)
    if not found_rows:
        changed: exp.Expression | None = None
        for assignment in tree.expressions:
            if not isinstance(assignment, exp.EQ):
                continue
            diff = exp.Not(
                this=exp.Paren(
                    this=exp.NullSafeEQ(
                        this=assignment.this.copy(), expression=assignment.expression.copy()
                    )
                )
            )
            changed = diff if changed is None else exp.Or(this=changed, expression=diff)
        if changed is not None:
            where = tree.args.get("where")
            cond: exp.Expression = exp.Paren(this=changed)
            if where is not None:
                cond = exp.And(this=exp.Paren(this=where.this), expression=cond)
            tree.set("where", exp.Where(this=cond))
    if table is not None:
        assigned = {a.this.name.lower() for a in tree.expressions if isinstance(a, exp.EQ)}
        for col in table.columns:
            if col.on_update_now and col.name.lower() not in assigned:
                tree.append(
                    "expressions",
                    exp.EQ(
                        this=exp.column(col.name, quoted=True),
                        expression=exp.Anonymous(this="edb_now", expressions=[]),
                    ),
                )


def rewrite_delete(tree: exp.Expression, scope: dict[str, Table], plan: Plan) -> None:
    """DELETE: single table, LIMIT via rowid."""
    assert isinstance(tree, exp.Delete)
    if len({id(t) for t in scope.values()}) != 1 or tree.args.get("using"):
        raise not_supported("multi-table DELETE")
    plan.table = next(iter(scope.values()), None)
    _limit_to_rowid(tree)


def _limit_to_rowid(tree: exp.Expression) -> None:
    """``UPDATE/DELETE ... [ORDER BY] LIMIT n`` -> ``WHERE rowid IN (SELECT rowid ...)``."""
    limit = tree.args.get("limit")
    order = tree.args.get("order")
    if limit is None and order is None:
        return
    target = tree.this
    sub = exp.Select(expressions=[exp.column("rowid")]).from_(target.copy())
    where = tree.args.get("where")
    if where is not None:
        sub.set("where", where.copy())
    if order is not None:
        sub.set("order", order)
    if limit is not None:
        sub.set("limit", limit)
    tree.set("order", None)
    tree.set("limit", None)
    tree.set(
        "where", exp.Where(this=exp.In(this=exp.column("rowid"), query=exp.Subquery(this=sub)))
    )
