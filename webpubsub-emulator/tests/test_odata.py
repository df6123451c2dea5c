"""The OData filter: the documented grammar, evaluated against connections."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st
from webpubsub_emulator.odata import FilterError, compile_filter
from webpubsub_emulator.testing import JSON_PROTOCOL


@dataclass
class Conn:
    id: str = "c1"
    user_id: str | None = "Ada"
    groups: set[str] = field(default_factory=lambda: {"g1", "g2"})
    subprotocol: str | None = JSON_PROTOCOL


@pytest.mark.parametrize(
    "text,expected",
    [
        ("userId eq 'Ada'", True),
        ("userId ne 'Ada'", False),
        ("connectionId eq 'c1' and userId eq 'Ada'", True),
        ("connectionId eq 'x' or userId eq 'Ada'", True),
        ("not (userId eq 'Ada')", False),
        ("'g1' in groups", True),
        ("'g3' in groups", False),
        ("not ('g3' in groups)", True),
        ("userId in ('Bob', 'Ada')", True),
        ("userId in ('Bob')", False),
        ("tolower(userId) eq 'ada'", True),
        ("toupper(userId) eq 'ADA'", True),
        ("trim('  x ') eq 'x'", True),
        ("length(userId) eq 3", True),
        ("concat(userId, '!') eq 'Ada!'", True),
        ("contains(userId, 'd')", True),
        ("startswith(userId, 'A') and endswith(userId, 'a')", True),
        ("indexof(userId, 'da') eq 1", True),
        ("substring(userId, 1) eq 'da'", True),
        ("substring(userId, 0, 1) eq 'A'", True),
        ("substring(userId, 0, 'x') eq null", True),
        ("userId gt 'A' and userId lt 'B'", True),
        ("length(userId) ge 3 and length(userId) le 3", True),
        ("userId gt 3", False),
        ("userId ne null", True),
        (f"protocol eq '{JSON_PROTOCOL}'", True),
        ("'it''s' eq 'it''s'", True),
        ("true", True),
        ("USERID EQ 'Ada'", True),
    ],
)
def test_filter_evaluates_like_odata(text: str, expected: bool) -> None:
    assert compile_filter(text)(Conn()) is expected


def test_null_user_compares_equal_to_null_and_string_functions_give_null() -> None:
    anonymous = Conn(user_id=None)
    assert compile_filter("userId eq null")(anonymous) is True
    assert compile_filter("tolower(userId) eq null")(anonymous) is True
    assert compile_filter("startswith(userId, 'a')")(anonymous) is False


@pytest.mark.parametrize(
    "text", ["", "userId eq", "userId eq 'a' and", "(userId eq 'a'", "nosuch eq 1", "frobnicate(userId)", "userId ~ 1",
             "tolower(userId, 'x') eq 'a'", "userId eq 'a' 'b'"],
)  # fmt: skip
def test_malformed_filters_are_rejected(text: str) -> None:
    with pytest.raises(FilterError):
        compile_filter(text)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_any_quoted_string_round_trips(value: str) -> None:
    literal = "'" + value.replace("'", "''") + "'"
    assert compile_filter(f"userId eq {literal}")(Conn(user_id=value)) is True
