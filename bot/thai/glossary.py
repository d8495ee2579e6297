"""The words of the procedure: one Thai word for each thing people do or see, and the synonyms
nobody may use instead.

People learn a procedure by its words. When the card says ขออนุญาตเผยแพร่, the notice must not
say ขออนุมัติเผยแพร่; when a director's button says ส่งกลับแก้ไข, the staff member's button says
แก้ไขและส่งใหม่ — one word per side of the same step. Every message takes its terms from here,
`tests/test_glossary.py` refuses a user-visible string that uses a banned synonym, and
docs/GLOSSARY.md explains the choices to translators and reviewers.

Also here: how a person is addressed (คุณ + given name, ท่าน for directors) and the label of a
button or quick reply (at most 20 characters, shortened after a whole word).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.thai.text import _is_mark, clip

# --- the things ---------------------------------------------------------------------------
ITEM = "เรื่อง"  # what a staff member sends and directors decide on (never "รายการ")
PHOTO = "ภาพ"  # an activity photo, and its classifier: "๓ ภาพ" (never "รูป")
PHOTOS = "ภาพกิจกรรม"
DOCUMENT = "เอกสาร"
VERSION = "ฉบับที่"

# --- what staff do ------------------------------------------------------------------------
ASK = "ขออนุญาตเผยแพร่"  # the request itself (ข้อ ๓.๑ of the announcement: ขออนุญาต)
SEND = "ส่งขออนุญาตเผยแพร่"  # the button on the confirmation card
SENT = "ส่งขออนุญาตเผยแพร่แล้วค่ะ"
EDIT = "แก้ไข"  # change a part of a draft before it is sent
REVISE = "แก้ไขและส่งใหม่"  # the staff member's side of a return
REPLACE_FILE = "เปลี่ยนไฟล์"
WITHDRAW = "ถอนเรื่อง"
CANCEL_DRAFT = "ยกเลิกเรื่อง"

# --- what directors do --------------------------------------------------------------------
APPROVE = "อนุมัติ"
RETURN = "ส่งกลับแก้ไข"  # the director's side of a return
REJECT = "ไม่อนุมัติ"
CONSIDER = "พิจารณา"
OPEN_CARD = "เปิดการ์ดพิจารณา"

# --- the menu's commands (typed words and rich-menu labels) -------------------------------
MY_ITEMS = "รายการของฉัน"
PENDING = "รออนุมัติ"
HELP = "วิธีใช้"

# Button and quick-reply labels: LINE refuses more than 20 characters.
LABEL_LIMIT = 20


def label(text: str, limit: int = LABEL_LIMIT) -> str:
    """A button's label: the text, or its start up to a whole word and "…"."""
    return clip(text, limit)


def photos(count: int | str) -> str:
    return f"{count} {PHOTO}"


# --- banned synonyms -----------------------------------------------------------------------

class Banned(NamedTuple):
    pattern: str  # a regular expression over user-visible text
    use: str  # the glossary's word
    why: str
    # Paths (from the repository's root) where the word means something else and may stay.
    except_in: tuple[str, ...] = ()


# The quarterly report and the public portal are documents: there รายการ is a table's row
# ("รายการ | ค่า") or a list of the minimum set, not the chat's item.
DOCUMENTS = ("bot/digest/render.py", "bot/render/chart.py", "templates/report/", "templates/portal/",
             "bot/portal/", "bot/ita/export.py")
# The personal-data check counts what it found: "พบเลขประจำตัวประชาชน ๒ รายการ" (issue #17's words).
COUNTS = ("bot/privacy/",)


BANNED: tuple[Banned, ...] = (
    Banned("ขออนุมัติเผยแพร่", ASK, "the announcement asks for permission (ขออนุญาต)"),
    Banned("ส่งขออนุมัติ", SEND, "the request is ขออนุญาตเผยแพร่"),
    Banned(r"รายการ(?!ของฉัน)", ITEM,
           "an item is a เรื่อง; รายการ only in the command รายการของฉัน", DOCUMENTS + COUNTS),
    Banned(r"รูป(?!แบบ)", PHOTO, "a photo is a ภาพ (รูปแบบ, a format, is another word)"),
    Banned("กดส่งใหม่", REVISE, "there is no ส่งใหม่ button"),
    Banned("ถูกส่งกลับให้แก้ไข", RETURN, "one word for the return"),
    Banned("แก้ไขแล้วส่งใหม่", REVISE, "the staff member's button is แก้ไขและส่งใหม่"),
    Banned("ส่งฉบับแก้ไข", SEND, "a corrected version is sent like the first"),
    Banned("แก้ไขเรื่องนี้", REVISE, "the staff member's button is แก้ไขและส่งใหม่"),
    Banned("แก้ไขไฟล์ใหม่", REPLACE_FILE, "a new file replaces the old one: เปลี่ยนไฟล์"),
    Banned("ปุ่มด้านบน", "the buttons of the message itself",
           "quick replies sit below and vanish after the next message"),
    Banned("คุณนาย|คุณนาง", "address()", "คุณ goes before the given name only"),
)
_BANNED = [(re.compile(b.pattern), b) for b in BANNED]


def banned_in(text: str, where: str = "") -> list[Banned]:
    """The banned synonyms `text` uses (`where`: its file, relative to the repository)."""
    return [b for rx, b in _BANNED
            if rx.search(text) and not any(where.startswith(p) for p in b.except_in)]


# --- addressing people ---------------------------------------------------------------------

# Titles written before a Thai name, longest first so ว่าที่ร้อยตรีหญิง is taken whole.
_TITLES = sorted((
    "นาย", "นาง", "นางสาว", "น.ส.", "ด.ช.", "ด.ญ.", "เด็กชาย", "เด็กหญิง",
    "ดร.", "ผศ.", "รศ.", "ศ.", "ผศ.ดร.", "รศ.ดร.", "ศ.ดร.",
    "ว่าที่ร้อยตรี", "ว่าที่ร้อยตรีหญิง", "ว่าที่ ร.ต.", "ว่าที่ร.ต.", "ว่าที่ร.ต.หญิง", "ว่าที่ ร.ต.หญิง",
    "ร.ต.", "ร.ท.", "ร.อ.", "พ.ต.", "พ.ท.", "พ.อ.", "จ.ส.อ.", "ส.อ.",
    "Mr.", "Mrs.", "Ms.", "Miss", "Dr.",
), key=len, reverse=True)


def given_name(full_name: str) -> str:
    """The given name without any title before it: "นางสาวรัตนาภรณ์ ใจดี" → "รัตนาภรณ์"."""
    name = " ".join((full_name or "").split())
    stripped = True
    while stripped:
        stripped = False
        for title in _TITLES:
            rest = name[len(title):].lstrip()
            # "นายิกา" is a name, not นาย + อิกา: a title never ends before a vowel mark
            if name.startswith(title) and rest and not _is_mark(rest[0]):
                name, stripped = rest, True
                break
    return name.split(" ")[0] if name else (full_name or "").strip()


def address(full_name: str, *, position: str = "", director: bool = False) -> str:
    """How a message speaks to a person: ท่านผู้อำนวยการ… for a director (their position, when
    it names the office they direct), else คุณ + given name — never คุณนาย or คุณนางสาว."""
    if director:
        if position.startswith("ผู้อำนวยการ"):
            return f"ท่าน{position}"
        return "ท่านผู้อำนวยการ"
    return f"คุณ{given_name(full_name)}"
