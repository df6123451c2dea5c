"""Display names: every look-alike and invisible name of issue 15 is refused; real names in any script pass."""

from __future__ import annotations

import pytest

from api.names import CHAT_NAME_MAX, MAX_MARKS, USER_NAME_MAX, clean_name
from api.validation import Invalid


def test_names_are_trimmed() -> None:
    assert clean_name("  Ada  ", "name", 50) == "Ada"


def test_runs_of_spaces_of_any_kind_become_one_space() -> None:
    assert clean_name("Ada \u00a0\u3000 Lovelace", "name", 50) == "Ada Lovelace"


def test_full_width_and_compatibility_forms_are_normalised_so_they_cannot_pass_for_another_name() -> None:
    assert clean_name("\uff21\uff44\uff41", "name", 50)  # full-width "Ada" == "Ada"
    assert clean_name("ﬁona", "name", 50) == "fiona"


def test_html_in_a_name_is_kept_as_text() -> None:
    assert clean_name("<img src=x onerror=alert(1)>", "name", 100) == "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize(
    "name",
    [
        "🤸\u200d♂️ Ada",  # joiner and variation selector inside an emoji sequence
        "👩🏽\u200d💻 Grace",  # skin tone, then a joiner
        "1️⃣ First",  # keycap
        "José Müller",
        "Nguyễn Thị Minh Khai",
        "สมชาย",  # Thai: a vowel and a tone mark on one consonant
        "देवनागरी",
        "\u0646\u06cc\u06a9\u200c\u0646\u0627\u0645",  # Persian needs the zero-width non-joiner between letters
        "李小龍",
        "O'Brien-Smith Jr.",
        "7",
    ],
)
def test_real_names_in_any_script_pass(name: str) -> None:
    assert clean_name(name, "name", 50) == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("A\u200bda", "invisible"),  # zero-width space
        ("Ada\u200b", "invisible"),
        ("A\u200cda", "invisible"),  # zero-width non-joiner between Latin letters
        ("A\u200dda", "invisible"),  # zero-width joiner outside an emoji sequence
        ("\ufeffAda", "invisible"),  # byte order mark / zero-width no-break space
        ("Ada\u2060", "invisible"),  # word joiner
        ("Ada\u200e", "invisible"),  # left-to-right mark
        ("Ada\u200f", "invisible"),  # right-to-left mark
        ("Ada\u061c", "invisible"),  # Arabic letter mark
        ("rtl\u202eoverride", "invisible"),
        ("Ada\u2066x\u2069", "invisible"),  # direction isolates
        ("\u200b\u200b\u200b", "invisible"),  # only zero-width spaces
        ("\u3164", "invisible"),  # only a Hangul filler
        ("\u3164\u3164Ada", "invisible"),
        ("\uffa0Ada", "invisible"),  # half-width Hangul filler
        ("\u2800", "invisible"),  # only a blank Braille pattern
        ("Ada\u2800", "invisible"),
        ("Ada\U000e0041\U000e0064\U000e006d", "invisible"),  # tag characters
        ("Ada\u2028Lovelace", "invisible"),  # line separator
        ("Ada\u2029", "invisible"),  # paragraph separator
        ("Ad\u00ada", "invisible"),  # soft hyphen
        ("A\u034fda", "invisible"),  # combining grapheme joiner
        ("A\ufe0fda", "invisible"),  # a variation selector after a letter
        ("Ada\ue000", "invisible"),  # private use
        ("Ada\U000e0100", "invisible"),  # variation selector supplement
        ("Zalgo x" + "\u0336" * (MAX_MARKS + 1), "too many accents"),
        ("a\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307", "too many accents"),
        ("   ", "cannot be empty"),
        ("", "cannot be empty"),
        ("!!!", "letter or digit"),
        ("\u0301\u0301", "letter or digit"),
        ("🤸", "letter or digit"),
        ("bell\x07", "control characters"),
        ("line\nbreak", "control characters"),
        ("nul\x00", "control characters"),
        (None, "must be text"),
        (42, "must be text"),
    ],
)
def test_invisible_look_alike_and_empty_names_are_refused_with_a_reason(name: object, reason: str) -> None:
    with pytest.raises(Invalid, match=reason):
        clean_name(name, "name", 50)


def test_names_are_measured_after_normalising() -> None:
    assert clean_name("x" * USER_NAME_MAX, "name", USER_NAME_MAX)
    with pytest.raises(Invalid, match="too long"):
        clean_name("x" * (CHAT_NAME_MAX + 1), "chat name", CHAT_NAME_MAX)
    with pytest.raises(Invalid, match="too long"):
        clean_name("\ufdfa", "name", 10)  # one character that NFKC spells out in 18


def test_the_message_names_what_was_checked() -> None:
    with pytest.raises(Invalid, match="The chat name cannot be empty"):
        clean_name(" ", "chat name", CHAT_NAME_MAX)


@pytest.mark.parametrize(
    "name",
    [
        "\u0410\u043d\u043d\u0430",  # Cyrillic "Анна"
        "\u0410\u043d\u043d\u0430 Smith",  # a word in each script
        "\u0391\u03bb\u03ad\u03be\u03b7\u03c2",  # Greek
        "\u0645\u062d\u0645\u062f",  # Arabic
        "\u5c71\u7530\u3072\u3089\u304c\u306a \u30ab\u30bf\u30ab\u30ca",  # Japanese: Han, Hiragana, Katakana
        "\u6771\u4eac Tokyo",
        "Tokyo\u6771\u4eac",
        "\ud55c\uad6d\uc5b4 \u97d3\u570b",  # Hangul and Han
        "Ada 👩\u200d💻",
        "Ad\u00e9\u1e63\u00edn\u00e0 \u1ecc\u0300",  # Yoruba: a grave accent no precomposed letter has
        "R2-D2",
    ],
)
def test_single_script_names_in_any_script_pass(name: str) -> None:
    assert clean_name(name, "name", 50) == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("\u0410da", "mixes scripts"),  # a Cyrillic capital A, then Latin "da"
        ("Ad\u0430", "mixes scripts"),
        ("Ada L\u043evelace", "mixes scripts"),  # one Cyrillic o in the second word
        ("\u0391da", "mixes scripts"),  # Greek Alpha
        ("Ada\U00016fe4", "mixes scripts"),  # a Khitan filler after Latin
        ("Bob\u3007", "mixes scripts"),  # Latin and Han may mix, but not with Han's look-alike of "O"
        ("Ada\u0337", "drawn through"),  # a combining short solidus overlay
        ("Ad\u0338a", "drawn through"),
        ("Ada\u0301\u0301", "same accent twice"),
    ],
)
def test_look_alike_names_are_refused_with_a_clear_reason(name: str, reason: str) -> None:
    with pytest.raises(Invalid, match=reason):
        clean_name(name, "name", 50)
