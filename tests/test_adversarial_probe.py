"""Defects an adversarial probe found (issue #12), each driven through the real path: signed
webhooks, the portal over HTTP, a real write-locked SQLite file. See docs/RELIABILITY.md."""

from __future__ import annotations

import sqlite3
import threading

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from models import AuditEntry, InboundEvent, Publication, Submission
from tests.conftest import link
from tests.flex import data
from tests.test_approvals import latest_card, submit_document
from tests.test_portal import BROWSER, Reader, add

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

REFUSED = "ไม่พบรายการนี้ หรือปุ่มนี้ใช้ไม่ได้แล้วค่ะ"


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
