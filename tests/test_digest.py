"""The quarterly digest (ข้อ ๔): its numbers equal an independent count of a generated history in
which every state occurs; events count in the quarter they happened in, to the microsecond, in
Bangkok; the report reads back from PDF and XLSX; the Flex summary passes LINE's checks; and a
quarter's digest goes out once, whoever sends it."""

from __future__ import annotations

import io
import re
import statistics
import threading
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from bench.digest_data import History, generate, insert_history, next_ids
from bot.digest import render
from bot.digest.compute import APPROVED_STATES, compute_digest
from bot.digest.delivery import digest_due, send_digest, send_due_digests
from bot.digest.links import LINK_VALID, ReportLinks, report_links, report_token
from bot.office.categories import default_categories, sync_categories
from bot.publishing.minimum_set import MINIMUM_SET, minimum_set_status
from bot.sandbox.line_fake.schema import validate_messages
from bot.spine.config import Config
from bot.spine.db import transaction
from bot.thai.dates import BANGKOK, FiscalQuarter, WorkingCalendar, thai_digits
from models import (
    DigestRun,
    GroupChat,
    Office,
    OutboxMessage,
    Person,
    Publication,
    QuarterFeedback,
    Submission,
    SubmissionVersion,
    Unit,
    utcnow,
)
from tests.flex import actions, joined, texts
from tests.line_driver import group_id, user_id

Q = FiscalQuarter(2570, 1)
US = timedelta(microseconds=1)
BOSSES = "bosses"
STEP_STATES = {"queued", "waiting", "approved", "returned", "rejected", "skipped", "cancelled"}
ALL_STATES = {"draft", "pending", "returned", "approved", "published", "rejected", "withdrawn",
              "cancelled", "expired", "retracted"}


# --- the history and its ground truth -------------------------------------------------------

def office_parts(runtime) -> tuple[int, list[int], list[int]]:
    with runtime.factory() as session:
        office_id = session.scalar(select(Office.id).order_by(Office.id))
        units = list(session.scalars(select(Unit.id).where(Unit.office_id == office_id)
                                     .order_by(Unit.id)))
        people = list(session.scalars(select(Person.id).where(Person.office_id == office_id)))
    return office_id, units, people


def shift(h: History, sid: int, delta: timedelta) -> None:
    """Move one submission's whole story in time (its steps, publication, views, pushes)."""
    def move(row: dict, *keys: str) -> None:
        for key in keys:
            if row.get(key) is not None:
                row[key] += delta

    pubs = [p for p in h.publications if p["submission_id"] == sid]
    for row in h.submissions:
        if row["id"] == sid:
            move(row, "created_at", "updated_at", "submitted_at", "finished_at")
    for row in h.versions:
        if row["submission_id"] == sid:
            move(row, "created_at")
    for row in h.steps:
        if row["submission_id"] == sid:
            move(row, "waiting_since", "decided_at")
    for pub in pubs:
        move(pub, "published_at", "retracted_at")
        for view in h.page_views:
            if view["publication_id"] == pub["id"]:
                view["day"] += timedelta(days=delta.days)
        for row in h.outbox:
            if row["purpose"] == f"publication:{pub['id']}":
                move(row, "created_at", "next_attempt_at", "finished_at")


def approval_at(h: History) -> dict[int, datetime]:
    """An item's final approval: the last decision on any of its steps."""
    last: dict[int, datetime] = {}
    for step in h.steps:
        if step["decided_at"] is not None:
            sid = step["submission_id"]
            last[sid] = max(last.get(sid, step["decided_at"]), step["decided_at"])
    return last


def place_on_edges(h: History, q: FiscalQuarter) -> dict[str, int]:
    """Shift chosen items so their deciding event falls exactly on (or 1 µs off) a quarter edge."""
    by_state = defaultdict(list)
    for row in h.submissions:
        by_state[row["status"]].append(row)
    pub_of = {p["submission_id"]: p for p in h.publications}
    approved = approval_at(h)
    placed = {}

    def put(name: str, state: str, event, target: datetime) -> None:
        row = next(r for r in by_state[state] if r["id"] not in placed.values())
        shift(h, row["id"], target - event(row))
        placed[name] = row["id"]

    put("published_at_start", "published", lambda r: pub_of[r["id"]]["published_at"], q.start)
    put("published_before_start", "published", lambda r: pub_of[r["id"]]["published_at"],
        q.start - US)
    put("published_last_instant", "published", lambda r: pub_of[r["id"]]["published_at"],
        q.end - US)
    put("published_at_end", "published", lambda r: pub_of[r["id"]]["published_at"], q.end)
    november = datetime(q.first_day.year, q.first_day.month + 1, 1, tzinfo=BANGKOK)
    put("published_in_month_2", "published", lambda r: pub_of[r["id"]]["published_at"], november)
    put("submitted_at_start", "pending", lambda r: r["submitted_at"], q.start)
    put("submitted_at_end", "pending", lambda r: r["submitted_at"], q.end)
    put("rejected_last_instant", "rejected", lambda r: r["finished_at"], q.end - US)
    put("withdrawn_before_start", "withdrawn", lambda r: r["finished_at"], q.start - US)
    put("approved_at_end", "approved", lambda r: approved[r["id"]], q.end)
    return placed


def percentile(values: list[float], p: int) -> float:
    """The stdlib's inclusive quantiles: linear interpolation between closest ranks."""
    if len(values) == 1:
        return values[0]
    if p == 50:
        return statistics.median(values)
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def timing(values: list[float]) -> tuple:
    return (len(values), percentile(values, 50), percentile(values, 90)) if values else (0, None,
                                                                                          None)


def truth(h: History, q: FiscalQuarter, office_id: int) -> dict:
    """The digest counted row by row in Python, straight from the definitions in docs/DIGEST.md."""
    start, end = q.start, q.end

    def inq(t):
        return t is not None and start <= t < end

    subs = {r["id"]: r for r in h.submissions if r["office_id"] == office_id}
    pubs = [p for p in h.publications if p["office_id"] == office_id]
    approved = approval_at(h)
    units: dict = defaultdict(lambda: {
        "published": 0, "retracted": 0, "by_category": defaultdict(int), "by_month": [0, 0, 0],
        "views": 0, "views_in_quarter": 0, "durations": [],
        "flow": dict.fromkeys(("submitted", "approved", "returned", "rejected", "withdrawn",
                               "pending"), 0)})
    for sid, row in subs.items():
        u = units[row["unit_id"]]["flow"]
        status = row["status"]
        decision = (approved.get(sid) if status in APPROVED_STATES
                    else row["finished_at"] if status in ("rejected", "withdrawn") else None)
        u["submitted"] += inq(row["submitted_at"])
        u["approved"] += status in APPROVED_STATES and inq(decision)
        u["rejected"] += status == "rejected" and inq(row["finished_at"])
        u["withdrawn"] += status == "withdrawn" and inq(row["finished_at"])
        u["pending"] += (row["submitted_at"] is not None and row["submitted_at"] < end
                         and (decision is None or decision >= end))
    returned = {s["submission_id"] for s in h.steps
                if s["status"] == "returned" and inq(s["decided_at"]) and s["submission_id"] in subs}
    for sid in returned:
        units[subs[sid]["unit_id"]]["flow"]["returned"] += 1
    in_q = sorted((p for p in pubs if inq(p["published_at"])),
                  key=lambda p: (p["published_at"], p["id"]))
    stages: dict[str, list[float]] = defaultdict(list)
    for p in in_q:
        u = units[p["unit_id"]]
        u["published"] += 1
        u["by_category"][p["category_code"]] += 1
        month = p["published_at"].astimezone(BANGKOK).month
        u["by_month"][(month - q.first_day.month) % 12] += 1
        u["views"] += p["views"]
        u["durations"].append((p["published_at"] - subs[p["submission_id"]]["submitted_at"])
                              .total_seconds())
        stages["publish"].append((p["published_at"] - approved[p["submission_id"]]).total_seconds())
    for p in pubs:
        units[p["unit_id"]]["retracted"] += inq(p["retracted_at"])
    pub_unit = {p["id"]: p["unit_id"] for p in pubs}
    for view in h.page_views:
        if view["publication_id"] in pub_unit and q.first_day <= view["day"] <= q.last_day:
            units[pub_unit[view["publication_id"]]]["views_in_quarter"] += 1
    for s in h.steps:
        if (s["submission_id"] in subs and s["status"] in ("approved", "returned", "rejected")
                and s["waiting_since"] is not None and inq(s["decided_at"])):
            stages[s["role"]].append((s["decided_at"] - s["waiting_since"]).total_seconds())
    sent = [r for r in h.outbox if r["office_id"] == office_id and r["status"] == "sent"
            and r["sent_via"] == "push" and r["kind"] in ("push", "reply") and inq(r["finished_at"])]
    last = end - US
    live = [p for p in pubs if p["published_at"] <= last
            and (p["retracted_at"] is None or p["retracted_at"] > last)]
    return {
        "units": units,
        "office_durations": [d for u in units.values() for d in u["durations"]],
        "stages": {k: timing(v) for k, v in stages.items()},
        "pushes": (len(sent), sum(r["recipients"] for r in sent),
                   sum(r["recipients"] for r in sent if r["purpose"].startswith("publication:"))),
        "items": [p["id"] for p in in_q],
        "top": [p["id"] for p in sorted(in_q, key=lambda p: (-p["views"], p["published_at"],
                                                              p["id"]))[:5]],
        "minimum": {key: (sum(p["category_code"] == code for p in live),
                          max((p["published_at"] for p in live if p["category_code"] == code),
                              default=None))
                    for key, _, code in MINIMUM_SET},
    }


def assert_timing(got, expected: tuple) -> None:
    assert got.count == expected[0]
    for value, want in ((got.median, expected[1]), (got.p90, expected[2])):
        assert (value is None) == (want is None)
        if want is not None:
            assert value == pytest.approx(want, abs=0.01)  # SQLite's julianday: ~20 µs


@pytest.fixture
def history(office):
    """800 generated items over three quarters around Q, some placed on its edges, one unit
    deactivated afterwards, and a second office whose items must not count."""
    office_id, units, people = office_parts(office)
    with office.factory() as session:
        ids = next_ids(session.connection())
    h = generate(800, office_id=office_id, unit_ids=[*units, None], people=people,
                 start=Q.previous().start - timedelta(days=20), end=Q.next().end, seed=7,
                 id_start=ids)
    placed = place_on_edges(h, Q)
    with transaction(office.factory) as session:
        other = Office(key="other", name="สำนักงานอื่น", short_name="อื่น")
        session.add(other)
        session.flush()
        sync_categories(session, other.id, default_categories(other.name))
        unit = Unit(office_id=other.id, key="x", name="กลุ่มอื่น")
        person = Person(office_id=other.id, key="x", name="คนอื่น")
        session.add_all([unit, person])
        session.flush()
        other_ids = (other.id, unit.id, person.id)
    with office.engine.begin() as conn:
        insert_history(conn, h)
        noise = generate(150, office_id=other_ids[0], unit_ids=[other_ids[1]],
                         people=[other_ids[2]], start=Q.start, end=Q.end, seed=8,
                         id_start=next_ids(conn))
        insert_history(conn, noise)
    with transaction(office.factory) as session:
        session.get(Unit, units[-1]).active = False  # its items still count
    h.placed = placed
    h.other_office = other_ids[0]
    return office_id, h


# --- the numbers ----------------------------------------------------------------------------

def test_generated_history_has_every_state(history):
    _, h = history
    assert {r["status"] for r in h.submissions} == ALL_STATES
    assert {s["status"] for s in h.steps} == STEP_STATES
    assert any(p["retracted_at"] for p in h.publications)
    assert any(r["unit_id"] is None for r in h.submissions)
    assert {r["sent_via"] for r in h.outbox} == {"push", "reply", None}


def test_digest_counts_equal_the_ground_truth(history, runtime):
    office_id, h = history
    want = truth(h, Q, office_id)
    with runtime.factory() as session:
        d = compute_digest(session, office_id, Q)
    got_units = {u.unit_id: u for u in d.units}
    assert set(got_units) == set(want["units"])  # every unit with activity, no-unit included
    for unit_id, w in want["units"].items():
        u = got_units[unit_id]
        assert (u.published, u.retracted, u.views, u.views_in_quarter) == (
            w["published"], w["retracted"], w["views"], w["views_in_quarter"]), unit_id
        assert u.by_category == dict(w["by_category"]) and list(u.by_month) == w["by_month"]
        assert vars(u.flow) == w["flow"], unit_id
        assert_timing(u.to_publication, timing(w["durations"]))
    total = d.total
    assert total.published == len(want["items"]) > 50
    assert total.flow.submitted == sum(w["flow"]["submitted"] for w in want["units"].values())
    assert min(vars(total.flow).values()) > 0  # every kind of event happened in the quarter
    assert_timing(total.to_publication, timing(want["office_durations"]))
    assert {s.stage for s in d.stages} == set(want["stages"]) == {
        "unit_director", "office_director", "publish"}
    for stage in d.stages:
        assert_timing(stage.timing, want["stages"][stage.stage])
    assert (d.pushes.messages, d.pushes.recipients, d.pushes.publication_recipients) == want["pushes"]
    assert [i.publication_id for i in d.items] == want["items"]
    assert [i.publication_id for i in d.top] == want["top"]
    assert {m.key: (m.live, m.latest) for m in d.minimum_set} == want["minimum"]


def test_items_on_the_quarter_edges_count_where_they_happened(history, runtime):
    office_id, h = history
    with runtime.factory() as session:
        d = compute_digest(session, office_id, Q)
        before = compute_digest(session, office_id, Q.previous())
    sub_of = {i.submission_id: i for i in d.items}
    placed = h.placed
    assert placed["published_at_start"] in sub_of and placed["published_last_instant"] in sub_of
    assert placed["published_before_start"] not in sub_of
    assert placed["published_at_end"] not in sub_of
    assert placed["published_before_start"] in {i.submission_id for i in before.items}
    # the same instants, written in UTC: 1 Oct 00:00 Bangkok is 30 Sep 17:00 UTC
    assert sub_of[placed["published_at_start"]].published_at == datetime(2026, 9, 30, 17, tzinfo=UTC)
    assert sub_of[placed["published_last_instant"]].published_at == datetime(
        2026, 12, 31, 16, 59, 59, 999999, tzinfo=UTC)


def make_publication(session, office_id: int, unit_id: int, person_id: int, when: datetime,
                     submitted: datetime | None = None) -> Publication:
    sub = Submission(office_id=office_id, submitter_id=person_id, unit_id=unit_id, kind="document",
                     category_code="1.3", status="published", submitted_at=submitted or when,
                     finished_at=when)
    session.add(sub)
    session.flush()
    session.add(SubmissionVersion(submission_id=sub.id, number=1, title=f"เรื่อง {when}"))
    pub = Publication(office_id=office_id, submission_id=sub.id, version=1, category_code="1.3",
                      unit_id=unit_id, published_at=when)
    session.add(pub)
    session.flush()
    return pub


def test_30_september_23_59_59_is_q4_and_1_october_00_00_is_q1_in_bangkok_and_utc(office):
    office_id, units, people = office_parts(office)
    instants = {
        "2569Q4": [datetime(2026, 9, 30, 23, 59, 59, tzinfo=BANGKOK),
                   datetime(2026, 9, 30, 16, 59, 59, 999999, tzinfo=UTC)],
        "2570Q1": [datetime(2026, 10, 1, 0, 0, tzinfo=BANGKOK),
                   datetime(2026, 9, 30, 17, 0, tzinfo=UTC),
                   datetime(2026, 12, 31, 23, 59, 59, tzinfo=BANGKOK)],
        "2570Q2": [datetime(2027, 1, 1, 0, 0, tzinfo=BANGKOK)],
    }
    with transaction(office.factory) as session:
        for whens in instants.values():
            for when in whens:
                make_publication(session, office_id, units[0], people[0], when)
    with office.factory() as session:
        for code, whens in instants.items():
            d = compute_digest(session, office_id, FiscalQuarter.parse(code))
            assert d.total.published == len(whens), code
            assert sorted(i.published_at for i in d.items) == sorted(w.astimezone(UTC) for w in whens)
    with office.factory() as session:
        q1 = compute_digest(session, office_id, FiscalQuarter.parse("2570Q1"))
    assert q1.total.by_month == (2, 0, 1)  # October (both forms of the same instant), December


@pytest.mark.parametrize("code, label, months", [
    ("2570Q1", "ไตรมาสที่ ๑ ปีงบประมาณ ๒๕๗๐ (ต.ค.–ธ.ค. ๒๕๖๙)", ["ต.ค. 2569", "พ.ย. 2569", "ธ.ค. 2569"]),
    ("2570Q2", "ไตรมาสที่ ๒ ปีงบประมาณ ๒๕๗๐ (ม.ค.–มี.ค. ๒๕๗๐)", ["ม.ค. 2570", "ก.พ. 2570", "มี.ค. 2570"]),
    ("2569Q4", "ไตรมาสที่ ๔ ปีงบประมาณ ๒๕๖๙ (ก.ค.–ก.ย. ๒๕๖๙)", ["ก.ค. 2569", "ส.ค. 2569", "ก.ย. 2569"]),
])
def test_labels_and_buddhist_era_months(office, code, label, months):
    office_id, _, _ = office_parts(office)
    with office.factory() as session:
        d = compute_digest(session, office_id, FiscalQuarter.parse(code))
    assert render.SCREEN.quarter(d) == label
    assert [render.SCREEN.month(m) for m in d.months] == months
    assert [render.OFFICIAL.month(m) for m in d.months] == [thai_digits(m) for m in months]
    assert label in render.text_summary(d)


def test_percentiles_of_one_two_and_four_items(office):
    """Medians and 90th percentiles interpolate between ranks, as statistics.quantiles does."""
    office_id, units, people = office_parts(office)
    hours = {units[0]: [5], units[1]: [1, 2], units[2]: [10, 40, 20, 30]}
    at = Q.start + timedelta(days=30)
    with transaction(office.factory) as session:
        for unit_id, values in hours.items():
            for h in values:
                make_publication(session, office_id, unit_id, people[0], at,
                                 submitted=at - timedelta(hours=h))
    with office.factory() as session:
        d = compute_digest(session, office_id, Q)
    got = {u.unit_id: u.to_publication for u in d.units}
    for unit_id, values in hours.items():
        assert_timing(got[unit_id], timing([v * 3600.0 for v in values]))
    assert got[units[1]].median == pytest.approx(1.5 * 3600, abs=0.01)
    assert got[units[2]].p90 == pytest.approx(37 * 3600, abs=0.01)
    assert got[units[3]].count == 0 and got[units[3]].median is None
    assert_timing(d.total.to_publication, timing([v * 3600.0 for vs in hours.values() for v in vs]))


def test_the_real_workflow_lands_in_the_digest(people, line, fake, runtime):
    """Through the chat: one item returned, corrected and published; one rejected."""
    from tests import samples
    from tests.flex import data
    from tests.test_approvals import latest_card, submit_document

    submit_document(line, title="ผลการประเมินคุณภาพ")
    line.tap("prasert", data(latest_card(fake, "prasert"), "ส่งกลับแก้ไข"))
    line.text("prasert", "กรุณาแนบภาคผนวก")
    told = fake.messages_to(user_id("kanya"))[-1]
    line.tap("kanya", data(told, "แก้ไขและส่งใหม่"))
    card = line.send(line.file_event("kanya", "ฉบับแก้ไข.pdf", samples.pdf(2)))[-1]
    line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    line.tap("somchai", data(latest_card(fake, "somchai"), "อนุมัติ"))
    submit_document(line, title="ประกาศที่ไม่ผ่าน")
    line.tap("prasert", data(latest_card(fake, "prasert"), "ไม่อนุมัติ"))
    line.text("prasert", "ซ้ำกับประกาศเดิม")
    with runtime.factory() as session:
        statuses = dict(session.execute(select(Submission.id, Submission.status)).all())
        assert sorted(statuses.values()) == ["published", "rejected"]
        d = compute_digest(session, 1, FiscalQuarter.of(datetime.now(UTC)))
    plan = next(u for u in d.units if u.name == "กลุ่มนโยบายและแผน")
    assert vars(plan.flow) == {"submitted": 2, "approved": 1, "returned": 1, "rejected": 1,
                               "withdrawn": 0, "pending": 0}
    assert plan.published == 1 and d.items[0].title == "ผลการประเมินคุณภาพ"
    assert {s.stage: s.timing.count for s in d.stages} == {
        "unit_director": 3, "office_director": 1, "publish": 1}


# --- the report -----------------------------------------------------------------------------

def squash(text: str) -> str:
    """pypdf's text with whitespace runs collapsed, minus the control characters it puts after
    sara am (shaped as two glyphs, mapped back to one character)."""
    return re.sub(r"\s+", " ", re.sub(r"[\x00-\x08\x0e-\x1f]", "", text))


@pytest.fixture
def small(history, runtime):
    """Q with two units' problems and suggestions answered."""
    office_id, h = history
    with transaction(runtime.factory) as session:
        units = list(session.scalars(select(Unit).where(Unit.office_id == office_id)
                                     .order_by(Unit.id)))
        session.add(QuarterFeedback(office_id=office_id, unit_id=units[1].id, quarter=Q.code,
                                    answered_at=Q.end - timedelta(days=3), none=False,
                                    text="ผู้ให้ข้อมูลส่งไฟล์ภาพขนาดใหญ่เกินไป ควรมีคู่มือย่อภาพ"))
        session.add(QuarterFeedback(office_id=office_id, unit_id=units[2].id, quarter=Q.code,
                                    answered_at=Q.end - timedelta(days=3), none=True))
        session.add(QuarterFeedback(office_id=office_id, unit_id=units[3].id, quarter=Q.code,
                                    asked_at=Q.end - timedelta(days=7)))
    with runtime.factory() as session:
        return compute_digest(session, office_id, Q)


def test_pdf_carries_the_thai_text_and_numbers(small):
    d = small
    pdf = render.report_pdf(d)
    reader = PdfReader(io.BytesIO(pdf))
    text = squash("\n".join(page.extract_text() for page in reader.pages))
    n = render.OFFICIAL.n
    assert render.TITLE in text
    assert "ไตรมาสที่ ๑ ปีงบประมาณ ๒๕๗๐ (ต.ค.–ธ.ค. ๒๕๖๙)" in text
    assert f"เผยแพร่ผ่านเว็บไซต์ทั้งสิ้น {n(d.total.published)} รายการ" in text
    assert f"รวมทั้งสำนักงาน {' '.join(n(c) for c in d.total.by_month)} {n(d.total.published)}" in text
    flow = " ".join(n(getattr(d.total.flow, k)) for k, _ in render.FLOW_LABELS)
    assert f"รวมทั้งสำนักงาน {flow}" in text
    for u in d.units:
        if u.unit_id is not None:
            assert u.name.split()[0] in text
    flat = text.replace(" ", "")  # a wrapped line breaks between Thai words: a space here
    assert "ผู้ให้ข้อมูลส่งไฟล์ภาพขนาดใหญ่เกินไป" in flat and "ยังไม่ได้ตอบ" in flat
    assert f"มียอดเข้าชมรวม{n(d.total.views)}ครั้ง" in flat
    assert f"ข้อความLINEที่ใช้(โควตาการส่ง){n(d.pushes.recipients)}ข้อความ" in flat
    fonts = reader.pages[0]["/Resources"]["/Font"].values()
    assert any("Sarabun" in str(f.get_object()["/BaseFont"]) for f in fonts)


def test_xlsx_carries_the_same_numbers(small):
    d = small
    wb = load_workbook(io.BytesIO(render.report_xlsx(d)))
    summary = {row[0]: row[1] for row in wb["สรุป"].iter_rows(min_row=2, values_only=True)}
    assert summary["ไตรมาส"] == "ไตรมาสที่ ๑ ปีงบประมาณ ๒๕๗๐ (ต.ค.–ธ.ค. ๒๕๖๙)"
    assert summary["เผยแพร่บนเว็บไซต์ (รายการ)"] == d.total.published
    for key, label in render.FLOW_LABELS:
        assert summary[label] == getattr(d.total.flow, key)
    assert summary["ข้อความ LINE ที่ใช้โควตา"] == d.pushes.recipients
    assert summary["ยื่นจนเผยแพร่: มัธยฐาน (ชั่วโมง)"] == pytest.approx(
        d.total.to_publication.median / 3600, abs=0.01)
    rows = list(wb["รายกลุ่ม"].iter_rows(values_only=True))
    by_unit = {r[0]: r for r in rows[1:]}
    for u in d.units:
        assert by_unit[u.name][1:5] == (u.published, *u.by_month)
    assert by_unit["รวมทั้งสำนักงาน"][1] == d.total.published
    items = list(wb["รายการที่เผยแพร่"].iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in items] == [i.title for i in d.items]
    category = {r[0]: r[2] for r in wb["ตามหมวด"].iter_rows(min_row=2, values_only=True)}
    assert {k: v for k, v in category.items() if v} == d.total.by_category
    feedback = {r[0]: r[1] for r in wb["ปัญหาและข้อเสนอแนะ"].iter_rows(min_row=2, values_only=True)}
    assert "ผู้ให้ข้อมูลส่งไฟล์ภาพขนาดใหญ่เกินไป ควรมีคู่มือย่อภาพ" in feedback.values()
    assert "ไม่มี" in feedback.values()


def test_html_page_and_chart(small):
    d = small
    links = ReportLinks("https://h/r.html", "https://h/r.pdf", "https://h/r.xlsx",
                                      "https://h/r.png")
    chart = render.chart_png(d)
    assert chart[:8] == b"\x89PNG\r\n\x1a\n"
    page = render.report_html(d, links, chart)
    assert "ไตรมาสที่ ๑ ปีงบประมาณ ๒๕๗๐ (ต.ค.–ธ.ค. ๒๕๖๙)" in page
    assert f"<b>{d.total.published:,}</b><span>เผยแพร่บนเว็บไซต์</span>" in page
    assert 'href="https://h/r.pdf"' in page and "data:image/png;base64," in page
    assert "ผู้ให้ข้อมูลส่งไฟล์ภาพขนาดใหญ่เกินไป" in page


def test_flex_summary_passes_lines_checks(small):
    d = small
    links = report_links(Config(public_base_url="https://prakat.example.go.th",
                                                secret_key="k"), d.office_id, Q,
                         datetime(2027, 1, 4, tzinfo=UTC))
    message = render.flex_summary(d, links)
    assert validate_messages([message]) == []
    shown = joined(message)
    assert "ไตรมาสที่ ๑ ปีงบประมาณ ๒๕๗๐ (ต.ค.–ธ.ค. ๒๕๖๙)" in shown
    assert f"{thai_digits(f'{d.total.published:,}')} เรื่อง" in shown  # one digit style: the office's (Thai)
    numbers = [t for t in texts(message) if not t.startswith("เข้าชมมากที่สุด")]  # (a title is as typed)
    assert [t for t in numbers if re.search("[0-9]", t)] == []
    arabic = joined(render.flex_summary(d, links, render.Style.for_line("arabic")))
    arabic = arabic.replace(d.office_short_name, "")  # the office's name is written as the office writes it
    assert "ไตรมาสที่ 1 ปีงบประมาณ 2570 (ต.ค.–ธ.ค. 2569)" in arabic and not re.search("[๐-๙]", arabic)
    assert message["contents"]["hero"]["url"] == links.chart
    assert {k: a["uri"] for k, a in actions(message).items()} == {
        "รายงาน": links.html, "ดูรายงาน": links.html, "PDF": links.pdf, "Excel": links.xlsx}


# --- sending --------------------------------------------------------------------------------

@pytest.fixture
def management(people, fake):
    """The example office (directors linked) with a registered three-member management group."""
    with transaction(people.factory) as session:
        office = session.scalars(select(Office).order_by(Office.id)).first()
        office.created_at = datetime(2025, 1, 1, tzinfo=UTC)
        session.add(GroupChat(office_id=office.id, group_id=group_id(BOSSES), purpose="management",
                              registered_at=office.created_at))
    fake.add_group(group_id(BOSSES), "ผู้บริหาร", [user_id(k) for k in ("somchai", "manee", "wilai")])
    return people


def outbox_rows(runtime, purpose: str) -> list[OutboxMessage]:
    with runtime.factory() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == purpose)))


def test_the_digest_goes_to_the_group_and_the_director_once(management, line, fake, client):
    runtime = management
    now = datetime(2027, 1, 4, 2, tzinfo=UTC)
    with transaction(runtime.factory) as session:
        first = send_digest(session, runtime.config, 1, Q, now=now, sent_by="scheduler")
    assert (first.sent, first.recipients) == (True, 2)
    line.drain()
    to_group = fake.messages_to(group_id(BOSSES))
    to_director = fake.messages_to(user_id("somchai"))
    assert len(to_group) == 1 and to_director == to_group
    assert to_group[0]["altText"].startswith("รายงานการเผยแพร่ข้อมูล ไตรมาสที่ ๑ ปีงบประมาณ ๒๕๗๐")
    with transaction(runtime.factory) as session:
        again = send_digest(session, runtime.config, 1, Q, now=now + timedelta(hours=1),
                            sent_by="cli")
    assert (again.sent, again.reason, again.run.sent_by) == (False, "already_sent", "scheduler")
    assert len(outbox_rows(runtime, f"digest:{Q.code}")) == 2
    line.drain()
    assert len(fake.messages_to(group_id(BOSSES))) == 1
    # the links in the message open the report
    found = actions(to_group[0])
    for label, kind in (("ดูรายงาน", "text/html"), ("PDF", "application/pdf"),
                        ("Excel", "application/vnd.openxmlformats")):
        url = found[label]["uri"]
        assert url.startswith(f"https://prakat.example.go.th/reports/1/{Q.code}.")
        response = client.get(url.removeprefix("https://prakat.example.go.th"))
        assert response.status_code == 200 and response.content_type.startswith(kind), label
    chart = client.get(to_group[0]["contents"]["hero"]["url"].removeprefix(
        "https://prakat.example.go.th"))
    assert chart.status_code == 200 and chart.data[:4] == b"\x89PNG"


def test_an_acting_office_director_gets_it_too(management, line, fake):
    from bot.office.org import person_by_key, set_acting

    now = datetime(2027, 1, 4, 2, tzinfo=UTC)
    with transaction(management.factory) as session:
        set_acting(session, person_by_key(session, "somchai"), person_by_key(session, "manee"),
                   date(2027, 1, 1), date(2027, 1, 10), "คำสั่งที่ 1/2570")
        assert send_digest(session, management.config, 1, Q, now=now, sent_by="cli").recipients == 3
    line.drain()
    assert len(fake.messages_to(user_id("manee"))) == 1


def test_nobody_to_send_to_records_nothing(office):
    with transaction(office.factory) as session:
        result = send_digest(session, office.config, 1, Q, now=Q.end, sent_by="cli")
    assert result.reason == "no_recipients"
    with office.factory() as session:
        assert session.scalar(select(func.count()).select_from(DigestRun)) == 0


def test_two_processes_sending_at_the_same_moment_send_once(management, line, fake):
    runtime = management
    due = digest_due(Q, WorkingCalendar())
    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            barrier.wait()
            results.extend(send_due_digests(runtime, due))
        except Exception as exc:  # pragma: no cover - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.reason for _, r in results) == ["already_sent", "sent"]
    line.drain()
    assert len(fake.messages_to(group_id(BOSSES))) == 1
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(DigestRun)) == 1


def test_due_on_the_first_working_day_after_the_quarter_at_nine(management, tmp_path):
    assert digest_due(Q, WorkingCalendar()) == datetime(2027, 1, 1, 9, tzinfo=BANGKOK)  # a Friday
    new_year = WorkingCalendar([date(2027, 1, 1)])
    assert digest_due(Q, new_year) == datetime(2027, 1, 4, 9, tzinfo=BANGKOK)  # Monday
    assert digest_due(FiscalQuarter(2570, 4), WorkingCalendar()) == datetime(
        2027, 10, 1, 9, tzinfo=BANGKOK)
    holidays = tmp_path / "holidays.txt"
    holidays.write_text("2027-01-01 วันขึ้นปีใหม่\n", encoding="utf-8")
    runtime = management
    object.__setattr__(runtime.config, "holidays_file", str(holidays))
    due = datetime(2027, 1, 4, 9, tzinfo=BANGKOK)
    assert send_due_digests(runtime, due - timedelta(seconds=1)) == []
    [(office_id, result)] = send_due_digests(runtime, due)
    assert result.sent and office_id == 1
    assert [r.reason for _, r in send_due_digests(runtime, due + timedelta(days=1))] == [
        "already_sent"]


def test_report_links_are_signed_per_office_and_quarter_and_expire(management, client):
    config = management.config
    now = datetime.now(UTC)
    good = report_token(config.secret_key, 1, Q, now)
    assert client.get(f"/reports/1/{Q.code}.html?t={good}").status_code == 200
    refused = [
        f"/reports/1/{Q.code}.html",                                    # no token
        f"/reports/1/{Q.code}.html?t={good[:-2]}xx",                    # altered
        f"/reports/1/2570Q2.html?t={good}",                             # another quarter
        f"/reports/2/{Q.code}.html?t={good}",                           # another office
        f"/reports/1/{Q.code}.html?t={report_token('other', 1, Q, now)}",  # another key
    ]
    for url in refused:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "ไม่ถูกต้อง" in response.get_data(as_text=True)
    old = report_token(config.secret_key, 1, Q, now - LINK_VALID - timedelta(1))
    expired = client.get(f"/reports/1/{Q.code}.pdf?t={old}")
    assert expired.status_code == 403 and "หมดอายุ" in expired.get_data(as_text=True)
    assert client.get(f"/reports/1/{Q.code}.exe?t={good}").status_code == 404
    assert client.get(f"/reports/1/2570Q9.html?t={good}").status_code == 404


def test_cli_previews_writes_files_and_sends_once(management, app, tmp_path, line, fake):
    runner = app.test_cli_runner()
    preview = runner.invoke(args=["digest", "--quarter", Q.code])
    assert preview.exit_code == 0, preview.output
    assert "ไตรมาสที่ ๑ ปีงบประมาณ ๒๕๗๐ (ต.ค.–ธ.ค. ๒๕๖๙)" in preview.output
    assert "เผยแพร่บนเว็บไซต์ 0 รายการ" in preview.output
    out = tmp_path / "q1.pdf"
    wrote = runner.invoke(args=["digest", "--quarter", Q.code, "--format", "pdf", "--out", str(out)])
    assert wrote.exit_code == 0 and out.read_bytes()[:5] == b"%PDF-"
    html = runner.invoke(args=["digest", "--quarter", Q.code, "--format", "html"])
    assert html.exit_code == 0 and "<!doctype html>" in html.output
    assert runner.invoke(args=["digest", "--format", "xlsx"]).exit_code != 0  # needs --out
    assert runner.invoke(args=["digest", "--quarter", "2570Q5"]).exit_code != 0
    running = FiscalQuarter.of(utcnow())  # not over: refused, as the console refuses it
    early = runner.invoke(args=["digest", "--quarter", running.code, "--send"])
    assert early.exit_code != 0 and "has not ended yet: nothing sent" in early.output
    ended = running.previous()
    sent = runner.invoke(args=["digest", "--quarter", ended.code, "--send"])
    assert "queued for 2 chat(s)" in sent.output
    again = runner.invoke(args=["digest", "--quarter", ended.code, "--send"])
    assert again.exit_code == 0 and "already sent" in again.output and "by cli" in again.output
    with app.extensions["prakat"].factory() as session:
        assert [r.quarter for r in session.scalars(select(DigestRun))] == [ended.code]
    line.drain()
    assert len(fake.messages_to(group_id(BOSSES))) == 1


def test_minimum_set_follows_publication_and_retraction(office):
    office_id, units, people = office_parts(office)
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    with transaction(office.factory) as session:
        pub = make_publication(session, office_id, units[0], people[0], t0)
        pub.category_code = "1.9"
        pub.retracted_at = t0 + timedelta(days=10)
    with office.factory() as session:
        def procurement(at):
            return next(m for m in minimum_set_status(session, office_id, at)
                        if m.key == "procurement")
        assert not procurement(t0 - US).present
        assert procurement(t0).present and procurement(t0).latest == t0
        assert not procurement(t0 + timedelta(days=10)).present
        statuses = minimum_set_status(session, office_id, t0)
    assert [m.key for m in statuses] == [key for key, _, _ in MINIMUM_SET]
    assert sum(m.present for m in statuses) == 1


def test_over_plain_http_the_digest_goes_without_its_chart_image(small):
    """LINE shows images only over HTTPS: the sandbox's http://localhost digest would be refused."""
    links = report_links(Config(public_base_url="http://localhost:8000", secret_key="k"),
                         small.office_id, Q, datetime(2027, 1, 4, tzinfo=UTC))
    message = render.flex_summary(small, links)
    assert validate_messages([message]) == []
    assert "hero" not in message["contents"]
    assert actions(message)["ดูรายงาน"]["uri"] == links.html
