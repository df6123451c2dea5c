"""What a message is found by: folded words, bounded so an edit's index change fits one transaction."""

from __future__ import annotations

from api.message_index import WORD_MAX, WORDS_MAX, seq_of, word_key, word_range, words


def test_words_are_folded_distinct_and_in_order_of_first_use() -> None:
    assert words("Crème BRÛLÉE, crème brulee! snake_case 42") == ["creme", "brulee", "snake", "case", "42"]


def test_markup_is_no_word_and_long_words_count_by_their_start() -> None:
    assert words("<b>bold</b> & a" + "x" * 100) == ["b", "bold", "a" + "x" * (WORD_MAX - 1)]


def test_a_message_indexes_at_most_its_first_distinct_words() -> None:
    found = words(" ".join(f"w{i}" for i in range(100)))
    assert len(found) == WORDS_MAX and found[0] == "w0" and found[-1] == f"w{WORDS_MAX - 1}"


def test_word_rows_sort_newest_first_and_a_word_range_holds_only_that_word() -> None:
    assert word_key("cafe", 9) < word_key("cafe", 3) and seq_of(word_key("cafe", 9)) == 9
    low, high = word_range("cafe", prefix=False)
    assert low <= word_key("cafe", 1) < high and not low <= word_key("cafes", 1) < high
    low, high = word_range("caf", prefix=True)
    assert low <= word_key("cafes", 1) < high and not low <= word_key("cab", 1) < high
