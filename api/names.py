"""Display names (users and chats): one form per look, nothing invisible, nothing that passes for another name.

A name is NFKC-normalised (so a full-width "Ada" is the plain "Ada"), its runs of spaces become one space,
and it is refused when it holds a character that shows nothing or changes how others show:
controls, format characters (zero-width spaces and joiners, direction marks and overrides, tag
characters), other default-ignorable code points (Hangul fillers, variation selectors), line and
paragraph separators, private-use, unassigned and surrogate code points, or the blank Braille
pattern. Two narrow exceptions keep real text working: the zero-width joiner and the emoji
variation selectors inside emoji sequences (👩‍💻, ♂️, 1️⃣), and the zero-width non-joiner between
two letters of a script that needs it (Persian, the Indic scripts). A name also needs a letter or a
digit, and at most MAX_MARKS combining marks on one character (no "Zalgo" stacks).

Look-alikes (Unicode's UTS #39): each word of a name keeps to one script, or to a mix that writing
uses (Japanese: Latin, Han, Hiragana, Katakana; Chinese: Latin, Han, Bopomofo; Korean: Latin, Han,
Hangul), the "highly restrictive" level, so a Cyrillic capital A never passes for a Latin "A" inside
"Ada", and in such a mix no character confusable with a Latin one (the Han zero U+3007 beside "Bob"). The
scripts and confusables come from `confusable_homoglyphs`' Unicode data; Common and Inherited
characters (digits, punctuation, emoji, combining accents) belong to every script. A mark drawn
through its letter (a combining slash or tilde overlay) and the same accent twice in a row are
refused too. Words in different scripts ("Анна Smith") are fine.
"""

from __future__ import annotations

import itertools
import unicodedata

from confusable_homoglyphs import categories, confusables  # type: ignore[import-untyped]

from .validation import Invalid

CHAT_NAME_MAX = 100
USER_NAME_MAX = 50
MAX_MARKS = 3  # combining marks on one base character: enough for Thai, Devanagari or Vietnamese

ZWNJ, ZWJ, VS15, VS16, KEYCAP = "\u200c", "\u200d", "\ufe0e", "\ufe0f", "\u20e3"
BLANK_BRAILLE = "\u2800"
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): shown as nothing at all.
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_FIRST_SCRIPT_WITH_ZWNJ = 0x0590  # Hebrew onwards: never Latin, Greek or Cyrillic
_EVERY_SCRIPT = frozenset({"COMMON", "INHERITED"})
# UTS #39's "highly restrictive" level: one script, or a subset of one of these
_SCRIPT_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_OVERLAY = 1  # canonical combining class of marks drawn through their base letter (U+0334..U+0338, U+20D2..)


def _default_ignorable(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in _DEFAULT_IGNORABLE)


def _letter(ch: str) -> bool:
    return bool(ch) and unicodedata.category(ch).startswith("L")


def _emoji(ch: str) -> bool:
    """Pictographs and their skin-tone modifiers: what a joiner or a variation selector may follow."""
    return unicodedata.category(ch) in ("So", "Sk")


def _allowed_invisible(name: str, i: int) -> bool:
    """The joiner and the variation selectors inside emoji, and ZWNJ between two letters of a script that uses it."""
    ch = name[i]
    before = name[i - 1] if i > 0 else ""
    after = name[i + 1] if i + 1 < len(name) else ""
    if ch in (VS15, VS16):
        return _emoji(before) if before else False
    if ch == ZWJ:
        return bool(before and after) and (_emoji(before) or before == VS16) and _emoji(after)
    if ch == ZWNJ:
        return all(_letter(c) and ord(c) >= _FIRST_SCRIPT_WITH_ZWNJ for c in (before, after))
    return False


def _invisible(name: str, i: int) -> bool:
    ch = name[i]
    hidden = ch == BLANK_BRAILLE or unicodedata.category(ch) in _REFUSED_CATEGORIES or _default_ignorable(ch)
    return hidden and not _allowed_invisible(name, i)


def _keycap_selector(name: str, i: int) -> bool:
    """`1️⃣`: a digit, `#` or `*`, VS16, then the enclosing keycap."""
    return name[i] == VS16 and i > 0 and name[i - 1] in "0123456789#*" and name[i + 1 : i + 2] == KEYCAP


def _mixes_scripts(word: str) -> bool:
    """A word whose letters come from scripts that are not written together, or that pass for Latin among Latin ones."""
    scripts = {categories.alias(ch) for ch in word} - _EVERY_SCRIPT
    if len(scripts) <= 1:
        return False
    if not any(scripts <= mix for mix in _SCRIPT_MIXES):
        return True
    # a mix writing uses (Latin and Han), but not with a character confusable with a Latin one (Han zero, U+3007)
    others = "".join(ch for ch in word if categories.alias(ch) not in _EVERY_SCRIPT | {"LATIN"})
    return "LATIN" in scripts and bool(confusables.is_confusable(others, preferred_aliases=["LATIN"]))


def _look_alike(name: str, what: str) -> str | None:
    """Why the name could pass for another one (UTS #39's checks), or None."""
    if any(_mixes_scripts(word) for word in name.split(" ")):
        return (
            f"The {what} mixes scripts in one word (such as a Cyrillic or Greek letter among Latin ones), "
            "so it could pass for another name: write each word in one script"
        )
    decomposed = unicodedata.normalize("NFD", name)
    if any(unicodedata.combining(ch) == _OVERLAY for ch in decomposed):
        return f"The {what} cannot contain marks drawn through a letter (such as a combining slash)"
    for before, ch in itertools.pairwise(decomposed):
        if ch == before and unicodedata.category(ch) == "Mn":
            return f"The {what} has the same accent twice on one character"
    return None


def clean_name(value: object, what: str, max_length: int) -> str:
    """The name as stored and shown (normalised, spaces collapsed), or Invalid saying what is wrong with it."""
    if not isinstance(value, str):
        raise Invalid(f"The {what} must be text")
    name = unicodedata.normalize("NFKC", value)
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise Invalid(f"The {what} cannot contain control characters")
    if any(_invisible(name, i) and not _keycap_selector(name, i) for i in range(len(name))):
        raise Invalid(f"The {what} cannot contain invisible or formatting characters (such as zero-width spaces)")
    name = " ".join(name.split())
    if not name:
        raise Invalid(f"The {what} cannot be empty")
    if len(name) > max_length:
        raise Invalid(f"The {what} is too long (at most {max_length} characters)")
    marks = 0
    for ch in name:
        marks = marks + 1 if unicodedata.category(ch).startswith("M") else 0
        if marks > MAX_MARKS:
            raise Invalid(f"The {what} has too many accents on one character (at most {MAX_MARKS})")
    if not any(unicodedata.category(ch)[0] in "LN" for ch in name):
        raise Invalid(f"The {what} needs at least one letter or digit")
    if (reason := _look_alike(name, what)) is not None:
        raise Invalid(reason)
    return name


def folded(name: str) -> str:
    """How a name is searched: NFKD without combining marks, case-folded, spaces collapsed ("Ádá" is "ada")."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    return " ".join(bare.casefold().split())
