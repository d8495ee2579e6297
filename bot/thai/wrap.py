"""Renderers that turn plain data into files users see: PDFs, rich-menu images, charts, workbooks.

Thai is written without spaces between words, so none of the drawing libraries can find a
line-break point in it. This module finds word boundaries (the newmm dictionary segmenter) and
wraps text into lines for a caller-supplied width test. fpdf2 cannot be handed break hints
instead: with text shaping on, its bidi pass drops U+200B, so lines are broken here up front.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path

import nlpo3

_THAI = re.compile(r"[\u0e00-\u0e7f]")
# A base character with its combining vowels and tone marks: never split across lines.
_CLUSTER = re.compile(r".[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]*", re.DOTALL)
# A line must not start with these (repetition marks, closing punctuation) nor end with openers.
_NO_LINE_START = set("ๆฯ)]}.,:;!?%")
_NO_LINE_END = set("([{")


_DICTIONARY = "th-words"


@cache
def _segmenter() -> Callable[[str], list[str]]:
    """newmm over PyThaiNLP's word list, loaded on the first Thai text, once per process.

    nlpO3 is PyThaiNLP's own newmm in Rust. pythainlp itself is never imported: its package loads
    every dictionary and model it has on import (about 250 MB and 2-3 s in each process); nlpO3
    holds the same word list in about 60 MB and loads it in a tenth of a second. Only the list's
    file is taken from the pythainlp package (found without importing it).
    """
    package = importlib.util.find_spec("pythainlp").submodule_search_locations[0]
    nlpo3.load_dict(str(Path(package) / "corpus" / "words_th.txt"), _DICTIONARY)
    return lambda text: nlpo3.segment(text, _DICTIONARY)


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """Split text into words and whitespace runs that concatenate back to exactly ``text``."""
    if not _THAI.search(text):
        return tuple(t for t in re.split(r"(\s+)", text) if t)
    tokens = _segmenter()(text)
    return tuple(tokens) if "".join(tokens) == text else (text,)


def _may_break(before: str, after: str) -> bool:
    """Whether a line may end between two adjacent non-space tokens."""
    if after[0] in _NO_LINE_START or before[-1] in _NO_LINE_END:
        return False
    # Without a space, only a Thai word boundary is a break point (not inside "A4" or "1.9").
    return bool(_THAI.match(after[0]) or _THAI.match(before[-1]))


def chunks(paragraph: str) -> list[str]:
    """Whitespace runs and unbreakable chunks (words, "A4", "ต่างๆ"); lines break between them."""
    units: list[str] = []
    for token in words(paragraph):
        prev = units[-1] if units else ""
        if prev and not prev.isspace() and not token.isspace() and not _may_break(prev, token):
            units[-1] += token
        else:
            units.append(token)
    return units


def wrap(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Greedy word wrap into lines for which ``fits`` holds; ``\\n`` starts a new line.

    A chunk too long for a line on its own is cut between character clusters, so a vowel or tone
    mark always stays with its consonant.
    """
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = ""
        for unit in chunks(paragraph):
            if not unit.isspace() and line.strip() and not fits((line + unit).strip()):
                lines.append(line.strip())
                line = ""
            line += unit
            if not fits(line.strip()):
                *full, line = _cut_clusters(line.strip(), fits)
                lines.extend(full)
        lines.append(line.strip())
    return lines


def _cut_clusters(text: str, fits: Callable[[str], bool]) -> list[str]:
    parts = [""]
    for cluster in _CLUSTER.findall(text):
        if parts[-1] and not fits(parts[-1] + cluster):
            parts.append("")
        parts[-1] += cluster
    return parts
