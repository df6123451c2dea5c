"""The OData `filter` of the send and bulk-group operations, compiled once into a test on connections.

Grammar (the subset the service documents): identifiers `userId`, `connectionId`, `groups`, `protocol`;
`eq ne gt ge lt le`, `and or not`, `in` (`'g1' in groups`, `userId in ('a', 'b')`); functions
`tolower toupper trim length concat contains startswith endswith indexof substring`; string literals in
single quotes (`''` escapes one), numbers, `true`, `false`, `null`.

Errors read like the service's: the whole text is parsed before any name is looked up, and a syntax
error names the position where the service's parser stops, the end of the token it could not use.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any, Protocol

Evaluator = Callable[[Any], Any]


class FilterError(ValueError):
    """The filter does not parse or uses something unknown; the REST answer is 400."""


class _SyntaxError(Exception):
    """The parser cannot use the token ending at `position`; `compile_filter` words it as the service does."""

    def __init__(self, position: int) -> None:
        super().__init__(position)
        self.position = position


class Filterable(Protocol):
    """What a filter can look at on a connection."""

    id: str
    user_id: str | None
    groups: set[str]
    subprotocol: str | None


_FIELDS: dict[str, Evaluator] = {
    "userid": lambda c: c.user_id,
    "connectionid": lambda c: c.id,
    "groups": lambda c: c.groups,
    "protocol": lambda c: c.subprotocol,
}
_CONSTANTS = {"null": None, "true": True, "false": False}


def _comparable(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return True
    numbers = (int, float)
    return all(isinstance(v, numbers) and not isinstance(v, bool) for v in (a, b))


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """Ordering is defined between two strings or two numbers; anything else (null included) is false."""
    return lambda a, b: _comparable(a, b) and bool(op(a, b))


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": _ordered(operator.gt),
    "ge": _ordered(operator.ge),
    "lt": _ordered(operator.lt),
    "le": _ordered(operator.le),
}


def _unary(fn: Callable[[str], Any]) -> Callable[[Any], Any]:
    """A string function that gives null for a non-string argument (null, a number), as in OData."""
    return lambda s: fn(s) if isinstance(s, str) else None


def _substring(s: Any, start: Any, length: Any = None) -> Any:
    """OData substring(s, start[, length]); null for wrong argument types instead of an error."""
    if not isinstance(s, str) or not isinstance(start, int) or not isinstance(length, int | None):
        return None
    return s[start:] if length is None else s[start : start + length]


_FUNCTIONS: dict[str, tuple[Callable[..., Any], tuple[int, ...]]] = {
    "tolower": (_unary(str.lower), (1,)),
    "toupper": (_unary(str.upper), (1,)),
    "trim": (_unary(str.strip), (1,)),
    "length": (_unary(len), (1,)),
    "concat": (lambda a, b: a + b if isinstance(a, str) and isinstance(b, str) else None, (2,)),
    "contains": (lambda s, t: isinstance(s, str) and isinstance(t, str) and t in s, (2,)),
    "startswith": (lambda s, t: isinstance(s, str) and isinstance(t, str) and s.startswith(t), (2,)),
    "endswith": (lambda s, t: isinstance(s, str) and isinstance(t, str) and s.endswith(t), (2,)),
    "indexof": (lambda s, t: s.find(t) if isinstance(s, str) and isinstance(t, str) else None, (2,)),
    "substring": (_substring, (2, 3)),
}

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<sym>[(),]))"
)


Token = tuple[str, Any, int]  # kind, value, the position just after it


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise _SyntaxError(pos + 1)
        pos = match.end()
        if (value := match.group("str")) is not None:
            tokens.append(("value", value[1:-1].replace("''", "'"), pos))
        elif (value := match.group("num")) is not None:
            tokens.append(("value", float(value) if "." in value else int(value), pos))
        elif (value := match.group("name")) is not None:
            tokens.append(("name", value, pos))
        else:
            tokens.append((match.group("sym"), None, pos))
    tokens.append(("end", None, len(text)))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.unknown: FilterError | None = None  # the first unknown name, reported once the syntax is known good

    def peek(self) -> Token:
        return self.tokens[min(self.pos, len(self.tokens) - 1)]

    def fail(self) -> _SyntaxError:
        """A syntax error at the token the parser is looking at."""
        return _SyntaxError(self.peek()[2])

    def keyword(self, *words: str) -> str | None:
        kind, value, _ = self.peek()
        if kind == "name" and value.lower() in words:
            self.pos += 1
            word: str = value.lower()
            return word
        return None

    def expect(self, kind: str) -> None:
        if self.peek()[0] != kind:
            raise self.fail()
        self.pos += 1

    def or_(self) -> Evaluator:
        left = self.and_()
        while self.keyword("or"):
            right = self.and_()
            left = (lambda a, b: lambda c: a(c) is True or b(c) is True)(left, right)
        return left

    def and_(self) -> Evaluator:
        left = self.not_()
        while self.keyword("and"):
            right = self.not_()
            left = (lambda a, b: lambda c: a(c) is True and b(c) is True)(left, right)
        return left

    def not_(self) -> Evaluator:
        if self.keyword("not"):
            inner = self.not_()
            return lambda c: inner(c) is not True
        return self.comparison()

    def comparison(self) -> Evaluator:
        left = self.primary()
        if op := self.keyword(*_COMPARISONS):
            right = self.primary()
            compare = _COMPARISONS[op]
            return lambda c: compare(left(c), right(c))
        if self.keyword("in"):
            right = self.primary()
            return lambda c: _contains(right(c), left(c))
        return left

    def primary(self) -> Evaluator:
        kind, value, _ = self.peek()
        if kind in ("end", ")", ","):
            raise self.fail()
        self.pos += 1
        if kind == "value":
            return lambda c: value
        if kind == "(":
            items = [self.or_()]
            while self.peek()[0] == ",":
                self.pos += 1
                items.append(self.or_())
            self.expect(")")
            if len(items) == 1:
                return items[0]
            return lambda c: tuple(item(c) for item in items)
        if kind == "name":
            name = value.lower()
            if self.peek()[0] == "(":
                return self.call(name)
            if name in _CONSTANTS:
                constant = _CONSTANTS[name]
                return lambda c: constant
            if name in _FIELDS:
                return _FIELDS[name]
            self.note(f"unknown identifier {value!r}; use userId, connectionId, groups or protocol")
            return lambda c: None
        raise self.fail()

    def note(self, problem: str) -> None:
        """Remember the first name problem; the syntax of the rest is checked before it is reported."""
        self.unknown = self.unknown or FilterError(problem)

    def call(self, name: str) -> Evaluator:
        self.expect("(")
        args = [self.or_()]
        while self.peek()[0] == ",":
            self.pos += 1
            args.append(self.or_())
        self.expect(")")
        if name not in _FUNCTIONS:
            self.note(f"unknown function {name!r}")
            return lambda c: None
        fn, arities = _FUNCTIONS[name]
        if len(args) not in arities:
            self.note(f"{name} takes {' or '.join(map(str, arities))} arguments, not {len(args)}")
        return lambda c: fn(*(a(c) for a in args))


def _contains(collection: Any, item: Any) -> bool:
    if isinstance(collection, set | frozenset | tuple | list):
        return item in collection
    return bool(item == collection)  # `x in ('a')`: a one-element list is just a parenthesised value


def compile_filter(text: str) -> Callable[[Filterable], bool]:
    """A predicate on connections; raises FilterError, worded as the service words it, on anything it cannot use."""
    try:
        parser = _Parser(_tokenize(text))
        expression = parser.or_()
        if parser.peek()[0] != "end":
            raise parser.fail()
    except _SyntaxError as err:
        raise FilterError(f"Syntax error at position {err.position} in '{text}'.") from None
    if parser.unknown is not None:
        raise parser.unknown
    return lambda connection: expression(connection) is True
