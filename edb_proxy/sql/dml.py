"""DML rewrites: what INSERT, UPDATE and DELETE need beyond a name-resolved tree.

* UPDATE reports *changed* rows as MySQL does: the WHERE clause gains ``AND (NOT (a IS new_a)
  OR ...)`` unless the client asked for CLIENT_FOUND_ROWS (then matched rows are counted).
* ``UPDATE/DELETE ... [ORDER BY] LIMIT`` becomes ``WHERE rowid IN (SELECT rowid ...)`` (the
  bundled SQLite has no UPDATE/DELETE LIMIT).
* INSERT: ``VALUES(col)`` in ON DUPLICATE KEY UPDATE becomes ``excluded.col`` of a SQLite
  upsert; ``DEFAULT`` becomes the column default; 0 for the AUTO_INCREMENT column generates a
  value (``NULLIF(x, 0)``), as in MySQL without NO_AUTO_VALUE_ON_ZERO.
* Temporal columns get their write-time normalizer (:mod:`edb_proxy.sql.temporal`).
* UPDATE assignments are evaluated left to right as in MySQL: a column assigned earlier in the
  SET list stands for its new value in later assignments (``SET a = a + 1, b = a`` becomes
  ``SET a = a + 1, b = (a + 1)``), because SQLite evaluates every assignment on the old row.
* ON DUPLICATE KEY UPDATE counts like MySQL (1 per inserted row, 2 per changed row, 0 per row
  left unchanged, 1 with CLIENT_FOUND_ROWS): the upsert's ``DO UPDATE ... WHERE
  edb_dup_changed(<row differs>, <found_rows>)`` counts changed rows in the session
  (``upsert_changed``); SQLite's own count then covers inserts plus executed updates.
* ``DELETE FROM t USING t, u WHERE ...`` (and ``DELETE t FROM t, u``) becomes ``DELETE FROM t
  WHERE rowid IN (SELECT t.rowid FROM t, u WHERE ...)``.
"""

from __future__ import annotations

from sqlglot import exp

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.catalog import Column, Table
from edb_proxy.sql.plan import Plan
from edb_proxy.sql.policy import not_supported
from edb_proxy.sql.strict import spec_index

__all__ = [
    "is_delete_alias",
    "record_cells",
    "rewrite_delete",
    "rewrite_insert",
    "rewrite_update",
]


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


def rewrite_insert(
    tree: exp.Expression, scope: dict[str, Table], plan: Plan, *, found_rows: bool = False
) -> None:
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
    ignore = 1 if tree.args.get("ignore") else 0
    row_alias = _row_alias(tree, names)
    if isinstance(values, exp.Values):
        for number, row in enumerate(values.expressions, 1):
            if len(row.expressions) != len(names):
                raise SQLError(
                    ER.ER_WRONG_VALUE_COUNT,
                    f"Column count doesn't match value count at row {number}",
                )
            for i, original in enumerate(row.expressions):
                col = table.column(names[i])
                cell = original
                if isinstance(cell, exp.Var) and cell.name.upper() == "DEFAULT":
                    cell = cell.replace(_default_expr(col.default if col else None))
                if col is None:
                    continue
                checked = _checked(col, table, cell, number, ignore)
                if checked is not None:  # temporal values are normalized by the check
                    cell.replace(checked)
                elif col.ctype.name in _TEMPORAL:
                    cell.replace(_normalized(col, cell.copy()))
    if isinstance(values, exp.Select):
        _check_select_items(values, table, names, ignore)
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
    _replace_as_upsert(tree, table, names)
    conflict = tree.args.get("conflict")
    if isinstance(conflict, exp.OnConflict) and conflict.args.get("duplicate"):
        sets = []
        for assignment in conflict.expressions:
            for call in list(assignment.find_all(exp.Anonymous)):
                if str(call.this).upper() == "VALUES" and call.expressions:
                    call.replace(exp.column(call.expressions[0].name, table="excluded"))
            for ref in list(assignment.find_all(exp.Column)):
                if row_alias is not None and ref.table.lower() == row_alias[0]:
                    name = row_alias[1].get(ref.name.lower(), ref.name)
                    ref.replace(exp.column(name, table="excluded"))
            sets.append(assignment)
        _normalize_assignments(sets, table)
        changed = _changed_condition(sets)
        _check_assignments(sets, table, ignore)
        update = exp.OnConflict(action=exp.var("DO UPDATE"), expressions=sets)
        if changed is not None:
            counted = exp.Anonymous(
                this="edb_dup_changed",
                expressions=[changed, exp.Literal.number(1 if found_rows else 0)],
            )
            update.set("where", exp.Where(this=counted))
            plan.extra["upsert"] = True
        tree.set("conflict", update)
        if isinstance(values, exp.Select) and not values.args.get("where"):
            values.set("where", exp.Where(this=exp.true()))
    for call in tree.find_all(exp.Anonymous):
        if str(call.this).upper() == "VALUES":
            raise not_supported("VALUES() outside ON DUPLICATE KEY UPDATE")


def _replace_as_upsert(tree: exp.Insert, table: Table, names: list[str]) -> None:
    """REPLACE into a table with exactly one unique key -> an upsert that overwrites every
    column with the new row (unnamed columns take their defaults, as after MySQL's delete +
    insert) and counts 2 per replaced row. With several unique keys REPLACE may delete several
    rows; it then stays SQLite's REPLACE (affected rows: 1 per row)."""
    if tree.args.get("alternative") != "REPLACE" or tree.args.get("conflict") is not None:
        return
    if sum(1 for i in table.indexes if i.unique or i.primary) != 1 or table.foreign_keys:
        return
    if any(child is not table for child, _ in table.referenced_by):
        return
    sets: list[exp.Expression] = [
        exp.EQ(
            this=exp.column(col.name, quoted=True),
            expression=exp.column(col.name, table="excluded", quoted=True),
        )
        for col in table.columns
    ]
    update = exp.OnConflict(action=exp.var("DO UPDATE"), expressions=sets)
    always = exp.Anonymous(
        this="edb_dup_changed", expressions=[exp.Literal.number(1), exp.Literal.number(1)]
    )
    update.set("where", exp.Where(this=always))
    tree.set("alternative", None)
    tree.set("conflict", update)
    values = tree.expression
    if isinstance(values, exp.Select) and not values.args.get("where"):
        values.set("where", exp.Where(this=exp.true()))


def _row_alias(tree: exp.Insert, names: list[str]) -> tuple[str, dict[str, str]] | None:
    """MySQL 8.0.19+ ``VALUES (...) AS new [(c1, ...)]``: the alias and its column names."""
    values = tree.expression
    alias = values.args.get("alias") if isinstance(values, exp.Values) else None
    if not isinstance(alias, exp.TableAlias):
        return None
    values.set("alias", None)
    columns = [c.name for c in alias.columns]
    if columns and len(columns) != len(names):
        raise SQLError(ER.ER_WRONG_VALUE_COUNT, "Column count doesn't match value count at row 1")
    mapping = {c.lower(): names[i] for i, c in enumerate(columns)}
    return alias.name.lower(), mapping


def _checked(
    col: Column, table: Table, node: exp.Expression, row: int, ignore: int
) -> exp.Expression | None:
    """``edb_store(node, spec, row, ignore)`` for a checked column (see strict.py), or None."""
    index = spec_index(col, table.name)
    if index is None or (isinstance(node, exp.Null) and not (ignore and col.not_null)):
        return None
    return exp.Anonymous(
        this="edb_store",
        expressions=[
            node.copy(),
            exp.Literal.number(index),
            exp.Literal.number(row),
            exp.Literal.number(ignore),
        ],
    )


def _check_select_items(select: exp.Select, table: Table, names: list[str], ignore: int) -> None:
    """INSERT ... SELECT: each selected value goes through its column's check (row 1 + rows
    already written; SQLite counts a statement's changes only at its end)."""
    items = list(select.expressions)
    if len(items) != len(names) or any(isinstance(i, exp.Star) for i in items):
        return
    for name, item in zip(names, items, strict=True):
        col = table.column(name)
        if col is None:
            continue
        node = item.this if isinstance(item, exp.Alias) else item
        if isinstance(node, exp.Star) or (
            isinstance(node, exp.Column) and isinstance(node.this, exp.Star)
        ):
            return
        checked = _checked(col, table, node, 1, ignore)
        if checked is not None:
            node.replace(checked)


def _check_assignments(assignments: list[exp.Expression], table: Table, ignore: int) -> None:
    for assignment in assignments:
        if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column):
            col = table.column(assignment.this.name)
            if col is not None:
                checked = _checked(col, table, assignment.expression, 1, ignore)
                if checked is not None:
                    assignment.set("expression", checked)


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
            if isinstance(node, exp.Anonymous) and node.this == "edb_store":
                node = node.expressions[0]  # the checked value (strict.py)
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
    if isinstance(tree.this, exp.Table) and tree.this.args.get("joins"):
        table = _update_from(tree, scope)
        plan.table = table
    elif len({id(t) for t in scope.values()}) != 1 or tree.args.get("from_"):
        raise not_supported("multi-table UPDATE")
    if table is not None:
        for assignment in tree.expressions:
            col = assignment.this
            if isinstance(col, exp.Column) and table.column(col.name) is None:
                raise SQLError(
                    ER.ER_BAD_FIELD_ERROR, f"Unknown column '{col.name}' in 'field list'"
                )
    _limit_to_rowid(tree)
    for assignment in tree.expressions:  # SQLite's SET takes bare column names
        if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column):
            assignment.this.set("table", None)
    _left_to_right(list(tree.expressions), table, scope)
    if table is not None:
        _normalize_assignments(list(tree.expressions), table)
    changed = None if found_rows else _changed_condition(list(tree.expressions))
    if table is not None:
        _check_assignments(list(tree.expressions), table, 0)
    if not found_rows and changed is not None:
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


def _changed_condition(assignments: list[exp.Expression]) -> exp.Expression | None:
    """``NOT (a <=> new_a) OR ...``: the row differs after the assignments."""
    changed: exp.Expression | None = None
    for assignment in assignments:
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
    return None if changed is None else exp.Paren(this=changed)


def _left_to_right(
    assignments: list[exp.Expression], table: Table | None, scope: dict[str, Table]
) -> None:
    """Substitute earlier assignments' new values into later assignments (MySQL order)."""
    if table is None or len(assignments) < 2:
        return
    names = {alias for alias, t in scope.items() if t is table}
    assigned: dict[str, exp.Expression] = {}
    for assignment in assignments:
        if not isinstance(assignment, exp.EQ) or not isinstance(assignment.this, exp.Column):
            continue
        if assigned:
            value = assignment.expression
            for ref in list(value.find_all(exp.Column)):
                qualifier = ref.table.lower()
                if qualifier and qualifier not in names:
                    continue
                if ref.find_ancestor(exp.Subquery, exp.Select) is not None:
                    continue
                new = assigned.get(ref.name.lower())
                if new is not None:
                    if ref is value:
                        value = exp.Paren(this=new.copy())
                        assignment.set("expression", value)
                    else:
                        ref.replace(exp.Paren(this=new.copy()))
        assigned[assignment.this.name.lower()] = assignment.expression


def rewrite_delete(tree: exp.Expression, scope: dict[str, Table], plan: Plan) -> None:
    """DELETE: one target table, LIMIT via rowid; other tables (USING/FROM) via rowid IN."""
    assert isinstance(tree, exp.Delete)
    using = tree.args.get("using")
    if len({id(t) for t in scope.values()}) != 1 or using:
        _multi_table_delete(tree, scope, plan)
        return
    plan.table = next(iter(scope.values()), None)
    _limit_to_rowid(tree)


def is_delete_alias(table: exp.Table) -> bool:
    """True for a multi-table DELETE's target list entry (an alias, resolved by dml.py)."""
    parent = table.parent
    if not isinstance(parent, exp.Delete):
        return False
    if table.arg_key == "tables":
        return True
    return table.arg_key == "this" and bool(parent.args.get("using"))


def _update_from(tree: exp.Update, scope: dict[str, Table]) -> Table | None:
    """``UPDATE t JOIN u ON c SET t.a = ...`` -> ``UPDATE t SET a = ... FROM u WHERE c``."""
    target = tree.this
    joins = list(target.args.get("joins") or [])
    alias = target.alias_or_name.lower()
    for assignment in tree.expressions:
        col = assignment.this if isinstance(assignment, exp.EQ) else None
        if not isinstance(col, exp.Column) or (col.table and col.table.lower() != alias):
            raise not_supported("multi-table UPDATE of a joined table")
    if tree.args.get("limit") or tree.args.get("order"):
        raise SQLError(ER.ER_WRONG_USAGE, "Incorrect usage of UPDATE and ORDER BY/LIMIT")
    conditions: list[exp.Expression] = []
    first = joins[0]
    for join in joins:
        kind = str(join.args.get("side") or join.args.get("kind") or "").upper()
        if kind not in ("", "INNER", "CROSS"):
            raise not_supported(f"{kind} JOIN in multi-table UPDATE")
        on = join.args.get("on")
        if on is not None and join is first:
            conditions.append(exp.Paren(this=on.pop()))
    source = first.this.pop()
    target.set("joins", None)
    frm = exp.Select().from_(source)
    for join in joins[1:]:
        frm = frm.join(join)
    where = tree.args.get("where")
    if where is not None:
        conditions.append(exp.Paren(this=where.this))
    tree.set("from_", frm.args["from_"])
    if frm.args.get("joins"):
        tree.args["from_"].this.set("joins", frm.args["joins"])
    if conditions:
        cond = conditions[0]
        for extra in conditions[1:]:
            cond = exp.And(this=cond, expression=extra)
        tree.set("where", exp.Where(this=cond))
    return scope.get(alias)


def _multi_table_delete(tree: exp.Delete, scope: dict[str, Table], plan: Plan) -> None:
    target = tree.this
    using = tree.args.get("using")
    tables = list(tree.args.get("tables") or [])
    if tree.args.get("limit") or tree.args.get("order") is not None:
        raise SQLError(ER.ER_WRONG_USAGE, "Incorrect usage of DELETE and ORDER BY/LIMIT")
    if tables:  # DELETE t FROM t JOIN u ...: the FROM list is tree.this with its joins
        if len(tables) != 1 or not isinstance(target, exp.Table):
            raise not_supported("DELETE from several tables")
        alias = tables[0].name
        joins = list(target.args.get("joins") or [])
        target.set("joins", None)
        sources: list[exp.Expression] = [target.copy(), *joins]
    elif isinstance(target, exp.Table) and using:
        alias = target.name
        sources = [t for t in using if isinstance(t, exp.Expression)]
    else:
        raise not_supported("multi-table DELETE")
    match = next(
        (
            t
            for t in sources
            if isinstance(t, exp.Table) and t.alias_or_name.lower() == alias.lower()
        ),
        None,
    )
    if match is None:
        raise SQLError(ER.ER_UNKNOWN_TABLE, f"Unknown table '{alias}' in MULTI DELETE")
    plan.table = scope.get(alias.lower())
    resolved = match.copy()
    resolved.set("alias", None)
    resolved.set("joins", None)
    sub = exp.Select(expressions=[exp.column("rowid", table=match.alias_or_name, quoted=True)])
    first = sources[0]
    sub = sub.from_(first.this if isinstance(first, exp.Join) else first)
    for extra in sources[1:]:
        sub.append("joins", extra if isinstance(extra, exp.Join) else exp.Join(this=extra))
    where = tree.args.get("where")
    if where is not None:
        sub.set("where", where)
    tree.set("this", resolved)
    tree.set("tables", None)
    tree.set("using", None)
    tree.set(
        "where", exp.Where(this=exp.In(this=exp.column("rowid"), query=exp.Subquery(this=sub)))
    )


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
