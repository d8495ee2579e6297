"""A reader in a real browser (Debian's Chromium, driven by Playwright): the item page's
"helpful?" form works without JavaScript and thanks them once, the ITA page lists the item under
its indicators, and axe-core finds nothing serious on either page."""

from __future__ import annotations

import pytest

from bot.files import links
from bot.spine.db import transaction
from bot.thai.dates import fiscal_year_of
from models import ItemVote, Publication, utcnow
from tests.browser import chromium, needs_chromium, serious_violations
from tests.factories import make_item
from tests.sandbox_server import sandbox_app

pytestmark = needs_chromium
PHONE = ("Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0 Mobile Safari/537.36")


@pytest.fixture
def pages():
    """A reader's phone without JavaScript (the form must not need it), and one with it for axe."""
    with chromium() as browser:
        phone = {"user_agent": PHONE, "viewport": {"width": 390, "height": 844}}
        yield (browser.new_context(java_script_enabled=False, **phone).new_page(),
               browser.new_context(**phone).new_page())


def axe_on(page, url: str) -> list[str]:
    page.goto(url)
    return serious_violations(page)


def test_a_reader_votes_without_javascript_and_finds_the_item_on_the_ita_page(pages, database_url,
                                                                               tmp_path):
    page, checker = pages
    with sandbox_app(database_url, tmp_path, demo_on=True) as (base, runtime):
        with transaction(runtime.factory) as session:
            item = make_item(session, category="1.9", title="ประกาศผู้ชนะการเสนอราคาจ้างซ่อมหลังคา",
                             submitter="wanpen", approvers=("suda", "somchai"),
                             store=links.store(runtime.config))
            pid = session.query(Publication.id).filter_by(submission_id=item.id).scalar()
        page.goto(f"{base}/p/{pid}")
        page.get_by_text("ข้อมูลนี้เป็นประโยชน์หรือไม่").first.wait_for()
        assert axe_on(checker, f"{base}/p/{pid}") == []
        page.get_by_label("เป็นประโยชน์", exact=True).check()
        page.fill("#comment", "อ่านง่าย ครบถ้วน")
        page.get_by_role("button", name="ส่งความเห็น").click()
        page.get_by_text("ขอบคุณสำหรับความเห็นค่ะ").wait_for()
        assert page.url.endswith(f"/p/{pid}?vote=thanks#vote")
        with runtime.factory() as session:
            votes = session.query(ItemVote).all()
            assert [(v.publication_id, v.helpful, v.comment) for v in votes] == [
                (pid, True, "อ่านง่าย ครบถ้วน")]

        page.goto(f"{base}/ita/{fiscal_year_of(utcnow())}")
        row = page.locator("tr#O10")
        row.get_by_role("link", name="ประกาศผู้ชนะการเสนอราคาจ้างซ่อมหลังคา").wait_for()
        assert f"{base}/p/{pid}" in row.inner_text()
        assert "ยังไม่มีรายการในปีงบประมาณนี้" in page.locator("tr#O1").inner_text()
        assert axe_on(checker, page.url) == []
