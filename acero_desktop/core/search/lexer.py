"""The tokenizer: turns the text of a search into words, phrases, field terms and punctuation.

A field term (``priority:>=high``, ``status:open,"waiting"``) is one token, because inside it
commas separate values while elsewhere they are ordinary characters. Whether whitespace came
before a token is kept: a ``-`` negates only the term glued to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from .errors import QueryError, column

COMPARATORS = ("<=", ">=", "<", ">", "=")
# Characters that end a bare word; a bare value also ends at a comma.
WORD_STOP = frozenset('"()')
VALUE_STOP = frozenset('"(),')
QUOTE = '"'
ESCAPE = "\\"


class Kind(Enum):
    WORD = auto()
    PHRASE = auto()
    FIELD = auto()
    MINUS = auto()
    LPAREN = auto()
    RPAREN = auto()
    OR = auto()
    AND = auto()
    END = auto()


@dataclass(frozen=True, slots=True)
class Value:
    """One value of a field term as typed (quotes removed) and where it started."""

    text: str
    position: int
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    position: int
    text: str = ""  # the word, the phrase, or the field name (lower-cased)
    spaced: bool = False  # whitespace (or the start of the query) came right before it
    op: str = ""  # field terms: the comparator as typed ("" when none)
    values: tuple[Value, ...] = ()


def is_space(ch: str) -> bool:
    return ch.isspace()


def is_field_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalpha() or ch == "_")


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text``, ending with an ``END`` token; raises QueryError on bad quoting."""
    return _Lexer(text).run()


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.tokens: list[Token] = []

    def peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.text[i] if i < len(self.text) else ""

    def run(self) -> list[Token]:
        while True:
            start = self.pos
            while self.peek() and is_space(self.peek()):
                self.pos += 1
            spaced = self.pos > start or self.pos == 0
            if not self.peek():
                self.tokens.append(Token(Kind.END, self.pos, spaced=True))
                return self.tokens
            self.tokens.append(self.next_token(spaced))

    def next_token(self, spaced: bool) -> Token:
        ch, at = self.peek(), self.pos
        if ch == "(":
            self.pos += 1
            return Token(Kind.LPAREN, at, "(", spaced)
        if ch == ")":
            self.pos += 1
            return Token(Kind.RPAREN, at, ")", spaced)
        if ch == "-":
            self.pos += 1
            return Token(Kind.MINUS, at, "-", spaced)
        if ch == QUOTE:
            return Token(Kind.PHRASE, at, self.quoted(), spaced)
        name_end = at
        while name_end < len(self.text) and is_field_char(self.text[name_end]):
            name_end += 1
        if name_end > at and self.text[name_end : name_end + 1] == ":":
            self.pos = name_end + 1
            return self.field_term(self.text[at:name_end].lower(), at, spaced)
        word = self.bare(WORD_STOP)
        kind = {"OR": Kind.OR, "AND": Kind.AND}.get(word, Kind.WORD)
        return Token(kind, at, word, spaced)

    def bare(self, stops: frozenset[str]) -> str:
        start = self.pos
        while self.peek() and not is_space(self.peek()) and self.peek() not in stops:
            self.pos += 1
        return self.text[start : self.pos]

    def quoted(self) -> str:
        """A quoted string; ``\\"`` and ``\\\\`` are escapes, any other backslash is literal."""
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                raise QueryError(
                    f"Missing closing quote for the text that starts at {column(start)}",
                    start,
                    'a closing "',
                )
            self.pos += 1
            if ch == QUOTE:
                return "".join(out)
            if ch == ESCAPE and self.peek() in (QUOTE, ESCAPE):
                out.append(self.peek())
                self.pos += 1
            else:
                out.append(ch)

    def field_term(self, name: str, start: int, spaced: bool) -> Token:
        op = next((c for c in COMPARATORS if self.text.startswith(c, self.pos)), "")
        self.pos += len(op)
        values: list[Value] = []
        after = f"{self.text[start : self.pos]}"
        while True:
            at = self.pos
            if self.peek() == QUOTE:
                values.append(Value(self.quoted(), at, quoted=True))
            else:
                values.append(Value(self.bare(VALUE_STOP), at))
            if not values[-1].text:
                raise QueryError(
                    f'Expected a value after "{after}" at {column(at)}', at, f"a value for {name}:"
                )
            if self.peek() != ",":
                break
            self.pos += 1
            after = ","
        return Token(Kind.FIELD, start, name, spaced, op, tuple(values))
