"""Categories belong to the office, and nothing an office's people or public read names another
office: two org files of different kinds of office (examples/office.yaml, the announcement's 18
categories; examples/school.yaml, its own list and chains) loaded side by side in one database."""

from __future__ import annotations

import dataclasses
import io
import json
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.digest import render as digest_render
from bot.digest.compute import compute_digest
from bot.digest.links import ReportLinks
from bot.files import links
from bot.office import categories
from bot.office.channels import set_channel
from bot.office.orgfile import OrgFileError, apply, load, parse
from bot.publishing import addresses
from bot.publishing import cards as publishing_cards
from bot.publishing.item import describe
from bot.publishing.minimum_set import MINIMUM_SET, minimum_set_status
from bot.publishing.record import notice_data, record_pdf
from bot.render.pdf import notice_pdf
from bot.spine.db import transaction
from bot.thai.dates import FiscalQuarter
from bot.workflow import cards as workflow_cards
from models import (
    ApprovalStep,
    Category,
    GroupChat,
    Office,
    Person,
    Publication,
    Submission,
    utcnow,
)
from tests import samples
from tests.conftest import OFFICE_YAML, ROOT, SECRET, link
from tests.factories import make_item, register_pr_group
from tests.flex import actions, arabic, data
from tests.line_driver import LineDriver, group_id, sign, user_id
from tests.test_approvals import latest_card
from tests.test_submit import start_document

SCHOOL_PATH = ROOT / "examples" / "school.yaml"
SCHOOL_YAML = SCHOOL_PATH.read_text(encoding="utf-8")
TAK = ("สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒", "สพป.ตาก เขต ๒")
CHIANG_MAI = ("สำนักงานเขตพื้นที่การศึกษามัธยมศึกษาเชียงใหม่", "สพม.เชียงใหม่")
SCHOOL_CODES = ["A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B4", "B5"]
A_PEOPLE = ("kanya", "prasert", "somchai", "pimchanok", "nittaya", "wanpen", "suda")
B_PEOPLE = ("jirapa", "thanakorn", "anucha", "pakorn", "pranee", "oranuch", "weerachai", "narongrit",
            "siriporn")


def load_school(session, text: str = SCHOOL_YAML) -> dict:
    return apply(session, parse(text, SCHOOL_PATH.parent))


def office_id(session, short_name: str) -> int:
    return session.scalars(select(Office.id).where(Office.short_name == short_name)).one()


def codes_of(runtime, short_name: str) -> list[str]:
    with runtime.factory() as session:
        return [c.code for c in categories.all_categories(session, office_id(session, short_name))]


def squash(text: str) -> str:
    """No whitespace (a PDF wraps a name anywhere) and no control characters (fpdf2's ToUnicode map
    adds U+0002/U+0003 after a shaped SARA AM)."""
    return "".join(ch for ch in text if not ch.isspace() and ord(ch) >= 0x20)


def never_names(text: str, other: tuple[str, str], where: str) -> None:
    for name in other:
        assert squash(name) not in squash(text), f"{where} names another office: {name!r}"


SEALING_KEY = "test-prakat-secret-key"
# The school office's own LINE channel; the first office keeps the settings' channel.
SCHOOL_CHANNEL = {"channel_id": "2000000003", "secret": "secret-of-cm-secondary",
                  "token": "token-of-cm-secondary", "bot_user_id": "U" + "c" * 32}


class RoutingDriver(LineDriver):
    """LINE as both offices' people use it: the school's people write to the school's bot
    (its address, secret, destination and reply tokens), everyone else to the first office's."""

    school_users = frozenset(user_id(key) for key in B_PEOPLE)

    def _school(self, event: dict) -> bool:
        return event.get("source", {}).get("userId") in self.school_users

    def event(self, type_: str, *, reply: bool = True, **fields) -> dict:
        event = super().event(type_, reply=False, **fields)
        if reply:
            source = event["source"]
            event["replyToken"] = self.fake.issue_reply_token(
                to=source.get("groupId") or source["userId"],
                **({"channel": SCHOOL_CHANNEL["token"]} if self._school(event) else {}))
        return event

    def post(self, *events: dict, signature: str | None = None, raw: bytes | None = None,
             handle: bool = True):
        if raw is not None or not events or not all(self._school(e) for e in events):
            return super().post(*events, signature=signature, raw=raw, handle=handle)
        body = json.dumps({"destination": SCHOOL_CHANNEL["bot_user_id"], "events": list(events)},
                          ensure_ascii=False).encode()
        response = self.client.post("/callback/cm-secondary", data=body, headers={
            "X-Line-Signature": sign(SCHOOL_CHANNEL["secret"], body), "Content-Type": "application/json"})
        if handle:
            self.handle()
        return response


@pytest.fixture
def config(config):
    return dataclasses.replace(config, prakat_secret_key=SEALING_KEY)


@pytest.fixture
def line(client, fake, runtime) -> LineDriver:
    return RoutingDriver(client, fake, runtime, SECRET)


def _load_both(runtime, fake, *, school_first: bool):
    """Both org files into one database, the school with a LINE channel of its own (the other
    office keeps the settings' channel, whichever was loaded first)."""
    with transaction(runtime.factory) as session:
        if not school_first:
            load(session, OFFICE_YAML)
        school = session.get(Office, load_school(session)["office_id"])
        if school_first:
            load(session, OFFICE_YAML)
        set_channel(session, school, sealing_key=SEALING_KEY, **SCHOOL_CHANNEL)
    runtime.channels.invalidate()
    fake.add_channel(SCHOOL_CHANNEL["token"])  # the fake LINE takes the school bot's token too
    return runtime


@pytest.fixture
def two_offices(runtime, fake):
    """office.yaml, then school.yaml: two offices in one database (the first one's portal is "/")."""
    return _load_both(runtime, fake, school_first=False)


@pytest.fixture
def school_first(runtime, fake):
    """school.yaml, then office.yaml: the school office is the one the one-office portal serves."""
    return _load_both(runtime, fake, school_first=True)


# --- each office's list ---------------------------------------------------------------------

def test_each_office_has_its_own_categories_with_its_own_name(two_offices):
    with two_offices.factory() as session:
        tak, cm = office_id(session, TAK[1]), office_id(session, CHIANG_MAI[1])
        mine = {c.code: c for c in categories.all_categories(session, tak)}
        theirs = {c.code: c for c in categories.all_categories(session, cm)}
    assert list(mine) == [f"1.{i}" for i in range(1, 19)]
    assert mine["1.4"].name == f"ข้อมูลพื้นฐาน โครงสร้าง ภารกิจของ{TAK[0]}"
    assert mine["1.9"].regulated and mine["1.9"].minimum and not mine["1.3"].regulated
    assert list(theirs) == SCHOOL_CODES
    assert theirs["A5"].short_name == "จัดซื้อจัดจ้าง" and theirs["A5"].regulated and theirs["A5"].minimum
    assert theirs["B3"].minimum and not theirs["B3"].regulated
    assert not theirs["B1"].regulated and not theirs["B1"].minimum
    for c in theirs.values():
        never_names(c.name + c.short_name, TAK, f"category {c.code}")


def test_an_office_of_another_province_on_the_default_list_publishes_under_its_own_name(runtime, client):
    """The issue's first finding: the 18 categories carried the seed office's name everywhere."""
    lampang = ("สำนักงานเขตพื้นที่การศึกษาประถมศึกษาลำปาง เขต ๑", "สพป.ลำปาง เขต ๑")
    text = OFFICE_YAML.replace(TAK[0], lampang[0]).replace(TAK[1], lampang[1])
    with transaction(runtime.factory) as session:
        load(session, text)
        assert session.scalars(select(Category.name).where(Category.code == "1.5")).one() \
            == f"ข้อมูลผู้บริหาร{lampang[0]}"
    for path in ["/", *(f"/c/{code}" for code in categories.DEFAULT_CODES), "/minimum", "/feed.atom"]:
        body = client.get(path).get_data(as_text=True)
        assert lampang[1] in body or lampang[0] in body, path
        assert "ตาก" not in body, path


def test_unit_categories_must_be_the_offices_own(runtime):
    wrong = SCHOOL_YAML.replace('categories: ["A5"]', 'categories: ["1.9"]')
    line = next(i for i, text in enumerate(wrong.splitlines(), start=1) if '["1.9"]' in text)
    with pytest.raises(OrgFileError, match=rf"line {line}: unknown categories 1.9 for unit 'sec-fin'"):
        parse(wrong, SCHOOL_PATH.parent)
    # and the announcement's codes are the ones of an office that declares no list
    with pytest.raises(OrgFileError, match="unknown categories A5"):
        parse(OFFICE_YAML.replace('categories: ["1.9"]', 'categories: ["A5"]'))


@pytest.mark.parametrize(("entry", "reason"), [
    ('{code: "A1", name: ซ้ำ, short: ซ้ำ}', "duplicate category code 'A1'"),
    ("{code: 2.10, name: ไม่มีเครื่องหมายคำพูด, short: ไม่มี}", 'write the category code in quotes, like "1.10"'),
    ('{code: "A 9", name: มีช่องว่าง, short: ช่องว่าง}', "category code 'A 9' must be"),
    ('{code: "C1", short: ไม่มีชื่อ}', "'name' is required"),
    ('{code: "C1", name: ไม่มีป้าย}', "'short' is required"),
    ('{code: "C1", name: ป้ายยาว, short: ' + "ก" * 31 + "}", "'short' of category 'C1' is longer than 30"),
    ('{code: "C1", name: ผิดชนิด, short: ผิด, regulated: yes please}', "'regulated' must be true or false"),
])
def test_a_bad_category_is_refused_with_its_line(entry, reason):
    text = SCHOOL_YAML.replace("  - {code: \"B5\"", f"  - {entry}\n  - {{code: \"B5\"")
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if t == f"  - {entry}")
    with pytest.raises(OrgFileError, match=rf"^line {line}: {re.escape(reason)}"):
        parse(text, SCHOOL_PATH.parent)


# --- reloading --------------------------------------------------------------------------------

def test_reloading_changed_categories_keeps_every_items_category(two_offices):
    runtime = two_offices
    with transaction(runtime.factory) as session:
        sid = make_item(session, category="B1", submitter="pranee", approvers=("kanokwan",)).id
        draft = make_item(session, state="draft", category="B4", submitter="jirapa").id
    changed = (SCHOOL_YAML
               .replace("name: ข่าวประชาสัมพันธ์และกิจกรรมของสำนักงาน, short: ข่าวประชาสัมพันธ์",
                        "name: ข่าวสารและประชาสัมพันธ์, short: ข่าวสาร")
               .replace('  - {code: "B5"', '  - {code: "B6", name: สื่อการเรียนรู้, short: สื่อการเรียนรู้}\n'
                                           '  - {code: "B5"')
               .replace("short: ผลการทดสอบ}", "short: ผลการทดสอบ, active: false}"))
    with transaction(runtime.factory) as session:
        load_school(session, changed)
    with runtime.factory() as session:
        cm = office_id(session, CHIANG_MAI[1])
        assert session.get(Submission, sid).category_code == "B1"
        assert session.scalars(select(Publication.category_code)).one() == "B1"
        assert session.get(Submission, draft).category_code == "B4"
        b1 = categories.category(session, cm, "B1")
        assert (b1.name, b1.short_name) == ("ข่าวสารและประชาสัมพันธ์", "ข่าวสาร")
        assert describe(session, session.get(Submission, sid)).category_short == "ข่าวสาร"
        offered = [c.code for c in categories.office_categories(session, cm)]
    assert offered == ["A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B6", "B5"]  # B4 retired
    assert codes_of(runtime, CHIANG_MAI[1])[-3:] == ["B4", "B6", "B5"]  # kept for its items


def test_removing_a_category_that_has_items_is_refused_and_nothing_changes(two_offices):
    runtime = two_offices
    with transaction(runtime.factory) as session:
        make_item(session, state="pending", category="B2", submitter="oranuch", approvers=())
    without_b2 = "\n".join(t for t in SCHOOL_YAML.splitlines() if '{code: "B2"' not in t)
    without_b2 = without_b2.replace('categories: ["B2", "B3", "B5"]', 'categories: ["B3", "B5"]')
    without_b2 = without_b2.replace("name: ข้อมูลอื่นที่เป็นประโยชน์ต่อสาธารณะ", "name: ข้อมูลอื่น")
    line = next(i for i, t in enumerate(without_b2.splitlines(), start=1) if t == "categories:")
    refusal = rf"^line {line}: 'categories' leaves out category 'B2', but 1 item\(s\) of this office are in it"
    with pytest.raises(OrgFileError, match=refusal), transaction(runtime.factory) as session:
        load_school(session, without_b2)
    with runtime.factory() as session:
        cm = office_id(session, CHIANG_MAI[1])
        assert categories.category(session, cm, "B2") is not None
        assert categories.category(session, cm, "B5").name == "ข้อมูลอื่นที่เป็นประโยชน์ต่อสาธารณะ"
    # a category nobody used goes quietly
    without_b4 = "\n".join(t for t in SCHOOL_YAML.splitlines() if '{code: "B4"' not in t)
    without_b4 = without_b4.replace('categories: ["A4", "B4"]', 'categories: ["A4"]')
    with transaction(runtime.factory) as session:
        load_school(session, without_b4)
    assert "B4" not in codes_of(runtime, CHIANG_MAI[1])
    # dropping the list altogether means the announcement's 18, which lack B2: refused too
    no_list = re.sub(r"(?ms)^categories:\n(  - .*?\n)+", "", SCHOOL_YAML)
    no_list = re.sub(r'categories: \[[^\]]*\], ', "", no_list)
    refusal = r"without 'categories' the announcement's 18 apply, which leave out category 'B2'"
    with pytest.raises(OrgFileError, match=refusal), transaction(runtime.factory) as session:
        load_school(session, no_list)


def test_a_long_session_sees_a_reload_once_its_transaction_ends(two_offices):
    changed = SCHOOL_YAML.replace("short: ข่าวประชาสัมพันธ์}", "short: ข่าวสาร}")
    with two_offices.factory() as session:
        cm = office_id(session, CHIANG_MAI[1])
        assert categories.short_name(session, cm, "B1") == "ข่าวประชาสัมพันธ์"
        session.commit()
        with transaction(two_offices.factory) as other:
            load_school(other, changed)
        assert categories.short_name(session, cm, "B1") == "ข่าวสาร"


def test_an_office_reloaded_unchanged_keeps_its_rows(two_offices):
    with two_offices.factory() as session:
        before = [(c.id, c.office_id, c.code) for c in session.scalars(select(Category).order_by(Category.id))]
    with transaction(two_offices.factory) as session:
        load(session, OFFICE_YAML)
        load_school(session)
    with two_offices.factory() as session:
        after = [(c.id, c.office_id, c.code) for c in session.scalars(select(Category).order_by(Category.id))]
    assert after == before and len(before) == 18 + 10


def test_the_minimum_set_is_the_offices_own(two_offices):
    with two_offices.factory() as session:
        tak, cm = office_id(session, TAK[1]), office_id(session, CHIANG_MAI[1])
        assert [m.key for m in minimum_set_status(session, tak, utcnow())] == [k for k, _, _ in MINIMUM_SET]
        theirs = minimum_set_status(session, cm, utcnow())
    assert [(m.key, m.label, m.category_code) for m in theirs] == [
        ("A1", "กฎหมาย ระเบียบ", "A1"), ("A2", "โครงสร้าง อำนาจหน้าที่", "A2"), ("A3", "ผู้บริหาร", "A3"),
        ("A4", "แผนและผลการดำเนินงาน", "A4"), ("A5", "จัดซื้อจัดจ้าง", "A5"), ("B3", "รับนักเรียน แนะแนว", "B3")]


# --- a document through each office's procedure, in LINE ------------------------------------

def submit_document(line, submitter: str, code: str, title: str) -> list[str]:
    """Send a PDF, pick category `code`, title it, send it for approval; the labels the picker offered."""
    said = start_document(line, submitter)
    picker = next(m for m in said if m["type"] == "flex")
    offered = [label for label in actions(picker) if re.match(r"[0-9๐-๙A-Z]", label)]  # not ยกเลิก
    line.tap(submitter, data(picker, next(label for label in offered if arabic(label).startswith(code + " "))))
    line.text(submitter, title)
    card = line.text(submitter, "ข้าม")[-1]
    line.tap(submitter, data(card, "ส่งขออนุญาตเผยแพร่"))
    return offered


def approve(line, fake, key: str) -> None:
    line.tap(key, data(latest_card(fake, key), "อนุมัติ"))


def chain_of(runtime, title: str) -> list[tuple[int, str]]:
    with runtime.factory() as session:
        sid = session.scalars(select(Submission.id).join(Submission.versions)
                              .where(Submission.versions.any(title=title))).first()
        return [(s.position, session.get(Person, s.approver_id).key) for s in session.scalars(
            select(ApprovalStep).where(ApprovalStep.submission_id == sid).order_by(ApprovalStep.position))]


def walk_both(runtime, line, fake) -> None:
    for key in A_PEOPLE + B_PEOPLE:
        link(runtime, key)
    with transaction(runtime.factory) as session:  # each office's PR group gets its cards
        for short, members, bot in ((TAK[1], ("nittaya", "wilai"), None),  # the settings' channel
                                    (CHIANG_MAI[1], ("pranee", "kanokwan"), SCHOOL_CHANNEL["token"])):
            register_pr_group(session, office_id(session, short), group_id(f"pr {short}"))
            fake.add_group(group_id(f"pr {short}"), "งานประชาสัมพันธ์", [user_id(k) for k in members],
                           channel=bot)
    # the two offices' items go through side by side, their steps interleaved: office A on the
    # announcement's categories and default chains; office B on its own list, where a regulated
    # category goes to both directors and an ordinary one to the unit's director alone
    offered_a = submit_document(line, "kanya", "1.3", "รายงานผลการดำเนินงานไตรมาสที่ ๑")
    offered_b = submit_document(line, "jirapa", "A4", "แผนปฏิบัติการประจำปี ๒๕๗๐")
    submit_document(line, "oranuch", "B3", "ประกาศรับสมัครนักเรียน ปีการศึกษา ๒๕๗๐")
    for key in ("thanakorn", "prasert", "weerachai", "anucha", "somchai"):
        approve(line, fake, key)
    assert [arabic(label.split()[0]) for label in offered_a] == list(categories.DEFAULT_CODES)
    assert [arabic(label.split()[0]) for label in offered_b] == SCHOOL_CODES
    assert "A๔ แผนและผลการดำเนินงาน" in offered_b  # both offices write Thai digits
    assert chain_of(runtime, "แผนปฏิบัติการประจำปี ๒๕๗๐") == [(1, "thanakorn"), (2, "anucha")]
    assert chain_of(runtime, "ประกาศรับสมัครนักเรียน ปีการศึกษา ๒๕๗๐") == [(1, "weerachai")]
    line.drain()
    with runtime.factory() as session:
        published = {session.get(Office, p.office_id).short_name: p.category_code
                     for p in session.scalars(select(Publication))}
        assert len(session.scalars(select(Publication)).all()) == 3
    assert published[TAK[1]] == "1.3" and published[CHIANG_MAI[1]] in ("A4", "B3")


def test_a_document_walks_through_each_offices_procedure(two_offices, line, fake):
    walk_both(two_offices, line, fake)
    with two_offices.factory() as session:
        cm = office_id(session, CHIANG_MAI[1])
        codes = sorted(p.category_code for p in session.scalars(
            select(Publication).where(Publication.office_id == cm)))
    assert codes == ["A4", "B3"]
    shares = {short: [m["text"].splitlines()[0] for m in fake.messages_to(group_id(f"pr {short}"))
                      if m["type"] == "text" and m["text"].startswith("📢")] for short in (TAK[1], CHIANG_MAI[1])}
    assert shares[TAK[1]] == ["📢 รายงานผลการดำเนินงานไตรมาสที่ ๑"]
    assert sorted(shares[CHIANG_MAI[1]]) == ["📢 ประกาศรับสมัครนักเรียน ปีการศึกษา ๒๕๗๐", "📢 แผนปฏิบัติการประจำปี ๒๕๗๐"]


def test_a_category_of_another_office_cannot_be_picked(two_offices, line, fake):
    """An old or forged picker tap with A's code on B's draft is an old card, not a category."""
    link(two_offices, "jirapa")
    said = start_document(line, "jirapa")
    picker = next(m for m in said if m["type"] == "flex")
    forged = data(picker, "A1 กฎหมาย ระเบียบ").replace("c=A1", "c=1.3")
    assert forged.endswith("c=1.3")
    said = line.tap("jirapa", forged)
    with two_offices.factory() as session:
        assert session.scalars(select(Submission.category_code)).one() is None
    assert said and "1.3" not in json.dumps(said, ensure_ascii=False)


# --- no text names another office -----------------------------------------------------------

def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def rendered_for(runtime, client, fake, me: tuple[str, str]) -> dict[str, str]:
    """Everything office `me` shows: its cards, its portal (served at "/": it was loaded first),
    its PDFs' text layer and its digest, as text by where it came from."""
    out: dict[str, str] = {}
    with runtime.factory() as session:
        mine = office_id(session, me[1])
        prefix = f"/o/{session.get(Office, mine).key}"  # several offices: each under its own address
        urls = addresses.links(session, runtime.config, mine)
        subs = session.scalars(select(Submission).where(Submission.office_id == mine)).all()
        for s in subs:
            view = describe(session, s, session.scalars(
                select(Publication).where(Publication.submission_id == s.id)).first())
            out[f"confirmation {s.id}"] = json.dumps(workflow_cards.confirmation_card(
                session, s, runtime.config), ensure_ascii=False)
            out[f"picker {s.id}"] = json.dumps(workflow_cards.category_picker(session, s), ensure_ascii=False)
            if view.publication_id:
                out[f"pr card {s.id}"] = json.dumps(publishing_cards.pr_card(view, urls), ensure_ascii=False)
                out[f"share {s.id}"] = publishing_cards.share_text(view, urls)
                out[f"published card {s.id}"] = json.dumps(publishing_cards.published_card(
                    view, urls, can_retract=True, can_record=True), ensure_ascii=False)
                out[f"notice {s.id}"] = pdf_text(notice_pdf(notice_data(view, urls)))
                pub = session.get(Publication, view.publication_id)
                out[f"record {s.id}"] = pdf_text(record_pdf(session, pub, runtime.config))
        for step in session.scalars(select(ApprovalStep).join(Submission).where(Submission.office_id == mine)):
            out[f"approval card {step.id}"] = json.dumps(workflow_cards.approval_card(
                session, session.get(Submission, step.submission_id), step, None, runtime.config),
                ensure_ascii=False)
        digest = compute_digest(session, mine, FiscalQuarter.of(utcnow()))
        pub_ids = session.scalars(select(Publication.id).where(Publication.office_id == mine)).all()
        codes = [c.code for c in categories.all_categories(session, mine)]
        people = {p.line_user_id for p in session.scalars(select(Person).where(Person.office_id == mine))}
        people |= set(session.scalars(select(GroupChat.group_id).where(GroupChat.office_id == mine)))
    report_links = ReportLinks(html="https://x/r.html", pdf="https://x/r.pdf", xlsx="https://x/r.xlsx",
                               chart="https://x/r.png")
    out["digest flex"] = json.dumps(digest_render.flex_summary(digest, report_links), ensure_ascii=False)
    out["digest html"] = digest_render.report_html(digest)
    out["digest pdf"] = pdf_text(digest_render.report_pdf(digest))
    out["digest text"] = digest_render.text_summary(digest)
    for to in people - {None}:
        out[f"LINE to {to}"] = json.dumps(fake.messages_to(to), ensure_ascii=False)
    pages = ["/", "/minimum", "/feed.atom", "/sitemap.xml", "/search?q=รายงาน",
             *(f"/c/{code}" for code in codes), *(f"/c/{code}/feed.atom" for code in codes)]
    pages += [p for pid in pub_ids for p in (f"/p/{pid}", f"/p/{pid}/notice.pdf")]
    for path in pages:
        response = client.get(prefix + path, headers={"User-Agent": "Mozilla/5.0"})
        assert response.status_code == 200, path
        body = response.get_data()
        response.close()  # a file the portal streams is closed with its response
        out[f"portal {path}"] = pdf_text(body) if body.startswith(b"%PDF") else body.decode("utf-8")
    return out


@pytest.mark.parametrize("which", ["office", "school"])
def test_nothing_an_office_shows_names_the_other_office(which, runtime, line, fake, client):
    _load_both(runtime, fake, school_first=which == "school")
    walk_both(runtime, line, fake)
    with transaction(runtime.factory) as session:  # more of each: retracted, pending, photos
        store = links.store(runtime.config)
        make_item(session, category="1.9", submitter="wanpen", approvers=("suda", "somchai"), store=store,
                  files=[("ประกาศ.pdf", samples.pdf(1, marker="tak"), "application/pdf")])
        make_item(session, state="pending", category="1.6", submitter="kanya", approvers=("prasert",))
        make_item(session, category="A5", submitter="narongrit", approvers=("siriporn", "anucha"),
                  store=store, files=[("ประกาศ.pdf", samples.pdf(1, marker="cm"), "application/pdf")])
        make_item(session, state="pending", category="B1", submitter="pranee", approvers=())
    me, other = (TAK, CHIANG_MAI) if which == "office" else (CHIANG_MAI, TAK)
    shown = rendered_for(runtime, client, fake, me)
    assert any(k.startswith("notice") for k in shown) and any(k.startswith("LINE to") for k in shown)
    pr_group = shown[f"LINE to {group_id(f'pr {me[1]}')}"]
    assert "📢" in pr_group  # the share text went to this office's PR group
    assert me[0] in shown["portal /"] or me[1] in shown["portal /"]
    assert squash(me[0]) in squash(shown["digest pdf"])
    for where, text in shown.items():
        never_names(text, other, where)


def test_the_notice_letterhead_is_the_offices_address_phone_and_logo(runtime, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png())
    text = SCHOOL_YAML.replace("  # logo: logo.png", "  logo: logo.png")
    with transaction(runtime.factory) as session:
        apply(session, parse(text, tmp_path))
        office = session.scalars(select(Office)).one()
        assert office.logo == str(logo.resolve()) and office.address.startswith("ถนนโชตนา")
        sid = make_item(session, category="B1", submitter="pranee", approvers=("kanokwan",)).id
    with runtime.factory() as session:
        view = describe(session, session.get(Submission, sid),
                        session.scalars(select(Publication)).one())
    urls = addresses.Links(runtime.config.public_base_url)
    pdf = notice_pdf(notice_data(view, urls))
    shown = squash(pdf_text(pdf))
    assert squash(CHIANG_MAI[0]) in shown and "ถนนโชตนา" in shown and squash("โทร 0 5300 0000") in shown
    assert any(page.images for page in PdfReader(io.BytesIO(pdf)).pages[:1])  # the logo
    with pytest.raises(OrgFileError, match="logo file 'missing.png' not found"):
        parse(text.replace("logo: logo.png", "logo: missing.png"), tmp_path)


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (120, 120), (20, 60, 120)).save(buf, format="PNG")
    return buf.getvalue()


def test_the_migration_gives_each_existing_office_its_own_copy_and_keeps_every_item(tmp_path):
    """From the global table (keyed by code, the seed office's name in its text) to one per office."""
    from alembic import command
    from sqlalchemy import text

    from bot.spine.db import alembic_config, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine)
    command.upgrade(cfg, "c3a9f1e7b2d4")
    lampang = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาลำปาง เขต ๑"
    now = "2026-12-01 00:00:00"
    with engine.begin() as conn:
        for oid, key, name in ((1, "office", TAK[0]), (2, "office-2", lampang)):
            conn.execute(text("INSERT INTO offices (id, key, name, short_name, hosts, chains, publish_mode, "
                              "digits, rich_menus, ita, created_at) VALUES (:id, :key, :name, :key, '[]', "
                              "'{}', 'portal', 'thai', '{}', '{}', :now)"),
                         {"id": oid, "key": key, "name": name, "now": now})
        for order, (code, name, regulated) in enumerate((
                ("1.3", "กิจกรรม โครงการ", False), ("1.5", f"ข้อมูลผู้บริหาร{TAK[0]}", True)), start=1):
            conn.execute(text("INSERT INTO categories (code, name, sort_order, regulated) "
                              "VALUES (:c, :n, :o, :r)"), {"c": code, "n": name, "o": order, "r": regulated})
        conn.execute(text("INSERT INTO people (id, office_id, key, name, position, active, roles) "
                          "VALUES (1, 2, 'p', 'คน', '', 1, '[]')"))
        conn.execute(text("INSERT INTO submissions (id, office_id, submitter_id, kind, category_code, status, "
                          "current_version, created_at, updated_at) "
                          "VALUES (1, 2, 1, 'document', '1.5', 'pending', 1, :now, :now)"), {"now": now})
    command.upgrade(cfg, "head")  # env.py checks every foreign key after the rebuild
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT office_id, code, name, short_name, regulated, minimum, active "
                                 "FROM categories ORDER BY office_id, sort_order")).all()
        kept = conn.execute(text("SELECT office_id, category_code FROM submissions")).one()
    assert [(r.office_id, r.code) for r in rows] == [(1, "1.3"), (1, "1.5"), (2, "1.3"), (2, "1.5")]
    assert rows[1].name == f"ข้อมูลผู้บริหาร{TAK[0]}" and rows[3].name == f"ข้อมูลผู้บริหาร{lampang}"
    assert (rows[3].short_name, bool(rows[3].regulated), bool(rows[3].minimum)) == ("ผู้บริหาร", True, True)
    assert (rows[2].short_name, bool(rows[2].minimum), bool(rows[2].active)) == ("กิจกรรม โครงการ", False, True)
    assert tuple(kept) == (2, "1.5")
    command.downgrade(cfg, "c3a9f1e7b2d4")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT code, name FROM categories ORDER BY sort_order")).all() == [
            ("1.3", "กิจกรรม โครงการ"), ("1.5", f"ข้อมูลผู้บริหาร{TAK[0]}")]
    engine.dispose()
