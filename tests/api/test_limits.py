"""Token buckets: how many actions a user has, when the next comes, and the caps."""

from __future__ import annotations

from api.limits import Bucket, Limits, Rate, too_often

RATE = Rate(3, 10)


def test_a_bucket_never_used_is_full() -> None:
    assert Limits().available("chats", RATE, now=1000) == 3
    assert Limits().retry_after("chats", RATE, now=1000) is None


def test_each_action_takes_a_token_and_the_empty_bucket_says_how_long_to_wait() -> None:
    limits = Limits()
    for _ in range(3):
        assert limits.retry_after("chats", RATE, now=1000) is None
        limits = limits.take("chats", RATE, now=1000)
    assert limits.retry_after("chats", RATE, now=1000) == 10
    assert limits.retry_after("chats", RATE, now=1004) == 6


def test_tokens_come_back_with_time_up_to_the_burst() -> None:
    empty = Limits({"chats": Bucket(0.0, 1000.0)})
    assert empty.available("chats", RATE, now=1025) == 2.5
    assert empty.available("chats", RATE, now=5000) == 3


def test_buckets_of_different_kinds_are_apart() -> None:
    limits = Limits().take("chats", RATE, now=0).take("chats", RATE, now=0).take("chats", RATE, now=0)
    assert limits.retry_after("chats", RATE, now=0) and limits.retry_after("idle", RATE, now=0) is None


def test_the_chats_owned_are_counted_and_never_negative() -> None:
    assert Limits().with_owned(2).owned_chats == 2
    assert Limits().with_owned(-1).owned_chats == 0


def test_the_refusal_says_what_and_when() -> None:
    refusal = too_often("creating chats", 7)
    assert (
        refusal.retry_after == 7 and str(refusal) == "You are doing that too often (creating chats): try again in 7 s"
    )
