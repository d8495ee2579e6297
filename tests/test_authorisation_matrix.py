"""The authorisation matrix (issue #11, item 5): every action a button carries is produced for its
rightful holder through the real flow, then replayed by every other role, by a stranger and from
a group chat, tampered with, and tried again once it is stale. Each refused tap must change
nothing, answer the tapper in polite Thai, and leave one audit row naming the refusal; and the
genuine card must still work for its holder afterwards (so no refusal passed by accident).

The actions come from the code's own registry (bot.spine.postback.ACTIONS): a new action without
a row in CARDS fails `test_every_registered_action_is_in_the_matrix`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.digest.feedback import for_each_office, request_feedback
from bot.office import richmenus
from bot.office.org import person_by_key
from bot.spine import audit, postback
from bot.spine.db import transaction
from bot.thai.dates import BANGKOK, FiscalQuarter
from bot.workflow import machine
from bot.workflow.submissions import expire_idle_drafts, start_draft
from models import (
    ApprovalStep,
    AuditEntry,
    Conversation,
    DigestRun,
    Office,
    Publication,
    QuarterFeedback,
    Submission,
    SubmissionVersion,
    utcnow,
)
from tests import samples
from tests.conftest import ROOT, link
from tests.flex import actions, arabic, data, joined
from tests.line_driver import group_id, user_id
from tests.test_approvals import latest_card, submit_document
from tests.test_submit import document_to_confirmation, start_document

# Who taps. kanya (plan) sends; prasert directs plan (step 1), somchai the office (step 2).
ROLES = {
    "owner": "kanya",
    "colleague": "somsak",  # staff in the same unit as the owner
    "unit_director": "prasert",
    "other_director": "suda",  # directs another unit (finance)
    "office_director": "somchai",
    "ict": "pimchanok",
    "pr": "nittaya",
    "stranger": "outsider",  # a LINE user never linked to the office
}
LINKED = frozenset(ROLES) - {"stranger"}
DIRECTORS = frozenset({"unit_director", "other_director", "office_director"})
GROUP = "office-chat"  # a group chat the bot is in, where a card's button was tapped
REFUSAL_ACTIONS = ("refused", "publish_refused", "retract_refused", "record_refused",
                   "feedback.refused")

NOT_LINKED = "ขอรหัสเชื่อมบัญชี"
IN_GROUP = "แชตส่วนตัว"
NOT_YOURS = "ไม่ได้อยู่ในความรับผิดชอบของท่าน"
STALE = "การ์ดนี้ใช้ไม่ได้แล้ว"
NOT_IN_MINE = "ไม่พบเรื่องนี้ในเรื่องที่ท่านส่ง"
NO_ROLE = "สำหรับผู้มีหน้าที่เกี่ยวข้องเท่านั้น"
NOT_UNIT_DIRECTOR = "สำหรับผู้อำนวยการกลุ่ม/หน่วย"
# What a forged copy of one's own card may be told (which one depends on what the forgery hit).
FORGED = ("ไม่พบ", "ใช้ไม่ได้แล้ว", NOT_YOURS, NO_ROLE, NOT_UNIT_DIRECTOR, "ยังไม่ได้รับอนุมัติครบ")
FEEDBACK_AT = datetime(2026, 12, 25, 9, tzinfo=BANGKOK)  # the cards go out a week before the end


# --- the matrix's bookkeeping ------------------------------------------------------------------

TALLY = {"tried": 0, "refused": 0, "audited": 0}


@pytest.fixture(scope="module", autouse=True)
def tally():
    yield TALLY
    print(f"\nauthorisation matrix: {TALLY['tried']} taps tried, {TALLY['refused']} refused "
          f"(nothing changed, a polite Thai answer), {TALLY['audited']} audited")


def state(runtime) -> tuple:
    """Everything a tap could change: items, versions, steps, publications, feedback, prompts."""
    with runtime.factory() as session:
        def rows(model, *cols):
            return sorted(tuple(getattr(r, c) for c in cols) for r in session.scalars(select(model)))

        return (
            rows(Submission, "id", "status", "current_version", "category_code", "finished_at"),
            rows(SubmissionVersion, "submission_id", "number", "title", "description", "activity_date"),
            rows(ApprovalStep, "id", "status", "version", "approver_id", "decided_by_id", "comment"),
            rows(Publication, "id", "submission_id", "retracted_at", "retract_reason"),
            rows(QuarterFeedback, "unit_id", "quarter", "none", "text", "answered_at"),
            sorted((c.line_user_id, c.state, str(c.data)) for c in session.scalars(
                select(Conversation).where(Conversation.state != "idle"))),
        )


def seen(message: dict) -> str:
    """What a person reads in one message: its text, or a Flex message's alt text and texts."""
    return message.get("text") or message.get("altText", "") + "\n" + joined(message)


@dataclass
class Tapper:
    """Taps as LINE would send them, and checks what a refused tap must and must not do."""

    line: object
    fake: object
    runtime: object
    problems: list[str] = field(default_factory=list)

    def send(self, key: str, payload: str, params: dict | None = None,
             group: str | None = None) -> tuple[str, list[tuple[str, dict]]]:
        body = {"data": payload, **({"params": params} if params else {})}
        event = self.line.event("postback", user=key, group=group, postback=body)
        first = len(self.fake.deliveries)
        self.line.send(event)
        delivered = [(d.to, m) for d in self.fake.deliveries[first:] for m in d.messages]
        return event["webhookEventId"], delivered

    def tap(self, key: str, payload: str, params: dict | None = None) -> str:
        """A tap that is to be taken: what its tapper read."""
        return "\n".join(seen(m) for _, m in self.send(key, payload, params)[1])

    def refused(self, label: str, key: str, payload: str, says: str | tuple[str, ...], *,
                params: dict | None = None, group: str | None = None) -> None:
        """Tap, then note every way the tap was not a clean refusal (the test fails at its end)."""
        before = state(self.runtime)
        event_id, delivered = self.send(key, payload, params, group)
        chat = group_id(group) if group else user_id(key)
        answer = "\n".join(seen(m) for to, m in delivered if to == chat)
        unchanged = state(self.runtime) == before
        with self.runtime.factory() as session:
            audited = session.scalars(select(AuditEntry).where(
                AuditEntry.webhook_event_id == event_id,
                AuditEntry.action.in_(REFUSAL_ACTIONS))).all()
        polite = any(s in answer for s in ((says,) if isinstance(says, str) else says)) and "ค่ะ" in answer
        TALLY["tried"] += 1
        TALLY["refused"] += unchanged and polite
        TALLY["audited"] += len(audited) == 1
        where = f"{label} [{payload!r} by {key}{' in a group' if group else ''}]"
        if not unchanged:
            self.problems.append(f"{where}: the tap changed the state")
        if not polite:
            self.problems.append(f"{where}: answered {answer!r}, expected {says!r} (with ค่ะ)")
        if any(to != chat for to, _ in delivered):
            self.problems.append(f"{where}: someone else was messaged: {[to for to, _ in delivered]}")
        if len(audited) != 1 or audited[0].actor_line_user_id != user_id(key):
            self.problems.append(f"{where}: audited as {[(a.action, a.actor_line_user_id) for a in audited]}")

    def check(self) -> None:
        assert not self.problems, "\n".join(self.problems)
        with self.runtime.factory() as session:
            assert audit.verify(session).ok  # the refusals chained onto the log like any entry


@pytest.fixture
def tapper(people, line, fake):
    link(people, "somsak")
    return Tapper(line, fake, people)


# --- the genuine cards -------------------------------------------------------------------------

@dataclass
class Card:
    """One button as its rightful holder got it, and what each kind of tapper is told."""

    payload: str
    holder: str  # the role whose tap is taken
    taken: str  # what the holder reads when the tap is taken
    refused: str  # what any other linked role reads
    params: dict | None = None  # a date picker's answer
    allowed: frozenset[str] = frozenset()  # other roles who may tap it as well (not replayed)
    stale: str | None = None  # what the holder reads tapping it again once taken (None: it may)


def other_item(runtime) -> None:
    """Someone else's live item (finance, waiting for suda), so changed ids can hit real rows."""
    with transaction(runtime.factory) as session:
        wanpen = person_by_key(session, "wanpen")
        item = start_draft(session, wanpen, "announcement", datetime.now(UTC))
        item.category_code = "1.3"
        item.version().title, item.version().description = "ประกาศของกลุ่มการเงิน", "รายละเอียด"
        session.flush()
        machine.submit(session, item, wanpen, datetime.now(UTC), None)


def approval_card(t: Tapper) -> dict:
    submit_document(t.line)
    return latest_card(t.fake, "prasert")


def decide(label: str, taken: str, stale: str | None = None) -> Callable[[Tapper], Card]:
    return lambda t: Card(data(approval_card(t), label), "unit_director", taken, NOT_YOURS,
                          stale=stale)


def open_card(t: Tapper) -> Card:
    approval_card(t)
    listed = t.line.tap("prasert", postback.encode("menu", m="pending"))[-1]
    return Card(data(listed, "เปิดการ์ดพิจารณา"), "unit_director", "ขออนุญาตเผยแพร่", NOT_YOURS)


def withdraw(t: Tapper) -> Card:
    approval_card(t)
    mine = t.line.tap("kanya", postback.encode("menu", m="mine"))[-1]
    return Card(data(mine, "ถอนเรื่อง"), "owner", "ถอนเรื่องเรียบร้อยแล้ว", NOT_IN_MINE,
                stale="ถอนไม่ได้")


def revise(t: Tapper) -> Card:
    card = approval_card(t)
    t.line.tap("prasert", data(card, "ส่งกลับแก้ไข"))
    t.line.text("prasert", "ข้อมูลไม่ครบถ้วน")
    returned = t.fake.messages_to(user_id("kanya"))[-1]
    return Card(data(returned, "แก้ไขและส่งใหม่"), "owner", "แก้ไขและส่งใหม่ เรื่อง #๒", NOT_IN_MINE)


def category(t: Tapper) -> Card:
    picker = next(m for m in start_document(t.line) if m["type"] == "flex")
    label = next(label for label in actions(picker) if arabic(label).startswith("1.3 "))
    return Card(data(picker, label), "owner", "กรุณาพิมพ์ชื่อเรื่อง", STALE)


def activity_date(t: Tapper) -> Card:
    t.line.send(t.line.image_event("kanya", samples.jpeg_with_gps()))
    asked = t.line.text("kanya", "ประชุมเชิงปฏิบัติการ")[-1]
    return Card(data(asked, "เลือกวันที่"), "owner", "คำบรรยายภาพ", STALE,
                params={"date": date.today().isoformat()})


def confirmation(label: str, taken: str, stale: str | None = None) -> Callable[[Tapper], Card]:
    return lambda t: Card(data(document_to_confirmation(t.line)[-1], label), "owner", taken, STALE,
                          stale=stale)


def resume(t: Tapper) -> Card:
    document_to_confirmation(t.line)
    busy = t.line.send(t.line.image_event("kanya", samples.jpeg_with_gps()))[-1]  # not a document
    return Card(data(busy, "ทำเรื่องเดิมต่อ"), "owner", "ตรวจสอบก่อนส่ง", STALE)


def switch(t: Tapper) -> Card:
    said = start_document(t.line)
    t.line.tap("kanya", data(said[-1], next(label for label in actions(said[-1]) if arabic(label).startswith("1.3 "))))
    busy = start_document(t.line, name="คำสั่ง.pdf")[-1]  # a second file at the title step
    return Card(data(busy, "เริ่มเรื่องใหม่"), "owner", "ได้รับไฟล์ \"คำสั่ง.pdf\" แล้วค่ะ", STALE, stale=STALE)


def edit_date(t: Tapper) -> Card:
    t.line.send(t.line.image_event("kanya", samples.jpeg_with_gps()))
    t.line.text("kanya", "ประชุมเชิงปฏิบัติการ")
    t.line.text("kanya", "วันนี้")
    said = t.line.text("kanya", "ข้าม")
    card = t.line.tap("kanya", data(said[-1], "1.3 กิจกรรม โครงการ"))[-1]
    choices = t.line.tap("kanya", data(card, "แก้ไข"))[-1]
    return Card(data(choices, "วันที่"), "owner", "กิจกรรมจัดวันที่เท่าไร", STALE)


def edit(label: str, taken: str) -> Callable[[Tapper], Card]:
    def make(t: Tapper) -> Card:
        card = document_to_confirmation(t.line)[-1]
        choices = t.line.tap("kanya", data(card, "แก้ไข"))[-1]
        return Card(data(choices, label), "owner", taken, STALE)

    return make


def menu(key: str, taken: str) -> Callable[[Tapper], Card]:
    """A rich-menu button: any linked person may tap their own; only directors have รออนุมัติ."""
    def make(t: Tapper) -> Card:
        [payload] = {a["action"]["data"] for name in richmenus.MENUS
                     for a in richmenus.menu_request(name)["areas"]
                     if a["action"]["data"] == postback.encode("menu", m=key)}
        if key == "pending":
            approval_card(t)
            return Card(payload, "unit_director", taken, "เป็นเมนูสำหรับผู้อำนวยการ", allowed=DIRECTORS)
        return Card(payload, "owner", taken, "", allowed=LINKED)

    return make


def set_mode(runtime, mode: str) -> None:
    with transaction(runtime.factory) as session:
        session.scalars(select(Office)).one().publish_mode = mode


def both_approve(t: Tapper) -> None:
    t.line.tap("prasert", data(approval_card(t), "อนุมัติ"))
    t.line.tap("somchai", data(latest_card(t.fake, "somchai"), "อนุมัติ"))


def publish(t: Tapper) -> Card:
    set_mode(t.runtime, "ict")
    both_approve(t)
    request = [m for m in t.fake.messages_to(user_id("pimchanok")) if m["type"] == "flex"][-1]
    return Card(data(request, "เผยแพร่"), "ict", "เผยแพร่บนเว็บไซต์แล้ว", NO_ROLE,
                stale="เรื่องนี้เผยแพร่แล้วค่ะ โดย")


def published(label: str, taken: str, allowed: frozenset[str] = frozenset()) -> Callable[[Tapper], Card]:
    def make(t: Tapper) -> Card:
        both_approve(t)  # portal mode: published at once, ICT handed the card
        card = [m for m in t.fake.messages_to(user_id("pimchanok")) if m["type"] == "flex"][-1]
        return Card(data(card, label), "ict", taken, NO_ROLE, allowed=allowed)

    return make


def feedback(label: str, taken: str) -> Callable[[Tapper], Card]:
    def make(t: Tapper) -> Card:
        assert for_each_office(t.runtime, request_feedback, FEEDBACK_AT) == 2  # prasert, suda
        t.line.drain()
        card = [m for m in t.fake.messages_to(user_id("prasert")) if m["type"] == "flex"][-1]
        return Card(data(card, label), "unit_director", taken, NOT_UNIT_DIRECTOR)

    return make


CARDS: dict[str, Callable[[Tapper], Card]] = {
    "decide:approve": decide("อนุมัติ", "บันทึกแล้วค่ะ: อนุมัติ", stale="อนุมัติแล้วโดย"),
    "decide:approve+comment": decide("อนุมัติพร้อมความเห็น", "กรุณาพิมพ์ความเห็น"),
    "decide:return": decide("ส่งกลับแก้ไข", "กรุณาระบุเหตุผล"),
    "decide:reject": decide("ไม่อนุมัติ", "กรุณาระบุเหตุผล"),
    "card": open_card,
    "mine:withdraw": withdraw,
    "mine:revise": revise,
    "cat": category,
    "date": activity_date,
    "draft:submit": confirmation("ส่งขออนุญาตเผยแพร่", "ส่งขออนุญาตเผยแพร่แล้วค่ะ", stale=STALE),
    "draft:edit": confirmation("แก้ไข", "ต้องการแก้ไขส่วนไหน"),
    "draft:cancel": confirmation("ยกเลิก", "แล้วค่ะ ส่งไฟล์หรือภาพเพื่อเริ่มเรื่องใหม่", stale=STALE),
    "draft:switch": switch,
    "draft:resume": resume,
    "draft:edit_title": edit("ชื่อเรื่อง", "ชื่อเดิม:"),
    "draft:edit_desc": edit("รายละเอียด", "พิมพ์รายละเอียด"),
    "draft:edit_cat": edit("หมวด", "เลือกหมวดข้อมูล"),
    "draft:edit_file": edit("เปลี่ยนไฟล์", "ส่งไฟล์ใหม่"),
    "draft:edit_date": edit_date,
    "menu:doc": menu("doc", "ส่งไฟล์เอกสาร"),
    "menu:photos": menu("photos", "ส่งภาพกิจกรรม"),
    "menu:mine": menu("mine", "ยังไม่มีเรื่องที่ส่ง"),
    "menu:help": menu("help", "สิ่งที่ทำได้ในแชตนี้"),
    "menu:news": menu("news", "ส่งประกาศข่าว"),
    "menu:pending": menu("pending", "รออนุมัติ ๑ เรื่อง"),
    "publish": publish,
    "retract": published("ถอนการเผยแพร่", "กรุณาพิมพ์เหตุผลที่ถอนการเผยแพร่"),
    "publish_record": published("บันทึกขออนุญาตเผยแพร่ (PDF)", "บันทึกขออนุญาตเผยแพร่ เรื่อง",
                                allowed=DIRECTORS),
    "fb:none": feedback("ไม่มี", "รับทราบค่ะ"),
    "fb:answer": feedback("ตอบ", "กรุณาพิมพ์ปัญหาอุปสรรค"),
}


def registered() -> set[str]:
    """Every (action, button) the registry allows, spelt as CARDS spells them."""
    return {f"{name}:{verb}" if spec.verb else name
            for name, spec in postback.ACTIONS.items() for verb in (sorted(spec.verbs) or [None])}


# --- tampering ---------------------------------------------------------------------------------

ID_PARAMS = ("s", "d", "p", "u")
# Ids a payload may leave out on purpose: a feedback card without its unit is the one unit the
# director answers for (handlers.feedback), not a forgery.
OPTIONAL = {("fb", "u")}
HUGE = 10**20  # past a 64-bit integer


def _with(payload: str, **changes) -> str:
    action, params = postback.decode(payload)
    params = {**params, **changes}
    return f"{postback.VERSION}/{action}?" + urlencode({k: v for k, v in params.items() if v is not None})


def tampered(payload: str) -> dict[str, str]:
    """The holder's own card, forged: ids changed, cut short, other actions, junk."""
    action, params = postback.decode(payload)
    verb = postback.ACTIONS[action].verb
    out = {}
    for key in (k for k in ID_PARAMS if k in params):
        ident = int(params[key])
        out |= {f"{key}+1": _with(payload, **{key: ident + 1}), f"{key}-1": _with(payload, **{key: ident - 1}),
                f"{key} unknown": _with(payload, **{key: 999999}), f"{key} zero": _with(payload, **{key: 0}),
                f"{key} negative": _with(payload, **{key: -ident}), f"{key} not a number": _with(payload, **{key: "x"})}
        if (action, key) not in OPTIONAL:
            out[f"{key} missing"] = _with(payload, **{key: None})
    if verb:
        out |= {"unknown button": _with(payload, **{verb: "delete"}), "no button": _with(payload, **{verb: None})}
    query = payload.partition("?")[2]
    out |= {
        "truncated": payload[: len(payload) // 2],
        "unknown action": f"{postback.VERSION}/frobnicate" + (f"?{query}" if query else ""),
        "another version": "v0" + payload[len(postback.VERSION):],
        "junk appended": payload + ("&" if query else "?") + "zz",
        "overlong": payload + ("&" if query else "?") + "pad=" + "9" * postback.MAX_LENGTH,
    }
    return {name: forged for name, forged in out.items() if forged != payload}


# --- the tests ---------------------------------------------------------------------------------

def test_every_registered_action_is_in_the_matrix():
    assert {name.partition("+")[0] for name in CARDS} == registered()


def _builder_calls() -> list[tuple[str, ast.Call]]:
    """Every postback.encode(...) / encode(...) call in the bot's code, with its file."""
    calls = []
    for path in [*sorted((ROOT / "bot").rglob("*.py")), *sorted((ROOT / "handlers").rglob("*.py"))]:
        if "sandbox" in path.parts or path.name == "postback.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = any(isinstance(n, ast.ImportFrom) and n.module == "bot.spine.postback"
                       and any(a.name == "encode" for a in n.names) for n in ast.walk(tree))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr == "encode"
                    and isinstance(func.value, ast.Name) and func.value.id == "postback") \
                    or (imported and isinstance(func, ast.Name) and func.id == "encode"):
                calls.append((str(Path(path).relative_to(ROOT)), node))
    return calls


def test_every_button_the_code_builds_carries_a_registered_action():
    """A literal, registered action in every builder (and every registry entry used), so the
    matrix above cannot miss a button; buttons built in a loop are checked by encode itself."""
    used = set()
    for where, call in _builder_calls():
        first = call.args[0] if call.args else None
        assert isinstance(first, ast.Constant) and isinstance(first.value, str), \
            f"{where}:{call.lineno}: postback.encode needs a literal action"
        spec = postback.ACTIONS.get(first.value)
        assert spec is not None, f"{where}:{call.lineno}: {first.value!r} is not in postback.ACTIONS"
        used.add(first.value)
        verb = next((k.value for k in call.keywords if k.arg == spec.verb), None)
        if isinstance(verb, ast.Constant):
            assert verb.value in spec.verbs, f"{where}:{call.lineno}: {first.value}:{verb.value}"
    assert used == set(postback.ACTIONS)
    assert set(machine.ACTIONS) == postback.ACTIONS["decide"].verbs
    with pytest.raises(ValueError):
        postback.encode("frobnicate", s=1)
    with pytest.raises(ValueError):
        postback.encode("decide", s=1, v=1, a="publish")


@pytest.mark.parametrize("name", sorted(CARDS))
def test_only_the_rightful_holder_can_use_a_card(name, tapper):
    """Every other role, a stranger, a group chat and forged copies are refused; then the holder's
    own tap is taken, and once taken a second tap is refused as stale."""
    t = tapper
    other_item(t.runtime)
    card = CARDS[name](t)
    holder = ROLES[card.holder]
    for role, key in ROLES.items():
        if role == card.holder or role in card.allowed:
            continue
        t.refused(f"{name} as {role}", key, card.payload, NOT_LINKED if role == "stranger" else card.refused,
                  params=card.params)
    t.refused(f"{name} from a group", holder, card.payload, IN_GROUP, params=card.params, group=GROUP)
    for forgery, payload in tampered(card.payload).items():
        t.refused(f"{name} forged: {forgery}", holder, payload, FORGED, params=card.params)
    said = t.tap(holder, card.payload, card.params)
    assert card.taken in said, f"{name}: the holder's own tap was not taken: {said!r}"
    if card.stale is not None:
        t.refused(f"{name} tapped again", holder, card.payload, card.stale, params=card.params)
    t.check()


# --- stale cards ---------------------------------------------------------------------------------

Stale = list[tuple[str, str, str, str]]  # (what, who taps, payload, what they read)


def corrected(t: Tapper) -> Stale:
    """Returned, corrected and sent again: every card of the first version is dead."""
    first = approval_card(t)
    t.line.tap("prasert", data(first, "ส่งกลับแก้ไข"))
    t.line.text("prasert", "ข้อมูลไม่ครบถ้วน")
    revise_button = data(t.fake.messages_to(user_id("kanya"))[-1], "แก้ไขและส่งใหม่")
    again = t.line.tap("kanya", revise_button)[-1]
    t.line.tap("kanya", data(again, "ส่งขออนุญาตเผยแพร่"))
    second = data(latest_card(t.fake, "prasert"), "อนุมัติ")
    return [
        *[(f"version 1 {label}", "prasert", data(first, label), "ฉบับที่ ๒ รอท่านพิจารณาอยู่")
          for label in ("อนุมัติ", "ส่งกลับแก้ไข", "ไม่อนุมัติ", "อนุมัติพร้อมความเห็น")],
        ("version 2 card claiming version 1", "prasert", _with(second, v=1), "ฉบับที่ ๒ รอท่านพิจารณาอยู่"),
        ("the correction button once corrected", "kanya", revise_button, "จึงแก้ไขไม่ได้"),
        ("the correction sent twice", "kanya", data(again, "ส่งขออนุญาตเผยแพร่"), STALE),
    ]


def withdrawn(t: Tapper) -> Stale:
    card = approval_card(t)
    listed = t.line.tap("prasert", postback.encode("menu", m="pending"))[-1]
    button = data(t.line.tap("kanya", postback.encode("menu", m="mine"))[-1], "ถอนเรื่อง")
    t.line.tap("kanya", button)
    return [(f"the card's {label}", "prasert", data(card, label), "ผู้ส่งถอนเรื่องนี้แล้ว")
            for label in ("อนุมัติ", "ส่งกลับแก้ไข", "ไม่อนุมัติ")] + [
        ("the pending list's card", "prasert", data(listed, "เปิดการ์ดพิจารณา"), "ผู้ส่งถอนเรื่องนี้แล้ว"),
        ("withdrawn twice", "kanya", button, "ถอนเรื่องแล้ว\" แล้ว จึงถอนไม่ได้"),
    ]


def rejected(t: Tapper) -> Stale:
    card = approval_card(t)
    listed = t.line.tap("prasert", postback.encode("menu", m="pending"))[-1]
    button = data(t.line.tap("kanya", postback.encode("menu", m="mine"))[-1], "ถอนเรื่อง")
    t.line.tap("prasert", data(card, "ไม่อนุมัติ"))
    t.line.text("prasert", "ซ้ำกับที่เผยแพร่แล้ว")
    return [
        ("approve after the rejection", "prasert", data(card, "อนุมัติ"), "ไม่อนุมัติแล้วโดย"),
        ("the pending list's card", "prasert", data(listed, "เปิดการ์ดพิจารณา"), "ไม่อนุมัติแล้วโดย"),
        ("withdraw a rejected item", "kanya", button, "จึงถอนไม่ได้"),
    ]


def retracted(t: Tapper) -> Stale:
    first = data(approval_card(t), "อนุมัติ")
    mine = t.line.tap("kanya", postback.encode("menu", m="mine"))[-1]
    t.line.tap("prasert", first)
    last = data(latest_card(t.fake, "somchai"), "อนุมัติ")
    t.line.tap("somchai", last)
    card = [m for m in t.fake.messages_to(user_id("pimchanok")) if m["type"] == "flex"][-1]
    t.line.tap("pimchanok", data(card, "ถอนการเผยแพร่"))
    t.line.text("pimchanok", "ข้อมูลไม่ถูกต้อง")
    return [
        ("retracted twice", "pimchanok", data(card, "ถอนการเผยแพร่"), "ถูกถอนการเผยแพร่ไปแล้ว"),
        ("the last approval again", "somchai", last, "อนุมัติแล้วโดย"),
        ("withdraw a published item", "kanya", data(mine, "ถอนเรื่อง"), "จึงถอนไม่ได้"),
    ]


def digest_sent(t: Tapper) -> Stale:
    for_each_office(t.runtime, request_feedback, FEEDBACK_AT)
    t.line.drain()
    card = [m for m in t.fake.messages_to(user_id("prasert")) if m["type"] == "flex"][-1]
    with transaction(t.runtime.factory) as session:
        session.add(DigestRun(office_id=session.scalars(select(Office.id)).one(),
                              quarter=FiscalQuarter.of(FEEDBACK_AT).code, sent_by="scheduler"))
    return [(f"feedback {label} after the digest went out", "prasert", data(card, label),
             "ส่งถึงผู้บริหารแล้ว") for label in ("ไม่มี", "ตอบ")]


def expired(t: Tapper) -> Stale:
    card = document_to_confirmation(t.line)[-1]
    with transaction(t.runtime.factory) as session:
        expire_idle_drafts(session, utcnow() + timedelta(hours=25))
    t.line.drain()
    return [(f"an expired draft's {label}", "kanya", data(card, label), STALE)
            for label in ("ส่งขออนุญาตเผยแพร่", "แก้ไข", "ยกเลิก")]


STALE_CARDS = {"corrected": corrected, "withdrawn": withdrawn, "rejected": rejected,
               "retracted": retracted, "digest_sent": digest_sent, "expired": expired}


@pytest.mark.parametrize("name", sorted(STALE_CARDS))
def test_a_stale_card_is_refused(name, tapper):
    t = tapper
    for what, key, payload, says in STALE_CARDS[name](t):
        t.refused(f"{name}: {what}", key, payload, says)
    t.check()


# --- huge numbers --------------------------------------------------------------------------------

HUGE_IDS = {  # (who taps, the payload): each id past what the database can hold
    "decide": ("prasert", postback.encode("decide", s=HUGE, v=1, a="approve")),
    "decide version": ("prasert", postback.encode("decide", s=1, v=HUGE, a="approve")),
    "card": ("prasert", postback.encode("card", s=HUGE)),
    "mine": ("kanya", postback.encode("mine", s=HUGE, a="withdraw")),
    "cat": ("kanya", postback.encode("cat", d=HUGE, c="1.3")),
    "date": ("kanya", postback.encode("date", d=HUGE)),
    "draft": ("kanya", postback.encode("draft", d=HUGE, a="submit")),
    "publish": ("pimchanok", postback.encode("publish", p=HUGE)),
    "retract": ("pimchanok", postback.encode("retract", p=HUGE)),
    "publish_record": ("pimchanok", postback.encode("publish_record", p=HUGE)),
    "fb": ("prasert", postback.encode("fb", q="2570Q1", u=HUGE, a="none")),
}


# Before #12.8 seven of these reached a database lookup and crashed the handler (the general
# apology, nothing audited); postback.decode now refuses a number no id can be.
@pytest.mark.parametrize("name", sorted(HUGE_IDS))
def test_a_huge_id_is_refused(name, tapper):
    key, payload = HUGE_IDS[name]
    tapper.refused(f"huge id: {name}", key, payload, FORGED)
    tapper.check()
