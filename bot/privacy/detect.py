"""Personal data in extracted text: Thai national ID numbers (valid check digit only), Thai phone
numbers, bank account numbers and e-mail addresses. Pure functions; a value leaves here masked.

Patterns are strict on purpose: a check that cries wolf on every date and document number is
soon ignored. An ID must carry its check digit; a bank account needs its usual dashes or the word
บัญชี/ธนาคาร nearby; an address at a government domain (.go.th) is the office's own contact,
and so is a phone number an office publishes (its letterhead's, given as `public`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("national_id", "phone", "bank_account", "email")
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

# 1-2345-67890-12-3: thirteen digits, run together or in the card's five groups with one kind of
# separator (a table of scores "10 12 15 …" must not read as an ID).
_NATIONAL_ID = re.compile(r"(?<![\d])[1-8](?P<s>[ \-–]?)\d{4}(?P=s)\d{5}(?P=s)\d{2}(?P=s)\d(?![\d])")
_SEP = r"[ \-–.]?"
# 08x-xxx-xxxx / +66 8x xxx xxxx (mobile), 0x-xxx-xxxx / 0 5551 1234 (landline).
_MOBILE = re.compile(rf"(?<![\d+])(?:\+66|0){_SEP}[689](?:{_SEP}\d){{8}}(?![\d])")
_LANDLINE = re.compile(rf"(?<![\d+])(?:\+66|0){_SEP}[2-7](?:{_SEP}\d){{7}}(?![\d])")
_BANK_DASHED = re.compile(r"(?<![\d\-])\d{3}-\d-\d{5}-\d(?![\d\-])")
_BANK_WORD = re.compile(r"บัญชี|ธนาคาร|\bbank\b|\baccount\b|\ba/c\b", re.IGNORECASE)
_BANK_NEAR_WORD = re.compile(r"(?<![\d])\d(?:[ \-]?\d){9,11}(?![\d])")
_BANK_WINDOW = 60
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
PUBLIC_EMAIL_DOMAINS = (".go.th",)


@dataclass(frozen=True)
class Finding:
    """One value found: its kind, where (a page, a sheet or a photo, 1-based), and how it may
    be shown (masked). The value itself is never kept."""

    kind: str
    page: int
    masked: str


def valid_national_id(digits: str) -> bool:
    """The Thai ID's mod-11 check: weights 13…2 over the first twelve digits."""
    if len(digits) != 13 or not digits.isdigit() or digits[0] == "0":
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def mask_digits(text: str, keep: int) -> str:
    """Every digit but the last `keep` becomes x; separators stay, so the shape is recognisable."""
    digits = sum(c.isdigit() for c in text)
    out, seen = [], 0
    for c in text:
        if c.isdigit():
            seen += 1
            out.append(c if seen > digits - keep else "x")
        else:
            out.append(c)
    return "".join(out)


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _blank(text: str, start: int, end: int) -> str:
    """Take a found span out of the text (same length, so later offsets still hold)."""
    return text[:start] + "#" * (end - start) + text[end:]


def _phones(text: str):
    """(match, the number from its leading 0) for every phone number in `text`."""
    for pattern in (_MOBILE, _LANDLINE):
        for match in pattern.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            yield match, "0" + digits[2:] if digits.startswith("66") else digits


def phone_numbers(text: str) -> frozenset[str]:
    """The phone numbers written in `text` (an office's contact line), as `find` compares them."""
    return frozenset(number for _, number in _phones(text.translate(THAI_DIGITS)))


def find(text: str, page: int, public: frozenset[str] = frozenset()) -> list[Finding]:
    """Everything personal in one page's text, each distinct value once per page; a phone
    number in `public` (an office's own, see phone_numbers) is not personal."""
    text = text.translate(THAI_DIGITS)
    found: list[Finding] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, value: str, masked: str) -> None:
        if (kind, value) not in seen:
            seen.add((kind, value))
            found.append(Finding(kind, page, masked))

    for match in list(_NATIONAL_ID.finditer(text)):
        digits = re.sub(r"\D", "", match.group())
        if valid_national_id(digits):
            add("national_id", digits, mask_digits(match.group(), 3))
        text = _blank(text, *match.span())  # an invalid one is not a phone number either
    for match in list(_BANK_DASHED.finditer(text)):
        add("bank_account", re.sub(r"\D", "", match.group()), mask_digits(match.group(), 4))
        text = _blank(text, *match.span())
    for match, number in list(_phones(text)):
        if number not in public:
            add("phone", number, mask_digits(match.group(), 4))
        text = _blank(text, *match.span())
    for word in _BANK_WORD.finditer(text):
        window = text[word.end() : word.end() + _BANK_WINDOW]
        for match in _BANK_NEAR_WORD.finditer(window):
            add("bank_account", re.sub(r"\D", "", match.group()), mask_digits(match.group(), 4))
    for match in _EMAIL.finditer(text):
        address = match.group().strip(".")
        if not address.lower().endswith(PUBLIC_EMAIL_DOMAINS):
            add("email", address.lower(), mask_email(address))
    return found
