"""The OIT indicator lists, one YAML file per fiscal year (bot/ita/data/), and which one an office
uses: the org file's `ita: lists:` names a bundled list or the office's own file per year; a year
with none falls back to the newest earlier list, said so on every page that shows it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data"
FREQUENCIES = {"yearly": "ปีละครั้ง", "half-yearly": "ทุก 6 เดือน", "monthly": "ทุกเดือน"}
_CODE = re.compile(r"^O\d{1,3}$")


class ListError(ValueError):
    """An indicator list that cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    evidence: str
    frequency: str  # a key of FREQUENCIES
    categories: tuple[str, ...]  # the office's categories that feed it by default
    group_code: str
    group_name: str

    @property
    def frequency_label(self) -> str:
        return FREQUENCIES[self.frequency]


@dataclass(frozen=True)
class IndicatorList:
    key: str
    fiscal_year: int  # the year the list was written for
    title: str
    sector: str
    source: str
    check: str
    assessment_starts: date
    indicators: tuple[Indicator, ...]

    def get(self, code: str) -> Indicator | None:
        return next((i for i in self.indicators if i.code == code), None)

    def for_category(self, category_code: str) -> list[Indicator]:
        return [i for i in self.indicators if category_code in i.categories]


@dataclass(frozen=True)
class YearList:
    """The list an office uses for `fiscal_year`, and whether it is borrowed from an earlier year."""

    fiscal_year: int
    list: IndicatorList

    @property
    def borrowed(self) -> bool:
        return self.list.fiscal_year != self.fiscal_year

    @property
    def assessment_starts(self) -> date:
        starts = self.list.assessment_starts
        return starts.replace(year=starts.year + self.fiscal_year - self.list.fiscal_year)


def _fail(where: str, reason: str):
    raise ListError(f"{where}: {reason}")


def parse(text: str, where: str) -> IndicatorList:
    """Validate a list file wholly: a bad field names itself, nothing half-read is used."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        _fail(where, f"YAML error: {exc}")
    if not isinstance(doc, dict):
        _fail(where, "the file must be a mapping with fiscal_year, title and groups")
    for field in ("key", "title", "source", "check"):
        if not isinstance(doc.get(field), str) or not doc[field].strip():
            _fail(where, f"'{field}' is required (text)")
    year = doc.get("fiscal_year")
    if not isinstance(year, int) or not 2500 <= year <= 2700:
        _fail(where, "'fiscal_year' must be a Buddhist Era year such as 2569")
    starts = doc.get("assessment_starts")
    if not isinstance(starts, date):
        _fail(where, "'assessment_starts' must be a date (YYYY-MM-DD, Christian Era)")
    indicators, seen = [], set()
    for group in doc.get("groups") or []:
        if not isinstance(group, dict) or not group.get("code") or not group.get("name"):
            _fail(where, "each group needs a code and a name")
        for entry in group.get("indicators") or []:
            code = str(entry.get("code", "")) if isinstance(entry, dict) else ""
            if not _CODE.match(code):
                _fail(where, f"indicator code '{code}' must look like O1")
            if code in seen:
                _fail(where, f"indicator {code} is listed twice")
            seen.add(code)
            if entry.get("frequency") not in FREQUENCIES:
                _fail(where, f"{code}: frequency must be one of {', '.join(FREQUENCIES)}")
            # Codes of the offices' categories (each office has its own list): quoted text, since
            # YAML reads 1.10 unquoted as the number 1.1.
            given = entry.get("categories") or []
            if not isinstance(given, list) or not all(isinstance(c, str) and c.strip() for c in given):
                _fail(where, f"{code}: categories must be a list of quoted codes such as \"1.10\"")
            categories = tuple(c.strip() for c in given)
            for field in ("name", "evidence"):
                if not isinstance(entry.get(field), str) or not entry[field].strip():
                    _fail(where, f"{code}: '{field}' is required")
            indicators.append(Indicator(code, entry["name"].strip(), entry["evidence"].strip(),
                                        entry["frequency"], categories, str(group["code"]),
                                        str(group["name"])))
    if not indicators:
        _fail(where, "the list has no indicators")
    return IndicatorList(doc["key"].strip(), year, doc["title"].strip(),
                         str(doc.get("sector", "")).strip(), doc["source"].strip(),
                         doc["check"].strip(), starts, tuple(indicators))


@lru_cache(maxsize=32)
def _read(path: str, mtime_ns: int, size: int) -> IndicatorList:  # re-read once the file changes
    return parse(Path(path).read_text(encoding="utf-8"), path)


def read(name_or_path: str) -> IndicatorList:
    """A bundled list by key (``oit-2569``) or an office's own file by path."""
    path = DATA / f"{name_or_path}.yaml" if _bundled(name_or_path) else Path(name_or_path)
    if not path.is_file():
        raise ListError(f"{name_or_path}: no such indicator list "
                        f"(bundled: {', '.join(sorted(bundled()))})")
    stat = path.stat()
    return _read(str(path), stat.st_mtime_ns, stat.st_size)


def _bundled(name: str) -> bool:
    return "/" not in name and "\\" not in name and (DATA / f"{name}.yaml").is_file()


def bundled() -> dict[str, int]:
    """The bundled lists: key → the fiscal year each was written for."""
    return {p.stem: read(p.stem).fiscal_year for p in sorted(DATA.glob("*.yaml"))}


def office_lists(setting: dict | None) -> dict[int, IndicatorList]:
    """Year → list, from the office's setting over the bundled lists of each year."""
    lists: dict[int, IndicatorList] = {}
    for key in bundled():
        found = read(key)
        lists.setdefault(found.fiscal_year, found)
    for year, name in ((setting or {}).get("lists") or {}).items():
        lists[int(year)] = read(str(name))
    return lists


def year_list(setting: dict | None, fiscal_year: int) -> YearList | None:
    """The list for `fiscal_year`: its own, else the newest earlier one; None before any list."""
    lists = office_lists(setting)
    earlier = [y for y in lists if y <= fiscal_year]
    return YearList(fiscal_year, lists[max(earlier)]) if earlier else None


def check_setting(setting: dict | None) -> None:
    """Refuse an office setting that names a list that does not load (run at org load)."""
    office_lists(setting)
