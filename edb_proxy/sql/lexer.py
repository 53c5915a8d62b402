"""A fast MySQL lexer: split statements, resolve comments, lift literals out.

Theory of operation
-------------------
The statement cache is keyed on a statement's *shape*: its text with every plain numeric and
string literal, and every ``?`` placeholder, replaced by ``?``. One regular expression finds
the only tokens that matter for that (quoted strings, back-quoted identifiers, numbers,
``?``, comments, ``;``); everything between them is copied unchanged. This runs on every
statement, so it must stay cheap: no sqlglot here.

MySQL comments (https://dev.mysql.com/doc/refman/8.0/en/comments.html): ``#`` and ``-- ``
(dash dash *space*) run to the end of the line, ``/* */`` is ignored, ``/*! ... */`` and
``/*!NNNNN ... */`` are executable comments whose content is code when the version
``NNNNN`` is at most :data:`SERVER_VERSION_ID`; optimizer hints ``/*+ */`` are ignored.

Invariants
1. Text inside quotes is never treated as code, and code is never treated as a quote: the
   lexer and sqlglot both see the same comment-free text (``Lexed.clean``), so a comment cannot
   hide code from the checks that run on the parsed tree.
2. Only literals whose meaning does not depend on their lexical form are lifted: plain
   decimal integers within 64 bits, decimal/float numbers and quoted strings (with an
   ``N``/``_charset`` introducer too; ``_binary`` strings become bytes). Hex and bit
   literals stay in the shape.
3. A ``;`` inside an executable comment, an unterminated comment and an unterminated
   executable comment are syntax errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edb_proxy.errors import ER, SQLError

__all__ = [
    "PARAM",
    "SERVER_VERSION_ID",
    "Lexed",
    "RowLayout",
    "collapse_rows",
    "lex",
    "syntax_error",
    "unescape",
]

#: The version compared with ``/*!NNNNN`` (MySQL 8.0.36).
SERVER_VERSION_ID = 80036


class _Param:
    """Marker for a client ``?`` placeholder in :attr:`Lexed.values`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "PARAM"


PARAM = _Param()

_TOKEN = re.compile(
    r"""
    (?P<sq>'(?:[^'\\]|\\.|'')*')
   |(?P<dq>"(?:[^"\\]|\\.|"")*")
   |(?P<bq>`(?:[^`]|``)*`)
   |(?P<num>(?<![\w$@.])(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w$.]))
   |(?P<q>\?)
   |(?P<com>/\*|--(?=\s|$)|\#)
   |(?P<end>\*/)
   |(?P<semi>;)
    """,
    re.VERBOSE | re.DOTALL,
)
#: Characters where a token of interest can start (a cheap scan before the full match).
_CANDIDATE = re.compile(r"['\"`0-9.?/#*;-]")
#: A string introducer (``X'..'``, ``B'..'``, ``N'..'``, ``_utf8mb4'..'``) just before a quote.
#: ``_binary'..'`` is lifted as bytes: its text may hold any byte, which the server passes in as
#: surrogate escapes (``bytes.decode("utf-8", "surrogateescape")``).
_INTRODUCER = re.compile(r"(?<![\w$@])(?:[xXbBnN]|_[A-Za-z0-9]+)\Z")
_ESCAPE = re.compile(r"\\(.)|''|\"\"", re.DOTALL)
_ESCAPES = {
    "0": "\x00",
    "b": "\b",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "Z": "\x1a",
    "%": "\\%",
    "_": "\\_",
}
_INT64_MAX = 2**63 - 1
_INF = float("inf")
_VERSION = re.compile(r"\d{5}")


def _unescape_one(m: re.Match[str]) -> str:
    ch = m.group(1)
    if ch is None:
        return m.group(0)[0]
    return _ESCAPES.get(ch, ch)


def unescape(body: str) -> str:
    """Decode the inside of a MySQL quoted string (backslash escapes, doubled quotes)."""
    if "\\" not in body and "''" not in body and '""' not in body:
        return body
    return _ESCAPE.sub(_unescape_one, body)


def syntax_error(near: str) -> SQLError:
    """A MySQL-style 1064 naming (at most 80 characters of) the text near the error."""
    near = near[:80]
    return SQLError(
        ER.ER_PARSE_ERROR,
        "You have an error in your SQL syntax; check the manual that corresponds to your "
        f"MySQL server version for the right syntax to use near '{near}'",
    )


@dataclass(slots=True)
class Lexed:
    """One statement after lexing.

    Attributes:
        parts: the statement's text between lifted literals (``len(values) + 1`` parts).
        values: lifted literal values (int, float or str) and :data:`PARAM` markers, in order.
        raw: the literals' source text, parallel to ``values``.
        param_count: number of :data:`PARAM` markers.
    """

    parts: list[str]
    values: list[object]
    raw: list[str]
    param_count: int

    @property
    def key(self) -> str:
        """The shape: the text with every lifted literal written ``?``."""
        return "?".join(self.parts)

    @property
    def clean(self) -> str:
        """The comment-free text with the literals as written."""
        out = [self.parts[0]]
        for raw, part in zip(self.raw, self.parts[1:], strict=True):
            out.append(raw)
            out.append(part)
        return "".join(out)

    def template(self) -> str:
        """The shape for sqlglot: lifted literal ``i`` written as the placeholder ``:p<i>``."""
        out = [self.parts[0]]
        for i, part in enumerate(self.parts[1:]):
            out.append(f" :p{i} ")
            out.append(part)
        return "".join(out)

    def exact(self) -> str:
        """The text for sqlglot with only client ``?`` placeholders written ``:p<i>``."""
        out = [self.parts[0]]
        for i, (raw, value, part) in enumerate(
            zip(self.raw, self.values, self.parts[1:], strict=True)
        ):
            out.append(f" :p{i} " if value is PARAM else raw)
            out.append(part)
        return "".join(out)


#: Text without these needs no comment, quote or statement-separator handling.
_SPECIAL = re.compile(r"['\"`#;]|/\*|\*/|--")
#: The only tokens of such text: numbers and ``?`` (a capturing split).
_SIMPLE = re.compile(r"((?<![\w$@.])(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w$.])|\?)")
_DIGITS = frozenset("0123456789")


def _lex_simple(text: str) -> list[Lexed] | None:
    """The fast path for one statement without quotes or comments (None: use the full lexer)."""
    pieces = _SIMPLE.split(text)
    parts = pieces[0::2]
    raw = pieces[1::2]
    values: list[object] = []
    params = 0
    for lit in raw:
        if lit == "?":
            values.append(PARAM)
            params += 1
        elif _DIGITS.issuperset(lit):
            number = int(lit)
            if number > _INT64_MAX:
                return None
            values.append(number)
        else:
            value = float(lit)
            if value in (_INF, -_INF):
                return None
            values.append(value)
    parts[0] = parts[0].lstrip()
    parts[-1] = parts[-1].rstrip()
    if len(parts) == 1 and not parts[0]:
        return []
    return [Lexed(parts, values, raw, params)]


def lex(text: str) -> list[Lexed]:
    """Split ``text`` into statements and lift their literals.

    Returns:
        The non-empty statements in order (empty when the text holds only blanks/comments).

    Raises:
        SQLError: 1064 for an unterminated comment or a ``;`` inside an executable comment.
    """
    if _SPECIAL.search(text) is None:
        simple = _lex_simple(text)
        if simple is not None:
            return simple
    out: list[Lexed] = []
    parts: list[str] = []
    values: list[object] = []
    raw: list[str] = []
    chunk: list[str] = []
    params = 0
    pos = 0
    in_exec = False
    find = _CANDIDATE.search
    match = _TOKEN.match
    scan = 0
    while True:
        c = find(text, scan)
        if c is None:
            chunk.append(text[pos:])
            break
        m = match(text, c.start())
        if m is None:
            scan = c.start() + 1
            continue
        kind = m.lastgroup
        start, stop = m.span()
        scan = stop
        intro = None
        if kind == "sq" and start > 0:
            intro = _INTRODUCER.search(text, max(0, start - 65), start)
            if intro is not None and intro.group()[0] in "xXbB":
                kind = "keep"  # hex and bit strings stay in the shape
        if kind == "num":
            lit = m.group()
            if "." in lit or "e" in lit or "E" in lit:
                value: object = float(lit)
                if value in (_INF, -_INF):
                    raise syntax_error(text[start:])
            else:
                number = int(lit)
                if number > _INT64_MAX:
                    continue
                value = number
            chunk.append(text[pos:start])
            parts.append("".join(chunk))
            chunk = []
            values.append(value)
            raw.append(lit)
        elif kind in ("sq", "dq"):
            lit = m.group()
            lead = start if intro is None else intro.start()
            chunk.append(text[pos:lead])
            parts.append("".join(chunk))
            chunk = []
            body = unescape(lit[1:-1])
            if intro is not None and intro.group().lower() == "_binary":
                values.append(body.encode("utf-8", "surrogateescape"))
            else:
                values.append(body)
            raw.append(text[lead:stop])
        elif kind == "q":
            chunk.append(text[pos:start])
            parts.append("".join(chunk))
            chunk = []
            values.append(PARAM)
            raw.append("?")
            params += 1
        elif kind == "com":
            chunk.append(text[pos:start])
            chunk.append(" ")
            tok = m.group()
            if tok == "/*":
                if text.startswith("/*!", start):
                    if in_exec:
                        raise syntax_error(text[start:])
                    vm = _VERSION.match(text, start + 3)
                    if vm is None or int(vm.group()) <= SERVER_VERSION_ID:
                        in_exec = True
                        pos = scan = vm.end() if vm else start + 3
                        continue
                close = text.find("*/", start + 2)
                if close < 0:
                    raise syntax_error(text[start:])
                pos = scan = close + 2
                continue
            newline = text.find("\n", stop)
            pos = scan = len(text) if newline < 0 else newline + 1
            continue
        elif kind == "end":
            if not in_exec:
                continue
            in_exec = False
            chunk.append(text[pos:start])
            chunk.append(" ")
        elif kind == "semi":
            if in_exec:
                raise syntax_error(text[start:])
            chunk.append(text[pos:start])
            parts.append("".join(chunk))
            _emit(out, parts, values, raw, params)
            parts, values, raw, chunk, params = [], [], [], [], 0
        else:  # keep, bq: copied unchanged with the text around them
            continue
        pos = stop
    if in_exec:
        raise syntax_error(text[-80:])
    parts.append("".join(chunk))
    _emit(out, parts, values, raw, params)
    return out


def _emit(
    out: list[Lexed], parts: list[str], values: list[object], raw: list[str], params: int
) -> None:
    parts[0] = parts[0].lstrip()
    parts[-1] = parts[-1].rstrip()
    if len(parts) == 1 and not parts[0]:
        return
    out.append(Lexed(parts, values, raw, params))


_ROWS = re.compile(
    r"(?P<head>\bVALUES?\s*)(?P<row>\((?:[^()'\"`]|\([^()'\"`]*\))*\))"
    r"(?P<rest>(?:\s*,\s*(?P=row))+)(?P<tail>\s*(?:ON\s+DUPLICATE\b.*)?)$",
    re.IGNORECASE | re.DOTALL,
)
_HAS_ROWS = re.compile(r"\)\s*,\s*\(")


@dataclass(frozen=True, slots=True)
class RowLayout:
    """How a multi-row INSERT's slots split into head, rows and tail.

    A statement ``INSERT ... VALUES (r1), (r2), ... [ON DUPLICATE ...]`` whose rows are
    textually identical after lifting literals is compiled once as a one-row statement and
    run once per row (in a savepoint, so the statement stays atomic).
    """

    head: int  # slots before the first row
    width: int  # slots per row
    rows: int  # number of rows

    def bindings(self, values: list[object]) -> list[list[object]]:
        """The one-row slot values for each row."""
        h, k = self.head, self.width
        head = values[:h]
        tail = values[h + self.rows * k :]
        return [head + values[h + i * k : h + (i + 1) * k] + tail for i in range(self.rows)]


def collapse_rows(lexed: Lexed) -> tuple[Lexed, RowLayout] | None:
    """The one-row form of a multi-row INSERT/REPLACE, or None if it has no such shape."""
    key = lexed.key
    if not _HAS_ROWS.search(key):
        return None
    m = _ROWS.search(key)
    if m is None or key.count("?") != len(lexed.values):
        return None
    row = m.group("row")
    width = row.count("?")
    if width == 0:
        return None
    prefix = key[: m.start("row")]
    head = prefix.count("?")
    tail_slots = m.group("tail").count("?")
    rows = (len(lexed.values) - head - tail_slots) // width
    if rows < 2 or head + rows * width + tail_slots != len(lexed.values):
        return None
    one = prefix + row + m.group("tail")
    keep = list(range(head + width)) + list(
        range(len(lexed.values) - tail_slots, len(lexed.values))
    )
    values = [lexed.values[i] for i in keep]
    raw = [lexed.raw[i] for i in keep]
    params = sum(1 for v in values if v is PARAM)
    return Lexed(one.split("?"), values, raw, params), RowLayout(head, width, rows)
