"""How the console writes dates and numbers: Buddhist Era, Asia/Bangkok, the office's digits."""

from __future__ import annotations

from datetime import date, datetime

from flask import g

from bot.thai.dates import thai_date, thai_datetime


def _thai_digits() -> bool:
    office = g.get("office")
    return office is None or office.digits != "arabic"


def be_date(value: date | datetime | None) -> str:
    return thai_date(value, short=True, thai_digits=_thai_digits()) if value else ""


def be_datetime(value: datetime | None) -> str:
    return thai_datetime(value, short=True, thai_digits=_thai_digits()) if value else ""


FILTERS = {"be_date": be_date, "be_datetime": be_datetime}
