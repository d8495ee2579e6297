"""Excel workbooks for reports staff re-use in their own spreadsheets."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.thai.text import printable

# Excel forbids these in sheet names, and caps names at 31 characters.
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_THAI_MARKS = re.compile(r"[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")
MAX_TITLE = 31
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")


@dataclass(frozen=True)
class Sheet:
    """``col_widths`` in Excel character units; None sizes columns from their content."""

    title: str
    header: list[str]
    rows: list[list[str | int | float | None]]
    col_widths: list[int] | None = None


def _cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, never leaving a consonant without its vowel or tone mark."""
    end = min(limit, len(text))
    while 0 < end < len(text) and _THAI_MARKS.match(text[end]):
        end -= 1
    return text[:end]


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name: forbidden characters replaced, cut to 31 characters."""
    base = _cut(_BAD_TITLE.sub("-", title).strip("' "), MAX_TITLE).rstrip() or "Sheet"
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f" ({n})"
        name, n = _cut(base, MAX_TITLE - len(suffix)).rstrip() + suffix, n + 1
    taken.add(name.casefold())
    return name


def _width(value: object) -> int:
    # Thai combining vowels and tone marks take no column width of their own.
    text = "" if value is None else str(value)
    longest = max((len(_THAI_MARKS.sub("", line))
                   for line in text.split("\n")), default=0)
    return min(60, max(8, longest + 2))


def _cell(value):
    # openpyxl refuses a control character (IllegalCharacterError): one title would sink the workbook.
    return printable(value, lines=True) if isinstance(value, str) else value


def workbook_bytes(sheets: list[Sheet]) -> bytes:
    """An .xlsx with one sheet per ``Sheet``: bold header row, frozen below it, set widths."""
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for s in sheets or [Sheet("Sheet", [], [])]:
        ws = wb.create_sheet(sheet_title(s.title, taken))
        for row in [s.header, *s.rows] if s.header else s.rows:
            ws.append([_cell(v) for v in row])
        for cells in ws.iter_rows():
            for cell in cells:
                # openpyxl would store "=..." as a formula; text typed by staff stays text.
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
        if s.header:
            for cell in ws[1]:
                cell.font = Font(bold=True)
                cell.fill = HEADER_FILL
                cell.alignment = Alignment(vertical="center", wrap_text=True)
            ws.freeze_panes = "A2"
        n_cols = max([len(s.header), *(len(r) for r in s.rows)], default=0)
        for col in range(n_cols):
            if s.col_widths and col < len(s.col_widths):
                width = s.col_widths[col]
            else:
                width = max(_width(r[col] if col < len(r) else None) for r in [s.header, *s.rows])
            ws.column_dimensions[get_column_letter(col + 1)].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
