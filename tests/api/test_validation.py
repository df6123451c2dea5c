"""Rules for ids."""

from __future__ import annotations

import pytest

from api.validation import Invalid, chat_id, group_chat_id, is_user_id, private_chat_id


def test_private_chat_id_is_the_same_whoever_starts() -> None:
    assert private_chat_id("b", "a") == private_chat_id("a", "b") == "private_a_b"


@pytest.mark.parametrize("value", ["c0ffee-1234", "0b6f2a54-3c1e-4f5e-9a7d-2f7c8b1d9e00"])
def test_group_chat_ids_accept_uuids(value: str) -> None:
    assert group_chat_id(value) == value


@pytest.mark.parametrize("value", ["", "has space", "a/b", "x" * 65, None, "private_a_b", "ünicode"])
def test_group_chat_ids_refuse_anything_else(value: object) -> None:
    with pytest.raises(Invalid):
        group_chat_id(value)


def test_private_chat_ids_must_be_well_formed_and_ordered() -> None:
    assert chat_id("private_a_b") == "private_a_b"
    for bad in ("private_b_a", "private_a", "private_a_b_c", "private_a_a"):
        with pytest.raises(Invalid):
            chat_id(bad)


@pytest.mark.parametrize("value", ["guest-0af3", "4f1c2d", "ada@example.com"])
def test_user_ids_of_known_providers_are_accepted(value: str) -> None:
    assert is_user_id(value)


@pytest.mark.parametrize("value", ["", "a_b", "a/b", "o'brien", "x" * 129, None])
def test_user_ids_that_could_break_keys_or_chat_ids_are_refused(value: object) -> None:
    assert not is_user_id(value)
