"""Shortening text for people: titles on cards, names of files, summaries in feeds.

Thai writes vowels and tone marks as combining characters after their consonant, and a few
vowels (เ แ โ ใ ไ) before it. A plain slice can leave a consonant without its marks, or a
leading vowel with nothing after it; both read as a different word, so every cut goes here.
"""

from __future__ import annotations

import re
import unicodedata

from bot.thai.wrap import words

ELLIPSIS = "…"
# Written before the consonant they are read after: one left at the end belongs to nothing.
LEADING_VOWELS = "เแโใไ"
# A cut between words is preferred when it keeps at least this share of the allowed length.
_WORD_CUT_SHARE = 0.3
# C0 and C1 controls, DEL, lone surrogates and the two non-characters: nothing a person reads,
# and each one makes XML (feeds, sitemaps, workbooks) invalid. Tab and newline are kept apart.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile("\r\n?")


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` without control characters. With ``lines`` (descriptions, reasons) newlines
    and tabs stay, a CR LF or lone CR becoming a newline; without, they become spaces."""
    text = _LINE_BREAKS.sub("\n", text or "")
    if not lines:
        text = text.replace("\n", " ").replace("\t", " ")
    return _UNPRINTABLE.sub("", text)


def printed(value):
    """Jinja's ``finalize``: a string a template prints (Markup stays Markup), printable."""
    return type(value)(printable(value, lines=True)) if isinstance(value, str) else value


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
    "…" after a whole word (Thai words found by the segmenter in bot.thai.wrap), never inside
    one; only a first word longer than the limit is cut between characters."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    room = max(limit - 1, 0)
    head = ""
    for token in words(text):
        if len(head) + len(token) > room:
            break
        head += token
    head = head.rstrip()
    if len(head) < room * _WORD_CUT_SHARE:  # one long word (a name, a URL): cut it rather than lose it
        head = cut(text, room)
    return head + ELLIPSIS
