"""The process-wide statement cache: statement shape -> compiled plan (bounded LRU).

Keys are ``(current database, CLIENT_FOUND_ROWS, shape text)``; a plan also records the
catalog generation it was compiled against and is recompiled when that changed. A cache hit
costs one dict lookup and never calls sqlglot. ``parses`` counts compilations (sqlglot
parses), ``hits`` lookups that found a usable plan.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

__all__ = ["StatementCache"]


class StatementCache:
    """A bounded LRU mapping with hit/parse counters (single-threaded use)."""

    __slots__ = ("_data", "capacity", "hits", "parses")

    def __init__(self, capacity: int = 1024) -> None:
        self._data: OrderedDict[Hashable, object] = OrderedDict()
        self.capacity = capacity
        self.hits = 0
        self.parses = 0

    def get(self, key: Hashable) -> object | None:
        entry = self._data.get(key)
        if entry is not None:
            self._data.move_to_end(key)
        return entry

    def put(self, key: Hashable, entry: object) -> None:
        self._data[key] = entry
        self._data.move_to_end(key)
        while len(self._data) > self.capacity:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()

    def stats(self) -> dict[str, int]:
        return {"parses": self.parses, "hits": self.hits, "entries": len(self._data)}
