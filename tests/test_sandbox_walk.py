"""The whole procedure in a real browser (Debian's Chromium, driven by Playwright) through the
sandbox chat page and the portal: submit → return with a reason → correct → two approvals →
the portal → the PR group's card → the management group's digest preview. Screenshots go to
docs/screenshots/; axe-core checks the pages it passes."""

from __future__ import annotations

import re

from tests import samples
from tests.browser import SHOTS, needs_chromium, serious_violations

pytestmark = needs_chromium
TIMEOUT = 15_000  # ms: a step waits at most this long for the bot's answer




class Chat:
    """The sandbox page, used as a person would."""

    def __init__(self, page, base: str):
        self.page, self.base = page, base

    def to_list(self) -> None:
        back = self.page.locator("#back")
        if back.is_visible():  # at phone width the list and the chat are two screens
            back.click()

    def be(self, name: str) -> None:
        self.to_list()
        self.page.locator(".persona", has_text=name).first.click()
        self.page.locator("#chat-name", has_text=name).wait_for()

    def unread(self, name: str) -> str:
        self.to_list()
        badge = self.page.locator(".persona", has_text=name).first.locator(".unread")
        badge.wait_for(timeout=TIMEOUT)
        return badge.inner_text()

    def sees(self, text: str) -> None:
        try:
            self.page.locator("#messages .msg.bot", has_text=text).last.wait_for(timeout=TIMEOUT)
        except Exception:
            shown = self.page.locator("#messages").inner_text()[-3000:]
            raise AssertionError(f"never saw {text!r}; the chat ends with:\n{shown}") from None

    def type(self, text: str) -> None:
        self.page.fill("#text", text)
        self.page.press("#text", "Enter")

    def tap(self, label: str, *, within: str | None = None) -> None:
        """Tap a button of the latest bot message (or of the latest one containing `within`)."""
        bot = self.page.locator("#messages .msg.bot", has_text=within) if within else \
            self.page.locator("#messages .msg.bot")
        bot.last.get_by_role("button", name=label, exact=True).first.click(timeout=TIMEOUT)

    def quick(self, label: str) -> None:
        self.page.locator("#quick .chip", has_text=label).first.click(timeout=TIMEOUT)

    def attach(self, name: str, data: bytes, kind: str = "application/pdf") -> None:
        self.page.set_input_files("#file", files=[{"name": name, "mimeType": kind, "buffer": data}])


def test_a_document_goes_from_staff_chat_to_the_portal_in_a_browser(browser, sandbox):
    base, runtime = sandbox
    page = browser.new_page(viewport={"width": 420, "height": 860}, locale="th-TH")
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base}/sandbox")
    chat = Chat(page, base)
    SHOTS.mkdir(parents=True, exist_ok=True)

    # staff: a PDF, a category, the file's name as title, no details, send for approval
    chat.be("นางสาวกัญญา พึ่งบุญ")
    chat.attach("รายงานผลการดำเนินงาน.pdf", samples.pdf(3))
    chat.sees("ได้รับไฟล์")
    chat.tap("๑.๓ กิจกรรม โครงการ")
    chat.quick("ใช้ชื่อไฟล์")
    chat.sees("รายละเอียด")
    chat.type("ข้าม")
    chat.tap("ส่งขออนุญาตเผยแพร่")
    chat.sees("ส่งขออนุญาตเผยแพร่แล้ว")

    # the unit director got a card: returns it with a reason
    assert chat.unread("นายประเสริฐ วงศ์ใหญ่") != ""
    chat.be("นายประเสริฐ วงศ์ใหญ่")
    chat.tap("ส่งกลับแก้ไข", within="รายงานผลการดำเนินงาน")
    chat.sees("เหตุผล")
    chat.type("กรุณาแนบภาคผนวก")
    chat.sees("บันทึกแล้วค่ะ: ส่งกลับแก้ไข")

    # staff corrects it from the quick reply with a new file
    chat.be("นางสาวกัญญา พึ่งบุญ")
    chat.sees("เหตุผล: กรุณาแนบภาคผนวก")
    chat.quick("แก้ไขและส่งใหม่")
    chat.sees("ฉบับที่ ๒")
    chat.attach("รายงานฉบับแก้ไข.pdf", samples.pdf(5, marker="v2"))
    chat.sees("รายงานฉบับแก้ไข.pdf")
    chat.sees("ตรวจข้อมูลส่วนบุคคลในไฟล์เสร็จแล้ว")  # the new file is checked; its card comes again
    chat.tap("ส่งขออนุญาตเผยแพร่", within="รายงานฉบับแก้ไข.pdf")
    chat.sees("ส่งฉบับที่ ๒ ขออนุญาตเผยแพร่แล้ว")

    # the unit director approves version 2, from the rich menu's "รออนุมัติ"
    chat.be("นายประเสริฐ วงศ์ใหญ่")
    page.locator("#richmenu-board .area[aria-label='รออนุมัติ']").click()
    chat.sees("ฉบับที่ ๒")
    page.screenshot(path=str(SHOTS / "director-richmenu.png"))
    chat.tap("อนุมัติ", within="ฉบับที่ ๒")
    chat.sees("บันทึกแล้วค่ะ: อนุมัติ")

    # the office director approves from the card
    chat.be("นายสมชาย ใจดี")
    chat.sees("ขั้นที่ ๒ จาก ๒")
    page.screenshot(path=str(SHOTS / "sandbox-approval-card.png"))
    assert serious_violations(page) == []
    chat.tap("อนุมัติ", within="ขั้นที่ ๒ จาก ๒")
    chat.sees("บันทึกแล้วค่ะ: อนุมัติ")

    # staff is told where it is published; the link opens the portal's item page
    chat.be("นางสาวกัญญา พึ่งบุญ")
    chat.sees("เผยแพร่บนเว็บไซต์แล้ว")
    told = page.locator("#messages .msg.bot", has_text="เผยแพร่บนเว็บไซต์แล้ว").last.inner_text()
    url = re.search(r"https?://\S+/p/\d+", told).group(0)
    assert url.startswith(base)
    portal = browser.new_page(viewport={"width": 1000, "height": 900}, locale="th-TH")
    portal.goto(url)
    assert "รายงานผลการดำเนินงาน" in portal.locator("main").inner_text()
    portal.screenshot(path=str(SHOTS / "portal-item.png"), full_page=True)
    assert serious_violations(portal) == []
    portal.close()

    # the PR group got its card; the management group gets this quarter's digest preview
    chat.be("กลุ่มงานประชาสัมพันธ์")
    chat.sees("รายงานผลการดำเนินงาน")
    chat.be("กลุ่มผู้บริหาร")
    page.get_by_role("button", name="ส่งตัวอย่างรายงานไตรมาสนี้เข้ากลุ่ม").click()
    chat.sees("รายงาน")
    assert runtime.fake_line.validation_errors == []
