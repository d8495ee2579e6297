"""Shortening text for people: titles on cards, names of files, summaries in feeds.

Thai writes vowels and tone marks as combining characters after their consonant, and a few
vowels (เ แ โ ใ ไ) before it. A plain slice can leave a consonant without its marks, or a
leading vowel with nothing after it; both read as a different word, so every cut goes here.
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"
# Written before the consonant they are read after: one left at the end belongs to nothing.
LEADING_VOWELS = "เแโใไ"
# A cut at a space is preferred when it keeps at least this share of the allowed length.
_WORD_CUT_SHARE = 0.6


def _is_mark(ch: str) -> bool:
    """Combining characters (Thai vowels above and below, tone marks, Latin accents)."""
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")


def cut(text: str, limit: int) -> str:
    """The longest start of ``text`` of at most ``limit`` characters that ends after a whole
    character with its marks, with trailing spaces and a stranded leading vowel dropped."""
    if len(text) <= limit:
        return text
    end = max(limit, 0)
    while end > 0 and _is_mark(text[end]):
        end -= 1
    return text[:end].rstrip().rstrip(LEADING_VOWELS).rstrip()


def clip(text: str, limit: int) -> str:
    """``text`` on one line in at most ``limit`` characters; when it is shortened it ends in
    "…", cut at a space if one is near, never between a character and its marks."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    head = cut(text, limit - 1)
    space = head.rfind(" ")
    if space >= limit * _WORD_CUT_SHARE:
        head = head[:space].rstrip()
    return head + ELLIPSIS
