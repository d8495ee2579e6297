"""The sandbox demo office: examples/office.yaml, every person linked to a sandbox LINE user,
the PR and management groups registered, all through the core's own calls. Sandbox mode only."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from sqlalchemy import select

from bot.app.demo_history import seed_history
from bot.office.org import create_group_code, create_invite, redeem_invite, register_group, roles_of
from bot.office.orgfile import load
from bot.office.richmenus import queue_link
from bot.spine.db import transaction
from models import GroupChat, Office, Person, utcnow

log = logging.getLogger("prakat")
OFFICE_FILE = Path(__file__).resolve().parents[2] / "examples" / "office.yaml"
GROUP_NAMES = {"pr": "งานประชาสัมพันธ์ (ตัวอย่าง)", "management": "ผู้บริหาร (ตัวอย่าง)"}


def sandbox_user_id(key: str) -> str:
    """A stable LINE-shaped user id for a person of the demo office."""
    return "U" + hashlib.md5(f"sandbox-user:{key}".encode()).hexdigest()


def sandbox_group_id(purpose: str) -> str:
    return "C" + hashlib.md5(f"sandbox-group:{purpose}".encode()).hexdigest()


def prepare_office(runtime) -> bool:
    """Load and link the example office when no office exists; True when it did."""
    if not runtime.config.sandbox:
        raise RuntimeError("the demo office is for sandbox mode only")
    with transaction(runtime.factory) as session:
        if session.scalar(select(Office.id).limit(1)) is not None:
            return False
        load(session, OFFICE_FILE.read_text(encoding="utf-8"))
        office = session.scalars(select(Office)).one()
        now = utcnow()
        for person in session.scalars(select(Person).order_by(Person.id)):
            code = create_invite(session, person, now)
            result = redeem_invite(session, sandbox_user_id(person.key), code, now)
            assert result.ok, result.reason
            session.flush()
            queue_link(session, person, roles_of(session, person))
        for purpose in GROUP_NAMES:
            register_group(session, sandbox_group_id(purpose),
                           create_group_code(session, office, purpose, now), now)
    log.info("sandbox demo: loaded %s and linked every person to a sandbox LINE user", OFFICE_FILE.name)
    return True


def introduce_to_fake(runtime) -> None:
    """Tell the fake LINE who the sandbox users and groups are (it forgets at every start)."""
    fake = runtime.fake_line
    with runtime.factory() as session:
        people = session.scalars(select(Person).where(Person.line_user_id.is_not(None))).all()
        for person in people:
            fake.set_profile(person.line_user_id, person.name)
        members = [p.line_user_id for p in people]
        for group in session.scalars(select(GroupChat).where(GroupChat.purpose.is_not(None))):
            fake.add_group(group.group_id, GROUP_NAMES.get(group.purpose, group.purpose), members)


def start(runtime, *, history: bool = True) -> None:
    """At `python webhook.py` in sandbox mode: the demo office (unless SANDBOX_DEMO=0), the fake
    LINE told who everyone is, menus linked again (the fake forgets them), and where to look."""
    if not runtime.config.sandbox:
        return
    prepared = runtime.config.sandbox_demo and prepare_office(runtime)
    runtime.clients  # noqa: B018 - starts the fake LINE
    introduce_to_fake(runtime)
    if history and runtime.config.sandbox_demo:
        seed_history(runtime)
    if not prepared:  # a fresh office queued its menus already
        with transaction(runtime.factory) as session:
            for person in session.scalars(select(Person).where(Person.line_user_id.is_not(None))):
                queue_link(session, person, roles_of(session, person))
    base = runtime.config.public_base_url
    print(f"Prakat sandbox: open {base}/sandbox and pick who you are · portal: {base}/", flush=True)
