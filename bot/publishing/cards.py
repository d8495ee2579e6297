"""What people read about a publication in LINE: the cards, the share text, the short notices,
and the title image that stands in for a thumbnail when an item has no photo."""

from __future__ import annotations

import io
import re

from bot.publishing.addresses import Links
from bot.publishing.item import ItemView
from bot.render import flex
from bot.render.fonts import sarabun_path
from bot.render.palette import BRAND, BRAND_DEEP, OK, WARN
from bot.spine import messages, postback
from bot.thai.dates import Numerals
from bot.thai.text import clip
from bot.thai.wrap import wrap

TITLE_LINES = 3
MAX_FILES_LISTED = 5


# --- texts ----------------------------------------------------------------------------------

def _hashtag(text: str) -> str:
    return "#" + re.sub(r"[\s.\-/()“”\"',]+", "", text)


def _public_lead(view: ItemView) -> str:
    """What the post is about, said to the public (not the office's internal summary)."""
    paragraphs = [p.strip() for p in view.description.splitlines() if p.strip()]
    if paragraphs:
        return "\n".join(clip(p, 200) for p in paragraphs[:3])
    who = view.unit_name and f"{view.unit_name} {view.office_short}" or view.office_short
    if view.kind == "photos":
        when = f" เมื่อวันที่ {Numerals.of(view.digits).date(view.activity_date)}" if view.activity_date else ""
        return f"{who} จัดกิจกรรม “{clip(view.title, 120)}”{when} ขอขอบคุณทุกท่านที่ร่วมกิจกรรมค่ะ"
    return f"{who} ขอแจ้งข้อมูลข่าวสารให้ประชาชนและผู้สนใจทราบโดยทั่วกัน"


def share_text(view: ItemView, urls: Links, site_url: str | None = None) -> str:
    """Ready to paste as a Facebook post: a headline, a few sentences for the public, where to
    read or download it (the office's own website when the item is there too), the office's
    name and hashtags — no codes or internal wording."""
    tags = [_hashtag(view.office_short), _hashtag(view.category_short)]
    if view.kind == "photos":
        tags.append("#ภาพกิจกรรม")
    lines = [f"📢 {view.title}", "", _public_lead(view)]
    if view.photos:
        lines.append(f"📸 ภาพกิจกรรม {Numerals.of(view.digits).n(len(view.photos))} ภาพ")
    more = "ชมภาพทั้งหมด" if view.kind == "photos" else "อ่านรายละเอียดและดาวน์โหลดเอกสาร"
    lines += ["", f"👉 {more}: {site_url or urls.item(view.publication_id)}", "", view.office_name, " ".join(tags)]
    return "\n".join(lines)


def submitter_published_text(view: ItemView, urls: Links) -> str:
    return (f"เรื่อง “{clip(view.title, 120)}” ได้รับอนุมัติและเผยแพร่บนเว็บไซต์แล้วค่ะ\n"
            f"{urls.item(view.publication_id)}")


def handed_to_ict_text(view: ItemView, ict_count: int) -> str:
    if ict_count == 0:
        return (f"อนุมัติเรื่อง “{clip(view.title, 80)}” แล้วค่ะ แต่ยังไม่มีเจ้าหน้าที่ ICT "
                "เชื่อมบัญชี LINE ไว้ เรื่องจึงรอเผยแพร่อยู่ กรุณาแจ้งผู้ดูแลระบบค่ะ")
    return (f"อนุมัติเรื่อง “{clip(view.title, 80)}” แล้วค่ะ "
            f"ส่งต่อให้เจ้าหน้าที่ ICT ({Numerals.of(view.digits).n(ict_count)} คน) นำขึ้นเว็บไซต์แล้ว")


def site_posted_pr_text(view: ItemView, site_url: str) -> str:
    """For PR when the office's website took the item only after its card had gone out."""
    return (f"เรื่อง “{clip(view.title, 120)}” ขึ้นเว็บไซต์สำนักงานแล้วค่ะ\n{site_url}")


def site_failed_ict_text(view: ItemView, problem: str) -> str:
    """For the ICT people: the office's website did not take the item, and what to fix."""
    return (f"นำเรื่อง “{clip(view.title, 80)}” ขึ้นเว็บไซต์สำนักงานไม่สำเร็จค่ะ\n{problem}\n"
            "เรื่องยังเผยแพร่บนระบบประกาศตามปกติ เมื่อแก้ไขแล้วให้ผู้ดูแลระบบสั่ง "
            "flask --app webhook outbox retry เพื่อส่งขึ้นเว็บไซต์อีกครั้งค่ะ")


def retracted_pr_text(view: ItemView, urls: Links) -> str:
    return (f"ถอนการเผยแพร่เรื่อง “{clip(view.title, 120)}” แล้วค่ะ\n"
            f"เหตุผล: {view.retract_reason}\n"
            "หากได้แชร์ในสื่อสังคมออนไลน์หรือติดบอร์ดประชาสัมพันธ์ไว้ กรุณานำออกด้วยค่ะ")


def retracted_submitter_text(view: ItemView) -> str:
    return (f"เรื่อง “{clip(view.title, 120)}” ถูกถอนการเผยแพร่จากเว็บไซต์แล้วค่ะ\n"
            f"เหตุผล: {view.retract_reason}")


def retracted_actor_text(view: ItemView) -> str:
    return (f"ถอนการเผยแพร่เรื่อง “{clip(view.title, 120)}” แล้วค่ะ "
            "หน้าเว็บจะแจ้งผู้เข้าชมว่าถอนแล้วพร้อมเหตุผล และได้แจ้งงานประชาสัมพันธ์และผู้ส่งเรื่องแล้ว")


# --- Flex -----------------------------------------------------------------------------------

def _uri_button(label: str, uri: str, style: str = "secondary") -> dict:
    return flex.button(flex.uri(label, uri), style)


def _postback_button(label: str, data: str, display: str, style: str = "secondary") -> dict:
    return flex.button(messages.postback_action(label, data, display), style)


def _bubble(*, badge: str, badge_color: str, view: ItemView, lines: list[dict],
            buttons: list[dict], hero_url: str | None, hero_ratio: str, link: str | None) -> dict:
    """A publication's card: badge, title and category over its lines, the buttons below."""
    body = [
        flex.text(badge, size="xs", weight="bold", color=badge_color),
        flex.text(view.title, size="md", weight="bold", max_lines=TITLE_LINES),
        flex.note(Numerals.of(view.digits).digits(view.category_label)),
        *lines,
    ]
    hero = None
    if hero_url:
        hero = flex.image(hero_url, ratio=hero_ratio,
                          action=flex.uri("เปิด", link) if link else None)
    return flex.bubble(body=body, hero=hero, footer=buttons)


def hero_image(view: ItemView, urls: Links) -> tuple[str | None, str]:
    """(image URL, aspect ratio): the first photo, else the title image; LINE needs https."""
    if not urls.https or view.publication_id is None:
        return None, "40:21"
    if view.photos:
        return urls.thumb(view.publication_id, view.photos[0].id), "4:3"
    return urls.card_image(view.publication_id), "40:21"


def _meta_line(view: ItemView) -> dict:
    when = Numerals.of(view.digits).date(view.published_at, short=True) if view.published_at else ""
    parts = [p for p in (view.unit_name, when and f"เผยแพร่ {when}") if p]
    return flex.note(" · ".join(parts))


def pr_card(view: ItemView, urls: Links, site_url: str | None = None) -> dict:
    """For the PR group: what was published, with the page and the A4 notice for the board, and
    the post on the office's own website when it has one."""
    hero, ratio = hero_image(view, urls)
    link = urls.item(view.publication_id)
    lines = [_meta_line(view)]
    if view.photos:
        lines.append(flex.note(f"ภาพกิจกรรม {Numerals.of(view.digits).n(len(view.photos))} ภาพ"))
    site = [_uri_button("เปิดบนเว็บไซต์สำนักงาน", site_url)] if site_url else []
    if site_url:
        lines.append(flex.note(f"เว็บไซต์สำนักงาน: {site_url}", color=BRAND))
    lines.append(flex.note("ข้อความสำหรับแชร์อยู่ในข้อความถัดไป กดค้างเพื่อคัดลอกได้ค่ะ",
                           size="xxs"))
    bubble = _bubble(
        badge="เผยแพร่บนเว็บไซต์แล้ว", badge_color=OK, view=view, lines=lines,
        buttons=[_uri_button("เปิดหน้าเว็บไซต์", link, "primary"), *site,
                 _uri_button("ใบประกาศ A4 สำหรับบอร์ด", urls.notice(view.publication_id))],
        hero_url=hero, hero_ratio=ratio, link=link,
    )
    return messages.flex(f"เผยแพร่แล้ว: {view.title}", bubble)


def published_card(view: ItemView, urls: Links, *, can_retract: bool, can_record: bool) -> dict:
    """For the ICT people and the deciding director: published, with the record and retract."""
    hero, ratio = hero_image(view, urls)
    link = urls.item(view.publication_id)
    buttons = [_uri_button("เปิดหน้าเว็บไซต์", link, "primary")]
    if can_record:
        buttons.append(_postback_button("บันทึกขออนุญาตเผยแพร่ (PDF)",
                                        postback.encode("publish_record", p=view.publication_id),
                                        "ขอบันทึกขออนุญาตเผยแพร่"))
    if can_retract:
        buttons.append(_postback_button("ถอนการเผยแพร่",
                                        postback.encode("retract", p=view.publication_id),
                                        "ถอนการเผยแพร่"))
    bubble = _bubble(badge="เผยแพร่บนเว็บไซต์แล้ว", badge_color=OK, view=view,
                     lines=[_meta_line(view), flex.note(link, color=BRAND)],
                     buttons=buttons, hero_url=hero, hero_ratio=ratio, link=link)
    return messages.flex(f"เผยแพร่แล้ว: {view.title}", bubble)


def publish_request_card(view: ItemView, preview: str, hero_url: str | None) -> dict:
    """For ICT in `ict` mode: an approved item waiting to be put on the website."""
    lines = [flex.note(f"จาก {view.unit_name or view.submitter.name}")]
    if view.approvals:
        last = view.approvals[-1]
        when = f" {Numerals.of(view.digits).date(last.at, short=True)}" if last.at else ""
        lines.append(flex.note(f"อนุมัติโดย {last.name}{when}"))
    listed = view.files[:MAX_FILES_LISTED]
    for f in listed:
        lines.append(flex.text(f"📎 {clip(f.name, 60)}", size="xs"))
    if len(view.files) > len(listed):
        lines.append(flex.note(f"และอีก {Numerals.of(view.digits).n(len(view.files) - len(listed))} ไฟล์"))
    if view.photos:
        lines.append(flex.text(f"ภาพกิจกรรม {Numerals.of(view.digits).n(len(view.photos))} ภาพ", size="xs"))
    bubble = _bubble(
        badge="รอเผยแพร่บนเว็บไซต์", badge_color=WARN, view=view, lines=lines,
        buttons=[_postback_button("เผยแพร่", postback.encode("publish", p=view.submission_id),
                                  "เผยแพร่", "primary"),
                 _uri_button("ดูตัวอย่างหน้าเว็บ", preview)],
        hero_url=hero_url, hero_ratio="4:3", link=preview,
    )
    return messages.flex(f"รอเผยแพร่: {view.title}", bubble)


def record_link_message(view: ItemView, url: str) -> dict:
    return messages.text(
        f"บันทึกขออนุญาตเผยแพร่ เรื่อง “{clip(view.title, 100)}” "
        f"(ลิงก์ใช้ได้ 24 ชั่วโมง)\n{url}")


# --- the title image ------------------------------------------------------------------------

CARD_SIZE = (1200, 630)


def card_image(title: str, category_label: str, office_short: str) -> bytes:
    """A PNG with the title on the office's colour: the thumbnail of an item without photos
    (LINE card hero, og:image)."""
    # Pillow loads only when a card image is drawn.
    from PIL import Image, ImageDraw, ImageFont, features


    layout = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    width, height = CARD_SIZE
    margin = 72
    image = Image.new("RGB", CARD_SIZE, BRAND_DEEP)
    draw = ImageDraw.Draw(image)
    small = ImageFont.truetype(str(sarabun_path()), 34, layout_engine=layout)
    draw.text((margin, margin - 10), office_short, font=small, fill="#c9d6ea")
    size = 64
    while True:
        big = ImageFont.truetype(str(sarabun_path(bold=True)), size, layout_engine=layout)
        lines = wrap(title, lambda s, f=big: f.getlength(s) <= width - 2 * margin)
        if len(lines) <= 4 or size <= 44:
            break
        size -= 6
    if len(lines) > 4:
        lines = [*lines[:3], clip(lines[3], max(1, len(lines[3]) - 1))]
    line_h = int(size * 1.5)
    top = (height - line_h * len(lines)) // 2
    for i, line in enumerate(lines):
        draw.text((margin, top + i * line_h), line, font=big, fill="#ffffff")
    draw.rectangle((0, height - 14, width, height), fill="#e0a526")
    draw.text((margin, height - margin - 30), category_label, font=small, fill="#f3e3b5")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
