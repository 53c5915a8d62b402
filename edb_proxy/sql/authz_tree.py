"""The privileges a parsed query or DML statement needs, read off its tree.

Theory of operation
-------------------
Every ``Table`` node anywhere in the tree (FROM, JOIN, subqueries in any clause, CTE bodies,
derived tables, UNION arms, INSERT ... SELECT sources, multi-table UPDATE/DELETE) is a
*reference*; CTE names are not. Each reference needs a privilege:

- a statement target: INSERT (INSERT, REPLACE; REPLACE also DELETE; ON DUPLICATE KEY UPDATE
  also UPDATE on the assigned columns), UPDATE (the assigned columns), DELETE;
- every reference, targets included: SELECT on the columns of it the statement *reads*.

A column is attached to the reference it names (qualifier = alias or table name) or, when
unqualified, to the references of the nearest enclosing SELECT (then the enclosing ones, for
correlated subqueries) whose table has such a column; ``*`` reads every column of the SELECT's
references, ``JOIN ... USING`` and NATURAL JOIN read the joined columns. Columns that name no
table column (aliases, derived-table columns) need nothing here; the query that defines them
is checked on its own references. A SELECT reference is always required, even when no column
of it is read (``SELECT COUNT(*) FROM t``): column grants of any column then suffice.

The result is a ``frozenset`` of :data:`~edb_proxy.sql.authz.Requirement`, computed once per
compiled plan and checked on every execution (:mod:`edb_proxy.sql.authz`).

Views (hook for the view engineer): the view name is a reference like any table (SELECT on
the view); :func:`definer_requirements` turns the view's body into requirements checked with
the *definer's* grants (SQL SECURITY DEFINER). Call it when expanding the view and union the
result into the plan's requirements; do not let the expanded body be seen by
:func:`tree_requirements` (expand after it ran), or the invoker needs the base privileges too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from edb_proxy.sql.authz import OPEN_DATABASES, Requirement
from edb_proxy.sql.catalog import Catalog, Table

__all__ = ["definer_requirements", "is_cte_reference", "tree_requirements"]

_NONE: frozenset[str] = frozenset()


@dataclass(slots=True)
class _Ref:
    db: str
    name: str
    alias: str
    table: Table | None
    owner: int  # id() of the nearest enclosing SELECT, 0 for the statement itself
    target: bool = False
    read: set[str] = field(default_factory=set)

    def has(self, column: str) -> bool:
        return self.table is not None and self.table.column(column) is not None

    def all_columns(self) -> set[str]:
        return {c.name.lower() for c in self.table.columns} if self.table else set()


def _owner(node: exp.Expression) -> int:
    sel = node.find_ancestor(exp.Select)
    return id(sel) if sel is not None else 0


def _owners(node: exp.Expression) -> list[int]:
    """ids of the SELECTs enclosing ``node``, innermost first, then 0 (the statement)."""
    out = []
    sel = node.find_ancestor(exp.Select)
    while sel is not None:
        out.append(id(sel))
        sel = sel.find_ancestor(exp.Select)
    out.append(0)
    return out


def is_cte_reference(table: exp.Table) -> bool:
    """True if ``table`` names a common table expression in scope at that point.

    MySQL's scoping, which is never wider than SQLite's: a CTE is visible in its WITH's
    statement and in the bodies of the CTEs defined after it, and in its own body only under
    WITH RECURSIVE. A bare name that is not a CTE *here* is a table (a CTE of the same name
    elsewhere in the statement does not count), so the compiler rewrites it to a qualified
    table and SQLite never resolves a bare name to one of the system tables.
    """
    if table.db or not isinstance(table.this, exp.Identifier):
        return False
    name = table.name.lower()
    via_cte: exp.Expr | None = None
    node: exp.Expr | None = table.parent
    while node is not None:
        if isinstance(node, exp.CTE):
            via_cte = node
        with_ = node.args.get("with_")
        if isinstance(with_, exp.With):
            ctes = list(with_.expressions)
            index = next((i for i, c in enumerate(ctes) if c is via_cte), None)
            if index is None:
                visible = ctes
            else:
                visible = ctes[: index + 1] if with_.args.get("recursive") else ctes[:index]
            if any(c.alias_or_name.lower() == name for c in visible):
                return True
        node = node.parent
    return False


def _collect_refs(tree: exp.Expression, catalog: Catalog, database: str | None) -> list[_Ref]:
    refs = []
    for node in tree.find_all(exp.Table):
        if not isinstance(node.this, exp.Identifier):
            continue
        name = node.name.lower()
        if is_cte_reference(node):
            continue
        if isinstance(node.parent, exp.Delete) and node.arg_key == "tables":
            continue  # DELETE a FROM ...: names a reference of the FROM clause
        db = (node.db or database or "").lower()
        if not db:
            continue  # 1046 at compile time
        alias = (node.alias or name).lower()
        table = catalog.table(db, name)
        if table is None:
            view = catalog.view(db, name)
            table = view.as_table() if view is not None else None
        refs.append(_Ref(db, name, alias, table, _owner(node)))
    return refs


def _resolve(column: exp.Column, refs: list[_Ref]) -> list[_Ref]:
    qualifier = column.table.lower()
    name = column.name.lower()
    for owner in _owners(column):
        level = [r for r in refs if r.owner == owner]
        if qualifier:
            found = [r for r in level if qualifier in (r.alias, r.name)]
        else:
            found = [r for r in level if r.has(name)]
        if found:
            return found
    return []


def _mark_reads(tree: exp.Expression, refs: list[_Ref], skip: set[int]) -> None:
    for node in tree.walk():
        if isinstance(node, exp.Column) and id(node) not in skip:
            if isinstance(node.this, exp.Star):
                for ref in _resolve(node, refs):
                    ref.read |= ref.all_columns()
            else:
                for ref in _resolve(node, refs):
                    ref.read.add(node.name.lower())
        elif isinstance(node, exp.Star) and isinstance(node.parent, exp.Select):
            owner = id(node.parent)
            for ref in refs:
                if ref.owner == owner:
                    ref.read |= ref.all_columns()
        elif isinstance(node, exp.Join):
            owner = _owner(node)
            level = [r for r in refs if r.owner == owner]
            if str(node.args.get("method") or "").upper() == "NATURAL":
                for ref in level:
                    ref.read |= ref.all_columns()
            for ident in node.args.get("using") or []:
                col = ident.name.lower()
                for ref in level:
                    if ref.has(col):
                        ref.read.add(col)


def _target_names(tree: exp.Expression) -> list[exp.Table]:
    if isinstance(tree, exp.Insert):
        node = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        return [node] if isinstance(node, exp.Table) else []
    if isinstance(tree, exp.Delete):
        tables = tree.args.get("tables")
        if tables:
            return [t for t in tables if isinstance(t, exp.Table)]
        return [tree.this] if isinstance(tree.this, exp.Table) else []
    if isinstance(tree, exp.Update):
        return [tree.this] if isinstance(tree.this, exp.Table) else []
    return []


def _match_target(node: exp.Table, refs: list[_Ref], database: str | None) -> list[_Ref]:
    name = node.name.lower()
    db = (node.db or database or "").lower()
    alias = (node.alias or "").lower()
    top = [r for r in refs if r.owner == 0]
    if node.db or alias:
        return [r for r in top if r.name == name and r.db == db]
    # DELETE a FROM a JOIN b: the target list names an alias or a table
    return [r for r in top if r.alias == name] or [r for r in top if r.name == name]


def tree_requirements(
    tree: exp.Expression, catalog: Catalog, database: str | None, *, who: str = ""
) -> frozenset[Requirement]:
    """The requirements of one parsed SELECT/UNION/INSERT/REPLACE/UPDATE/DELETE tree.

    Args:
        tree: the statement as parsed (before name resolution rewrites it).
        catalog: used to attach unqualified columns to tables; a missing table simply gets
            a table-level requirement (privileges are checked before existence).
        database: the current database (for unqualified table names).
        who: ``""`` for the session's user, or a view definer's name.
    """
    refs = _collect_refs(tree, catalog, database)
    skip: set[int] = set()
    reqs: set[Requirement] = set()

    def add(priv: str, ref: _Ref, cols: set[str] | frozenset[str]) -> None:
        reqs.add((who, priv, ref.db, ref.name, frozenset(cols)))

    targets: list[_Ref] = []
    for node in _target_names(tree):
        hits = _match_target(node, refs, database)
        if not hits and (node.db or database):
            hits = [_Ref((node.db or database or "").lower(), node.name.lower(), "", None, 0)]
            refs.extend(hits)
        for ref in hits:
            ref.target = True
            targets.append(ref)
    if isinstance(tree, exp.Insert):
        schema = tree.this
        listed = (
            {e.name.lower() for e in schema.expressions}
            if isinstance(schema, exp.Schema)
            else None
        )
        if isinstance(schema, exp.Schema):
            skip |= {id(e) for e in schema.expressions}
        assigned: set[str] = set()
        conflict = tree.args.get("conflict")
        if isinstance(conflict, exp.OnConflict):
            for eq in conflict.expressions:
                if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column):
                    assigned.add(eq.this.name.lower())
                    skip.add(id(eq.this))
                for call in eq.find_all(exp.Anonymous):
                    if str(call.this).upper() == "VALUES":
                        skip |= {id(a) for a in call.find_all(exp.Column)}
        for ref in targets:
            add("INSERT", ref, listed if listed is not None else ref.all_columns())
            if tree.args.get("alternative") == "REPLACE":
                add("DELETE", ref, _NONE)
            if assigned:
                add("UPDATE", ref, assigned)
    elif isinstance(tree, exp.Update):
        by_ref: dict[int, set[str]] = {}
        for eq in tree.expressions:
            if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column):
                skip.add(id(eq.this))
                hits = _resolve(eq.this, refs) if eq.this.table else targets
                for ref in hits:
                    by_ref.setdefault(id(ref), set()).add(eq.this.name.lower())
        for ref in refs:
            if id(ref) in by_ref:
                ref.target = True
                add("UPDATE", ref, by_ref[id(ref)])
    elif isinstance(tree, exp.Delete):
        for ref in targets:
            add("DELETE", ref, _NONE)
    _mark_reads(tree, refs, skip)
    for ref in refs:
        if ref.db in OPEN_DATABASES:
            continue
        if ref.read or not ref.target:
            add("SELECT", ref, ref.read)
    return frozenset(reqs)


def definer_requirements(
    definer: str, body: exp.Expression, catalog: Catalog, database: str
) -> frozenset[Requirement]:
    """Requirements of a view body, checked with ``definer``'s grants (SQL SECURITY DEFINER).

    Args:
        definer: the account that created the view (``user`` or ``user@host``; the host part
            is ignored like everywhere else).
        body: the view's stored SELECT, parsed, before it is rewritten.
        database: the view's own database (unqualified names in the body resolve there).
    """
    return tree_requirements(body, catalog, database, who=definer.partition("@")[0])
