"""Rendered files read back the way their readers meet them: PDFs through a text extractor,
images through Pillow, workbooks through openpyxl."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
import qrcode
from PIL import Image, ImageFont
from pypdf import PdfReader

from bot.render import flex, fonts, palette
from bot.render.chart import bar_chart_png, monthly_chart_png
from bot.render.pdf import (
    NoticeData,
    RecordData,
    ReportDoc,
    Section,
    Signatory,
    Table,
    notice_pdf,
    publication_record_pdf,
    report_pdf,
)
from bot.render.richmenu import rich_menu_areas, rich_menu_image
from bot.render.xlsx import Sheet, sheet_title, workbook_bytes
from bot.sandbox.line_fake.schema import validate_messages
from bot.spine import messages
from bot.thai.wrap import chunks, wrap

OFFICE = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒"
TITLE = "ประกาศผลผู้ชนะการเสนอราคา ซื้อวัสดุสำนักงาน (กระดาษถ่ายเอกสาร) จำนวน ๒๐๐ รีม"
URL = "https://prakat.example.go.th/p/2567-0042"
SUMMARY = (
    "ตามที่สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒ ได้มีโครงการซื้อวัสดุสำนักงาน "
    "โดยวิธีเฉพาะเจาะจง นั้น ผู้ได้รับการคัดเลือก ได้แก่ ร้านศึกษาภัณฑ์พาณิชย์"
)
THAI_MARK = re.compile(r"[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")
A4_PT = (595.28, 841.89)


def skeleton(text: str) -> str:
    """Thai letters that take their own space, in order, and nothing else.

    With text shaping, a PDF maps each glyph cluster back to text; extractors then emit the
    combining vowels and tone marks in another order or with a space before them (ฝั่ ง), and
    pypdf sometimes adds stray digits between clusters. Consonants and spacing vowels survive
    intact and in order, so comparing those still pins every word while ignoring the noise.
    """
    return "".join(re.findall(r"[\u0e01-\u0e30\u0e32\u0e33\u0e40-\u0e46]", text))


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def assert_has(text: str, *expected: str) -> None:
    for phrase in expected:
        assert skeleton(phrase) in skeleton(text), phrase


def notice(summary: str = SUMMARY) -> NoticeData:
    return NoticeData(
        office_name=OFFICE,
        title=TITLE,
        category="1.9 ข้อมูลการจัดซื้อจัดจ้าง",
        summary=summary,
        unit_name="กลุ่มบริหารงานการเงินและสินทรัพย์",
        published_on="๒๔ พฤษภาคม ๒๕๖๔",
        url=URL,
    )


def image_xobjects(page) -> list:
    objects = page["/Resources"].get("/XObject", {})
    return [o.get_object() for o in objects.values() if o.get_object()["/Subtype"] == "/Image"]


# --- fonts and line breaking ------------------------------------------------------------------


def test_packaged_sarabun_is_found():
    regular, bold = fonts.sarabun_path(), fonts.sarabun_path(bold=True)
    assert regular.name == "Sarabun-Regular.ttf" and regular.is_file()
    assert bold.name == "Sarabun-Bold.ttf" and bold.is_file()
    assert "fontpkg_sarabun" in regular.parts


def test_missing_font_fails_loudly(monkeypatch, tmp_path):
    import fontpkg_sarabun

    monkeypatch.setattr(fontpkg_sarabun, "ROOT", tmp_path)
    fonts.sarabun_path.cache_clear()
    try:
        with pytest.raises(fonts.FontMissingError, match="Sarabun-Regular.ttf"):
            fonts.sarabun_path()
    finally:
        fonts.sarabun_path.cache_clear()


def test_matplotlib_font_is_the_packaged_file():
    from matplotlib import font_manager

    props = fonts.matplotlib_font(bold=True)
    assert props.get_file() == str(fonts.sarabun_path(bold=True))
    assert any(f.fname == str(fonts.sarabun_path(bold=True)) for f in font_manager.fontManager.ttflist)


def test_wrap_breaks_between_thai_words_only():
    text = "ประกาศผลผู้ชนะการเสนอราคา ซื้อวัสดุสำนักงาน (กระดาษ A4) ต่างๆ"
    lines = wrap(text, lambda s: len(s) <= 14)
    assert len(lines) > 3 and all(len(line) <= 14 for line in lines)
    # Each line is a run of whole chunks: no word, "A4" or "ต่างๆ" is cut in two.
    units = iter(c for c in chunks(text) if not c.isspace())
    for line in lines:
        consumed = ""
        while consumed != line.replace(" ", ""):
            consumed += next(units)
            assert line.replace(" ", "").startswith(consumed), line


def test_wrap_cuts_an_overlong_word_between_clusters():
    lines = wrap("ผู้อำนวยการสำนักงาน", lambda s: len(s) <= 4)
    assert "".join(lines) == "ผู้อำนวยการสำนักงาน"
    assert len(lines) > 3
    assert not any(THAI_MARK.match(line) for line in lines)  # no line starts with a mark


# --- PDFs ---------------------------------------------------------------------------------------


def test_notice_has_office_title_category_and_a_qr_code():
    data = notice_pdf(notice())
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert [round(float(v), 2) for v in page.mediabox[2:]] == list(A4_PT)
    text = page.extract_text()
    assert_has(text, OFFICE, "ประกาศ/ประชาสัมพันธ์", TITLE, "หมวด 1.9 ข้อมูลการจัดซื้อจัดจ้าง",
               SUMMARY, "กลุ่มบริหารงานการเงินและสินทรัพย์", "๒๔ พฤษภาคม ๒๕๖๔")
    assert URL in text
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=2)
    code.add_data(URL)
    code.make(fit=True)
    side = (code.modules_count + 4) * 10  # the QR code of this URL, as the notice draws it
    assert [(im["/Width"], im["/Height"]) for im in image_xobjects(page)] == [(side, side)]
    assert sum(1 for a in page.get("/Annots", []) if a.get_object()["/A"]["/URI"] == URL) == 1


def width_mm(text: str, size_pt: float) -> float:
    """Width of text set in packaged Sarabun, measured by Pillow (not by the code under test)."""
    font = ImageFont.truetype(str(fonts.sarabun_path()), 1000)
    return font.getlength(text) / 1000 * size_pt * 25.4 / 72


def test_long_summary_flows_onto_more_lines_and_pages():
    short = pdf_pages(notice_pdf(notice()))
    long_summary = " ".join([SUMMARY] * 25) + " สิ้นสุดข้อความ"
    pages = pdf_pages(notice_pdf(notice(long_summary)))
    assert len(pages) >= 2
    assert sum(p.count("\n") for p in pages) > short[0].count("\n") + 40
    assert_has("".join(pages), "สิ้นสุดข้อความ", URL.split("//")[1])
    # Every summary line stays inside the 170 mm text width, measured in the same font and size.
    summary_lines = [line for page in pages for line in page.splitlines()
                     if len(skeleton(line)) > 5 and skeleton(line) in skeleton(long_summary)]
    assert len(summary_lines) > 40
    assert all(width_mm(line, 15) <= 171 for line in summary_lines)


def record(publisher: bool = True) -> RecordData:
    return RecordData(
        office_name=OFFICE,
        item_no="2567-0042",
        title=TITLE,
        summary=SUMMARY,
        category="1.9 ข้อมูลการจัดซื้อจัดจ้าง",
        url=URL,
        submitted_on="๒๐ พฤษภาคม ๒๕๖๔",
        requester=Signatory("นางสาวพิมพ์ชนก ศรีสุข", "นักวิชาการพัสดุชำนาญการ", "ผู้ให้ข้อมูล",
                            "๒๐ พฤษภาคม ๒๕๖๔", unit="กลุ่มบริหารงานการเงินและสินทรัพย์"),
        approvers=[
            Signatory("นายสมศักดิ์ ใจดี", "ผู้อำนวยการกลุ่มบริหารงานการเงินและสินทรัพย์",
                      "ผู้อำนวยการกลุ่ม", "๒๑ พฤษภาคม ๒๕๖๔"),
            Signatory("นายประเสริฐ วงศ์ใหญ่", "รองผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
                      "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", "๒๒ พฤษภาคม ๒๕๖๔",
                      note="รักษาราชการแทน ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา"),
        ],
        publisher=Signatory("นายณัฐวุฒิ คำมา", "นักวิชาการคอมพิวเตอร์", "ผู้เผยแพร่",
                            "๒๔ พฤษภาคม ๒๕๖๔") if publisher else None,
        published_on="๒๔ พฤษภาคม ๒๕๖๔" if publisher else "",
    )


def test_publication_record_names_everyone_in_the_chain():
    pages = pdf_pages(publication_record_pdf(record()))
    text = "\n".join(pages)
    assert_has(text, "แบบฟอร์มการขอเผยแพร่ข้อมูลผ่านเว็บไซต์ของหน่วยงาน", OFFICE, TITLE, SUMMARY,
               "นางสาวพิมพ์ชนก ศรีสุข", "กลุ่มบริหารงานการเงินและสินทรัพย์",
               "นายสมศักดิ์ ใจดี", "นายประเสริฐ วงศ์ใหญ่", "รักษาราชการแทน",
               "ผู้รับผิดชอบการนำข้อมูลขึ้นเผยแพร่", "นายณัฐวุฒิ คำมา", "๒๒ พฤษภาคม ๒๕๖๔")
    assert URL in text and "2567-0042" in text
    assert skeleton(text).count(skeleton("อนุมัติ")) >= 2  # each approver's decision, in words
    first, second = skeleton(text).index(skeleton("นายสมศักดิ์")), skeleton(text).index(
        skeleton("นายประเสริฐ"))
    assert first < second  # in the order they decided


def test_publication_record_before_publishing():
    text = "\n".join(pdf_pages(publication_record_pdf(record(publisher=False))))
    assert_has(text, "ยังไม่ได้เผยแพร่", "นายประเสริฐ วงศ์ใหญ่")


def test_report_table_runs_over_pages_with_its_header_repeated():
    rows = [[f"R{i:03d}", f"กลุ่มงานที่ {i} ส่งเสริมการจัดการศึกษาและนวัตกรรม", str(i * 3),
             "ประกาศผลการจัดซื้อจัดจ้างวัสดุ ครุภัณฑ์ และจ้างเหมาบริการ" * (1 + i % 3)]
            for i in range(1, 121)]
    chart = monthly_chart_png("จำนวนเรื่องที่เผยแพร่รายเดือน", ["ต.ค.", "พ.ย.", "ธ.ค."], [4, 9, 2])
    doc = ReportDoc(
        title="รายงานผลการเผยแพร่ข้อมูลต่อสาธารณะ ไตรมาสที่ ๑ ปีงบประมาณ ๒๕๖๘",
        subtitle=OFFICE,
        sections=[
            Section("๑. สรุปภาพรวม", paragraphs=["เผยแพร่ทั้งสิ้น ๑๒๐ รายการ"], image_png=chart),
            Section("๒. รายการที่เผยแพร่",
                    tables=[Table(["รหัส", "หน่วยงาน", "จำนวน", "เรื่อง"], rows)]),
        ],
        footer="รายงานสร้างโดยระบบ Prakat",
    )
    reader = PdfReader(io.BytesIO(report_pdf(doc)))
    pages = [p.extract_text() for p in reader.pages]
    assert len(pages) >= 2
    assert_has(pages[0], doc.title, OFFICE, "๑. สรุปภาพรวม")
    assert image_xobjects(reader.pages[0]), "the chart is on the first page"
    table_pages = [p for p in pages if re.search(r"R\d{3}", p)]
    assert len(table_pages) >= 2
    header = skeleton("รหัส หน่วยงาน จำนวน เรื่อง")
    assert header in skeleton(table_pages[0].split("R001")[0])
    for page in table_pages[1:]:
        assert skeleton(page).startswith(header), "continuation pages open with the header"
    everything = "".join(pages)
    assert all(f"R{i:03d}" in everything for i in range(1, 121)), "no row is lost"
    assert all(f"หน้า {n}/{len(pages)}" in page for n, page in enumerate(pages, start=1))


def test_report_rejects_a_row_wider_than_its_header():
    doc = ReportDoc("ก", "", [Section("ข", tables=[Table(["หนึ่ง"], [["1", "2"]])])], "")
    with pytest.raises(ValueError, match="2 cells for 1 columns"):
        report_pdf(doc)


# --- rich menu ----------------------------------------------------------------------------------

MENU = ["ส่งเรื่องเผยแพร่", "ติดตามสถานะ", "รออนุมัติ", "ประกาศล่าสุด", "รายงานรายไตรมาส",
        "วิธีใช้งาน / ติดต่อเจ้าหน้าที่"]


@pytest.mark.parametrize(("columns", "rows", "width", "height"),
                         [(3, 2, 2500, 843), (3, 1, 1200, 405), (2, 2, 800, 540)])
def test_rich_menu_image_meets_line_rules(columns, rows, width, height):
    data = rich_menu_image(MENU[: columns * rows], columns=columns, rows=rows,
                           width=width, height=height)
    with Image.open(io.BytesIO(data)) as im:
        assert im.format in {"PNG", "JPEG"}
        assert im.size == (width, height)
        # The label area of the first button is not blank: text was drawn.
        first = im.convert("L").crop((0, 0, width // columns, height // rows))
        assert first.getextrema()[0] < 100
    assert 800 <= width <= 2500 and height >= 250 and width / height >= 1.45
    assert len(data) <= 1_000_000


@pytest.mark.parametrize(("columns", "rows", "width", "height"),
                         [(3, 2, 2500, 843), (3, 1, 2500, 1686 // 2), (4, 3, 2499, 1001), (1, 1, 800, 250)])
def test_rich_menu_areas_tile_the_image_exactly(columns, rows, width, height):
    areas = rich_menu_areas(columns, rows, width, height)
    assert len(areas) == columns * rows
    assert sum(a["width"] * a["height"] for a in areas) == width * height
    for r in range(rows):
        row = areas[r * columns:(r + 1) * columns]
        assert row[0]["x"] == 0 and row[-1]["x"] + row[-1]["width"] == width
        assert all(a["x"] + a["width"] == b["x"] for a, b in zip(row, row[1:], strict=False))
        assert len({(a["y"], a["height"]) for a in row}) == 1
    column = areas[::columns]
    assert column[0]["y"] == 0 and column[-1]["y"] + column[-1]["height"] == height
    assert all(a["y"] + a["height"] == b["y"] for a, b in zip(column, column[1:], strict=False))


@pytest.mark.parametrize(("width", "height", "message"),
                         [(700, 400, "width"), (2500, 200, "height"), (1000, 800, "width/height")])
def test_rich_menu_refuses_sizes_line_rejects(width, height, message):
    with pytest.raises(ValueError, match=message):
        rich_menu_image(MENU[:2], columns=2, rows=1, width=width, height=height)


def test_rich_menu_needs_one_label_per_cell():
    with pytest.raises(ValueError, match="5 labels"):
        rich_menu_image(MENU[:5], columns=3, rows=2)


def test_rich_menu_still_renders_without_raqm(monkeypatch):
    from bot.render import richmenu

    monkeypatch.setattr(richmenu.features, "check", lambda name: False)
    assert not richmenu.has_complex_layout()
    data = rich_menu_image(MENU[:3], columns=3, rows=1, width=1200, height=405)
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (1200, 405)


# --- charts -------------------------------------------------------------------------------------


def test_bar_chart_png_is_phone_sized_and_has_thai_text():
    data = bar_chart_png(
        "จำนวนรายการที่เผยแพร่ จำแนกตามกลุ่ม/หน่วย",
        ["กลุ่มอำนวยการ", "กลุ่มนโยบายและแผน", "กลุ่มบริหารงานการเงินและสินทรัพย์"],
        {"เว็บไซต์": [12, 8, 21], "สื่อสังคมออนไลน์": [7, 4, 10]},
        xlabel="กลุ่ม/หน่วยงาน", ylabel="จำนวนรายการ",
    )
    assert len(data) <= 1_000_000
    with Image.open(io.BytesIO(data)) as im:
        assert (im.format, im.size) == ("PNG", (1040, 700))
        title_band = im.convert("L").crop((0, 0, 1040, 70))
        assert title_band.getextrema()[0] < 80  # the title is drawn, dark on white


def test_monthly_chart_png():
    data = monthly_chart_png("จำนวนเรื่องที่เผยแพร่รายเดือน", ["ต.ค. ๖๖", "พ.ย. ๖๖", "ธ.ค. ๖๖"],
                             [14, 22, 9])
    with Image.open(io.BytesIO(data)) as im:
        assert (im.format, im.size) == ("PNG", (1040, 700))


def test_chart_refuses_series_of_the_wrong_length():
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        bar_chart_png("ก", ["ก", "ข", "ค"], {"ชุด": [1, 2]})


# --- workbooks ----------------------------------------------------------------------------------


def test_workbook_reads_back_with_thai_header_and_values():
    long_title = "สรุป/ไตรมาส [๒]: ผลการเผยแพร่ข้อมูลของสำนักงานเขตพื้นที่"
    data = workbook_bytes([
        Sheet(long_title, ["หน่วยงาน", "จำนวน", "หมายเหตุ"],
              [["กลุ่มอำนวยการ", 12, None], ["=HYPERLINK(\"x\")", 3.5, "ทดสอบ"]]),
        Sheet(long_title, ["ก"], [[1]], col_widths=[30]),
    ])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    first, second = wb.worksheets
    assert all(len(name) <= 31 and not set(name) & set("[]:*?/\\") for name in wb.sheetnames)
    assert first.title != second.title
    assert [c.value for c in first[1]] == ["หน่วยงาน", "จำนวน", "หมายเหตุ"]
    assert all(c.font.b for c in first[1])
    assert first.freeze_panes == "A2"
    assert [[c.value for c in r] for r in first.iter_rows(min_row=2)] == [
        ["กลุ่มอำนวยการ", 12, None], ["=HYPERLINK(\"x\")", 3.5, "ทดสอบ"]]
    assert first["A3"].data_type == "s"  # staff text is never turned into a formula
    assert first.column_dimensions["A"].width >= len("กลุ่มอำนวยการ") - 2
    assert second.column_dimensions["A"].width == 30


def test_sheet_title_is_not_cut_between_a_consonant_and_its_marks():
    # Character 31 of this title is the vowel of ที่; cutting there would orphan ท from ี่.
    assert sheet_title("ก" * 30 + "ที่นี่", set()) == "ก" * 30
    taken = {"รายงาน"}
    assert sheet_title("รายงาน", taken) == "รายงาน (2)"


# --- Flex building blocks -----------------------------------------------------------------------

PALETTE = {v for k, v in vars(palette).items() if k.isupper() and isinstance(v, str)}
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


def colours(node) -> set[str]:
    """Every colour a Flex message sets, at any depth."""
    if isinstance(node, dict):
        found = {node["color"]} if "color" in node else set()
        return found.union(*(colours(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(colours(v) for v in node))
    return set()


def test_flex_blocks_make_cards_line_accepts_in_the_palette():
    card = flex.bubble(
        size="kilo",
        header=[flex.title("ขออนุญาตเผยแพร่ข้อมูล")],
        hero=flex.image("https://h/x.png", ratio="20:13", action=flex.uri("เปิด", "https://h/")),
        body=[flex.row("เรื่อง", ""), flex.separator("md"),
              flex.note("เตือนความจำ", color=palette.ALERT, margin="md"),
              flex.row("รวม", "3 รายการ", label_flex=5, value_flex=4, bold=True, end=True),
              flex.text("ยาว" * 40, max_lines=2)],
        footer=[flex.button(flex.uri("ดูรายงาน", "https://h/r"), "primary"),
                flex.button(messages.postback_action("ตอบ", "v1/fb?a=answer", "ตอบ"))],
        footer_layout="horizontal",
    )
    message = messages.flex("การ์ด", flex.carousel([card, card]))
    assert validate_messages([message]) == []
    assert colours(message) == {palette.BRAND, palette.MUTED, palette.ALERT}
    empty_value = card["body"]["contents"][0]["contents"][1]
    assert empty_value["text"] == "-"  # LINE refuses an empty text
    assert set(empty_value) == {"type", "text", "size", "wrap", "flex"}  # unset options left out
    primary, secondary = card["footer"]["contents"]
    assert primary["color"] == palette.BRAND and "color" not in secondary


def test_a_bubble_leaves_out_empty_blocks_and_a_carousel_holds_one_to_twelve():
    bare = flex.bubble(body=[flex.text("ไม่มีปุ่ม")], footer=[], header=[])
    assert set(bare) == {"type", "body"}
    assert validate_messages([messages.flex("x", bare)]) == []
    assert len(flex.carousel([bare] * 12)["contents"]) == 12
    for count in (0, 13):
        with pytest.raises(ValueError, match="1-12 bubbles"):
            flex.carousel([bare] * count)


@pytest.mark.parametrize("path", ["bot/workflow/cards.py", "bot/digest/render.py",
                                  "bot/digest/feedback.py", "bot/publishing/cards.py"])
def test_flex_cards_take_their_colours_from_the_palette(path):
    """No card module brings its own brand colour back (the title image keeps its tints)."""
    source = (Path(__file__).resolve().parents[1] / path).read_text(encoding="utf-8")
    flex_part = source.split("# --- the title image")[0]
    assert HEX.findall(flex_part) == []

