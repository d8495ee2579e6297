"""Names of files: what people are shown, what a download is saved as, and the
Content-Disposition header that carries a Thai name to every browser.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from bot.thai.text import clip, cut

# File name extensions and the kind each claims, for reading what a sender claims and for
# dropping it from titles (bot.files.kinds labels the kinds).
EXTENSION_KINDS: dict[str, str] = {
    "pdf": "pdf", "doc": "doc", "docx": "docx", "xls": "xls", "xlsx": "xlsx", "ppt": "ppt",
    "pptx": "pptx", "odt": "odt", "ods": "ods", "odp": "odp", "zip": "zip",
    "jpeg": "jpeg", "jpg": "jpeg", "jpe": "jpeg", "png": "png",
}

# Characters Windows cannot save in a name: slashes become hyphens (titles such as
# "คำสั่งที่ 12/2569" are common), the rest become spaces.
_SLASHES = re.compile(r"[/\\]")
_WINDOWS_UNSAFE = re.compile(r'[<>:"|?*]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)
}


def _drop_unseen(text: str) -> str:
    """Remove control and format characters: bidi overrides (U+202E shows "fdp.exe" as
    "exe.pdf"), zero-width characters, BOMs and NULs. Line breaks and tabs become spaces."""
    return "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or not unicodedata.category(ch).startswith("C")
    )


def _clean_text(text: str) -> str:
    """NFC, visible characters only, single spaces, no leading dots or spaces."""
    text = _drop_unseen(unicodedata.normalize("NFC", text or ""))
    return " ".join(text.split()).lstrip(". ")



def split_extension(name: str) -> tuple[str, str]:
    """``(stem, ext)`` when the name ends in a plausible extension (1-10 ASCII letters or
    digits after a dot), else ``(name, "")``."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and len(ext) <= 10 and ext.isascii() and ext.isalnum():
        return stem, ext
    return name, ""


def _strip_known_extension(name: str) -> str:
    stem, ext = split_extension(name)
    return stem if ext.lower() in EXTENSION_KINDS else name


def _shorten(text: str, max_len: int) -> str:
    """At most ``max_len`` characters, keeping the extension and marking the cut with …."""
    if len(text) <= max_len:
        return text
    stem, ext = split_extension(text)
    if ext and max_len > len(ext) + 2:
        return clip(stem, max_len - len(ext) - 1) + "." + ext
    return clip(text, max_len)


def safe_display_name(name: str, max_len: int = 120) -> str:
    """A file name fit to show people: the last path segment only, no invisible or
    direction-changing characters, no leading dots, single spaces, at most ``max_len``
    characters with the extension kept; ``ไฟล์`` when nothing is left."""
    last_segment = _SLASHES.split(name or "")[-1]
    return _shorten(_clean_text(last_segment), max_len) or "ไฟล์"


def _saveable_text(text: str) -> str:
    return _clean_text(_WINDOWS_UNSAFE.sub(" ", _SLASHES.sub("-", text or "")))


def _portable(name: str) -> str:
    """A name every operating system can save. Eighty characters keep a Thai name (three
    bytes a character in UTF-8) under the usual 255-byte limit."""
    text = _shorten(_saveable_text(name), 80).rstrip(". ")
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = "_" + text
    return text or "ไฟล์"


def download_filename(title_or_name: str, ext: str) -> str:
    """The name a downloaded file gets: the title (Thai kept) with the extension its bytes
    deserve, e.g. ``("คำสั่งที่ 12/2569", "pdf")`` -> ``คำสั่งที่ 12-2569.pdf``."""
    ext = ext.lower().lstrip(".")
    if not (ext.isascii() and ext.isalnum() and 0 < len(ext) <= 10):
        raise ValueError(f"not a file extension: {ext!r}")
    stem = _strip_known_extension(_saveable_text(title_or_name)).rstrip(" .") or "ไฟล์"
    return _portable(f"{stem}.{ext}")


def ascii_filename(name: str) -> str:
    """ASCII-only stand-in for clients that ignore ``filename*``: letters, digits, ``-`` and
    ``_`` survive; a stem without Latin letters becomes ``file`` (``file-1.pdf``)."""
    stem, ext = split_extension(_portable(name))
    ascii_stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")
    if not re.search(r"[A-Za-z]", ascii_stem):
        ascii_stem = f"file-{ascii_stem}" if ascii_stem else "file"
    return f"{ascii_stem}.{ext}" if ext else ascii_stem


def content_disposition(name: str, inline: bool = False) -> str:
    """A Content-Disposition value with an ASCII fallback and the UTF-8 name (RFC 6266/5987)."""
    portable = _portable(name)
    disposition = "inline" if inline else "attachment"
    return (
        f'{disposition}; filename="{ascii_filename(portable)}"; '
        f"filename*=UTF-8''{quote(portable, safe='')}"
    )


def title_from_filename(name: str) -> str:
    """A suggested title: extension dropped, ``_`` and word-joining ``-`` turned into spaces
    (a ``-`` between digits, as in 2569-2570, stays); ``""`` when nothing usable is left."""
    text = _strip_known_extension(_clean_text(_SLASHES.split(name or "")[-1]))
    text = re.sub(r"_|(?<!\d)-|-(?!\d)", " ", text)
    return cut(" ".join(text.split()), 200).strip(" .")

