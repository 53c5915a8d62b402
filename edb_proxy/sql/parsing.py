"""A guarded front door to sqlglot.

sqlglot is a pure-Python recursive-descent parser: 100 nested parentheses exhaust Python's
recursion limit, unknown syntax silently becomes a ``Command`` node, and unexpected input can
raise any exception. :func:`parse_one` turns all of that into MySQL errors and never lets a
Python exception escape.

Invariants
1. Only :class:`edb_proxy.errors.SQLError` leaves this module.
2. Nesting deeper than :data:`MAX_NESTING` parentheses is refused before sqlglot sees the
   text (1473), so sqlglot's recursion stays far from Python's limit.
3. A ``Command`` result (sqlglot's fallback for unknown syntax) is a syntax error.
"""

from __future__ import annotations

import logging

import sqlglot
from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.tokenizer_core import Token

from edb_proxy.errors import ER, SQLError
from edb_proxy.sql.lexer import syntax_error

__all__ = ["MAX_NESTING", "nesting_depth", "parse_one", "tokenize"]

#: Deepest parenthesis nesting accepted (MariaDB answers 1473 for 100 nested sub-selects).
MAX_NESTING = 48

_DIALECT = MySQL()


class _DropFallbackWarnings(logging.Filter):
    """sqlglot logs a warning for every ``Command`` fallback; we reject those anyway."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_DropFallbackWarnings())


def nesting_depth(text: str) -> int:
    """Deepest parenthesis nesting outside quotes (an upper bound is enough here)."""
    depth = best = 0
    quote = ""
    escaped = False
    for ch in text:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote != "`":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch == "(":
            depth += 1
            best = max(best, depth)
        elif ch == ")":
            depth -= 1
    return best


def _near(text: str, exc: BaseException) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        first = errors[0]
        line = first.get("line") or 1
        col = first.get("col") or 1
        lines = text.split("\n")
        offset = sum(len(x) + 1 for x in lines[: line - 1]) + max(col - 1, 0)
        start = max(0, offset - 1)
        return text[start:].strip() or text
    return text


def parse_one(text: str) -> exp.Expression:
    """Parse one MySQL statement.

    Raises:
        SQLError: 1064 on a syntax error, more than one statement or a ``Command`` fallback;
            1473 when nested too deeply.
    """
    if "(" in text and nesting_depth(text) > MAX_NESTING:
        raise SQLError(
            ER.ER_TOO_HIGH_LEVEL_OF_NESTING_FOR_SELECT, "Too high level of nesting for select"
        )
    try:
        trees = sqlglot.parse(text, read=_DIALECT, error_level=ErrorLevel.RAISE)
    except (ParseError, TokenError) as exc:
        raise syntax_error(_near(text, exc)) from None
    except RecursionError:
        raise SQLError(
            ER.ER_TOO_HIGH_LEVEL_OF_NESTING_FOR_SELECT, "Too high level of nesting for select"
        ) from None
    except Exception:  # noqa: BLE001 (sqlglot may raise anything on hostile input)
        raise syntax_error(text) from None
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        raise syntax_error(text)
    tree = trees[0]
    if not isinstance(tree, exp.Expression) or isinstance(tree, exp.Command):
        raise syntax_error(text)
    return tree


def tokenize(text: str) -> list[Token]:
    """sqlglot's MySQL tokens of ``text`` (1064 on a tokenizer error)."""
    try:
        return list(_DIALECT.tokenize(text))
    except Exception:  # noqa: BLE001 (any tokenizer failure is a syntax error)
        raise syntax_error(text) from None
