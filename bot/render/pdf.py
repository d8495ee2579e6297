"""Printable A4 PDFs in Thai: the notice-board notice, the ITA publication record, reports.

fpdf2 with HarfBuzz text shaping places Thai vowels and tone marks correctly. Lines are broken
here, between Thai words (``bot.render.wrap``), and drawn one ``cell`` each: fpdf2 alone breaks
only at spaces, so Thai would be cut mid-word, and its own wrapping shapes every character
separately, which made a 120-row table take seconds.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import qrcode
from fpdf import FPDF, XPos, YPos
from PIL import Image

from bot.render.fonts import FAMILY, sarabun_path
from bot.thai.text import printable
from bot.thai.wrap import chunks, wrap

PT_TO_MM = 25.4 / 72
# Thai stacks marks above and below the line, so lines need more leading than Latin text.
LEADING = 1.6
TABLE_LEADING = 1.4
# mm inside table cells, on top of fpdf2's own cell margin (c_margin) left and right of text
CELL_PAD_X, CELL_PAD_Y = 0.6, 0.8
INK = (33, 37, 41)
MUTED = (100, 106, 115)
ACCENT = (20, 60, 120)
RULE = (170, 178, 190)
FORM_SIZE, FORM_HEADING_SIZE = 11, 13.5
LABEL_FILL = (234, 239, 246)
STRIPE_FILL = (248, 249, 251)
PUBLISH_MEASURE = "ประกาศนี้เผยแพร่ตามมาตรการการเผยแพร่ข้อมูลต่อสาธารณะ"

Color = tuple[int, int, int]


@dataclass(frozen=True)
class NoticeData:
    office_name: str
    title: str
    category: str
    summary: str
    unit_name: str
    published_on: str
    url: str
    # The letterhead, from the office's org file: its address and phone under its name, its logo
    # (a PNG or JPEG file) above it. Empty: not drawn.
    office_address: str = ""
    office_phone: str = ""
    logo_path: str | None = None


@dataclass(frozen=True)
class Signatory:
    """One person on the record. ``note`` is acting-for text such as "รักษาราชการแทน ...";
    ``unit`` is their group/unit; ``decision`` is an approver's decision in words."""

    name: str
    position: str
    role_label: str
    decided_on: str
    note: str | None = None
    unit: str | None = None
    decision: str = "อนุมัติ"


@dataclass(frozen=True)
class RecordData:
    office_name: str
    item_no: str
    title: str
    summary: str
    category: str
    url: str
    submitted_on: str
    requester: Signatory
    approvers: list[Signatory]
    publisher: Signatory | None
    published_on: str


@dataclass(frozen=True)
class Table:
    """``col_widths`` are relative weights; None sizes columns from their content."""

    header: list[str]
    rows: list[list[str]]
    col_widths: list[float] | None = None


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    image_png: bytes | None = None


@dataclass(frozen=True)
class ReportDoc:
    title: str
    subtitle: str
    sections: list[Section]
    footer: str


@dataclass
class _Grid:
    """How one table is drawn: column widths in mm, alignments, the header to repeat."""

    widths: list[float]
    aligns: list[str]
    size: float
    header: list[str] | None = None
    label_column: bool = False
    page_top: float = 0.0  # y where rows start on the current page, below any header
    stripe: bool = False

    @property
    def line_h(self) -> float:
        return self.size * PT_TO_MM * TABLE_LEADING

    def row_h(self, lines: list[list[str]]) -> float:
        return max(len(c) for c in lines) * self.line_h + 2 * CELL_PAD_Y


class _Document(FPDF):
    """A4 portrait with Sarabun registered, shaping on, and a footer line with page numbers."""

    def __init__(self, *, title: str, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font(FAMILY, "", sarabun_path())
        self.add_font(FAMILY, "B", sarabun_path(bold=True))
        self.set_text_shaping(True)
        self.set_lang("th")
        self.set_title(printable(title))
        self.set_creator("Prakat")
        self.set_margins(20, 16, 20)
        self.set_auto_page_break(True, margin=20)
        self.add_page()

    def pdf_bytes(self) -> bytes:
        """The finished PDF. fpdf2 closes its font files only when output succeeds; a lazily read
        TTF left open would otherwise hold its file until garbage collection."""
        try:
            return bytes(self.output())
        finally:
            self.close_fonts()

    def close_fonts(self) -> None:
        for font in self.fonts.values():
            if hasattr(font, "close"):
                font.close()

    def normalize_text(self, text: str) -> str:
        """Every string fpdf2 draws passes here: control characters (stored before input was
        cleaned, or written around it) are dropped rather than drawn as missing glyphs."""
        return super().normalize_text(printable(text, lines=True))

    def footer(self) -> None:
        self.set_y(-15)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.y, self.w - self.r_margin, self.y)
        self.style(9, color=MUTED)
        page = f"หน้า {self.page_no()}/{self.str_alias_nb_pages}"
        page_w = self.width_of(page) + 2 * self.c_margin
        text_w = self.epw - page_w
        self.cell(text_w, 6, self.fit(self.footer_text, text_w - 2 * self.c_margin)[0])
        self.cell(page_w, 6, page, align="R")

    def style(self, size: float, *, bold: bool = False, color: Color = INK) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def line_h(self) -> float:
        return self.font_size_pt * PT_TO_MM * LEADING

    def width_of(self, text: str) -> float:
        """Width in mm from the font's advance widths: no shaping, so fast, and never narrower
        than the shaped text (Thai marks advance zero either way; shaping only adds kerning)."""
        return self.current_font.get_text_width(text, self.font_size_pt, None)[1] / self.k

    def fit(self, text: str, width: float) -> list[str]:
        """Lines of ``text`` in the current font that each fit ``width`` mm."""
        return wrap(printable(text, lines=True), lambda s: self.width_of(s) <= width)

    def para(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        align: str = "L",
        color: Color = INK,
        after: float = 0,
        x: float | None = None,
        w: float | None = None,
        link: str = "",
    ) -> None:
        """A wrapped paragraph, across the full text width unless a column is given."""
        self.style(size, bold=bold, color=color)
        x = self.l_margin if x is None else x
        w = w or self.epw
        self.set_x(x)
        for line in self.fit(text, w - 2 * self.c_margin):
            self.cell(w, self.line_h(), line, align=align, link=link,
                      new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_x(self.l_margin)
        self.ln(after)

    def rule(self, *, gap: float = 3, width: float = 0.3) -> None:
        self.ln(gap)
        self.set_draw_color(*RULE)
        self.set_line_width(width)
        self.line(self.l_margin, self.y, self.w - self.r_margin, self.y)
        self.set_line_width(0.2)
        self.ln(gap)

    def field_table(
        self, rows: Sequence[tuple[str, str]], *, title: str = "", label_share: float = 0.3
    ) -> None:
        """Two-column label/value table, labels bold on a tinted background, kept on one page
        with its title when it is short enough to."""
        grid = _Grid(
            widths=[self.epw * label_share, self.epw * (1 - label_share)],
            aligns=["L", "L"], size=FORM_SIZE, label_column=True,
        )
        cells = [list(r) for r in rows]
        height = FORM_HEADING_SIZE * PT_TO_MM * LEADING + 1 + sum(
            grid.row_h([self._cell_lines(grid, c, i, bold=i == 0) for i, c in enumerate(row)])
            for row in cells
        )
        if self.will_page_break(height) and height < self.page_break_trigger - self.t_margin:
            self.add_page()
        if title:
            self.para(title, FORM_HEADING_SIZE, bold=True, after=1)
        self.grid(grid, cells)

    def data_table(self, t: Table, *, size: float = 11) -> None:
        """Bordered table with a bold header row repeated at the top of every page it spans."""
        rows = [_pad(r, len(t.header)) for r in t.rows]
        weights = t.col_widths or self._natural_widths(t.header, rows, size)
        grid = _Grid(
            widths=[w * self.epw / sum(weights) for w in weights],
            aligns=_column_aligns(len(t.header), rows),
            size=size, header=t.header, stripe=True,
        )
        self.grid(grid, rows)

    def grid(self, g: _Grid, rows: list[list[str]]) -> None:
        """Draw a table; a header is never left alone at the foot of a page."""
        if g.header and self.will_page_break(3 * g.line_h):
            self.add_page()
        self._start_page_of(g)
        for i, cells in enumerate(rows):
            self._grid_row(g, cells, fill=STRIPE_FILL if g.stripe and i % 2 else None)
        self.ln(3)

    def _start_page_of(self, g: _Grid) -> None:
        if g.header:
            self._draw_cells(g, [self._cell_lines(g, c, i, bold=True) for i, c in
                                 enumerate(g.header)], header=True)
        g.page_top = self.y

    def _cell_lines(self, g: _Grid, text: str, col: int, *, bold: bool) -> list[str]:
        self.style(g.size, bold=bold)
        return self.fit(text, g.widths[col] - 2 * (CELL_PAD_X + self.c_margin))

    def _grid_row(self, g: _Grid, cells: list[str], *, fill: Color | None) -> None:
        """One row; it moves whole to a new page (under a repeated header) when it does not
        fit, and is split across pages only when it is taller than a page."""
        lines = [self._cell_lines(g, c, i, bold=g.label_column and i == 0)
                 for i, c in enumerate(cells)]
        while True:
            tallest = max(len(c) for c in lines)
            room = int((self.page_break_trigger - self.y - 2 * CELL_PAD_Y) // g.line_h)
            if tallest > room and self.y > g.page_top + 0.01:
                self.add_page()
                self._start_page_of(g)
                continue
            take = max(1, min(tallest, room))
            self._draw_cells(g, [c[:take] for c in lines], fill=fill)
            lines = [c[take:] for c in lines]
            if not any(lines):
                return
            self.add_page()
            self._start_page_of(g)

    def _draw_cells(
        self, g: _Grid, lines: list[list[str]], *, header: bool = False, fill: Color | None = None
    ) -> None:
        lh, h = g.line_h, g.row_h(lines)
        x, y = self.l_margin, self.y
        self.set_draw_color(*RULE)
        for col, (cell_lines, w) in enumerate(zip(lines, g.widths, strict=True)):
            label = g.label_column and col == 0
            color = LABEL_FILL if header or label else fill
            if color:
                self.set_fill_color(*color)
            self.rect(x, y, w, h, style="DF" if color else "D")
            self.style(g.size, bold=header or label)
            align = "C" if header else g.aligns[col]
            # Header titles sit in the middle of the row; body text reads from the top.
            top = y + (h - len(cell_lines) * lh) / 2 if header else y + CELL_PAD_Y
            for i, line in enumerate(cell_lines):
                self.set_xy(x + CELL_PAD_X, top + i * lh)
                self.cell(w - 2 * CELL_PAD_X, lh, line, align=align)
            x += w
        self.set_xy(self.l_margin, y + h)

    def _natural_widths(self, header: list[str], rows: list[list[str]], size: float) -> list[float]:
        """Every column at least as wide as its longest word, more if there is room."""
        pad = 2 * (CELL_PAD_X + self.c_margin) + 0.5
        least, want = [], []
        for col, title in enumerate(header):
            lines = [line for r in rows for line in r[col].split("\n")]
            self.style(size, bold=True)
            head_word = max((self.width_of(c) for c in chunks(title)), default=0)
            self.style(size)
            body_word = max((self.width_of(c) for line in lines for c in chunks(line)), default=0)
            longest = max((self.width_of(line) for line in lines), default=0)
            least.append(max(head_word, body_word, 4) + pad)
            want.append(max(least[-1], longest + pad))
        # Short columns (dates, counts) get all they want, one at a time while each takes at most
        # half of what is left, and stay on one line; long text columns share the rest in
        # proportion to their length.
        widths, spare = least[:], self.epw - sum(least)
        if spare <= 0:
            return widths  # scaled down to the page by the caller; some words will be cut
        extra = {c: want[c] - least[c] for c in range(len(header))}
        for col in sorted(extra, key=extra.get):
            if extra[col] > spare / 2:
                break
            widths[col] += extra.pop(col)
            spare -= widths[col] - least[col]
        for col, e in extra.items():
            widths[col] += spare * e / sum(extra.values())
        return widths

    def png(self, data: bytes, *, max_h: float = 120) -> None:
        """A PNG centred at full text width (or shorter), moved to a new page if it won't fit."""
        with Image.open(io.BytesIO(data)) as im:
            px_w, px_h = im.size
        w = self.epw
        h = w * px_h / px_w
        if h > max_h:
            w, h = w * max_h / h, max_h
        if self.will_page_break(h):
            self.add_page()
        self.image(io.BytesIO(data), x=(self.w - w) / 2, y=self.y, w=w, h=h)
        self.set_y(self.y + h + 3)


def _pad(values: Sequence[object], n: int) -> list[str]:
    """Cells as text, short rows filled out; a row wider than its header is a caller error."""
    if len(values) > n:
        raise ValueError(f"table row has {len(values)} cells for {n} columns: {values!r}")
    return ["" if v is None else str(v) for v in values] + [""] * (n - len(values))


def _column_aligns(n: int, rows: list[list[str]]) -> list[str]:
    """Right-align columns whose every filled cell is a number, the way printed tallies read."""
    aligns = []
    for col in range(n):
        filled = [c for r in rows if (c := r[col].strip())]
        aligns.append("R" if filled and all(_is_number(c) for c in filled) else "L")
    return aligns


def _is_number(text: str) -> bool:
    to_ascii = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789", ",%")
    try:
        float(text.translate(to_ascii))
    except ValueError:
        return False
    return True


def _qr_png(url: str) -> bytes:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=2)
    qr.add_data(url)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image().save(buf, format="PNG")
    return buf.getvalue()


def notice_pdf(n: NoticeData) -> bytes:
    """A4 notice for the office's notice board, with a QR code to the published item."""
    pdf = _Document(title=n.title, footer_text=f"{n.office_name} · {PUBLISH_MEASURE}")
    try:
        _letterhead(pdf, n)
        pdf.rule(gap=2, width=0.6)
        pdf.para("ประกาศ/ประชาสัมพันธ์", 26, bold=True, align="C", color=(150, 30, 30), after=2)
        pdf.para(n.title, 20, bold=True, align="C", after=2)
        category = n.category if n.category.startswith("หมวด") else f"หมวด {n.category}"
        pdf.para(category, 13, align="C", color=MUTED)
        pdf.rule(gap=3)
        pdf.para(n.summary, 15, after=4)
        _notice_details(pdf, n)
    except BaseException:
        pdf.close_fonts()  # a layout error must not leave the font files open
        raise
    return pdf.pdf_bytes()


LOGO_H = 22  # mm


def _letterhead(pdf: _Document, n: NoticeData) -> None:
    """Logo, name, then address and phone: all the office's own, as its org file gives them."""
    logo = _logo_bytes(n.logo_path)
    if logo is not None:
        with Image.open(io.BytesIO(logo)) as im:
            px_w, px_h = im.size
        w = LOGO_H * px_w / px_h
        pdf.image(io.BytesIO(logo), x=(pdf.w - w) / 2, y=pdf.y, w=w, h=LOGO_H)
        pdf.set_y(pdf.y + LOGO_H + 2)
    pdf.para(n.office_name, 16, bold=True, align="C", color=ACCENT)
    contact = " · ".join(x for x in (n.office_address, f"โทร {n.office_phone}" if n.office_phone else "") if x)
    if contact:
        pdf.para(contact, 11, align="C", color=MUTED)


def _logo_bytes(path: str | None) -> bytes | None:
    """The logo file's bytes, or None when it is gone or not an image: a notice still prints."""
    if not path:
        return None
    try:
        data = Path(path).read_bytes()
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
    except (OSError, ValueError, SyntaxError):
        return None
    return data


def _notice_details(pdf: _Document, n: NoticeData) -> None:
    """Unit and date on the left, QR code and its URL on the right, anchored to the page bottom."""
    qr_w, col_w = 36, 64
    col_x = pdf.w - pdf.r_margin - col_w
    pdf.style(9)
    url_lines = pdf.fit(n.url, col_w - 2 * pdf.c_margin)
    block_h = 8 + qr_w + len(url_lines) * pdf.line_h()
    if pdf.will_page_break(block_h + 8):
        pdf.add_page()
    top = max(pdf.y + 4, pdf.page_break_trigger - block_h)
    pdf.set_y(top - 4)
    pdf.rule(gap=0)

    pdf.set_y(top + 2)
    left_w = pdf.epw - col_w - 4
    pdf.para("หน่วยงานที่ให้ข้อมูล", 12, bold=True, color=MUTED, w=left_w)
    pdf.para(n.unit_name, 14, w=left_w, after=3)
    pdf.para("วันที่เผยแพร่", 12, bold=True, color=MUTED, w=left_w)
    pdf.para(n.published_on, 14, w=left_w)

    pdf.set_y(top)
    pdf.para("สแกนเพื่ออ่านรายละเอียด", 11, align="C", color=MUTED, x=col_x, w=col_w)
    pdf.image(io.BytesIO(_qr_png(n.url)), x=col_x + (col_w - qr_w) / 2, y=pdf.y, w=qr_w, h=qr_w)
    pdf.set_y(pdf.y + qr_w)
    pdf.para(n.url, 9, align="C", color=ACCENT, x=col_x, w=col_w, link=n.url)


def publication_record_pdf(r: RecordData) -> bytes:
    """The ITA "request to publish" form: what was published, who supplied, approved, published it."""
    pdf = _Document(
        title=f"แบบฟอร์มการขอเผยแพร่ข้อมูล {r.item_no}",
        footer_text=f"{r.office_name} · เลขที่ {r.item_no} · บันทึกจากระบบ Prakat",
    )
    try:
        pdf.para("แบบฟอร์มการขอเผยแพร่ข้อมูลผ่านเว็บไซต์ของหน่วยงาน", 17, bold=True, align="C")
        pdf.para(r.office_name, 13.5, align="C", after=3)
        pdf.field_table([
            ("ชื่อหน่วยงาน", r.office_name),
            ("เลขที่", r.item_no),
            ("วัน/เดือน/ปี", r.submitted_on),
            ("หัวข้อ", r.title),
            ("รายละเอียดข้อมูล (โดยสรุป)", r.summary),
            ("หมวดข้อมูล", r.category),
            ("ลิงก์ (URL)", r.url),
        ])
        q = r.requester
        pdf.field_table([
            ("ชื่อ–สกุล", q.name),
            ("ตำแหน่ง", _with_note(q.position, q.note)),
            ("หน่วยงาน", q.unit or "-"),
            ("วันที่", q.decided_on),
        ], title="ผู้รับผิดชอบการให้ข้อมูล")

        if pdf.will_page_break(40):
            pdf.add_page()
        pdf.para("ผู้อนุมัติรับรอง", FORM_HEADING_SIZE, bold=True, after=1)
        pdf.data_table(
            Table(
                header=["ลำดับ", "ผู้พิจารณา", "ชื่อ–สกุล / ตำแหน่ง", "ผลการพิจารณา", "วันที่"],
                rows=[
                    [str(i), a.role_label, f"{a.name}\n{_with_note(a.position, a.note)}",
                     a.decision, a.decided_on]
                    for i, a in enumerate(r.approvers, start=1)
                ],
            ),
            size=FORM_SIZE,
        )

        p = r.publisher
        if p is None:
            pdf.para("ผู้รับผิดชอบการนำข้อมูลขึ้นเผยแพร่", FORM_HEADING_SIZE, bold=True)
            pdf.para("ยังไม่ได้เผยแพร่", FORM_SIZE, color=MUTED)
        else:
            pdf.field_table([
                ("ชื่อ–สกุล", p.name),
                ("ตำแหน่ง", _with_note(p.position, p.note)),
                ("วันที่เผยแพร่", r.published_on or p.decided_on),
            ], title="ผู้รับผิดชอบการนำข้อมูลขึ้นเผยแพร่")
    except BaseException:
        pdf.close_fonts()  # a layout error must not leave the font files open
        raise
    return pdf.pdf_bytes()


def _with_note(position: str, note: str | None) -> str:
    return f"{position}\n{note}" if note else position


def report_pdf(r: ReportDoc) -> bytes:
    """A Thai official-style report: title, subtitle, then sections of text, tables and charts."""
    pdf = _Document(title=r.title, footer_text=r.footer)
    try:
        pdf.para(r.title, 20, bold=True, align="C")
        if r.subtitle:
            pdf.para(r.subtitle, 14, align="C", color=MUTED)
        pdf.rule(gap=3)
        for s in r.sections:
            if pdf.will_page_break(30):
                pdf.add_page()
            pdf.para(s.heading, 15, bold=True, color=ACCENT, after=1)
            for text in s.paragraphs:
                pdf.para(text, 13, after=2)
            for t in s.tables:
                pdf.data_table(t)
            if s.image_png:
                pdf.png(s.image_png)
            pdf.ln(2)
    except BaseException:
        pdf.close_fonts()  # a layout error must not leave the font files open
        raise
    return pdf.pdf_bytes()
