"""ITA/OIT evidence as the ICT staff, the assessors and a reader meet it: a procurement item
published through LINE lands under the procurement indicators of the right fiscal year's list;
the readiness view turns an indicator from missing to green; the export carries every indicator
with its URLs; the weekly push goes once; a reader's vote counts once and reaches the digest."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.digest import render
from bot.digest.compute import compute_digest
from bot.digest.links import report_links
from bot.ita import lists
from bot.ita.links import readiness_url
from bot.ita.push import push_readiness
from bot.ita.votes import RATE_PER_HOUR
from bot.office.orgfile import OrgFileError, parse
from bot.sandbox.line_fake.schema import validate_messages
from bot.schedule import jobs
from bot.spine.db import transaction
from bot.thai.dates import BANGKOK, FiscalQuarter, fiscal_year_of, thai_digits
from models import AuditEntry, ItemIndicator, ItemVote, Office, OutboxMessage, VoteSalt, utcnow
from tests.conftest import link
from tests.flex import data, joined
from tests.line_driver import user_id
from tests.test_approvals import latest_card, submit_document
from tests.test_portal import BROWSER, Tree, add, page

THIS_YEAR = fiscal_year_of(utcnow())


def rows_by_code(root) -> dict[str, object]:
    return {tr.attrs["id"]: tr for tr in root.all("tr") if tr.attrs.get("id", "").startswith("O")}


def item_links(row) -> list[str]:
    return [a.attrs["href"] for a in row.all("a")]


def office_row(runtime) -> Office:
    with runtime.factory() as session:
        return session.scalars(select(Office)).first()


def bangkok(*args) -> datetime:
    return datetime(*args, tzinfo=BANGKOK)


# --- the lists ---------------------------------------------------------------------------------

def test_bundled_lists_load_with_their_source_and_a_check_mark():
    for key, year in lists.bundled().items():
        found = lists.read(key)
        assert found.fiscal_year == year and found.source and "ตรวจทาน" in found.check
        assert [i.code for i in found.indicators] == [f"O{n}" for n in range(1, len(found.indicators) + 1)]
        assert all(i.frequency in lists.FREQUENCIES for i in found.indicators)
    assert {i.code for i in lists.read("oit-2569").for_category("1.9")} == {"O10", "O11"}
    assert {i.code for i in lists.read("oit-2568").for_category("1.9")} == {"O19", "O20", "O21", "O22"}


def test_a_year_without_its_own_list_borrows_the_newest_earlier_one():
    assert lists.year_list({}, 2569).list.key == "oit-2569" and not lists.year_list({}, 2569).borrowed
    later = lists.year_list({}, 2571)
    assert later.borrowed and later.list.key == "oit-2569"
    assert later.assessment_starts.year == lists.read("oit-2569").assessment_starts.year + 2
    assert lists.year_list({}, 2560) is None


def test_the_office_picks_its_own_list_file_and_a_bad_one_is_refused(tmp_path):
    own = (lists.DATA / "oit-2569.yaml").read_text(encoding="utf-8")
    own = own.replace("fiscal_year: 2569", "fiscal_year: 2570").replace("key: oit-2569", "key: own-2570")
    (tmp_path / "own-2570.yaml").write_text(own, encoding="utf-8")
    org = (tmp_path / "office.yaml")
    text = Path("examples/office.yaml").read_text(encoding="utf-8").replace(
        "    # 2570: oit-2570.yaml", "    2570: own-2570.yaml")
    spec = parse(text, tmp_path)
    assert spec.ita["lists"]["2570"] == str(tmp_path / "own-2570.yaml")
    lists.check_setting(spec.ita)
    assert lists.year_list(spec.ita, 2570).list.key == "own-2570"
    (tmp_path / "own-2570.yaml").write_text(own.replace("frequency: monthly", "frequency: weekly"),
                                            encoding="utf-8")
    with pytest.raises(lists.ListError, match="frequency must be one of"):
        lists.check_setting(spec.ita)
    org.write_text(text.replace('categories: ["1.9"]', 'categories: ["1.99"]'), encoding="utf-8")
    with pytest.raises(OrgFileError, match="unknown categories 1.99"):
        parse(org.read_text(encoding="utf-8"), tmp_path)


# --- the public page ----------------------------------------------------------------------------

def test_a_procurement_item_published_through_line_lands_under_the_procurement_indicators(
        people, line, fake, client, runtime):
    link(runtime, "wanpen")
    submit_document(line, key="wanpen", category="1.9", title="สรุปผลการจัดซื้อจัดจ้าง เดือนพฤศจิกายน")
    line.tap("suda", data(latest_card(fake, "suda"), "อนุมัติ"))
    line.tap("somchai", data(latest_card(fake, "somchai"), "อนุมัติ"))
    with runtime.factory() as session:  # its category alone puts it there: no tag
        assert session.scalar(select(func.count()).select_from(ItemIndicator)) == 0
    root = page(client, f"/ita/{THIS_YEAR}")
    rows = rows_by_code(root)
    year = lists.year_list({"lists": {"2568": "oit-2568", "2569": "oit-2569"}}, THIS_YEAR)
    assert list(rows) == [i.code for i in year.list.indicators]  # every one, in the assessors' order
    procurement = {i.code for i in year.list.for_category("1.9")}
    for code, row in rows.items():
        if code in procurement:
            assert "/p/1" in item_links(row), code
            assert "สรุปผลการจัดซื้อจัดจ้าง เดือนพฤศจิกายน" in row.text
            assert "https://prakat.example.go.th/p/1" in row.text  # the URL the assessors look at
        else:
            assert "/p/1" not in item_links(row), code
    if year.borrowed:
        assert f"ใช้รายการตัวชี้วัดของปีงบประมาณ {year.list.fiscal_year}" in root.text
    # The year before does not count it.
    earlier = rows_by_code(page(client, f"/ita/{THIS_YEAR - 1}"))
    assert all("/p/1" not in item_links(row) for row in earlier.values())


def test_an_item_counts_in_the_fiscal_year_it_was_published(office, client, runtime):
    _, pid = add(runtime, category="1.9", title="ประกาศผู้ชนะการเสนอราคา",
                 at=bangkok(2026, 9, 30, 23, 59))  # the last minute of fiscal year 2569
    rows_2569 = rows_by_code(page(client, "/ita/2569"))
    assert f"/p/{pid}" in item_links(rows_2569["O10"]) and f"/p/{pid}" in item_links(rows_2569["O11"])
    assert f"/p/{pid}" not in item_links(rows_2569["O1"])
    assert all(f"/p/{pid}" not in item_links(r) for r in rows_by_code(page(client, "/ita/2570")).values())
    page(client, "/ita/2540", status=404)
    page(client, f"/ita/{THIS_YEAR + 5}", status=404)


# --- readiness -------------------------------------------------------------------------------------

def readiness_rows(client, runtime, year) -> dict:
    url = readiness_url(runtime.config, office_row(runtime).id, year).removeprefix(
        runtime.config.public_base_url)
    response = client.get(url, headers={"User-Agent": BROWSER})
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    return {code: row for code, row in rows_by_code(Tree(response.get_data(as_text=True)).root).items()}


def test_readiness_turns_an_indicator_from_missing_to_green_when_an_item_lands(office, client, runtime):
    before = readiness_rows(client, runtime, 2569)
    assert before["O10"].attrs["class"] == "missing" and "ยังไม่มี" in before["O10"].text
    assert "กลุ่มบริหารงานการเงินและสินทรัพย์" in before["O10"].text  # who should supply it
    add(runtime, category="1.9", title="ประกาศเชิญชวนจ้างซ่อมอาคาร", at=bangkok(2026, 3, 2, 10))
    after = readiness_rows(client, runtime, 2569)
    assert after["O10"].attrs["class"] == "green" and "มีแล้ว (1 รายการ)" in after["O10"].text
    assert after["O1"].attrs["class"] == "missing"
    # Monthly: a summary from March is stale by the end of the year; one from August is not.
    assert after["O11"].attrs["class"] == "stale"
    add(runtime, category="1.9", title="สรุปผลการจัดซื้อจัดจ้าง สิงหาคม", at=bangkok(2026, 9, 3, 10))
    assert readiness_rows(client, runtime, 2569)["O11"].attrs["class"] == "green"


def test_the_readiness_link_is_signed_for_one_office_and_year(office, client, runtime):
    url = readiness_url(runtime.config, office_row(runtime).id, 2569).removeprefix(
        runtime.config.public_base_url)
    assert client.get(url.replace("/2569/", "/2568/"), headers={"User-Agent": BROWSER}).status_code == 403
    assert client.get(url[:-3] + "xyz", headers={"User-Agent": BROWSER}).status_code == 403


def test_a_tag_counts_an_item_for_an_indicator_no_category_feeds(office, app, client, runtime):
    _, pid = add(runtime, category="1.18", title="ประกาศเจตนารมณ์ No Gift Policy",
                 at=bangkok(2026, 1, 10, 10))
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["ita", "tag", str(pid), "O20", "--by", "kanya"])
    assert refused.exit_code != 0 and "not ICT or admin" in refused.output
    wrong = runner.invoke(args=["ita", "tag", str(pid), "O99", "--by", "pimchanok"])
    assert wrong.exit_code != 0 and "not an indicator of the fiscal year 2569 list" in wrong.output
    done = runner.invoke(args=["ita", "tag", str(pid), "o20", "--by", "pimchanok"])
    assert done.exit_code == 0 and f"publication {pid} tagged O20" in done.output
    assert readiness_rows(client, runtime, 2569)["O20"].attrs["class"] == "green"
    assert f"/p/{pid}" in item_links(rows_by_code(page(client, "/ita/2569"))["O20"])
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "ita.tagged")) == 1
    runner.invoke(args=["ita", "tag", str(pid), "O20", "--by", "pimchanok", "--remove"])
    assert readiness_rows(client, runtime, 2569)["O20"].attrs["class"] == "missing"


# --- export ----------------------------------------------------------------------------------------

def test_the_export_lists_every_indicator_with_its_urls(office, client, runtime):
    _, first = add(runtime, category="1.9", title="แผนการจัดซื้อจัดจ้าง ปี 2569", at=bangkok(2025, 10, 20))
    _, second = add(runtime, category="1.9", title="=HYPERLINK(\"x\")", at=bangkok(2025, 11, 20))
    _, news = add(runtime, category="1.3", title="ข่าวกิจกรรม", at=bangkok(2026, 2, 1))
    codes = [i.code for i in lists.read("oit-2569").indicators]
    base = runtime.config.public_base_url

    response = client.get("/ita/2569.csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert table[0][1] == "รหัส" and table[0][-1] == "URL"
    assert sorted({r[1] for r in table[1:]}, key=codes.index) == codes
    urls = {(r[1], r[-1]) for r in table[1:]}
    for code in ("O10", "O11"):
        assert (code, f"{base}/p/{first}") in urls and (code, f"{base}/p/{second}") in urls
    assert ("O9", f"{base}/p/{news}") in urls and ("O1", "") in urls
    assert any(r[6] == "'=HYPERLINK(\"x\")" for r in table[1:])  # never a formula

    response = client.get("/ita/2569.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert sorted({r[1] for r in cells}, key=codes.index) == codes
    assert {(r[1], r[-1]) for r in cells if r[-1]} == {(c, u) for c, u in urls if u}


# --- the weekly push -------------------------------------------------------------------------------

def test_the_weekly_push_goes_to_ict_once_a_week_in_the_two_months_before(people, line, fake, runtime):
    monday = bangkok(2026, 2, 2, 9)  # fiscal year 2569; its assessment opens on 1 April 2026
    jobs.push_ita_readiness(runtime, monday - timedelta(days=7))  # too early: nothing
    jobs.push_ita_readiness(runtime, monday)
    jobs.push_ita_readiness(runtime, monday + timedelta(days=2))  # same week: nothing more
    line.drain()
    pushed = [m for m in fake.messages_to(user_id("pimchanok")) if "ITA" in m.get("text", "")]
    assert len(pushed) == 1 and validate_messages(pushed) == []
    text = pushed[0]["text"]
    assert text.startswith("ความพร้อม ITA ปีงบประมาณ 2569: ยังไม่พร้อม 23 จาก 23 ตัวชี้วัด")
    assert "1 เมษายน 2569" in text and "O10 ประกาศต่าง ๆ" in text and "/ita/2569/readiness/" in text
    assert not [m for m in fake.messages_to(user_id("kanya")) if "ITA" in m.get("text", "")]
    jobs.push_ita_readiness(runtime, monday + timedelta(days=7))
    line.drain()
    assert len([m for m in fake.messages_to(user_id("pimchanok")) if "ITA" in m.get("text", "")]) == 2
    with transaction(runtime.factory) as session:
        office = session.scalars(select(Office)).first()
        assert push_readiness(session, runtime.config, office, bangkok(2026, 4, 6, 9)).reason == "not_due"
        assert session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.purpose.like("ita:%"))) == 2


# --- the public's verdict --------------------------------------------------------------------------

def vote(client, pid, helpful="yes", comment="", agent=BROWSER, **extra):
    form = Tree(client.get(f"/p/{pid}", headers={"User-Agent": agent}).get_data(as_text=True)).root
    token = next(i.attrs["value"] for i in form.all("input") if i.attrs.get("name") == "t")
    return client.post(f"/p/{pid}/vote", headers={"User-Agent": agent},
                       data={"t": token, "helpful": helpful, "comment": comment, **extra})


def count_votes(runtime) -> int:
    with runtime.factory() as session:
        return session.scalar(select(func.count()).select_from(ItemVote))


def test_a_vote_counts_once_per_visitor_and_appears_in_the_digest(office, app, runtime):
    client = app.test_client()
    _, pid = add(runtime, category="1.9", title="ประกาศผลผู้ชนะการเสนอราคา")
    answer = vote(client, pid, comment="ข้อมูลครบถ้วน ขอบคุณครับ")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/p/{pid}?vote=thanks#vote")
    shown = page(client, f"/p/{pid}?vote=thanks")
    assert "ขอบคุณสำหรับความเห็นค่ะ" in shown.text and not shown.all("form", method="post")
    again = vote(client, pid, helpful="no")
    assert again.status_code == 303 and "vote=already" in again.headers["Location"]
    other = vote(client, pid, helpful="no", agent=BROWSER.replace("Android 14", "Android 15"))
    assert other.status_code == 303 and "vote=thanks" in other.headers["Location"]
    assert count_votes(runtime) == 2
    with runtime.factory() as session:  # nothing that names the visitor
        row = session.scalars(select(ItemVote).order_by(ItemVote.id)).first()
        assert "127.0.0.1" not in f"{row.voter}{row.source}" and len(row.voter) == 64
        assert session.scalar(select(func.count()).select_from(VoteSalt)) == 1
    # The comment is for the office only: the readiness view has it, the public page not.
    assert "ข้อมูลครบถ้วน" not in page(client, f"/p/{pid}").text
    office_id = office_row(runtime).id
    private = client.get(readiness_url(runtime.config, office_id, THIS_YEAR)
                         .removeprefix(runtime.config.public_base_url), headers={"User-Agent": BROWSER})
    assert "ข้อมูลครบถ้วน ขอบคุณครับ" in private.get_data(as_text=True)

    quarter = FiscalQuarter.of(utcnow())
    with runtime.factory() as session:
        d = compute_digest(session, office_id, quarter)
    assert (d.total.helpful.yes, d.total.helpful.no) == (1, 1)
    assert (d.helpful_by_category["1.9"].yes, d.helpful_by_category["1.9"].no) == (1, 1)
    unit = next(u for u in d.units if u.helpful.total)
    assert unit.name == "กลุ่มนโยบายและแผน"  # the submitter's unit
    assert d.ita is not None and d.ita.fiscal_year == quarter.fiscal_year
    message = render.flex_summary(d, report_links(runtime.config, office_id, quarter, utcnow()))
    assert validate_messages([message]) == []
    assert "๑/๒ เห็นว่าเป็นประโยชน์" in joined(message)
    assert thai_digits(f"พร้อม {d.ita.green}/{d.ita.total} ตัวชี้วัด") in joined(message)
    sheet = load_workbook(io.BytesIO(render.report_xlsx(d)))["ความเห็นผู้อ่าน"]
    assert ["1.9 จัดซื้อจัดจ้าง", 1, 1] in [[c.value for c in r] for r in sheet.iter_rows()]
    links = report_links(runtime.config, office_id, quarter, utcnow())
    html = render.report_html(d, links, chart=b"")
    assert "1/2 เห็นว่าเป็นประโยชน์" in html
    # The office director and management reach the private readiness view from the report.
    assert links.ita.startswith(f"https://prakat.example.go.th/ita/{quarter.fiscal_year}/readiness/")
    assert f'href="{links.ita}"' in html
    assert client.get(links.ita.removeprefix(runtime.config.public_base_url),
                      headers={"User-Agent": BROWSER}).status_code == 200


@pytest.mark.parametrize("comment, reason", [
    ("ดูได้ที่ https://spam.example", "ไม่มีลิงก์"),
    ("สนใจติดต่อ www.casino.xyz", "ไม่มีลิงก์"),
    ("ก" * 301, "ยาวเกิน 300"),
])
def test_a_comment_with_a_link_or_too_long_is_refused_and_kept_for_editing(office, app, runtime,
                                                                          comment, reason):
    client = app.test_client()
    _, pid = add(runtime, category="1.3")
    answer = vote(client, pid, comment=comment)
    assert answer.status_code == 400
    root = Tree(answer.get_data(as_text=True)).root
    assert reason in root.one("p", role="alert").text
    assert root.one("textarea").text == comment[:1200].strip()
    assert count_votes(runtime) == 0


def test_spam_is_refused_robots_are_thanked_and_forms_expire(office, app, runtime):
    client = app.test_client()
    _, pid = add(runtime, category="1.3")
    _, other = add(runtime, category="1.3")
    assert vote(client, pid, website="http://spam").status_code == 303  # the hidden field
    assert vote(client, pid, agent="python-requests/2.32").status_code == 303
    assert count_votes(runtime) == 0
    wrong_item = Tree(client.get(f"/p/{other}", headers={"User-Agent": BROWSER})
                      .get_data(as_text=True)).root
    token = next(i.attrs["value"] for i in wrong_item.all("input") if i.attrs.get("name") == "t")
    forged = client.post(f"/p/{pid}/vote", headers={"User-Agent": BROWSER},
                         data={"t": token, "helpful": "yes"})
    assert forged.status_code == 400 and "หมดอายุ" in forged.get_data(as_text=True)
    assert vote(client, pid, helpful="maybe").status_code == 400
    for n in range(RATE_PER_HOUR):
        assert vote(client, pid, agent=f"{BROWSER} n{n}").status_code == 303
    assert vote(client, pid, agent=f"{BROWSER} one more").status_code == 429
    assert count_votes(runtime) == RATE_PER_HOUR
    assert client.post("/p/999999/vote", data={"helpful": "yes"}).status_code == 404
