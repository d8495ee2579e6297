"""The quarterly digest as people read it: a Flex summary (with a chart) for LINE, and the full
report as an HTML page, an A4 PDF in Thai official style (Thai digits, B.E. dates) and an XLSX
workbook. Pure functions of a `Digest`; the drawing libraries are imported on first use.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.digest.compute import Digest, Item, Timing, UnitDigest
from bot.digest.links import ReportLinks
from bot.render import flex
from bot.spine import messages
from bot.thai.dates import THAI_MONTHS_SHORT, Numerals, thai_datetime
from bot.thai.text import clip, printed

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TITLE = "รายงานผลการเผยแพร่ข้อมูลต่อสาธารณะผ่านเว็บไซต์"
TOTAL = "รวมทั้งสำนักงาน"
FLOW_LABELS = (
    ("submitted", "ยื่นขอเผยแพร่"), ("approved", "อนุมัติ"), ("returned", "ส่งกลับแก้ไข"),
    ("rejected", "ไม่อนุมัติ"), ("withdrawn", "ถอนเรื่อง"), ("pending", "ค้าง ณ สิ้นไตรมาส"),
)


# --- formatting ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Style(Numerals):
    """Arabic digits for screens; Thai digits for the printed, official-style report; the LINE
    summary in the office's own style (Office.digits)."""

    thai: bool = False
    # The report's title line keeps the official label (Thai digits) on every page; a LINE
    # message follows its own digit style throughout (`for_line`).
    label_thai: bool = True

    @classmethod
    def for_line(cls, digits: str | None) -> Style:
        thai = digits != "arabic"
        return cls(thai=thai, label_thai=thai)

    def date(self, when: date | datetime | None, *, short: bool = True) -> str:
        return super().date(when, short=short) if when else "–"

    def month(self, first: date) -> str:
        return self.digits(f"{THAI_MONTHS_SHORT[first.month - 1]} {first.year + 543}")

    def quarter(self, d: Digest) -> str:
        return d.quarter.label(thai_digits=self.label_thai)


SCREEN, OFFICIAL = Style(thai=False), Style(thai=True)


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def short_unit_name(name: str) -> str:
    """A chart label: the name's first phrase without the leading กลุ่ม/หน่วย."""
    first = name.split()[0] if name.split() else name
    for prefix in ("กลุ่ม", "หน่วย"):
        if first.startswith(prefix) and len(first) > len(prefix) + 2:
            return first[len(prefix):]
    return first


def minimum_set_count(d: Digest) -> tuple[int, int]:
    return sum(m.present for m in d.minimum_set), len(d.minimum_set)


def feedback_count(d: Digest) -> tuple[int, int]:
    asked = [u for u in d.units if u.feedback is not None]
    return sum(u.feedback.answered for u in asked), len(asked)


def ita_text(d: Digest, s: Style) -> str:
    if d.ita is None:
        return "–"
    return s.digits(f"พร้อม {d.ita.green}/{d.ita.total} ตัวชี้วัด (ปีงบ {d.ita.fiscal_year})")


def helpful_text(tally, s: Style) -> str:
    """``12/15 เห็นว่าเป็นประโยชน์`` (of the votes cast), or – when nobody voted."""
    if not tally.total:
        return "–"
    return s.digits(f"{tally.yes}/{tally.total} เห็นว่าเป็นประโยชน์")


def feedback_text(u: UnitDigest) -> str:
    if u.feedback is None:
        return "–"  # never asked (no director, or the quarter predates the request)
    if not u.feedback.answered:
        return "ยังไม่ได้ตอบ"
    return "ไม่มี" if u.feedback.none else u.feedback.text


# --- chart -----------------------------------------------------------------------------------

def chart_png(d: Digest) -> bytes:
    """Items published per unit (groups) and per month (bars), with Thai labels in Sarabun."""
    from bot.render.chart import bar_chart_png  # matplotlib loads only when a chart is drawn

    units = d.units or [d.total]
    # Arabic digits throughout: matplotlib draws the axis numbers, and phones show the chart.
    title = (f"รายการที่เผยแพร่บนเว็บไซต์ ไตรมาสที่ {d.quarter.quarter} "
             f"ปีงบประมาณ {d.quarter.fiscal_year}")
    series = {SCREEN.month(m): [u.by_month[i] for u in units] for i, m in enumerate(d.months)}
    return bar_chart_png(title, [short_unit_name(u.name) for u in units], series,
                         ylabel="จำนวนรายการ")


# --- LINE ------------------------------------------------------------------------------------

def _row(label: str, value: str, *, bold: bool = False) -> dict:
    return flex.row(label, value, label_flex=5, value_flex=4, bold=bold, end=True)


def flex_summary(d: Digest, links: ReportLinks, style: Style | None = None) -> dict:
    """The message the management group and the office director get, every digit in the
    office's one style (`style`)."""
    s, t = style or Style.for_line("thai"), d.total
    present, required = minimum_set_count(d)
    answered, asked = feedback_count(d)
    rows = [
        _row("เผยแพร่บนเว็บไซต์", f"{s.n(t.published)} เรื่อง", bold=True),
        *(_row(label, f"{s.n(getattr(t.flow, key))} เรื่อง") for key, label in FLOW_LABELS),
        flex.separator("md"),
        _row("ยื่นจนเผยแพร่ (ค่ามัธยฐาน)", s.duration(t.to_publication.median)),
        _row(s.digits("ร้อยละ 90 เผยแพร่ได้ภายใน"), s.duration(t.to_publication.p90)),
        _row("ยอดเข้าชมในไตรมาส", f"{s.n(t.views_in_quarter)} ครั้ง"),
        _row("ข้อความ LINE ที่ใช้", f"{s.n(d.pushes.recipients)} ข้อความ"),
        _row(s.digits("ข้อมูลขั้นต่ำ (ข้อ 2.1)"), s.digits(f"ครบ {present}/{required} หัวข้อ")),
        _row("ความพร้อม ITA (OIT)", ita_text(d, s)),
        _row("ผู้อ่านให้ความเห็น", helpful_text(t.helpful, s)),
        _row("ปัญหาและข้อเสนอแนะ", s.digits(f"ตอบแล้ว {answered}/{asked} กลุ่ม") if asked else "–"),
    ]
    if d.top:
        best = d.top[0]
        rows.append(flex.note(f"เข้าชมมากที่สุด: {clip(best.title, 80) or '-'} ({s.n(best.views)} ครั้ง)",
                              margin="md"))
    bubble = flex.bubble(
        size="giga",
        # LINE shows images only over HTTPS (the sandbox's http://localhost has none)
        hero=flex.image(links.chart, ratio="104:70", mode="fit", action=flex.uri("รายงาน", links.html))
        if links.chart.startswith("https://") else None,
        body=[
            flex.title("รายงานการเผยแพร่ข้อมูลรายไตรมาส", size="lg"),
            flex.text(s.quarter(d)),
            flex.note(d.office_short_name or d.office_name),
            flex.separator("md"),
            *rows,
        ],
        footer=[flex.button(flex.uri("ดูรายงาน", links.html), "primary"),
                flex.button(flex.uri("PDF", links.pdf)), flex.button(flex.uri("Excel", links.xlsx))],
        footer_layout="horizontal",
    )
    alt = (f"รายงานการเผยแพร่ข้อมูล {s.quarter(d)}: เผยแพร่บนเว็บไซต์ {s.n(t.published)} เรื่อง "
           f"ยื่นขอ {s.n(t.flow.submitted)} เรื่อง")
    return messages.flex(alt, bubble)


# --- HTML ------------------------------------------------------------------------------------

@cache
def _jinja() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                       trim_blocks=True, lstrip_blocks=True, finalize=printed)


def report_html(d: Digest, links: ReportLinks | None = None, chart: bytes | None = None) -> str:
    """The full report as one self-contained page (the chart is embedded)."""
    chart = chart if chart is not None else chart_png(d)
    return _jinja().get_template("report/digest.html").render(
        d=d, s=SCREEN, links=links, title=TITLE, flow_labels=FLOW_LABELS,
        chart_src="data:image/png;base64," + base64.b64encode(chart).decode(),
        category_label=d.category_label, category_names=d.category_names,
        minimum=minimum_set_count(d), feedback_count=feedback_count(d),
        feedback_text=feedback_text, ita_text=ita_text(d, SCREEN), helpful_text=helpful_text,
    )


# --- PDF -------------------------------------------------------------------------------------

def _timing_cells(s: Style, t: Timing) -> list[str]:
    return [s.n(t.count), s.duration(t.median), s.duration(t.p90)]


def report_pdf(d: Digest, chart: bytes | None = None) -> bytes:
    from bot.render.pdf import ReportDoc, Section, Table, report_pdf  # fpdf2: only for a PDF

    s, t = OFFICIAL, d.total
    units = d.units
    present, required = minimum_set_count(d)
    months = [s.month(m) for m in d.months]
    sections = [
        Section(
            "๑. จำนวนข้อมูลข่าวสารที่เผยแพร่ต่อสาธารณะผ่านเว็บไซต์",
            [f"ในไตรมาสนี้เผยแพร่ผ่านเว็บไซต์ทั้งสิ้น {s.n(t.published)} รายการ"
             + (f" และถอนการเผยแพร่ {s.n(t.retracted)} รายการ" if t.retracted else "")],
            [Table(["กลุ่ม/หน่วย", *months, "รวม"],
                   [[u.name, *(s.n(c) for c in u.by_month), s.n(u.published)] for u in units]
                   + [[TOTAL, *(s.n(c) for c in t.by_month), s.n(t.published)]])],
            chart if chart is not None else chart_png(d),
        ),
        Section(
            "จำแนกตามหมวดข้อมูล",
            [],
            [Table(["หมวดข้อมูล (ข้อ ๑)", "จำนวน"],
                   [[s.digits(d.category_label(code)), s.n(count)]
                    for code, count in t.by_category.items()] or [["ไม่มีรายการ", s.n(0)]],
                   col_widths=[5, 1])],
        ),
        Section(
            "๒. การขอเผยแพร่และผลการพิจารณา",
            ["นับตามวันที่เกิดเหตุการณ์ในไตรมาส: ยื่นตามวันที่ยื่น ผลการพิจารณาตามวันที่ตัดสิน "
             "ส่วนเรื่องค้างนับ ณ สิ้นไตรมาส"],
            [Table(["กลุ่ม/หน่วย", *(label for _, label in FLOW_LABELS)],
                   [[u.name, *(s.n(getattr(u.flow, key)) for key, _ in FLOW_LABELS)]
                    for u in units]
                   + [[TOTAL, *(s.n(getattr(t.flow, key)) for key, _ in FLOW_LABELS)]])],
        ),
        Section(
            "๓. ระยะเวลาดำเนินการ",
            ["มัธยฐานและเปอร์เซ็นไทล์ที่ ๙๐ (ร้อยละ ๙๐ ของเรื่องเสร็จภายในเวลานี้)"],
            [Table(["ขั้นตอน", "จำนวน", "มัธยฐาน", "เปอร์เซ็นไทล์ที่ ๙๐"],
                   [["ตั้งแต่ยื่นจนเผยแพร่", *_timing_cells(s, t.to_publication)]]
                   + [[stage.label, *_timing_cells(s, stage.timing)] for stage in d.stages]),
             Table(["กลุ่ม/หน่วย: ยื่นจนเผยแพร่", "จำนวน", "มัธยฐาน", "เปอร์เซ็นไทล์ที่ ๙๐"],
                   [[u.name, *_timing_cells(s, u.to_publication)] for u in units])],
        ),
        Section(
            "๔. ผลลัพธ์ การรับรู้ และประโยชน์",
            [f"ยอดเข้าชมเว็บไซต์ในไตรมาส (ทุกรายการ) {s.n(t.views_in_quarter)} ครั้ง "
             f"รายการที่เผยแพร่ในไตรมาสนี้มียอดเข้าชมรวม {s.n(t.views)} ครั้ง"
             + (f" เฉลี่ย {s.n(round(t.views / t.published, 1))} ครั้งต่อรายการ"
                if t.published else ""),
             f"ข้อความ LINE ที่ใช้ (โควตาการส่ง) {s.n(d.pushes.recipients)} ข้อความ "
             f"จากการส่ง {s.n(d.pushes.messages)} ครั้ง ในจำนวนนี้เป็นการแจ้งการเผยแพร่ "
             f"{s.n(d.pushes.publication_recipients)} ข้อความ",
             f"ความเห็นของผู้อ่านว่าข้อมูลเป็นประโยชน์หรือไม่: {helpful_text(t.helpful, s)}"],
            [Table(["กลุ่ม/หน่วย และหมวดข้อมูล", "เป็นประโยชน์", "ไม่เป็นประโยชน์"],
                   [[u.name, s.n(u.helpful.yes), s.n(u.helpful.no)] for u in units if u.helpful.total]
                   + [[s.digits(d.category_label(code)), s.n(v.yes), s.n(v.no)]
                      for code, v in d.helpful_by_category.items()]
                   or [["ยังไม่มีผู้ให้ความเห็น", "", ""]], col_widths=[4, 1, 1]),
             Table(["ลำดับ", "เรื่อง", "กลุ่ม/หน่วย", "เผยแพร่", "เข้าชม"],
                   [[s.n(i), item.title, d.unit_name(item.unit_id), s.date(item.published_at),
                     s.n(item.views)] for i, item in enumerate(d.top, start=1)]
                   or [["–", "ไม่มีรายการ", "", "", ""]])],
        ),
        Section(
            "๕. ข้อมูลขั้นต่ำที่เว็บไซต์ต้องมี (ข้อ ๒.๑)",
            [f"ณ สิ้นไตรมาส มีครบ {s.n(present)} จาก {s.n(required)} รายการ",
             f"ความพร้อมตามตัวชี้วัด ITA (OIT) ณ สิ้นไตรมาส: {ita_text(d, s)}"],
            [Table(["รายการ", "หมวด", "สถานะ", "เผยแพร่ล่าสุด"],
                   [[m.label, s.digits(m.category_code), "มี" if m.present else "ไม่มี",
                     s.date(m.latest)] for m in d.minimum_set])],
        ),
        Section(
            "๖. ปัญหาอุปสรรคและข้อเสนอแนะ",
            [],
            [Table(["กลุ่ม/หน่วย", "ปัญหาอุปสรรคและข้อเสนอแนะ"],
                   [[u.name, feedback_text(u)] for u in units], col_widths=[2, 5])],
        ),
        Section(
            "ภาคผนวก รายการที่เผยแพร่ในไตรมาส",
            [],
            [Table(["ลำดับ", "วันที่", "เรื่อง", "กลุ่ม/หน่วย", "หมวด", "เข้าชม"],
                   [[s.n(i), s.date(item.published_at),
                     item.title + (" (ถอนแล้ว)" if item.retracted_at else ""),
                     d.unit_name(item.unit_id), s.digits(item.category_code), s.n(item.views)]
                    for i, item in enumerate(d.items, start=1)] or [["–", "", "ไม่มีรายการ", "",
                                                                      "", ""]])],
        ),
    ]
    return report_pdf(ReportDoc(
        title=TITLE,
        subtitle=f"{d.office_name}\n{s.quarter(d)}",
        sections=sections,
        footer=f"{d.office_short_name} · ข้อมูล ณ {thai_datetime(d.computed_at, thai_digits=True)}"
               " · จัดทำโดยระบบ Prakat",
    ))


# --- XLSX ------------------------------------------------------------------------------------

def report_xlsx(d: Digest) -> bytes:
    from bot.render.xlsx import Sheet, workbook_bytes  # openpyxl: only for a workbook

    t, s = d.total, SCREEN
    months = [s.month(m) for m in d.months]
    present, required = minimum_set_count(d)

    def unit_row(u: UnitDigest) -> list:
        return [u.name, u.published, *u.by_month, u.retracted,
                *(getattr(u.flow, key) for key, _ in FLOW_LABELS), u.to_publication.count,
                hours(u.to_publication.median), hours(u.to_publication.p90), u.views,
                u.views_in_quarter]

    def item_row(i: int, item: Item) -> list:
        return [i, s.date(item.published_at), item.title, d.unit_name(item.unit_id),
                d.category_label(item.category_code), item.views,
                s.date(item.retracted_at) if item.retracted_at else ""]

    item_header = ["ลำดับ", "วันที่เผยแพร่", "เรื่อง", "กลุ่ม/หน่วย", "หมวด", "ยอดเข้าชม",
                   "ถอนการเผยแพร่"]
    return workbook_bytes([
        Sheet("สรุป", ["รายการ", "ค่า"], [
            ["สำนักงาน", d.office_name], ["ไตรมาส", s.quarter(d)], ["รหัสไตรมาส", d.quarter.code],
            ["เผยแพร่บนเว็บไซต์ (รายการ)", t.published], ["ถอนการเผยแพร่ (รายการ)", t.retracted],
            *([label, getattr(t.flow, key)] for key, label in FLOW_LABELS),
            ["ยื่นจนเผยแพร่: มัธยฐาน (ชั่วโมง)", hours(t.to_publication.median)],
            ["ยื่นจนเผยแพร่: เปอร์เซ็นไทล์ที่ 90 (ชั่วโมง)", hours(t.to_publication.p90)],
            ["ยอดเข้าชมของรายการที่เผยแพร่ในไตรมาส", t.views],
            ["ยอดเข้าชมเว็บไซต์ในไตรมาส (ทุกรายการ)", t.views_in_quarter],
            ["ข้อความ LINE ที่ส่ง (ครั้ง)", d.pushes.messages],
            ["ข้อความ LINE ที่ใช้โควตา", d.pushes.recipients],
            ["ในจำนวนนี้: แจ้งการเผยแพร่", d.pushes.publication_recipients],
            ["ข้อมูลขั้นต่ำ (ข้อ ๒.๑) ที่มี", f"{present}/{required}"],
            ["ความพร้อม ITA (OIT) ณ สิ้นไตรมาส", ita_text(d, s)],
            ["ผู้อ่านเห็นว่าเป็นประโยชน์ (เสียง)", t.helpful.yes],
            ["ผู้อ่านเห็นว่าไม่เป็นประโยชน์ (เสียง)", t.helpful.no],
            ["ข้อมูล ณ", thai_datetime(d.computed_at)],
        ], col_widths=[42, 60]),
        Sheet("รายกลุ่ม", ["กลุ่ม/หน่วย", "เผยแพร่", *months, "ถอนการเผยแพร่",
                           *(label for _, label in FLOW_LABELS), "จำนวนที่จับเวลา",
                           "มัธยฐาน (ชม.)", "เปอร์เซ็นไทล์ที่ 90 (ชม.)", "ยอดเข้าชมรายการในไตรมาส",
                           "ยอดเข้าชมในไตรมาส"],
              [unit_row(u) for u in d.units] + [[TOTAL, *unit_row(t)[1:]]]),
        Sheet("ตามหมวด", ["รหัส", "หมวดข้อมูล", "รวม", *(u.name for u in d.units)],
              [[code, name, t.by_category.get(code, 0),
                *(u.by_category.get(code, 0) for u in d.units)] for code, name, _ in d.categories]),
        Sheet("ระยะเวลา", ["ขั้นตอน", "จำนวน", "มัธยฐาน (ชม.)", "เปอร์เซ็นไทล์ที่ 90 (ชม.)"],
              [["ตั้งแต่ยื่นจนเผยแพร่", t.to_publication.count, hours(t.to_publication.median),
                hours(t.to_publication.p90)]]
              + [[st.label, st.timing.count, hours(st.timing.median), hours(st.timing.p90)]
                 for st in d.stages]),
        Sheet("รายการที่เผยแพร่", item_header,
              [item_row(i, item) for i, item in enumerate(d.items, start=1)]),
        Sheet("เข้าชมสูงสุด", item_header,
              [item_row(i, item) for i, item in enumerate(d.top, start=1)]),
        Sheet("ข้อมูลขั้นต่ำ", ["รายการ (ข้อ ๒.๑)", "หมวด", "สถานะ", "รายการที่มี", "เผยแพร่ล่าสุด"],
              [[m.label, d.category_label(m.category_code), "มี" if m.present else "ไม่มี", m.live,
                s.date(m.latest)] for m in d.minimum_set]),
        Sheet("ความเห็นผู้อ่าน", ["กลุ่ม/หน่วย หรือหมวด", "เป็นประโยชน์", "ไม่เป็นประโยชน์"],
              [[u.name, u.helpful.yes, u.helpful.no] for u in d.units]
              + [[TOTAL, t.helpful.yes, t.helpful.no]]
              + [[d.category_label(code), v.yes, v.no] for code, v in d.helpful_by_category.items()]),
        Sheet("ปัญหาและข้อเสนอแนะ", ["กลุ่ม/หน่วย", "ปัญหาอุปสรรคและข้อเสนอแนะ", "วันที่ตอบ"],
              [[u.name, feedback_text(u),
                s.date(u.feedback.answered_at) if u.feedback and u.feedback.answered else ""]
               for u in d.units], col_widths=[40, 80, 16]),
    ])


# --- plain text (CLI preview) ----------------------------------------------------------------

def text_summary(d: Digest) -> str:
    s, t = SCREEN, d.total
    present, required = minimum_set_count(d)
    lines = [TITLE, d.office_name, s.quarter(d), "",
             f"เผยแพร่บนเว็บไซต์ {s.n(t.published)} รายการ (ถอน {s.n(t.retracted)})"]
    lines += [f"{label}: {s.n(getattr(t.flow, key))}" for key, label in FLOW_LABELS]
    lines.append(f"ยื่นจนเผยแพร่: มัธยฐาน {s.duration(t.to_publication.median)}, "
                 f"90% {s.duration(t.to_publication.p90)}")
    lines += [f"  {st.label}: มัธยฐาน {s.duration(st.timing.median)}, "
              f"90% {s.duration(st.timing.p90)} ({s.n(st.timing.count)} ครั้ง)"
              for st in d.stages]
    lines.append(f"ยอดเข้าชมในไตรมาส {s.n(t.views_in_quarter)} ครั้ง; "
                 f"ข้อความ LINE {s.n(d.pushes.recipients)} ข้อความ")
    lines.append(f"ข้อมูลขั้นต่ำ (ข้อ ๒.๑): ครบ {present}/{required}")
    lines.append(f"ความพร้อม ITA (OIT): {ita_text(d, s)}; ผู้อ่าน: {helpful_text(t.helpful, s)}")
    lines.append("")
    for u in d.units:
        lines.append(f"{u.name}: เผยแพร่ {s.n(u.published)}, ยื่น {s.n(u.flow.submitted)}, "
                     f"ค้าง {s.n(u.flow.pending)}; ปัญหา/ข้อเสนอแนะ: {feedback_text(u)}")
    return "\n".join(lines)
