"""Two offices in one deployment, each with its own portal: examples/office.yaml and a second
office from another org file (tests/orgs/second_office.yaml), each reached by its own host name
and under /o/<key>/. Every page, feed, sitemap, search, file and signed link of one office shows
only that office, stays inside its address space, and answers 404 for the other's ids."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.files import links as files
from bot.ita.links import readiness_url
from bot.office.orgfile import load
from bot.publishing import addresses, procedure
from bot.spine.db import transaction
from bot.thai.dates import fiscal_year_of
from models import Office, Submission, utcnow
from tests import samples
from tests.browser import chromium, needs_chromium
from tests.conftest import OFFICE_YAML
from tests.factories import make_item
from tests.test_portal import ATOM, SITEMAP, Reader, Tree, jpeg, pdf_text, squash

SECOND_YAML = (Path(__file__).parent / "orgs" / "second_office.yaml").read_text(encoding="utf-8")
BASE = "https://prakat.example.go.th"  # PUBLIC_BASE_URL of the tests' config
TAK_HOST = "prakat.tak2.example.go.th"
KPP_HOST = "prakat.kpp-sec.example.go.th"
TAK_NAMES = ("สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒", "สพป.ตาก เขต ๒")
KPP_NAMES = ("สำนักงานเขตพื้นที่การศึกษามัธยมศึกษากำแพงเพชร", "สพม.กำแพงเพชร")
ADDRESS = re.compile(r'(?:href|src|action)="([^"]*)"')


def foreign(body: str, other: Side | tuple[str, ...]) -> list[str]:
    """The other office's names and titles found in `body` (category names included: each
    office's carry its own name)."""
    words = other if isinstance(other, tuple) else other.words()
    return [word for word in words if word in body]


def tak_yaml(*, host: bool) -> str:
    text = OFFICE_YAML.replace("# key: tak2", "key: tak2")
    return text + (f"\nportal:\n  hosts: [{TAK_HOST}]\n" if host else "")


@dataclass(frozen=True)
class Item:
    sid: int
    pid: int
    version_id: int
    file_id: int
    photo_id: int
    title: str


@dataclass(frozen=True)
class Side:
    """One office as the tests meet it: its names, its items, and one of its addresses."""

    key: str
    office_id: int
    names: tuple[str, ...]
    item: Item
    host: str  # the Host header the request carries
    prefix: str  # "" (its own host name) or "/o/<key>"
    base: str  # what its absolute addresses start with

    def url(self, path: str) -> str:
        return self.prefix + path

    def words(self) -> tuple[str, ...]:
        return (*self.names, self.item.title)


def publish(runtime, *, title: str, submitter: str, approvers: tuple[str, ...]) -> Item:
    with transaction(runtime.factory) as session:
        submission = make_item(
            session, title=title, description=f"รายละเอียดของ{title}", category="1.3",
            kind="photos", submitter=submitter, approvers=approvers,
            files=[("สรุปผล.pdf", samples.pdf(marker=title), "application/pdf")],
            photos=[(jpeg((30, 90, 30), (64, 48)), "ภาพกิจกรรม")],
            store=files.store(runtime.config))
        pub = procedure.publication_of(session, submission.id)
        version = submission.version(1)
        pdf, photo = version.attachments
        return Item(submission.id, pub.id, version.id, pdf.id, photo.id, title)


def load_offices(runtime, *, tak_host: bool) -> tuple[int, int]:
    with transaction(runtime.factory) as session:
        load(session, tak_yaml(host=tak_host))
        load(session, SECOND_YAML)
        ids = {o.key: o.id for o in session.scalars(select(Office))}
    return ids["tak2"], ids["kpp-sec"]


@pytest.fixture
def two(runtime):
    """Both offices loaded, each with its host name, and one published item in each."""
    tak_id, kpp_id = load_offices(runtime, tak_host=True)
    tak = publish(runtime, title="รายงานผลการจัดงานวันครูเขตตาก", submitter="kanya",
                  approvers=("prasert", "somchai"))
    kpp = publish(runtime, title="สรุปผลการแข่งขันกีฬาสีมัธยมกำแพงเพชร", submitter="dararat",
                  approvers=("chaiwat", "arthit"))
    return {"tak": (tak_id, tak), "kpp": (kpp_id, kpp)}


def sides(two, how: str) -> tuple[Side, Side]:
    """(A, B) reached by `how`: "host" (each its own host name) or "key" (/o/<key>/ on the
    deployment's own host). Absolute addresses use the host name either way."""
    (tak_id, tak), (kpp_id, kpp) = two["tak"], two["kpp"]
    if how == "host":
        a = Side("tak2", tak_id, TAK_NAMES, tak, TAK_HOST, "", f"https://{TAK_HOST}")
        b = Side("kpp-sec", kpp_id, KPP_NAMES, kpp, KPP_HOST, "", f"https://{KPP_HOST}")
    else:
        host = BASE.removeprefix("https://")
        a = Side("tak2", tak_id, TAK_NAMES, tak, host, "/o/tak2", f"https://{TAK_HOST}")
        b = Side("kpp-sec", kpp_id, KPP_NAMES, kpp, host, "/o/kpp-sec", f"https://{KPP_HOST}")
    return a, b


@pytest.fixture
def reader(app) -> Reader:
    return Reader(app.test_client())


def get(reader: Reader, side: Side, path: str, status: int = 200, **kw):
    response = reader.get(side.url(path), base_url=f"https://{side.host}", **kw)
    assert response.status_code == status, (side.url(path), side.host, response.status_code)
    return response


def pages_of(side: Side) -> list[str]:
    fy = fiscal_year_of(utcnow())
    pid = side.item.pid
    return ["/", "/c/1.3", "/c/1.3?page=1", "/minimum", "/search?q=สรุป", "/search?q=รายงาน",
            "/search?q=" + side.item.title[:8], f"/ita/{fy}", f"/p/{pid}", "/feed.atom",
            "/c/1.3/feed.atom", "/sitemap.xml", f"/ita/{fy}.csv", "/robots.txt"]


def assert_stays_home(side: Side, body: str) -> None:
    """Every address on the page is this office's: under its prefix, or absolute at its base
    (the share buttons and the office's own website aside)."""
    for url in ADDRESS.findall(body):
        if url.startswith(("https://social-plugins.line.me/", "https://www.facebook.com/")):
            continue
        if url.startswith("/"):
            assert url.startswith(side.prefix + "/"), (side.key, url)
        elif url.startswith("http"):
            assert url.startswith(side.base + "/"), (side.key, url)


@pytest.mark.parametrize("how", ["host", "key"])
def test_each_office_sees_only_its_own_pages_feeds_sitemap_and_search(two, reader, how):
    for me, other in (sides(two, how), sides(two, how)[::-1]):
        for path in pages_of(me):
            body = get(reader, me, path).get_data(as_text=True)
            assert foreign(body, other) == [], (me.key, path)
            assert_stays_home(me, body)
        home = get(reader, me, "/").get_data(as_text=True)
        assert me.names[0] in home and me.item.title in home
        found = Tree(get(reader, me, "/search?q=ผล").get_data(as_text=True)).root
        titles = [a.text for a in found.all("a") if "/p/" in a.attrs.get("href", "")]
        assert titles == [me.item.title]

        feed = ET.fromstring(get(reader, me, "/feed.atom").data)
        assert [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")] == [
            f"{me.base}/p/{me.item.pid}"]
        assert feed.find(f"{ATOM}id").text == f"{me.base}/feed.atom"
        sitemap = ET.fromstring(get(reader, me, "/sitemap.xml").data)
        locs = [u.find(f"{SITEMAP}loc").text for u in sitemap.findall(f"{SITEMAP}url")]
        assert locs[0] == f"{me.base}/" and all(loc.startswith(me.base + "/") for loc in locs)
        assert [loc for loc in locs if "/p/" in loc] == [f"{me.base}/p/{me.item.pid}"]
        robots = get(reader, me, "/robots.txt").get_data(as_text=True)
        assert robots.count("Sitemap:") == 1 and f"Sitemap: {me.base}/sitemap.xml" in robots


@pytest.mark.parametrize("how", ["host", "key"])
def test_the_other_offices_ids_are_not_found(two, reader, runtime, how):
    config = runtime.config
    for me, other in (sides(two, how), sides(two, how)[::-1]):
        theirs = other.item
        for path in (f"/p/{theirs.pid}", f"/p/{theirs.pid}/files/{theirs.file_id}",
                     f"/p/{theirs.pid}/thumb/{theirs.photo_id}.jpg", f"/p/{theirs.pid}/card.png",
                     f"/p/{theirs.pid}/notice.pdf"):
            response = get(reader, me, path, 404)
            body = response.get_data(as_text=True)
            assert foreign(body, other) == [], path
            assert me.names[0] in body  # the 404 page is this office's own
        vote = reader.client.post(me.url(f"/p/{theirs.pid}/vote"), base_url=f"https://{me.host}",
                                  data={"helpful": "yes"})
        assert vote.status_code == 404
        signed = [files.attachment_url(config, theirs.file_id, audience="approver", base=""),
                  files.gallery_url(config, theirs.version_id, audience="approver", base=""),
                  addresses.record_url(config, theirs.pid, addresses.Links("")),
                  readiness_url(config, other.office_id, fiscal_year_of(utcnow()), base="")]
        for url in signed:
            response = get(reader, me, url, 404 if "/readiness/" not in url else 403)
            assert foreign(response.get_data(as_text=True), other) == [], url
        # Mine open here: the same links are not refused for the office they belong to.
        mine = me.item
        get(reader, me, files.gallery_url(config, mine.version_id, audience="approver", base=""))
        get(reader, me, addresses.record_url(config, mine.pid, addresses.Links("")))


def test_a_host_and_a_key_of_different_offices_are_no_address(two, reader):
    a, b = sides(two, "host")
    wrong = reader.get(f"/o/{b.key}/", base_url=f"https://{a.host}")
    assert wrong.status_code == 404
    assert not any(word in wrong.get_data(as_text=True) for word in (*a.words(), *b.words()))
    assert reader.get("/o/no-such-office/", base_url=BASE).status_code == 404
    assert reader.get(f"/o/{b.key}", base_url=BASE).status_code in (301, 308)  # → /o/kpp-sec/


def test_files_and_galleries_open_only_under_their_office(two, reader, runtime):
    config = runtime.config
    a, b = sides(two, "key")
    gallery = get(reader, b, files.gallery_url(config, b.item.version_id, audience="approver",
                                               base="")).get_data(as_text=True)
    assert_stays_home(b, gallery)
    public = get(reader, b, f"/p/{b.item.pid}/files/{b.item.file_id}")
    assert public.mimetype == "application/pdf" and public.data.startswith(b"%PDF")
    # A published item's signed file link leads to its public address, under its office.
    signed = get(reader, b, files.attachment_url(config, b.item.file_id, audience="approver",
                                                 base=""), 302)
    assert signed.headers["Location"] == f"/o/{b.key}/p/{b.item.pid}/files/{b.item.file_id}"


def test_the_bare_address_lists_the_offices_and_old_links_find_their_office(two, reader, runtime):
    a, b = sides(two, "host")
    home = reader.get("/", base_url=BASE)
    assert home.status_code == 200
    text = home.get_data(as_text=True)
    assert a.names[0] in text and b.names[0] in text
    assert a.item.title not in text and b.item.title not in text
    hrefs = {n.attrs["href"] for n in Tree(text).root.all("a")}
    assert {f"https://{TAK_HOST}/", f"https://{KPP_HOST}/"} <= hrefs
    search = reader.get("/search?q=ผล", base_url=BASE)
    assert search.status_code == 404 and b.names[0] in search.get_data(as_text=True)
    assert b.item.title not in search.get_data(as_text=True)
    # Addresses sent before the second office came: on to the item's own office.
    old = reader.get(f"/p/{b.item.pid}?vote=thanks", base_url=BASE)
    assert old.status_code == 302
    assert old.headers["Location"] == f"https://{KPP_HOST}/p/{b.item.pid}?vote=thanks"
    record = addresses.record_url(runtime.config, a.item.pid)
    moved = reader.get(record.removeprefix(BASE), base_url=BASE)
    assert moved.status_code == 302 and moved.headers["Location"].startswith(f"https://{TAK_HOST}/record/")
    # A file link LINE carries opens where it is (LINE fetches images itself, without redirects).
    photo = files.attachment_url(runtime.config, b.item.photo_id, audience="approver", preview=True)
    assert reader.get(photo.removeprefix(BASE), base_url=BASE).status_code == 302  # published: public
    robots = reader.get("/robots.txt", base_url=BASE).get_data(as_text=True)
    assert f"Sitemap: https://{TAK_HOST}/sitemap.xml" in robots
    assert f"Sitemap: https://{KPP_HOST}/sitemap.xml" in robots


def test_the_bare_address_finds_an_office_by_a_piece_of_its_name(two, reader):
    a, b = sides(two, "host")

    def listed(query: str) -> tuple[int, str, set[str]]:
        answer = reader.get("/", query_string={"office": query}, base_url=BASE)
        text = answer.get_data(as_text=True)
        return answer.status_code, text, {n.attrs["href"] for n in Tree(text).root.all("a")}

    status, text, hrefs = listed("กำแพง")
    assert status == 200 and b.names[0] in text and a.names[0] not in text
    assert f"https://{KPP_HOST}/" in hrefs and f"https://{TAK_HOST}/" not in hrefs and "พบ 1 สำนักงาน" in text
    status, text, _ = listed("  สพป.ตาก  ")  # a short name, with the spaces a phone adds
    assert a.names[0] in text and b.names[0] not in text
    status, text, hrefs = listed("%")  # a wildcard is a character like any other
    assert status == 200 and "ไม่พบสำนักงานที่ชื่อมีคำว่า “%” ค่ะ" in text
    assert f"https://{KPP_HOST}/" not in hrefs and f"https://{TAK_HOST}/" not in hrefs
    status, text, _ = listed("")
    assert a.names[0] in text and b.names[0] in text and "noindex" not in text


def test_an_offices_digest_links_live_on_its_host_and_its_report_opens_nowhere_else(two, reader, runtime):
    from bot.digest.links import report_links
    from bot.thai.dates import FiscalQuarter

    kpp_id = two["kpp"][0]
    with runtime.factory() as session:
        links = report_links(runtime.config, kpp_id, FiscalQuarter.of(utcnow()), utcnow(), session)
    assert links.html.startswith(f"https://{KPP_HOST}/reports/{kpp_id}/")
    assert links.ita.startswith(f"https://{KPP_HOST}/ita/")
    path = links.html.removeprefix(f"https://{KPP_HOST}")
    own = reader.get(path, base_url=f"https://{KPP_HOST}")
    assert own.status_code == 200 and KPP_NAMES[0] in own.get_data(as_text=True)
    assert f'href="https://{KPP_HOST}/reports/{kpp_id}/' in own.get_data(as_text=True)  # its own links too
    assert reader.get(path, base_url=BASE).status_code == 200  # the deployment's address: as sent before
    assert reader.get(path, base_url=f"https://{TAK_HOST}").status_code == 404  # another office's host


def test_addresses_publishing_hands_out_name_the_office(two, runtime):
    with runtime.factory() as session:
        (tak_id, _), (kpp_id, kpp) = two["tak"], two["kpp"]
        assert addresses.links(session, runtime.config, kpp_id).item(kpp.pid) == \
            f"https://{KPP_HOST}/p/{kpp.pid}"
        assert addresses.links(session, runtime.config, tak_id).home() == f"https://{TAK_HOST}/"


def test_without_host_names_an_office_lives_under_o_key(runtime, reader):
    tak_id, kpp_id = load_offices(runtime, tak_host=False)
    tak = publish(runtime, title="รายงานผลการจัดงานวันครูเขตตาก", submitter="kanya",
                  approvers=("prasert", "somchai"))
    a = Side("tak2", tak_id, TAK_NAMES, tak, BASE.removeprefix("https://"), "/o/tak2",
             f"{BASE}/o/tak2")
    with runtime.factory() as session:
        assert addresses.links(session, runtime.config, tak_id).item(tak.pid) == \
            f"{BASE}/o/tak2/p/{tak.pid}"
    for path in pages_of(a):
        body = get(reader, a, path).get_data(as_text=True)
        assert not any(word in body for word in KPP_NAMES), path
        assert_stays_home(a, body)
    feed = ET.fromstring(get(reader, a, "/feed.atom").data)
    assert [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")] == [
        f"{BASE}/o/tak2/p/{tak.pid}"]
    # The one office's old address (before the second came) redirects under its key.
    old = reader.get(f"/p/{tak.pid}", base_url=BASE)
    assert old.status_code == 302 and old.headers["Location"] == f"{BASE}/o/tak2/p/{tak.pid}"
    notice = get(reader, a, f"/p/{tak.pid}/notice.pdf")
    text = pdf_text(notice.data)
    assert squash(f"{BASE}/o/tak2/p/{tak.pid}") in text
    assert not any(squash(word) in text for word in KPP_NAMES)


def test_one_office_keeps_its_bare_addresses(office, reader, runtime):
    with transaction(runtime.factory) as session:
        submission = make_item(session, title="ข่าวประชาสัมพันธ์")
        pid = procedure.publication_of(session, submission.id).id
        office_id = session.get(Submission, submission.id).office_id
        assert addresses.links(session, runtime.config, office_id).item(pid) == f"{BASE}/p/{pid}"
    assert reader.get(f"/p/{pid}", base_url=BASE).status_code == 200
    assert reader.get(f"/o/office/p/{pid}", base_url=BASE).status_code == 200  # its key works too


@needs_chromium
def test_a_reader_opens_the_second_office_under_its_key_in_a_browser(database_url, tmp_path):
    from tests.sandbox_server import sandbox_app

    with sandbox_app(database_url, tmp_path, demo_on=False) as (base, runtime):
        load_offices(runtime, tak_host=False)
        kpp = publish(runtime, title="สรุปผลการแข่งขันกีฬาสีมัธยมกำแพงเพชร", submitter="dararat",
                      approvers=("chaiwat", "arthit"))
        tak = publish(runtime, title="รายงานผลการจัดงานวันครูเขตตาก", submitter="kanya",
                      approvers=("prasert", "somchai"))
        with chromium() as browser:
            page = browser.new_context(java_script_enabled=False).new_page()
            page.goto(f"{base}/")  # the deployment's own address: find an office by its name
            page.fill("#office-name", "ตาก")
            page.get_by_role("button", name="ค้นหาสำนักงาน").click()
            assert page.get_by_role("link", name=KPP_NAMES[0]).count() == 0
            page.get_by_role("link", name=TAK_NAMES[0]).click()
            page.wait_for_url(f"{base}/o/tak2/")
            page.goto(f"{base}/o/kpp-sec/")
            assert KPP_NAMES[0] in page.locator("header").inner_text()
            page.get_by_role("link", name=kpp.title).first.click()
            page.wait_for_url(f"{base}/o/kpp-sec/p/{kpp.pid}")
            assert kpp.title in page.locator("h1").inner_text()
            assert foreign(page.content(), (*TAK_NAMES, tak.title)) == []
            page.fill("#q", "กีฬา")
            page.get_by_role("button", name="ค้นหา").click()
            page.wait_for_url(re.compile(r".*/o/kpp-sec/search\?q=.*"))
            page.get_by_role("link", name=kpp.title).wait_for()
