"""Thai calendar facts for everything a user reads: Buddhist-Era dates, Bangkok time,
the government fiscal year and working days.

The database stores UTC; every conversion to what a person sees happens here, so a naive
datetime always means UTC and a plain ``date`` always means a Bangkok calendar day.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543
# Any "B.E." year below this is a C.E. year passed by mistake (C.E. 2026 is B.E. 2569).
_MIN_BE_YEAR = 2400
_ONE_DAY = timedelta(days=1)
_CODE_RE = re.compile(r"(\d{4})Q([1-4])", re.ASCII)
# "2026-12-05 name", or the YAML forms "- 2026-12-05" and "2026-12-05: name".
_HOLIDAY_RE = re.compile(r"(?:-\s+)?[\"']?(\d{4}-\d{2}-\d{2})[\"']?:?(?:\s.*)?", re.ASCII)
# Written out rather than taken from pythainlp: importing any part of it loads its dictionaries
# (seconds of start-up in every process), and a calendar needs only these names.
THAI_MONTHS = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
               "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
THAI_MONTHS_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.",
                     "ต.ค.", "พ.ย.", "ธ.ค.")
_TO_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
_TO_ARABIC = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def now_bangkok() -> datetime:
    return datetime.now(BANGKOK)


def to_bangkok(dt: datetime) -> datetime:
    """Aware Bangkok time; a naive datetime is UTC because that is what the database stores."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(BANGKOK)


def _local_date(d: date | datetime) -> date:
    """The Bangkok calendar day: datetimes are converted, plain dates are taken as they are."""
    if isinstance(d, datetime):
        return to_bangkok(d).date()
    return d


def be_year(d: date | datetime) -> int:
    return _local_date(d).year + BE_OFFSET


def thai_digits(s: str | int) -> str:
    """Arabic digits 0-9 replaced by Thai digits (๐-๙); everything else is kept."""
    return str(s).translate(_TO_THAI)


def arabic_digits(s: str) -> str:
    """Thai digits replaced by Arabic ones, for parsing what a user typed."""
    return s.translate(_TO_ARABIC)


_TYPED_DATE_RE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})", re.ASCII)
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)


def parse_typed_date(text: str) -> date | None:
    """A day as an office writes it, ``5/12/2569`` (day/month/B.E. year, Thai digits welcome),
    or as a date field sends it, ``2026-12-05``; None when it is neither or no such day."""
    text = arabic_digits((text or "").strip())
    try:
        if iso := _ISO_DATE_RE.fullmatch(text):
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if typed := _TYPED_DATE_RE.fullmatch(text):
            year = int(typed[3])
            if year < _MIN_BE_YEAR:
                return None  # a C.E. year: the office writes B.E., so this is a slip
            return date(year - BE_OFFSET, int(typed[2]), int(typed[1]))
    except ValueError:
        return None
    return None


def _day_text(day: date, short: bool) -> str:
    months = THAI_MONTHS_SHORT if short else THAI_MONTHS
    return f"{day.day} {months[day.month - 1]} {day.year + BE_OFFSET}"


def thai_date(d: date | datetime, *, short: bool = False, thai_digits: bool = False) -> str:
    """``1 ตุลาคม 2569``, or ``1 ต.ค. 2569`` when short."""
    text = _day_text(_local_date(d), short)
    return text.translate(_TO_THAI) if thai_digits else text


def thai_datetime(dt: datetime, *, short: bool = True, thai_digits: bool = False) -> str:
    """``1 ต.ค. 2569 09:05 น.`` in Bangkok time."""
    local = to_bangkok(dt)
    text = f"{_day_text(local.date(), short)} {local:%H:%M} น."
    return text.translate(_TO_THAI) if thai_digits else text


@dataclass(frozen=True)
class Numerals:
    """One digit style for a whole message, dates, counts and durations alike: Thai (๐-๙) or
    Arabic (0-9), chosen per office (Office.digits). Text people typed is never converted."""

    thai: bool = True

    @classmethod
    def of(cls, style: str | None) -> Numerals:
        return cls(thai=style != "arabic")

    def digits(self, text: str | int) -> str:
        return str(text).translate(_TO_THAI if self.thai else _TO_ARABIC)

    def n(self, value: int | float) -> str:
        text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
        return self.digits(text)

    def date(self, when: date | datetime, *, short: bool = False) -> str:
        return thai_date(when, short=short, thai_digits=self.thai)

    def datetime(self, when: datetime, *, short: bool = True) -> str:
        return thai_datetime(when, short=short, thai_digits=self.thai)

    def duration(self, seconds: float | None) -> str:
        """``๒๐ นาที``, ``๓ ชม. ๕ นาที``, ``๒ วัน ๔ ชม.``; "–" when unknown."""
        if seconds is None:
            return "–"
        minutes = round(seconds / 60)
        if minutes < 60:
            text = f"{minutes} นาที"
        elif minutes < 48 * 60:
            hours, rest = divmod(minutes, 60)
            text = f"{hours} ชม. {rest} นาที" if rest else f"{hours} ชม."
        else:
            days, hours = divmod(round(seconds / 3600), 24)
            text = f"{days} วัน {hours} ชม." if hours else f"{days} วัน"
        return self.digits(text)


@dataclass(frozen=True, order=True)
class FiscalQuarter:
    """A quarter of the Thai government fiscal year (1 Oct - 30 Sep), named by the B.E. year
    in which the fiscal year ends: FY 2570 Q1 is Oct-Dec 2026."""

    fiscal_year: int
    quarter: int

    def __post_init__(self) -> None:
        if not 1 <= self.quarter <= 4:
            raise ValueError(f"quarter must be 1-4, got {self.quarter}")
        if not _MIN_BE_YEAR <= self.fiscal_year <= 9999:
            raise ValueError(f"fiscal_year is a B.E. year such as 2570, got {self.fiscal_year}")

    @classmethod
    def parse(cls, code: str) -> FiscalQuarter:
        """Read ``2570Q1`` (Thai digits and a lower-case q are accepted too)."""
        match = (
            _CODE_RE.fullmatch(arabic_digits(code.strip()).upper())
            if isinstance(code, str)
            else None
        )
        if match is None:
            raise ValueError(f"not a fiscal quarter code like 2570Q1: {code!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, when: date | datetime) -> FiscalQuarter:
        """The quarter containing ``when`` as seen in Bangkok."""
        day = _local_date(when)
        fiscal_year = be_year(day) + (1 if day.month >= 10 else 0)
        return cls(fiscal_year, (day.month - 10) % 12 // 3 + 1)

    @property
    def code(self) -> str:
        return f"{self.fiscal_year}Q{self.quarter}"

    @property
    def first_day(self) -> date:
        month = (self.quarter * 3 + 6) % 12 + 1  # Q1 -> 10, Q2 -> 1, Q3 -> 4, Q4 -> 7
        year = self.fiscal_year - BE_OFFSET - (1 if self.quarter == 1 else 0)
        return date(year, month, 1)

    @property
    def last_day(self) -> date:
        first = self.first_day
        last_month = first.month + 2
        return date(first.year, last_month, calendar.monthrange(first.year, last_month)[1])

    @property
    def start(self) -> datetime:
        """Bangkok midnight at the start of the first day."""
        return datetime.combine(self.first_day, time(), tzinfo=BANGKOK)

    @property
    def end(self) -> datetime:
        """Exclusive end: the next quarter's start."""
        return self.next().start

    def next(self) -> FiscalQuarter:
        if self.quarter == 4:
            return FiscalQuarter(self.fiscal_year + 1, 1)
        return FiscalQuarter(self.fiscal_year, self.quarter + 1)

    def previous(self) -> FiscalQuarter:
        if self.quarter == 1:
            return FiscalQuarter(self.fiscal_year - 1, 4)
        return FiscalQuarter(self.fiscal_year, self.quarter - 1)

    def label(self, thai_digits: bool = True) -> str:
        """``ไตรมาสที่ ๑ ปีงบประมาณ ๒๕๗๐ (ต.ค.–ธ.ค. ๒๕๖๙)``: the months carry their calendar year."""
        first, last = self.first_day, self.last_day
        text = (
            f"ไตรมาสที่ {self.quarter} ปีงบประมาณ {self.fiscal_year} "
            f"({THAI_MONTHS_SHORT[first.month - 1]}–{THAI_MONTHS_SHORT[last.month - 1]} "
            f"{be_year(first)})"
        )
        return text.translate(_TO_THAI) if thai_digits else text


def fiscal_year_of(d: date | datetime) -> int:
    return FiscalQuarter.of(d).fiscal_year


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime, datetime]:
    """Bangkok midnight 1 Oct (inclusive) to the next fiscal year's start (exclusive)."""
    return FiscalQuarter(fiscal_year, 1).start, FiscalQuarter(fiscal_year, 4).end


class WorkingCalendar:
    """Government working days: Monday to Friday, minus the public holidays given."""

    def __init__(self, holidays: Iterable[date] = ()) -> None:
        self.holidays = frozenset(_local_date(h) for h in holidays)

    def is_working_day(self, d: date | datetime) -> bool:
        day = _local_date(d)
        return day.weekday() < 5 and day not in self.holidays

    def next_working_day(self, d: date | datetime, include_today: bool = False) -> date:
        day = _local_date(d)
        if not include_today:
            day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, when: date | datetime, n: int) -> date | datetime:
        """The n-th working day after ``when`` (before it if n < 0), at the same Bangkok clock
        time: a deadline of "3 working days" set on Friday 10:00 falls on Wednesday 10:00.
        A datetime comes back as an aware Bangkok datetime, a date as a date."""
        day = _local_date(when)
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        for _ in range(abs(n)):
            day += step
            while not self.is_working_day(day):
                day += step
        if isinstance(when, datetime):
            return datetime.combine(day, to_bangkok(when).timetz())
        return day

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Working days after ``start``'s day up to and including ``end``'s day
        (negative when ``end`` is earlier): how long an item has been waiting."""
        first, last = _local_date(start), _local_date(end)
        if last < first:
            return -self.working_days_between(end, start)
        count, day = 0, first + _ONE_DAY
        while day <= last:
            count += self.is_working_day(day)
            day += _ONE_DAY
        return count


def load_holidays(path: str | Path) -> list[date]:
    """Read public holidays, one C.E. ISO date per line with an optional name after it::

        # 2026
        2026-12-05 วันพ่อแห่งชาติ
        - 2026-12-10: วันรัฐธรรมนูญ     (YAML list or mapping lines work too)

    Returns the dates sorted and without duplicates. A line that is not a date raises
    ValueError naming the file and line number.
    """
    path = Path(path)
    holidays: set[date] = set()
    for lineno, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        day = holiday_line(raw, f"{path}, line {lineno}")
        if day is not None:
            holidays.add(day)
    return sorted(holidays)


def holiday_line(raw: str, where: str) -> date | None:
    """One holiday as a holidays file writes it (`2026-12-05 วันพ่อแห่งชาติ`, Thai digits too);
    None for a blank or comment line; ValueError, starting with `where`, for anything else."""
    line = arabic_digits(raw.split("#", 1)[0]).strip()
    if not line:
        return None
    match = _HOLIDAY_RE.fullmatch(line)
    if match is None:
        raise ValueError(f"{where}: expected a date like 2026-12-05, got {raw.strip()!r}")
    token = match[1]
    year = int(token[:4])
    if year >= _MIN_BE_YEAR:
        raise ValueError(f"{where}: {token} has a B.E. year; write it in C.E. ({year - BE_OFFSET}{token[4:]})")
    try:
        return date.fromisoformat(token)
    except ValueError as exc:
        raise ValueError(f"{where}: {token} is not a real date") from exc
