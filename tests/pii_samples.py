"""Thai documents with personal data in them, made here: a text PDF, a scanned (image-only)
PDF, a Word file, a workbook and a phone photo of a printed page. Each carries one national ID
with a valid check digit (VALID_ID, on PAGE) and one whose check digit is wrong (INVALID_ID)."""

from __future__ import annotations

import io
import random

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bot.render.fonts import sarabun_path

VALID_ID = "1-1017-00203-45-0"  # mod-11 check digit 0
INVALID_ID = "3-4201-00567-89-2"  # the check digit would be 5
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
PAGE = 2
HEADING = "คำสั่งสำนักงานเขตพื้นที่การศึกษา เรื่อง แต่งตั้งคณะกรรมการ"
PEOPLE = [f"๑. นางสาวกัญญา ศรีสุข เลขประจำตัวประชาชน {VALID_ID}",
          f"๒. นายทดสอบ ระบบดี เลขประจำตัวประชาชน {INVALID_ID}"]


def text_pdf() -> bytes:
    """Two pages of real text; on page 2 the valid ID is written in Thai digits."""
    pdf = FPDF(format="A4")
    pdf.add_font("Sarabun", fname=str(sarabun_path()))
    pdf.set_font("Sarabun", size=14)
    pdf.add_page()
    pdf.multi_cell(0, 8, HEADING + "\nลงวันที่ ๑ ธันวาคม ๒๕๖๙ ที่ ศธ ๐๔๐๘๙/๑๒๓๔")
    pdf.add_page()
    pdf.multi_cell(0, 8, "\n".join([PEOPLE[0].translate(THAI), PEOPLE[1]]))
    return bytes(pdf.output())


def _page_image(lines: list[str], size=(1240, 700)) -> Image.Image:
    font = ImageFont.truetype(str(sarabun_path()), 34)
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((60, 60 + i * 80), line, font=font, fill=0)
    return image


def scanned_pdf() -> bytes:
    """Two pages that are pictures only (no text layer), as a copier makes them."""
    first, second = _page_image([HEADING]), _page_image(PEOPLE)
    out = io.BytesIO()
    first.save(out, "PDF", resolution=150, save_all=True, append_images=[second])
    return out.getvalue()


def docx() -> bytes:
    """A Word file: the names come after a page break, on page 2; the valid ID in Thai digits."""
    import docx as python_docx
    from docx.enum.text import WD_BREAK

    document = python_docx.Document()
    document.add_paragraph(HEADING)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph(PEOPLE[0].translate(THAI))
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "นายทดสอบ ระบบดี", INVALID_ID
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx() -> bytes:
    """A workbook whose second sheet lists people, the valid ID typed as a number."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "สรุป"
    book.active.append(["รายชื่อคณะกรรมการ", 2])
    sheet = book.create_sheet("รายชื่อ")
    sheet.append(["นางสาวกัญญา ศรีสุข", int(VALID_ID.replace("-", ""))])
    sheet.append(["นายทดสอบ ระบบดี", INVALID_ID])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def photo() -> bytes:
    """A phone photo of the printed names: a little turned, grainy, slightly soft, as JPEG."""
    page = _page_image(PEOPLE, size=(1240, 300)).rotate(2.5, expand=True, fillcolor=235)
    rnd = random.Random(17)
    pixels = page.load()
    for _ in range(6000):
        x, y = rnd.randrange(page.width), rnd.randrange(page.height)
        pixels[x, y] = rnd.choice((60, 200))
    page = page.filter(ImageFilter.GaussianBlur(0.6)).convert("RGB")
    out = io.BytesIO()
    page.save(out, "JPEG", quality=80)
    return out.getvalue()


def memo_pdf(*lines: str) -> bytes:
    """One page of text, as an office's memo prints it (its letterhead's lines first)."""
    pdf = FPDF(format="A4")
    pdf.add_font("Sarabun", fname=str(sarabun_path()))
    pdf.set_font("Sarabun", size=14)
    pdf.add_page()
    pdf.multi_cell(0, 8, "\n".join(lines))
    return bytes(pdf.output())
