"""Searching the portal as a reader does: Thai words found inside sentences, title matches first
and then newest, short terms answered from the newest items only, and nothing typed ever read as
SQL or full-text syntax. The index is written by the publishing procedure and by migration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import select

from bot.files import links
from bot.publishing import search_index
from bot.spine.db import alembic_config, transaction
from models import Publication, utcnow
from tests import samples
from tests.factories import make_item
from tests.flex import data
from tests.test_portal import BROWSER, Tree, jpeg

BEFORE_SEARCH_INDEX = "8b819ed0b6e9"


def add(runtime, minutes_ago: int = 0, **kw) -> int:
    """A published item (or in kw's state); returns its submission id."""
    kw.setdefault("at", utcnow() - timedelta(minutes=minutes_ago))
    with transaction(runtime.factory) as session:
        return make_item(session, store=links.store(runtime.config), **kw).id


def results(client, q: str, page: int = 1) -> tuple[list[str], str]:
    """(titles in the order shown, the page's text) for a search."""
    response = client.get("/search", query_string={"q": q, "page": page},
                          headers={"User-Agent": BROWSER})
    assert response.status_code == 200, (q, response.status_code)
    root = Tree(response.get_data(as_text=True)).root
    return [a.text for a in root.all("a", class_="title")], root.one("main").text


def titles(client, q: str) -> list[str]:
    return results(client, q)[0]


def test_an_item_approved_in_the_chat_is_found_and_retracting_it_hides_it(people, line, fake,
                                                                          client, app):
    from tests.test_approvals import latest_card, submit_document

    submit_document(line, title="ประกาศผลการคัดเลือกครูผู้ช่วยกรณีพิเศษ")
    assert titles(client, "คัดเลือกครู") == []  # not yet approved
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    line.tap("somchai", data(latest_card(fake, "somchai"), "อนุมัติ"))
    assert titles(client, "คัดเลือกครู") == ["ประกาศผลการคัดเลือกครูผู้ช่วยกรณีพิเศษ"]
    assert titles(client, "ครูผู้ช่วย กรณีพิเศษ") == ["ประกาศผลการคัดเลือกครูผู้ช่วยกรณีพิเศษ"]

    with people.factory() as session:
        pub = session.scalars(select(Publication)).one()
    result = app.test_cli_runner().invoke(args=["unpublish", str(pub.id), "--reason",
                                                "ประกาศซ้ำกับฉบับเดิม", "--by", "pimchanok"])
    assert result.exit_code == 0, result.output
    assert titles(client, "คัดเลือกครู") == []


def test_thai_words_inside_titles_descriptions_captions_and_file_names(office, client):
    add(office, title="โครงการพัฒนาทักษะภาษาอังกฤษสำหรับครูผู้สอน",
        description="จัดอบรม ณ โรงเรียนบ้านหนองบัว ระหว่างวันที่ ๑๒-๑๔ ตุลาคม ๒๕๖๙")
    add(office, title="ภาพกิจกรรมวันลอยกระทง", kind="photos",
        photos=[(jpeg((9, 9, 9), (64, 48)), "นักเรียนประกวดนางนพมาศ")])
    add(office, title="ประกาศรายชื่อผู้มีสิทธิ์สอบ",
        files=[("บัญชีรายชื่อผู้สอบผ่านภาคก.pdf", samples.pdf(1), "application/pdf")])

    assert titles(client, "ภาษาอังกฤษ") == ["โครงการพัฒนาทักษะภาษาอังกฤษสำหรับครูผู้สอน"]
    assert titles(client, "หนองบัว") == ["โครงการพัฒนาทักษะภาษาอังกฤษสำหรับครูผู้สอน"]
    assert titles(client, "12-14") == ["โครงการพัฒนาทักษะภาษาอังกฤษสำหรับครูผู้สอน"]
    assert titles(client, "นพมาศ") == ["ภาพกิจกรรมวันลอยกระทง"]  # a photo caption
    assert titles(client, "สอบผ่านภาค") == ["ประกาศรายชื่อผู้มีสิทธิ์สอบ"]  # a file name
    assert titles(client, "ภาษาอังกฤษ นพมาศ") == []  # every term must be in the same item
    assert titles(client, "ภาษาจีน") == []


def test_title_matches_come_first_then_the_newest_and_pages_follow_on(office, client):
    add(office, minutes_ago=200, title="รายงานการประชุมครั้งแรก")
    for n in range(1, 24):  # 23 items about a meeting, published one after another
        add(office, minutes_ago=100 - n, title=f"รายงานการประชุมครั้งที่ {n}")
    add(office, minutes_ago=1, title="บันทึกข้อความ", description="แจ้งผลการประชุมครั้งที่ผ่านมา")
    add(office, minutes_ago=0, title="รายงานการประชุมที่ถอนแล้ว", state="retracted")

    first, text = results(client, "ประชุม")
    second, _ = results(client, "ประชุม", page=2)
    assert "พบ 25 เรื่อง" in text
    expected = [f"รายงานการประชุมครั้งที่ {n}" for n in range(23, 0, -1)]
    assert first + second == expected + ["รายงานการประชุมครั้งแรก", "บันทึกข้อความ"]
    assert results(client, "ประชุม") == (first, text)  # the same order every time
    assert client.get("/search", query_string={"q": "ประชุม", "page": 3}).status_code == 404


def test_only_the_newest_window_of_a_common_word_is_ranked(office, client, monkeypatch):
    monkeypatch.setattr(search_index, "WINDOW", 3)
    add(office, minutes_ago=20, title="ประชุมผู้บริหาร")  # a title match, but older than the window
    for n in range(1, 6):
        add(office, minutes_ago=10 - n, description="ประชุมประจำเดือน", title=f"เรื่องที่ {n}")
    shown, text = results(client, "ประชุม")
    assert shown == ["เรื่องที่ 5", "เรื่องที่ 4", "เรื่องที่ 3"]
    assert "พบมากกว่า 3 เรื่อง" in text and "ระบุคำให้ละเอียดขึ้น" in text


def test_a_term_shorter_than_three_characters_searches_the_newest_items_only(office, client,
                                                                               monkeypatch):
    monkeypatch.setattr(search_index, "SHORT_SCAN", 3)
    add(office, minutes_ago=9, title="ข่าว ก.ค.ศ. ฉบับเก่า")
    add(office, minutes_ago=3, title="ประกาศ ก.ค.ศ. เรื่องวิทยฐานะ")
    add(office, minutes_ago=2, title="ภาพกิจกรรม ป.1")
    add(office, minutes_ago=1, title="ประกาศรับสมัครนักเรียน ป.1")

    shown, text = results(client, "ป.")  # two characters: the three newest items are checked
    assert shown == ["ประกาศรับสมัครนักเรียน ป.1", "ภาพกิจกรรม ป.1"]
    assert "ค้นได้เฉพาะใน 3 เรื่องล่าสุด" in text
    assert titles(client, "ก.") == ["ประกาศ ก.ค.ศ. เรื่องวิทยฐานะ"]  # the older one is outside
    # with a longer term, the short one narrows the newest items the index finds for it
    assert titles(client, "ประกาศ ป.") == ["ประกาศรับสมัครนักเรียน ป.1"]
    assert titles(client, "ก.ค.ศ.") == ["ประกาศ ก.ค.ศ. เรื่องวิทยฐานะ", "ข่าว ก.ค.ศ. ฉบับเก่า"]
    shown, text = results(client, "ข่")  # only in the oldest item
    assert shown == [] and "ไม่พบเรื่องที่ตรงกับ" in text and "3 เรื่องล่าสุด" in text


TRICKY = 'ลดราคา 50% ลด_พิเศษ "ด่วน" OR NEAR* title:ข่าว (ก) it\'s \\ end'


@pytest.mark.parametrize("q, found", [
    ("50%", True), ("5%", False), ("0% ", True), ("ลด_พ", True), ("ลดxพ", False),
    ('"ด่วน"', True), ('"ด่วน', True), ('""', False), ('"', True), ("OR", True), ("or", True),
    ("NEAR*", True), ("NEAR(ลด ราคา)", False), ("NEAR", True), ("AND", False), ("NOT", False),
    ("title:ข่าว", True), ("title:", True), ("body:ลด", False), ("(ก)", True), ("*", True),
    ("it's", True), ("\\", True), ("\\ end", True), ("%", True), ("_", True), ("%%", False),
    ("'; DROP TABLE publications; --", False), ("{title body}: ลด", False), ("^ลด", False),
    ("ลด ราคา", True), ("-ราคา", False), ("\x00\x1f", None), ("ก" * 500, False),
])
def test_special_characters_are_plain_text(office, client, q, found):
    add(office, title=TRICKY)
    add(office, title="เรื่องอื่น")
    shown, _ = results(client, q)
    if found is not None:
        assert shown == ([TRICKY] if found else []), q
    with office.factory() as session:
        assert session.scalar(select(Publication.id).limit(1)) is not None  # nothing was dropped


def test_upgrading_indexes_what_was_published_before(office, client, monkeypatch):
    # Items published (unindexed) today, the schema taken back to before the index and up
    # again: the models are today's, so the rows are written first and carried down and up.
    config = alembic_config(office.engine)
    monkeypatch.setattr(search_index, "index", lambda *a: None)
    add(office, title="คำสั่งแต่งตั้งคณะกรรมการสอบ", description="ตามหนังสือที่ ศธ ๐๔๐๔๗/๑๒๓",
        photos=[(jpeg((1, 1, 1), (64, 48)), "ภาพการประชุมชี้แจง")], kind="photos")
    add(office, title="คำสั่งที่ถอนแล้ว", state="retracted")
    monkeypatch.undo()
    office.engine.dispose()
    command.downgrade(config, BEFORE_SEARCH_INDEX)
    command.upgrade(config, "head")

    assert titles(client, "แต่งตั้งคณะ") == ["คำสั่งแต่งตั้งคณะกรรมการสอบ"]
    assert titles(client, "04047/123") == ["คำสั่งแต่งตั้งคณะกรรมการสอบ"]
    assert titles(client, "ประชุมชี้แจง") == ["คำสั่งแต่งตั้งคณะกรรมการสอบ"]
    assert titles(client, "คำสั่ง") == ["คำสั่งแต่งตั้งคณะกรรมการสอบ"]


def test_rebuild_writes_what_publishing_wrote(office, client):
    """The bulk rebuild and the portal target make the same documents."""
    add(office, title="แผนปฏิบัติการประจำปี", description="ฉบับปรับปรุง ครั้งที่ ๒",
        files=[("แผนฯ ฉบับเต็ม.pdf", samples.pdf(1), "application/pdf")],
        photos=[(jpeg((3, 3, 3), (64, 48)), "ประชุมจัดทำแผน"), (jpeg((4, 4, 4), (64, 48)), "")],
        kind="photos")
    add(office, title="Annual REPORT")
    add(office, title="แผนที่ถอนแล้ว", state="retracted")
    key = "rowid" if office.engine.dialect.name == "sqlite" else "publication_id"
    rows = f"SELECT {key}, title, body FROM publication_search ORDER BY 1"
    with office.engine.begin() as conn:
        written = conn.exec_driver_sql(rows).all()
        assert len(written) == 2 and "ประชุมจัดทำแผน\nphoto-1.jpg" in written[0][2]
        assert search_index.rebuild(conn) == 2
        assert conn.exec_driver_sql(rows).all() == written
    assert titles(client, "แผน") == ["แผนปฏิบัติการประจำปี"]
    assert titles(client, "annual report") == ["Annual REPORT"]


def test_walking_and_the_index_bitmap_find_the_same_newest_matches(office, client, monkeypatch):
    """PostgreSQL walks a probe of the newest rows, then walks on (a common term) or asks the
    index (a rare one); SQLite's FTS5 needs neither. Either way: the same items, in order."""
    monkeypatch.setattr(search_index, "PROBE", 2)
    monkeypatch.setattr(search_index, "WINDOW", 4)
    for n in range(1, 13):
        title = f"ประชุมประจำเดือน ครั้งที่ {n}" + (" เรื่องงบประมาณ" if n in (2, 7) else "")
        add(office, minutes_ago=20 - n, title=title)
    common, text = results(client, "ประชุม")  # in every item: the walk goes on
    assert common == [f"ประชุมประจำเดือน ครั้งที่ {n}" for n in (12, 11, 10, 9)]
    assert "พบมากกว่า 4 เรื่อง" in text
    # in two old items, none of the probed newest: the rest comes from the index
    assert titles(client, "งบประมาณ") == ["ประชุมประจำเดือน ครั้งที่ 7 เรื่องงบประมาณ",
                                           "ประชุมประจำเดือน ครั้งที่ 2 เรื่องงบประมาณ"]
