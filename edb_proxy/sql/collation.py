"""The ``edb_ci`` SQLite collation: MySQL's default case- and accent-insensitive comparison.

MySQL 8's default collation ``utf8mb4_0900_ai_ci`` compares by the Unicode Collation
Algorithm's primary weights: case and accents are ignored (``'a' = 'A' = 'á'``), and, as a
NO PAD collation, trailing spaces count. The ``*_general_ci`` family (MariaDB's default) is PAD
SPACE: trailing spaces are ignored. SQLite's NOCASE folds ASCII letters only.

What ``edb_ci`` implements (documented in docs/sql-types-functions.md):

1. trailing spaces are ignored (PAD SPACE, as ``utf8mb4_general_ci`` and MySQL 5.7);
2. letters compare after Unicode case folding (``str.casefold``: ``'ß' = 'ss'``, capital and
   small sigma are equal);
3. accents are ignored: the text is decomposed (NFD) and combining marks are dropped
   (``'é' = 'e'``); other characters compare by code point after that.

This is not the full UCA (no contractions, no ignorable punctuation weights, no expansions
beyond case folding), so ordering can differ from MySQL for non-Latin scripts.

Invariant: ``edb_ci(a, b)`` is a total order consistent with equality of :func:`sort_key`, so
UNIQUE indexes and GROUP BY built on it are well defined.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import apsw

__all__ = ["TEXT_COLLATION", "compare", "register_collations", "sort_key"]

#: The SQLite collation name for case-insensitive MySQL text columns.
TEXT_COLLATION = "edb_ci"


@lru_cache(maxsize=8192)
def sort_key(text: str) -> str:
    """The comparison key of ``text`` under ``edb_ci`` (see the module rules 1-3)."""
    stripped = text.rstrip(" ")
    if stripped.isascii():
        return stripped.lower()
    decomposed = unicodedata.normalize("NFD", stripped.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` sorts before, equal to or after ``b`` under ``edb_ci``."""
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def register_collations(conn: apsw.Connection) -> None:
    """Make ``edb_ci`` available on ``conn`` (every session connection registers it)."""
    conn.create_collation(TEXT_COLLATION, compare)
