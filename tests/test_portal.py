"""The public portal as a citizen, a search engine and an auditor meet it: pages parsed as HTML,
feeds and the sitemap as XML, files with their stored type, 404 for what is not published and
410 with the reason for what was retracted, views counted once per reader per day."""

from __future__ import annotations

import io
import threading
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from PIL import Image
from sqlalchemy import select

from bot.files import links
from bot.files.media import human_size
from bot.portal import signed as signed_pages
from bot.publishing import addresses, procedure
from bot.spine.db import transaction
from bot.thai.dates import thai_date
from models import Category, PageView, Publication, Submission, utcnow
from tests import samples
from tests.factories import make_item
from webhook import create_app

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


# --- reading HTML as a tree ------------------------------------------------------------------

class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None):
        self.tag, self.attrs, self.parent, self.children, self.parts = tag, attrs, parent, [], []

    @property
    def text(self) -> str:
        return " ".join("".join(p if isinstance(p, str) else p.text for p in self.parts).split())

    def all(self, tag: str | None = None, **attrs) -> list[Node]:
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and all(
                    attrs_match(child.attrs.get(k.rstrip("_")), v) for k, v in attrs.items()):
                found.append(child)
            found.extend(child.all(tag, **attrs))
        return found

    def one(self, tag: str | None = None, **attrs) -> Node:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]


def attrs_match(value, wanted) -> bool:
    if value is None:
        return False
    return wanted in value.split() if isinstance(wanted, str) and " " not in wanted else value == wanted


VOID = {"meta", "link", "input", "img", "br", "hr"}


class Tree(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.root = self.node = Node("#root", {}, None)
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.node)
        self.node.children.append(node)
        self.node.parts.append(node)
        if tag not in VOID:
            self.node = node

    def handle_endtag(self, tag):
        node = self.node
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.node = node.parent

    def handle_data(self, data):
        self.node.parts.append(data)


def page(client, url: str, status: int = 200, agent: str = BROWSER) -> Node:
    response = client.get(url, headers={"User-Agent": agent})
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "text/html"
    return Tree(response.get_data(as_text=True)).root


# --- fixtures --------------------------------------------------------------------------------

class Reader:
    """A test client whose responses are read whole and closed (files are streamed)."""

    def __init__(self, client):
        self.client = client

    def get(self, *args, **kwargs):
        response = self.client.get(*args, **kwargs)
        response.get_data()
        response.close()
        return response


@pytest.fixture
def client(app) -> Reader:
    return Reader(app.test_client())


def add(runtime, **kw) -> tuple[int, int | None]:
    """(submission id, publication id) of a new item."""
    with transaction(runtime.factory) as session:
        submission = make_item(session, store=links.store(runtime.config), **kw)
        pub = procedure.publication_of(session, submission.id)
        return submission.id, pub.id if pub else None


def jpeg(color, size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


# --- pages -----------------------------------------------------------------------------------

def test_home_lists_the_latest_items_and_the_18_categories_with_counts(office, client):
    add(office, title="ประกาศรับสมัครครูอัตราจ้าง", category="1.3")
    add(office, title="แผนปฏิบัติการประจำปี ๒๕๗๐", category="1.6")
    add(office, title="เรื่องที่รออนุมัติ", category="1.3", state="pending")
    add(office, title="เรื่องที่ถอนแล้ว", category="1.3", state="retracted")
    root = page(client, "/")
    titles = [a.text for a in root.all("a", class_="title")]
    assert titles == ["แผนปฏิบัติการประจำปี ๒๕๗๐", "ประกาศรับสมัครครูอัตราจ้าง"]  # newest first
    categories = root.one("ul", class_="categories").all("li")
    assert len(categories) == 18
    counts = {li.one("span", class_="code").text: int(li.one("span", class_="count").text)
              for li in categories}
    assert counts["1.3"] == 1 and counts["1.6"] == 1 and counts["1.9"] == 0
    assert root.one("html").attrs["lang"] == "th"
    assert "สพป.ตาก เขต ๒" in root.one("a", class_="brand").text


def test_category_pages_are_paginated(office, client):
    start = utcnow() - timedelta(days=30)
    for i in range(25):
        add(office, title=f"ประกาศจัดซื้อจัดจ้าง ฉบับที่ {i + 1}", category="1.9",
            at=start + timedelta(hours=i))
    first = page(client, "/c/1.9")
    assert "ข้อมูลการจัดซื้อจัดจ้าง" in first.one("h1").text
    assert [a.text for a in first.all("a", class_="title")][:2] == [
        "ประกาศจัดซื้อจัดจ้าง ฉบับที่ 25", "ประกาศจัดซื้อจัดจ้าง ฉบับที่ 24"]
    assert len(first.all("a", class_="title")) == 20
    assert first.one("a", rel="next").attrs["href"] == "/c/1.9?page=2"
    second = page(client, "/c/1.9?page=2")
    assert [a.text for a in second.all("a", class_="title")][-1] == "ประกาศจัดซื้อจัดจ้าง ฉบับที่ 1"
    assert len(second.all("a", class_="title")) == 5
    page(client, "/c/1.9?page=3", 404)
    page(client, "/c/9.99", 404)


def test_item_page_shows_the_item_its_trail_files_and_album(office, client):
    at = utcnow() - timedelta(days=1)
    pdf = samples.pdf(3)
    photo = jpeg((30, 90, 160))
    _, pid = add(office, title="อบรมเชิงปฏิบัติการการใช้สื่อดิจิทัล", kind="photos",
                 description="ครูจากโรงเรียนในสังกัด ๔๐ คน\nเข้าร่วมอบรม ณ ห้องประชุมสำนักงาน",
                 files=[("กำหนดการอบรม.pdf", pdf, "application/pdf")],
                 photos=[(photo, "พิธีเปิดการอบรม"), (jpeg((200, 120, 40)), "")],
                 approvers=("prasert",), publisher="pimchanok", at=at)
    root = page(client, f"/p/{pid}")
    assert root.one("h1").text == "อบรมเชิงปฏิบัติการการใช้สื่อดิจิทัล"
    facts = root.one("dl", class_="facts").text
    assert "กลุ่มนโยบายและแผน" in facts and thai_date(at) in facts
    assert str(at.year + 543) in facts  # Buddhist Era
    assert "ครูจากโรงเรียนในสังกัด ๔๐ คน" in root.one("div", class_="description").text
    trail = root.one("section", class_="trail").text
    assert "เสนอโดย กลุ่มนโยบายและแผน" in trail and "อนุมัติโดย นายประเสริฐ วงศ์ใหญ่" in trail
    assert "เผยแพร่" in trail
    [file] = root.one("ul", class_="files").all("li")
    assert file.one("a").text == "กำหนดการอบรม.pdf"
    assert "PDF" in file.text and "3 หน้า" in file.text and human_size(len(pdf)) in file.text
    figures = root.one("div", class_="album").all("figure")
    assert len(figures) == 2
    assert figures[0].one("figcaption").text == "พิธีเปิดการอบรม"
    assert figures[0].one("img").attrs["alt"] == "พิธีเปิดการอบรม"
    share = root.one("input", id="link").attrs["value"]
    assert share == f"https://prakat.example.go.th/p/{pid}"
    assert root.one("link", rel="canonical").attrs["href"] == share
    # the files the page links to are served with their stored type and a download name
    response = client.get(file.one("a").attrs["href"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == pdf
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    thumb = client.get(figures[0].one("img").attrs["src"])
    assert thumb.mimetype == "image/jpeg" and len(thumb.data) < 1_000_000
    assert Image.open(io.BytesIO(thumb.data)).size[0] <= 1024


def test_a_title_with_markup_is_shown_as_text(office, client):
    title = '<script>alert("x")</script> ประกาศ "ด่วน" & \'สำคัญ\' <img src=x onerror=alert(1)>'
    _, pid = add(office, title=title, description='<b onclick="x()">ตัวหนา</b>')
    response = client.get(f"/p/{pid}", headers={"User-Agent": BROWSER})
    html = response.get_data(as_text=True)
    root = Tree(html).root
    assert root.all("script") == [] and root.all("b") == []
    assert [i for i in root.all("img") if "onerror" in i.attrs] == []
    assert root.one("h1").text == " ".join(title.split())
    assert root.one("meta", property="og:title").attrs["content"] == title
    assert root.one("div", class_="description").text == '<b onclick="x()">ตัวหนา</b>'
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # the same title in the feed is escaped XML text, not markup
    entry = ET.fromstring(client.get("/feed.atom").data).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == title


def test_what_is_not_published_is_not_found(office, client):
    sid, pid = add(office, state="approved", title="อนุมัติแล้วแต่ยังไม่เผยแพร่",
                   files=[("b.pdf", samples.pdf(2), "application/pdf")])
    assert pid is None
    _, other = add(office, title="เรื่องที่เผยแพร่แล้ว", files=[("a.pdf", samples.pdf(1), "application/pdf")])
    page(client, "/p/999", 404)
    page(client, "/p/999/files/1", 404)
    assert page(client, "/search?q=ยังไม่เผยแพร่").all("a", class_="title") == []
    assert "ยังไม่เผยแพร่" not in client.get("/feed.atom").get_data(as_text=True)
    with office.factory() as session:
        own = session.get(Publication, other).submission.version().attachments[0].id
        unpublished = session.get(Submission, sid).version().attachments[0].id
    assert client.get(f"/p/{other}/files/{own}").status_code == 200
    # the unpublished item's file is not reachable through a published item's address
    assert client.get(f"/p/{other}/files/{unpublished}").status_code == 404
    assert client.get(f"/p/{other}/thumb/{own}.jpg").status_code == 404  # not an image


def test_a_retracted_item_answers_410_with_the_reason(office, client):
    _, pid = add(office, state="retracted", title="ประกาศที่ถอนแล้ว",
                 retract_reason="เอกสารแนบผิดฉบับ จะเผยแพร่ฉบับที่ถูกต้องแทน",
                 files=[("a.pdf", samples.pdf(1), "application/pdf")])
    root = page(client, f"/p/{pid}", 410)
    assert root.one("h1").text == "ถอนการเผยแพร่แล้ว"
    assert root.one("p", class_="reason").text == "เหตุผล: เอกสารแนบผิดฉบับ จะเผยแพร่ฉบับที่ถูกต้องแทน"
    assert root.one("p", class_="title").text == "ประกาศที่ถอนแล้ว"
    with office.factory() as session:
        aid = session.get(Publication, pid).submission.version().attachments[0].id
    for url in (f"/p/{pid}/files/{aid}", f"/p/{pid}/notice.pdf", f"/p/{pid}/card.png"):
        assert client.get(url).status_code == 410, url
    assert f"/p/{pid}" not in client.get("/sitemap.xml").get_data(as_text=True)


def test_thai_search_finds_a_word_inside_a_sentence(office, client):
    _, pid = add(office, title="ประกาศผู้ชนะการเสนอราคาจัดซื้อวัสดุคอมพิวเตอร์", category="1.9")
    add(office, title="คำสั่งแต่งตั้งคณะกรรมการ", description="ตามคำสั่งที่ ๑๒/๒๕๖๙ ลงวันที่ ๑ ตุลาคม")
    add(office, title="กิจกรรมวันเด็กแห่งชาติ", kind="photos",
        photos=[(jpeg((1, 2, 3), (64, 48)), "นักเรียนร่วมประกวดวาดภาพระบายสี")])
    add(office, title="จัดซื้อที่ถอนแล้ว", state="retracted")

    def found(q: str) -> list[str]:
        response = client.get("/search", query_string={"q": q}, headers={"User-Agent": BROWSER})
        assert response.status_code == 200
        return [a.text for a in Tree(response.get_data(as_text=True)).root.all("a", class_="title")]

    assert found("จัดซื้อ") == ["ประกาศผู้ชนะการเสนอราคาจัดซื้อวัสดุคอมพิวเตอร์"]
    assert found("คอมพิวเตอร์") == ["ประกาศผู้ชนะการเสนอราคาจัดซื้อวัสดุคอมพิวเตอร์"]
    assert found("  วัสดุ   ผู้ชนะ ") == ["ประกาศผู้ชนะการเสนอราคาจัดซื้อวัสดุคอมพิวเตอร์"]
    assert found("12/2569") == ["คำสั่งแต่งตั้งคณะกรรมการ"]  # Arabic digits find Thai ones
    assert found("วาดภาพ") == ["กิจกรรมวันเด็กแห่งชาติ"]  # photo captions are searched
    assert found("ราชการลับ") == []
    assert found("%") == [] and found("_") == []
    root = page(client, "/search?q=" + "ก" * 500)
    assert root.one("input", id="q").attrs["value"] == "ก" * 100
    assert pid


def test_feeds_and_sitemap_are_xml(office, client):
    _, procurement = add(office, title="ประกาศจัดซื้อ", category="1.9", description="รายละเอียด & เงื่อนไข")
    _, activity = add(office, title="ภาพกิจกรรม", category="1.3")
    add(office, title="ถอนแล้ว", category="1.9", state="retracted")
    feed = ET.fromstring(client.get("/feed.atom").data)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert {e.find(f"{ATOM}title").text for e in entries} == {"ประกาศจัดซื้อ", "ภาพกิจกรรม"}
    by_title = {e.find(f"{ATOM}title").text: e for e in entries}
    assert by_title["ประกาศจัดซื้อ"].find(f"{ATOM}summary").text == "รายละเอียด & เงื่อนไข"
    assert by_title["ประกาศจัดซื้อ"].find(f"{ATOM}link").get("href") == \
        f"https://prakat.example.go.th/p/{procurement}"
    response = client.get("/c/1.9/feed.atom")
    assert response.mimetype == "application/atom+xml"
    category = ET.fromstring(response.data)
    assert [e.find(f"{ATOM}title").text for e in category.findall(f"{ATOM}entry")] == ["ประกาศจัดซื้อ"]
    sitemap = ET.fromstring(client.get("/sitemap.xml").data)
    locs = [u.find(f"{SITEMAP}loc").text for u in sitemap.findall(f"{SITEMAP}url")]
    assert f"https://prakat.example.go.th/p/{procurement}" in locs
    assert f"https://prakat.example.go.th/p/{activity}" in locs
    assert "https://prakat.example.go.th/c/1.18" in locs
    assert len([loc for loc in locs if "/p/" in loc]) == 2
    assert "Disallow: /record/" in client.get("/robots.txt").get_data(as_text=True)


def test_minimum_set_page_flags_missing_and_stale_items(office, client):
    now = utcnow()
    add(office, title="โครงสร้างและอำนาจหน้าที่ของ สพป.ตาก เขต ๒", category="1.4", at=now)
    add(office, title="ทำเนียบผู้บริหาร", category="1.5", at=now - timedelta(days=800))
    add(office, title="ประกาศจัดซื้อที่ถอนแล้ว", category="1.9", state="retracted", at=now)
    root = page(client, "/minimum")
    rows = {tr.one("th").text.split(" หมวด")[0]: tr for tr in root.one("tbody").all("tr")}
    assert len(rows) == 8
    flags = {label: (tr.attrs["class"], tr.one("td", class_="flag").text) for label, tr in rows.items()}
    structure = next(v for k, v in flags.items() if "โครงสร้าง" in k)
    assert structure == ("current", "เป็นปัจจุบัน")
    executives = next(v for k, v in flags.items() if "ผู้บริหาร" in k)
    assert executives[0] == "stale" and executives[1].startswith("ไม่เป็นปัจจุบัน")
    procurement = next(v for k, v in flags.items() if "จัดซื้อ" in k)
    assert procurement == ("missing", "ยังไม่มีข้อมูล")
    duties = next(v for k, v in flags.items() if "อำนาจหน้าที่" in k)
    assert duties == ("current", "เป็นปัจจุบัน")  # one 1.4 item carries structure and duties
    assert sum(1 for c, _ in flags.values() if c == "missing") == 5
    latest = next(tr for k, tr in rows.items() if "ผู้บริหาร" in k).all("td")[0]
    assert latest.one("a").text == "ทำเนียบผู้บริหาร"
    home = page(client, "/")
    assert "ยังขาดหรือไม่เป็นปัจจุบัน 6 รายการ" in home.one("section", class_="minimum-status").text


def test_views_count_once_per_reader_per_day_and_ignore_bots(office, client):
    _, pid = add(office, title="ข่าวประชาสัมพันธ์")

    def views() -> int:
        with office.factory() as session:
            return session.get(Publication, pid).views

    for _ in range(3):
        page(client, f"/p/{pid}")
    assert views() == 1
    for bot in ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                "facebookexternalhit/1.1;line-poker/1.0", "curl/8.5.0", ""):
        client.get(f"/p/{pid}", headers={"User-Agent": bot})
    assert views() == 1
    page(client, f"/p/{pid}", agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_5) Line/14.9.0")
    assert views() == 2
    shown = page(client, f"/p/{pid}").one("section", class_="share").text
    assert "เข้าชม 2 ครั้ง" in shown
    with office.factory() as session:
        rows = session.scalars(select(PageView).where(PageView.publication_id == pid)).all()
        assert len(rows) == 2 and len({r.visitor for r in rows}) == 2
        assert all(len(r.visitor) == 64 and "127.0.0.1" not in r.visitor for r in rows)


def test_concurrent_reloads_count_once(office, app):
    _, pid = add(office, title="ข่าวที่คนกดซ้ำ")
    agent = "Mozilla/5.0 (Windows NT 10.0) Firefox/128.0"
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def reload():
        client = Reader(app.test_client())
        barrier.wait()
        statuses.append(client.get(f"/p/{pid}", headers={"User-Agent": agent}).status_code)

    threads = [threading.Thread(target=reload) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 6
    with office.factory() as session:
        assert session.get(Publication, pid).views == 1


def test_the_notice_pdf_and_title_image(office, client):
    at = utcnow()
    _, pid = add(office, title="ประกาศรับสมัครคัดเลือกลูกจ้างชั่วคราว ตำแหน่งเจ้าหน้าที่ธุรการ",
                 category="1.18", description="ผู้สนใจสมัครได้ที่กลุ่มบริหารงานบุคคล ภายในวันที่ ๓๐ ตุลาคม",
                 submitter="orapin", at=at)
    response = client.get(f"/p/{pid}/notice.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in ("สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒",
                     "ประกาศรับสมัครคัดเลือกลูกจ้างชั่วคราว ตำแหน่งเจ้าหน้าที่ธุรการ",
                     "ผู้สนใจสมัครได้ที่กลุ่มบริหารงานบุคคล ภายในวันที่ ๓๐ ตุลาคม",
                     "กลุ่มบริหารงานบุคคล", thai_date(at), f"https://prakat.example.go.th/p/{pid}"):
        assert squash(expected) in text, expected
    again = client.get(f"/p/{pid}/notice.pdf")
    assert again.data == response.data  # cached, not redrawn
    image = client.get(f"/p/{pid}/card.png")
    assert image.mimetype == "image/png"
    assert Image.open(io.BytesIO(image.data)).size == (1200, 630)


def squash(text: str) -> str:
    """Text as compared with what pypdf extracts: no whitespace, no control characters
    (fpdf2's ToUnicode map adds U+0002/U+0003 after a shaped SARA AM)."""
    return "".join(ch for ch in text if not ch.isspace() and ord(ch) >= 0x20)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return squash("".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


def test_signed_preview_before_publication(office, client, runtime):
    sid, _ = add(office, state="approved", title="รอ ICT เผยแพร่", kind="photos",
                 photos=[(jpeg((9, 9, 9), (64, 48)), "ภาพหนึ่ง")])
    url = addresses.preview_url(runtime.config, sid).removeprefix("https://prakat.example.go.th")
    response = client.get(url)
    assert response.status_code == 200 and response.headers["X-Robots-Tag"] == "noindex"
    root = Tree(response.get_data(as_text=True)).root
    assert "ตัวอย่างก่อนเผยแพร่" in root.one("p", class_="banner").text
    assert root.all("section", class_="share") == []
    img = root.one("div", class_="album").one("img").attrs["src"]
    assert img.startswith("https://prakat.example.go.th/f/")
    assert client.get(url[:-3] + "xyz").status_code == 403
    with transaction(office.factory) as session:
        submission = session.get(Submission, sid)
        pub = procedure.publish(session, submission, publisher_id=None, event_id=None, now=utcnow(),
                                 config=runtime.config)
        pid = pub.id
    assert client.get(url).headers["Location"].endswith(f"/p/{pid}")


def test_category_names_are_the_announcements(office, client):
    with office.factory() as session:
        name = session.scalars(select(Category.name).where(Category.code == "1.11")).one()
    assert page(client, "/c/1.11").one("h1").text == f"1.11 {name}"  # verbatim from the seed


def test_a_fresh_install_says_how_to_set_up_the_office(client):
    response = client.get("/")
    assert response.status_code == 503
    assert "ยังไม่ได้ตั้งค่าสำนักงาน" in response.get_data(as_text=True)


def test_portal_pages_are_served_while_a_writer_holds_the_database(client, office, runtime):
    from bot.spine.db import transaction
    from models import Office

    with transaction(runtime.factory) as session:  # a webhook mid-transaction, holding the write lock
        session.scalars(select(Office)).first().name += ""
        session.flush()
        for path in ("/", "/c/1.3", "/minimum", "/feed.atom", "/sitemap.xml"):
            assert client.get(path).status_code == 200, path


def test_record_links_open_only_the_record_and_only_while_fresh(office, client, runtime, monkeypatch):
    sid, pid = add(office, title="บันทึกที่ลงนามแล้ว")
    record = addresses.record_url(runtime.config, pid).removeprefix("https://prakat.example.go.th")
    response = client.get(record)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    # A preview token is signed for another purpose: it does not open a record, nor the reverse.
    preview_token = addresses.preview_url(runtime.config, sid).rsplit("/", 1)[1]
    assert client.get(f"/record/{preview_token}").status_code == 403
    assert client.get(record.replace("/record/", "/preview/")).status_code == 403
    monkeypatch.setattr(signed_pages, "RECORD_LINK_SECONDS", -1)  # as if a day had passed
    expired = client.get(record)
    assert expired.status_code == 403
    assert "หมดอายุ" in expired.get_data(as_text=True)


def test_two_apps_in_one_process_each_serve_their_own_configuration(office, client, config):
    """The portal reaches its runtime through the blueprint factory, not through a global."""
    other = create_app(replace(config, public_base_url="https://other.example.go.th",
                               secret_key="another-secret"))
    try:
        mine = client.get("/robots.txt").get_data(as_text=True)
        theirs = other.test_client().get("/robots.txt").get_data(as_text=True)
        assert "Sitemap: https://prakat.example.go.th/sitemap.xml" in mine
        assert "Sitemap: https://other.example.go.th/sitemap.xml" in theirs
        sid, _ = add(office, state="approved", title="รอเผยแพร่")
        token = addresses.preview_url(office.config, sid).rsplit("/", 1)[1]
        assert client.get(f"/preview/{token}").status_code == 200
        assert other.test_client().get(f"/preview/{token}").status_code == 403  # other secret
    finally:
        other.extensions["prakat"].stop()
