"""Defects an adversarial probe found (issue #12), each driven through the real path: signed
webhooks, the portal over HTTP, a real write-locked SQLite file. See docs/RELIABILITY.md."""

from __future__ import annotations

import io
import sqlite3
import threading
import xml.etree.ElementTree as ET

import psycopg
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.files import links as files
from bot.render.xlsx import Sheet, workbook_bytes
from bot.spine.db import transaction
from models import AuditEntry, InboundEvent, Publication, Submission
from tests import samples
from tests.conftest import link
from tests.factories import make_item
from tests.flex import actions, data, joined
from tests.line_driver import user_id
from tests.test_approvals import latest_card, submit_document
from tests.test_portal import ATOM, BROWSER, Reader, add, pdf_text
from tests.test_submit import start_document

BASE = "https://prakat.example.go.th"
HUGE = ("99999999999999999999", str(2**63), str(10**25), "9" * 5000)


@pytest.fixture
def reader(app) -> Reader:
    return Reader(app.test_client())


def outcomes(runtime) -> list[str]:
    with runtime.factory() as session:
        return list(session.scalars(select(InboundEvent.outcome).order_by(InboundEvent.id)))


def refusals(runtime) -> list[tuple[str, str]]:
    with runtime.factory() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action.like("%refused"))
                               .order_by(AuditEntry.id))
        return [(r.action, (r.data or {}).get("reason")) for r in rows]


# --- #12.7 out-of-range ids in portal URLs --------------------------------------------------

@pytest.mark.parametrize("huge", HUGE)
def test_out_of_range_ids_in_portal_urls_are_not_found(office, reader, huge):
    _, pid = add(office, title="ประกาศปกติ")
    for path in (f"/p/{huge}", f"/p/{pid}/files/{huge}", f"/p/{pid}/thumb/{huge}.jpg",
                 f"/p/{huge}/card.png", f"/p/{huge}/notice.pdf", f"/reports/{huge}/2570Q1.html"):
        response = reader.get(path)
        assert response.status_code == 404, path
        assert "ไม่พบหน้านี้" in response.get_data(as_text=True), path
    assert reader.get(f"/p/{pid}").status_code == 200


# --- #12.8 huge numbers in postbacks -----------------------------------------------------------

REFUSED = "ไม่พบเรื่องนี้ หรือปุ่มนี้ใช้ไม่ได้แล้วค่ะ"


@pytest.mark.parametrize("huge", (str(10**25), str(2**63)))
def test_huge_numbers_in_postbacks_get_the_normal_refusal_and_are_audited(people, line, fake,
                                                                          runtime, huge):
    link(runtime, "anan")
    submit_document(line)
    card = data(latest_card(fake, "prasert"), "อนุมัติ")  # v1/decide?s=…&v=…&a=approve
    taps = [("prasert", card.replace("s=1", f"s={huge}", 1)),
            ("prasert", card.replace("v=1", f"v={huge}", 1)),
            ("prasert", f"v1/card?s={huge}"),
            ("anan", f"v1/publish?p={huge}"),
            ("kanya", f"v1/mine?s={huge}&a=withdraw"),
            ("kanya", f"v1/draft?d={huge}&a=submit"),
            ("prasert", f"v1/fb?q=2570Q1&u={huge}&a=none")]
    before = len(outcomes(runtime))
    for key, tap in taps:
        said = line.tap(key, tap)
        assert [m["text"] for m in said] == [REFUSED], tap
    assert outcomes(runtime)[before:] == ["refused"] * len(taps)
    assert refusals(runtime) == [("refused", "bad_payload")] * len(taps)
    with runtime.factory() as session:
        assert session.get(Submission, 1).status == "pending"


# --- #12.9 a write lock and the read-only pages ------------------------------------------------

class WriteLock:
    """Another connection to the same database holding the write lock: BEGIN IMMEDIATE on the
    SQLite file; on PostgreSQL, the tables the view counter writes locked against writers."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self):
        if self.url.startswith("sqlite"):
            self.conn = sqlite3.connect(make_url(self.url).database, isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("UPDATE offices SET name = name")
        else:
            self.conn = psycopg.connect(make_url(self.url).set(drivername="postgresql")
                                        .render_as_string(hide_password=False))
            self.conn.execute("LOCK TABLE publications, page_views IN EXCLUSIVE MODE")
        return self

    def __exit__(self, *_exc):
        self.conn.rollback()
        self.conn.close()


def answered(fetch, seconds: float = 10.0):
    """The response, asserting it came before ``seconds`` (not a timing test: "not stuck")."""
    got = []
    worker = threading.Thread(target=lambda: got.append(fetch()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert got, f"no answer within {seconds} s"
    return got[0]


def test_a_write_lock_leaves_the_health_check_and_item_pages_answering(office, reader, runtime,
                                                                       database_url):
    _, pid = add(office, title="ข่าวที่เปิดอ่านระหว่างมีการเขียน")
    browser = {"User-Agent": BROWSER}
    with WriteLock(database_url):
        health = answered(lambda: reader.get("/healthz"))
        assert (health.status_code, health.get_json()["status"]) == (200, "ok")
        item = answered(lambda: reader.get(f"/p/{pid}", headers=browser))
        assert item.status_code == 200
        assert "ข่าวที่เปิดอ่านระหว่างมีการเขียน" in item.get_data(as_text=True)
        with runtime.read_factory() as session:
            assert session.get(Publication, pid).views == 0  # not written yet, not lost
    other = {"User-Agent": BROWSER.replace("Chrome/126.0", "Chrome/127.0")}
    shown = reader.get(f"/p/{pid}", headers=other).get_data(as_text=True)
    assert "เข้าชม 2 ครั้ง" in shown  # the held-back view and this one, once the lock is gone
    with runtime.factory() as session:
        assert session.get(Publication, pid).views == 2


# --- #12.5 control characters in titles and descriptions --------------------------------------

def feed_entries(reader, path: str) -> dict[str, ET.Element]:
    response = reader.get(path)
    assert response.status_code == 200, path
    feed = ET.fromstring(response.data)  # raises on invalid XML
    return {e.find(f"{ATOM}title").text: e for e in feed.findall(f"{ATOM}entry")}


def test_control_characters_typed_in_chat_never_reach_the_feed(people, line, fake, reader):
    said = start_document(line)
    picker = next(m for m in said if m["type"] == "flex")
    line.tap("kanya", data(picker, "1.3 กิจกรรม โครงการ"))
    line.text("kanya", "รายงาน\x01ผลการ\x1bดำเนินงาน\x00 ไตรมาส 1")
    card = line.text("kanya", "บรรทัดแรก\x00\x07\nบรรทัดที่สอง\x9b")[-1]
    assert "รายงานผลการดำเนินงาน ไตรมาส 1" in joined(card)
    line.tap("kanya", data(card, "ส่งขออนุญาตเผยแพร่"))
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    line.tap("somchai", data(latest_card(fake, "somchai"), "อนุมัติ"))
    for path in ("/feed.atom", "/c/1.3/feed.atom"):
        entry = feed_entries(reader, path)["รายงานผลการดำเนินงาน ไตรมาส 1"]
        assert entry.find(f"{ATOM}summary").text == "บรรทัดแรก บรรทัดที่สอง"  # one line
    page = reader.get("/p/1", headers={"User-Agent": BROWSER}).get_data(as_text=True)
    assert "รายงานผลการดำเนินงาน ไตรมาส 1" in page


CONTROLS = "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), *range(127, 160)]))


def test_control_characters_stored_around_the_input_are_not_written_out(office, reader,
                                                                          database_url):
    """A row written straight to the database (an import, an old version): the writers clean."""
    stored = CONTROLS if database_url.startswith("sqlite") else CONTROLS[1:]  # PostgreSQL: no NUL
    title, description = f"ประกาศ{stored}ทดสอบ", f"รายละเอียด\x1b{stored}\nต่อ"
    _, pid = add(office, title=title, description=description, category="1.9")
    for path in ("/feed.atom", "/c/1.9/feed.atom"):
        entry = feed_entries(reader, path)["ประกาศทดสอบ"]
        assert entry.find(f"{ATOM}summary").text == "รายละเอียด ต่อ"
    pages = [reader.get(f"/p/{pid}", headers={"User-Agent": BROWSER}),
             reader.get("/search?q=ประกาศ")]
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "ประกาศทดสอบ" in html
        assert not set(html) & set(CONTROLS.replace("\t", "").replace("\n", ""))
    notice = reader.get(f"/p/{pid}/notice.pdf")
    assert notice.status_code == 200
    text = pdf_text(notice.data)
    assert "ประกาศทดสอบ" in text and not set(text) & set(CONTROLS)
    workbook = workbook_bytes([Sheet("รายการ", ["เรื่อง"], [[title], [description]])])
    rows = [r[0].value for r in load_workbook(io.BytesIO(workbook)).active.iter_rows(min_row=2)]
    assert rows == ["ประกาศทดสอบ", "รายละเอียด\nต่อ"]


# --- #12.4 signed file links follow the item's state ---------------------------------------------

def file_link(fake, key: str) -> str:
    """The "เปิดดูไฟล์" link on KEY's latest approval card, as a path on the portal."""
    uri = actions(latest_card(fake, key))["เปิดดูไฟล์"]["uri"]
    assert uri.startswith(BASE + "/f/")
    return uri.removeprefix(BASE)


def assert_closed(reader, path: str, why: str) -> None:
    response = reader.get(path)
    assert response.status_code == 410 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "ไฟล์นี้ปิดการเข้าถึงแล้ว" in html and why in html
    assert "%PDF" not in html


def test_a_file_link_closes_when_the_item_is_rejected(people, line, fake, reader):
    submit_document(line)
    link = file_link(fake, "prasert")
    opened = reader.get(link)
    assert opened.status_code == 200 and opened.data.startswith(b"%PDF")
    line.tap("prasert", data(latest_card(fake, "prasert"), "ไม่อนุมัติ"))
    line.text("prasert", "มีข้อมูลส่วนบุคคล")
    assert_closed(reader, link, "ไม่ได้รับอนุมัติ")


def test_a_file_link_closes_when_the_submitter_withdraws(people, line, fake, reader):
    submit_document(line)
    link = file_link(fake, "prasert")
    assert reader.get(link).status_code == 200
    said = line.tap("kanya", "v1/menu?m=mine")
    line.tap("kanya", data(said[-1], "ถอนเรื่อง"))
    assert_closed(reader, link, "ถอนเรื่องนี้แล้ว")


def test_a_file_link_leads_to_the_public_file_then_closes_when_retracted(people, line, fake,
                                                                          reader):
    submit_document(line)
    link = file_link(fake, "prasert")
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    second = file_link(fake, "somchai")
    line.tap("somchai", data(latest_card(fake, "somchai"), "อนุมัติ"))
    for path in (link, second):  # published: the portal's own, public address
        response = reader.get(path)
        assert response.status_code == 302 and response.location == "/p/1/files/1"
    assert reader.get("/p/1/files/1").data.startswith(b"%PDF")
    card = next(m for m in reversed(fake.messages_to(user_id("pimchanok")))
                if "ถอนการเผยแพร่" in actions(m))
    line.tap("pimchanok", data(card, "ถอนการเผยแพร่"))
    line.text("pimchanok", "มีข้อมูลส่วนบุคคลของนักเรียน")
    assert_closed(reader, link, "ถอนการเผยแพร่แล้ว")
    assert reader.get("/p/1/files/1").status_code == 410


@pytest.mark.parametrize(("state", "audience", "status"), [
    ("draft", "submitter", 200), ("draft", "approver", 410), ("draft", "publisher", 410),
    ("pending", "approver", 200), ("pending", "publisher", 410),
    ("returned", "submitter", 200), ("returned", "approver", 200),
    ("approved", "publisher", 200), ("approved", "approver", 200),
    ("rejected", "submitter", 410), ("withdrawn", "approver", 410), ("cancelled", "submitter", 410),
    ("expired", "submitter", 410), ("retracted", "publisher", 410),
])
def test_a_file_link_opens_only_for_whom_it_was_made_in_states_they_may_see(office, reader,
                                                                            state, audience, status):
    pdf = samples.pdf(1, marker=state)
    with transaction(office.factory) as session:
        item = make_item(session, state=state, store=files.store(office.config),
                         files=[("ไฟล์.pdf", pdf, "application/pdf")])
        aid = item.version().attachments[0].id
    url = files.attachment_url(office.config, aid, audience=audience).removeprefix(BASE)
    response = reader.get(url)
    assert response.status_code == status
    assert (response.data == pdf) == (status == 200)
    if status == 200:  # checked at every request, so a browser must not keep it
        assert response.headers["Cache-Control"] == "private, no-store"
