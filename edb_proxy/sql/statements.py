"""The statement objects handed to the server (opaque to it)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from edb_proxy.fieldtypes import ColumnDef
from edb_proxy.sql.lexer import PARAM, Lexed, RowLayout
from edb_proxy.sql.plan import Plan

if TYPE_CHECKING:
    from edb_proxy.sql.utility import Utility

__all__ = ["ParsedStatement", "PreparedHandle", "head_word"]

_HEAD = re.compile(r"\(|[A-Za-z_]+")


class ParsedStatement:
    """A parsed statement (the server treats it as opaque)."""

    __slots__ = ("layout", "lexed", "plan", "shape", "values")

    def __init__(self, lexed: Lexed) -> None:
        self.lexed = lexed
        self.values: list[object] = lexed.values
        self.shape = lexed
        self.layout: RowLayout | None = None
        self.plan: Plan | Utility | None = None

    @property
    def text(self) -> str:
        return self.lexed.clean


class PreparedHandle:
    """A server-side prepared statement."""

    __slots__ = ("columns", "param_count", "positions", "stmt")

    def __init__(self, stmt: ParsedStatement, columns: Sequence[ColumnDef]) -> None:
        self.stmt = stmt
        self.positions = [i for i, v in enumerate(stmt.values) if v is PARAM]
        self.param_count = len(self.positions)
        self.columns = columns


def head_word(lexed: Lexed) -> str:
    """The statement's first keyword in upper case (``(`` for a parenthesized query)."""
    m = _HEAD.match(lexed.parts[0])
    return m.group().upper() if m else ""
