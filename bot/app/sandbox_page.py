"""Puts the sandbox chat page together: who may be picked on it, and the one tool it offers.

The page itself (bot/sandbox/chat) knows no office; this composition root reads the office's
people and group chats for it, and is the only place that may reach the digest from it.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from bot.digest.compute import compute_digest
from bot.digest.links import report_links
from bot.digest.render import flex_summary
from bot.office.org import GROUP_PURPOSES, is_director, roles_of
from bot.sandbox.chat.blueprint import Persona, chat_blueprint
from bot.sandbox.line_login import LoginPersona
from bot.spine import outbox
from bot.spine.db import transaction
from bot.thai.dates import FiscalQuarter
from models import GroupChat, Office, Person, utcnow

DIGEST_PREVIEW = ("digest-preview", "ส่งตัวอย่างรายงานไตรมาสนี้เข้ากลุ่ม")


def personas(runtime) -> list[Persona]:
    """Linked people (directors first), then the registered group chats with a member speaking."""
    with runtime.read_factory() as session:
        people = session.scalars(select(Person).where(
            Person.active.is_(True), Person.line_user_id.is_not(None)).order_by(Person.id)).all()
        rows = []
        for person in people:
            roles = roles_of(session, person)
            rank = 0 if "office_director" in roles else 1 if is_director(roles) else 2
            detail = person.position
            if person.unit and person.unit.name not in detail:
                detail = f"{detail} · {person.unit.name}"
            rows.append((rank, person, Persona(person.line_user_id, person.name, detail,
                                               person.line_user_id, person.name)))
        rows.sort(key=lambda row: row[0])
        out = [persona for _, _, persona in rows]
        directors = [person for rank, person, _ in rows if rank == 0]
        speaker = {"pr": _first(people, "pr"), "management": directors[0] if directors else None}
        for group in session.scalars(select(GroupChat).where(
                GroupChat.active.is_(True), GroupChat.purpose.is_not(None)).order_by(GroupChat.id)):
            who = speaker.get(group.purpose) or (people[0] if people else None)
            if who is None:
                continue
            tools = (DIGEST_PREVIEW,) if group.purpose == "management" else ()
            out.append(Persona(group.group_id, GROUP_PURPOSES[group.purpose], "แชตกลุ่ม",
                               who.line_user_id, who.name, tools))
        return out


def _first(people: list[Person], role: str) -> Person | None:
    return next((p for p in people if role in (p.roles or [])), None)


def digest_preview(runtime) -> str:
    """This quarter's digest so far, pushed to the management group only (no DigestRun: the real
    once-a-quarter send is untouched)."""
    now = utcnow()
    quarter = FiscalQuarter.of(now)
    with transaction(runtime.factory) as session:
        office = session.scalars(select(Office).order_by(Office.id)).first()
        group = session.scalars(select(GroupChat).where(
            GroupChat.purpose == "management", GroupChat.active.is_(True))).first()
        if office is None or group is None:
            return "ยังไม่มีกลุ่มผู้บริหารที่ลงทะเบียนไว้ค่ะ"
        digest = compute_digest(session, office.id, quarter, now)
        message = flex_summary(digest, report_links(runtime.config, office.id, quarter, now, session))
        outbox.push(session, group.group_id, [message], office_id=office.id,
                    purpose=f"digest-preview:{quarter.code}")
    return f"ส่งตัวอย่างรายงานไตรมาส {quarter.code} เข้ากลุ่มผู้บริหารแล้วค่ะ"


def login_personas(runtime) -> list[LoginPersona]:
    """Who the fake LINE Login offers: the same linked people as the chat page, admins first."""
    people = [p for p in personas(runtime) if p.chat_id == p.speaker]
    with runtime.read_factory() as session:
        admins = {p.line_user_id for p in session.scalars(select(Person).where(
            Person.active.is_(True), Person.line_user_id.is_not(None))) if "admin" in (p.roles or [])}
    rows = [LoginPersona(p.chat_id, p.name, ("ผู้ดูแลระบบ · " if p.chat_id in admins else "") + p.detail)
            for p in people]
    return sorted(rows, key=lambda row: row.line_user_id not in admins)


def register_sandbox_page(app: Flask, runtime) -> None:
    """Sandbox mode only: with real LINE credentials /sandbox does not exist."""
    if not runtime.config.sandbox:
        return
    runtime.login_personas = lambda: login_personas(runtime)
    if runtime.fake_line is not None:
        runtime.fake_line.login.personas = runtime.login_personas
    tools = {DIGEST_PREVIEW[0]: lambda: digest_preview(runtime)}
    app.register_blueprint(chat_blueprint(
        lambda: runtime.clients and runtime.fake_line,  # the first call starts the fake LINE
        runtime.config.line_channel_secret, lambda: personas(runtime),
        run_tool=lambda key: tools[key]()))
