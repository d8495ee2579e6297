"""The indicator → URL table the ITA system asks for, as CSV and XLSX: one row per evidence item,
one row with no URL for an indicator that has none, every indicator in the assessors' order."""

from __future__ import annotations

import csv
import io

from bot.ita.evidence import Readiness
from bot.thai.dates import thai_date

HEADER = ["กลุ่มตัวชี้วัด", "รหัส", "ตัวชี้วัด", "ความถี่", "สถานะ", "จำนวนรายการ",
          "เรื่อง", "วันที่เผยแพร่", "URL"]


def rows(r: Readiness, item_url) -> list[list]:
    out = []
    for ind in r.indicators:
        head = [f"{ind.indicator.group_code} {ind.indicator.group_name}", ind.indicator.code,
                ind.indicator.name, ind.indicator.frequency_label, ind.status_label, ind.count]
        if not ind.items:
            out.append([*head, "", "", ""])
        for e in ind.items:
            out.append([*head, e.title, thai_date(e.published_at, short=True),
                        item_url(e.publication_id)])
    return out


def csv_bytes(r: Readiness, item_url) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Thai correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    for row in rows(r, item_url):
        # A title typed by staff never becomes a spreadsheet formula.
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(r: Readiness, item_url) -> bytes:
    from bot.render.xlsx import Sheet, workbook_bytes  # openpyxl: only for a workbook

    title = f"OIT {r.year.fiscal_year}"
    return workbook_bytes([Sheet(title, HEADER, rows(r, item_url),
                                 col_widths=[30, 8, 50, 12, 14, 10, 50, 16, 40])])
