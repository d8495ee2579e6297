"""Invite codes: issue one for a person, shown once as a QR code that opens the bot's chat with
the code typed in, and as text to read out; revoke the codes not used yet.

The QR holds LINE's `https://line.me/R/oaMessage/{basic id}/?{text}` link. The basic id comes
from LINE's bot info (GET /v2/bot/info), asked once per channel and kept for the process.
"""

from __future__ import annotations

import io
import logging
import threading
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from flask import g, make_response
from markupsafe import Markup
from sqlalchemy import select

from bot.admin import changes
from bot.admin.auth import admin_required
from bot.admin.rows import done, owned, page, refused
from bot.office import richmenus
from bot.office.org import INVITE_VALID, OrgError, create_invite, open_invites, revoke_invites
from bot.spine.sender import NoChannel
from models import Person, utcnow

log = logging.getLogger(__name__)
_basic_ids: dict[tuple[str, str], str] = {}
_lock = threading.Lock()


def bot_basic_id(runtime, office_id: int) -> str | None:
    """The basic id ("@123abcde") of the office's own bot, or None when LINE cannot be asked now."""
    try:
        clients = runtime.clients_for(office_id)
    except NoChannel:  # no channel for the office: the code is still given as text
        log.warning("office %s has no LINE channel: the invite is shown without its QR code", office_id)
        return None
    key = (runtime.config.line_api_base, office_id, id(clients))
    with _lock:
        if key in _basic_ids:
            return _basic_ids[key]
    try:
        info = clients.api.get_bot_info(_request_timeout=clients.timeout)
    except Exception:  # LINE unreachable or refusing: the code is still given as text
        log.warning("bot info unavailable: the invite is shown without its QR code")
        return None
    with _lock:
        _basic_ids[key] = info.basic_id
    return info.basic_id


def chat_link(basic_id: str, text: str) -> str:
    """LINE's link that opens the official account's chat with `text` typed in, not yet sent."""
    return f"https://line.me/R/oaMessage/{quote(basic_id, safe='')}/?{quote(text, safe='')}"


def qr_svg(data: str, label: str) -> Markup:
    """An inline SVG QR code (no image file, no script), named for screen readers."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg"):]  # drop the XML declaration: it is inline HTML
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1))


def spaced(code: str) -> str:
    """The code in groups for reading out over the phone: ABCDE FGHJK."""
    return " ".join(code[i:i + 5] for i in range(0, len(code), 5))


def register(bp, runtime) -> None:
    @bp.get("/invites")
    @admin_required
    def invites():
        now = utcnow()
        people = g.db.scalars(select(Person).where(Person.office_id == g.office.id)
                              .order_by(Person.active.desc(), Person.name)).all()
        return page("admin/invites.html", people=people, open=open_invites(g.db, g.office.id, now))

    @bp.post("/invites/<id:person_id>")
    @admin_required
    def issue_invite(person_id: int):
        person = owned(Person, person_id)
        now = utcnow()
        try:
            code = create_invite(g.db, person, now)
        except OrgError as exc:
            return refused("admin.invites", exc.thai)
        changes.record(g.db, g.admin, "admin.invite", person=person.key)
        g.db.commit()
        basic_id = bot_basic_id(runtime, g.office.id)
        link = chat_link(basic_id, code) if basic_id else None
        response = make_response(page(
            "admin/invite_code.html", person=person, code=code, spaced=spaced(code), link=link,
            qr=qr_svg(link, f"คิวอาร์โค้ดเชื่อมบัญชี LINE ของ{person.name}") if link else None,
            expires=now + INVITE_VALID))
        # Shown once: never kept by the browser or a proxy.
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.post("/invites/<id:person_id>/revoke")
    @admin_required
    def revoke_invite(person_id: int):
        person = owned(Person, person_id)
        if not revoke_invites(g.db, person, utcnow()):
            return refused("admin.invites", f"{person.name} ไม่มีรหัสเชิญที่ยังใช้ได้ค่ะ")
        changes.record(g.db, g.admin, "admin.invite_revoked", person=person.key)
        return done("admin.invites", f"ยกเลิกรหัสเชิญของ{person.name}แล้วค่ะ")

    @bp.post("/invites/<id:person_id>/unlink")
    @admin_required
    def unlink_person(person_id: int):
        """A person transferred away, or a lost phone: free their LINE link (`flask unlink`)."""
        person = owned(Person, person_id)
        if person.id == g.admin.id:
            return refused("admin.invites", "ยกเลิกการเชื่อมบัญชีของตนเองไม่ได้ เพราะจะเข้าหน้านี้ไม่ได้อีกค่ะ")
        if not richmenus.unlink(g.db, person):
            return refused("admin.invites", f"{person.name} ยังไม่ได้เชื่อมบัญชี LINE ค่ะ")
        changes.record(g.db, g.admin, "admin.unlinked", person=person.key)
        return done("admin.invites", f"ยกเลิกการเชื่อมบัญชี LINE ของ{person.name}แล้วค่ะ "
                    "ออกรหัสใหม่ให้เชื่อมบัญชีอื่นได้")
