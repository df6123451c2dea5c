"""The words of a chat's messages, kept as rows of the chat's own history partition so messages can be searched.

Table Storage has no full-text index, so each message writes one row per distinct word it holds,
`t|<word>|<inverted seq>` in the chat's `messages` partition, in the same transaction as the
message itself (api/history.py): the index and the history can never disagree. An edit removes the
words the message lost and adds the ones it gained, a delete removes them all, in the transaction
of the change. Words are folded (NFKD without marks, case-folded: "Café" is found by "cafe"), cut to
WORD_MAX characters, and a message indexes at most WORDS_MAX of them (its first distinct ones), so
an edit (the words lost plus the words gained, with the head, the change and the message) always
fits one 100-operation transaction. The seq is inverted (SEQ_MAX - seq) so a range query reads the
newest uses of a word first.
"""

from __future__ import annotations

import re
import unicodedata

WORD_PREFIX = "t|"
WORD_MAX = 32  # characters of a word that count; longer words are found by their first 32
WORDS_MAX = 40  # distinct words indexed per message: 2 x 40 + 3 operations fit one transaction
_SEQ_MAX = 2**31 - 1
_DIGITS = 10
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """How a word is compared: NFKD without combining marks, case-folded ("Ádá" is "ada")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M")).casefold()


def words(text: str, most: int = WORDS_MAX) -> list[str]:
    """The distinct folded words of a text, in order of first use, at most `most` (underscores split words)."""
    found: dict[str, None] = {}
    for match in _WORD.finditer(fold(text).replace("_", " ")):
        found[match.group()[:WORD_MAX]] = None
        if len(found) == most:
            break
    return list(found)


def word_key(word: str, seq: int) -> str:
    """The RowKey of one use of `word` in message `seq`: newest first within the word."""
    return f"{WORD_PREFIX}{word}|{_SEQ_MAX - seq:0{_DIGITS}d}"


def seq_of(key: str) -> int:
    """The message number a word row stands for."""
    return _SEQ_MAX - int(key.rsplit("|", 1)[1])


def word_range(word: str, prefix: bool) -> tuple[str, str]:
    """The RowKeys (from inclusive, to exclusive) of the uses of `word`, or of every word starting with it."""
    low = f"{WORD_PREFIX}{word}" if prefix else f"{WORD_PREFIX}{word}|"
    return low, low[:-1] + chr(ord(low[-1]) + 1)
