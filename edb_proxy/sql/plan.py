"""A compiled statement shape (what the statement cache stores)."""

from __future__ import annotations

from dataclasses import dataclass, field

from edb_proxy.fieldtypes import ColumnDef
from edb_proxy.sql.authz import Requirement
from edb_proxy.sql.catalog import Table
from edb_proxy.sql.coltypes import Converter

__all__ = ["Const", "Plan"]


@dataclass(frozen=True, slots=True)
class Const:
    """A constant SQLite parameter value taken from the tree."""

    value: object


@dataclass(slots=True)
class Plan:
    """A compiled statement shape (shared by every session through the statement cache)."""

    kind: str  # "query", "insert", "update", "delete"
    sql: str
    sources: tuple[int | Const, ...] | None
    columns: tuple[ColumnDef, ...]
    converters: tuple[Converter | None, ...] | None
    dynamic: tuple[int, ...]
    generation: int
    table: Table | None = None
    autoinc_pos: int | None = None  # INSERT: the AUTO_INCREMENT column's place in a row
    has_autoinc: bool = False
    star_unknown: bool = False
    slot_count: int = 0
    uses_tables: bool = True
    extra: dict[str, object] = field(default_factory=dict)
    #: Privileges the statement needs, checked on every execution (:mod:`edb_proxy.sql.authz`).
    requirements: frozenset[Requirement] = frozenset()
