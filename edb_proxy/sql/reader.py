"""A cursor over sqlglot's MySQL tokens for the small hand-written parsers (DCL, SHOW, SET)."""

from __future__ import annotations

from sqlglot.tokenizer_core import Token, TokenType

from edb_proxy.errors import SQLError
from edb_proxy.sql.lexer import syntax_error
from edb_proxy.sql.parsing import tokenize

__all__ = ["TokenReader"]

_QUOTED = (TokenType.STRING, TokenType.IDENTIFIER)
_PUNCT = (
    TokenType.COMMA,
    TokenType.DOT,
    TokenType.STAR,
    TokenType.L_PAREN,
    TokenType.R_PAREN,
    TokenType.PARAMETER,
    TokenType.SEMICOLON,
)


class TokenReader:
    """Reads tokens left to right; every failure is a MySQL 1064 near the current token."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[Token] = tokenize(text)
        self.pos = 0
        self.last_host = "%"

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def error(self) -> SQLError:
        tok = self.peek()
        return syntax_error(self.text[tok.start :] if tok is not None else "")

    def word(self) -> str:
        """The current token in upper case if it is a bare word/keyword, else ``""``."""
        tok = self.peek()
        if tok is None or tok.token_type in _QUOTED:
            return ""
        return tok.text.upper()

    def accept(self, *words: str) -> bool:
        """Consume the bare words/punctuation ``words`` if they come next."""
        n = len(words)
        got = [
            t.text.upper()
            for t in self.tokens[self.pos : self.pos + n]
            if t.token_type not in _QUOTED
        ]
        if got == list(words):
            self.pos += n
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise self.error()

    def string(self) -> str:
        tok = self.peek()
        if tok is None or tok.token_type != TokenType.STRING:
            raise self.error()
        self.pos += 1
        return tok.text

    def name(self) -> str:
        """An identifier, a quoted identifier, a string or a bare word."""
        tok = self.peek()
        if tok is None or tok.token_type in _PUNCT:
            raise self.error()
        self.pos += 1
        return tok.text

    def qualified(self) -> tuple[str | None, str]:
        """``name`` or ``db.name``."""
        first = self.name()
        if self.accept("."):
            return first, self.name()
        return None, first

    def at_end(self) -> bool:
        rest = self.tokens[self.pos :]
        return all(t.token_type == TokenType.SEMICOLON for t in rest)

    def user_name(self) -> str:
        """``name`` or ``name@host``; the host is left in :attr:`last_host`."""
        user = self.name()
        tok = self.peek()
        self.last_host = "%"
        if tok is not None and tok.token_type == TokenType.PARAMETER:
            self.pos += 1
            self.last_host = self.name()
        return user
