"""The Thai calendar as the office reads it: B.E. years, Bangkok time, fiscal quarters and
working days."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.thai.dates import (
    BANGKOK,
    FiscalQuarter,
    WorkingCalendar,
    arabic_digits,
    be_year,
    fiscal_year_bounds,
    fiscal_year_of,
    load_holidays,
    now_bangkok,
    thai_date,
    thai_datetime,
    thai_digits,
    to_bangkok,
)

# --- fiscal quarter boundaries ------------------------------------------------------------

LAST_INSTANT_OF_FY2570 = datetime(2027, 9, 30, 23, 59, 59, tzinfo=BANGKOK)
FIRST_INSTANT_OF_FY2571 = datetime(2027, 10, 1, 0, 0, tzinfo=BANGKOK)


def test_last_second_of_september_is_still_q4_in_bangkok():
    assert FiscalQuarter.of(LAST_INSTANT_OF_FY2570) == FiscalQuarter(2570, 4)
    assert FiscalQuarter.of(FIRST_INSTANT_OF_FY2571) == FiscalQuarter(2571, 1)


def test_same_instants_given_in_utc_land_in_the_same_quarters():
    before = datetime(2027, 9, 30, 16, 59, 59, tzinfo=UTC)
    after = datetime(2027, 9, 30, 17, 0, 0, tzinfo=UTC)
    assert before == LAST_INSTANT_OF_FY2570 and after == FIRST_INSTANT_OF_FY2571
    assert FiscalQuarter.of(before).code == "2570Q4"
    assert FiscalQuarter.of(after).code == "2571Q1"


def test_naive_datetimes_are_utc_as_stored_in_the_database():
    assert FiscalQuarter.of(datetime(2027, 9, 30, 16, 59, 59)).code == "2570Q4"
    assert FiscalQuarter.of(datetime(2027, 9, 30, 17, 0, 0)).code == "2571Q1"


def test_other_time_zones_are_converted_to_bangkok():
    new_york = timezone(timedelta(hours=-4))
    # 30 Sep 2027 13:00 in New York is 1 Oct 00:00 in Bangkok.
    assert FiscalQuarter.of(datetime(2027, 9, 30, 13, 0, tzinfo=new_york)).code == "2571Q1"


def test_a_plain_date_is_a_bangkok_calendar_day():
    assert FiscalQuarter.of(date(2027, 9, 30)).code == "2570Q4"
    assert FiscalQuarter.of(date(2027, 10, 1)).code == "2571Q1"


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (date(2026, 10, 1), "2570Q1"),
        (date(2026, 12, 31), "2570Q1"),
        (date(2027, 1, 1), "2570Q2"),
        (date(2027, 3, 31), "2570Q2"),
        (date(2027, 4, 1), "2570Q3"),
        (date(2027, 6, 30), "2570Q3"),
        (date(2027, 7, 1), "2570Q4"),
        (date(2027, 9, 30), "2570Q4"),
    ],
)
def test_every_quarter_edge(day, code):
    assert FiscalQuarter.of(day).code == code


@pytest.mark.parametrize(
    ("quarter", "first_day", "last_day"),
    [
        (1, date(2026, 10, 1), date(2026, 12, 31)),
        (2, date(2027, 1, 1), date(2027, 3, 31)),
        (3, date(2027, 4, 1), date(2027, 6, 30)),
        (4, date(2027, 7, 1), date(2027, 9, 30)),
    ],
)
def test_quarter_days_and_instants(quarter, first_day, last_day):
    q = FiscalQuarter(2570, quarter)
    assert q.first_day == first_day
    assert q.last_day == last_day
    assert q.start == datetime(first_day.year, first_day.month, 1, tzinfo=BANGKOK)
    assert q.start.utcoffset() == timedelta(hours=7)
    assert q.end == datetime.combine(last_day + timedelta(days=1), datetime.min.time(), BANGKOK)


def test_quarter_end_is_exclusive_and_meets_the_next_start():
    q = FiscalQuarter(2570, 4)
    assert q.end == FiscalQuarter(2571, 1).start == FIRST_INSTANT_OF_FY2571
    assert FiscalQuarter.of(q.end - timedelta(microseconds=1)) == q


def test_leap_february_is_inside_q2():
    assert FiscalQuarter(2571, 2).last_day == date(2028, 3, 31)
    assert FiscalQuarter.of(date(2028, 2, 29)).code == "2571Q2"


# --- labels, codes, navigation --------------------------------------------------------------


@pytest.mark.parametrize(
    ("quarter", "label"),
    [
        (1, "ไตรมาสที่ ๑ ปีงบประมาณ ๒๕๗๐ (ต.ค.–ธ.ค. ๒๕๖๙)"),
        (2, "ไตรมาสที่ ๒ ปีงบประมาณ ๒๕๗๐ (ม.ค.–มี.ค. ๒๕๗๐)"),
        (3, "ไตรมาสที่ ๓ ปีงบประมาณ ๒๕๗๐ (เม.ย.–มิ.ย. ๒๕๗๐)"),
        (4, "ไตรมาสที่ ๔ ปีงบประมาณ ๒๕๗๐ (ก.ค.–ก.ย. ๒๕๗๐)"),
    ],
)
def test_labels_in_thai_digits(quarter, label):
    assert FiscalQuarter(2570, quarter).label() == label


def test_label_with_arabic_digits():
    assert FiscalQuarter(2570, 1).label(thai_digits=False) == (
        "ไตรมาสที่ 1 ปีงบประมาณ 2570 (ต.ค.–ธ.ค. 2569)"
    )


@pytest.mark.parametrize("code", ["2570Q1", "2570Q2", "2570Q3", "2570Q4", "2599Q1"])
def test_code_round_trip(code):
    q = FiscalQuarter.parse(code)
    assert q.code == code
    assert FiscalQuarter.parse(q.code) == q


def test_parse_accepts_thai_digits_lower_case_and_spaces():
    assert FiscalQuarter.parse("๒๕๗๐Q๑") == FiscalQuarter(2570, 1)
    assert FiscalQuarter.parse(" 2570q3 ") == FiscalQuarter(2570, 3)


@pytest.mark.parametrize(
    "bad",
    ["2570Q5", "2570Q0", "257Q1", "25700Q1", "2570-Q1", "Q1 2570", "2570", "", "2027Q1", None],
)
def test_bad_codes_are_refused(bad):
    with pytest.raises(ValueError):
        FiscalQuarter.parse(bad)


def test_constructor_refuses_bad_quarters_and_ce_years():
    with pytest.raises(ValueError, match="quarter must be 1-4"):
        FiscalQuarter(2570, 5)
    with pytest.raises(ValueError, match="B.E. year"):
        FiscalQuarter(2027, 1)


def test_next_and_previous_cross_fiscal_years():
    assert FiscalQuarter(2570, 4).next() == FiscalQuarter(2571, 1)
    assert FiscalQuarter(2571, 1).previous() == FiscalQuarter(2570, 4)
    assert FiscalQuarter(2570, 2).next().code == "2570Q3"
    assert FiscalQuarter(2570, 2).previous().code == "2570Q1"


def test_quarters_sort_chronologically():
    codes = ["2571Q1", "2570Q4", "2570Q1", "2569Q3"]
    assert [q.code for q in sorted(map(FiscalQuarter.parse, codes))] == [
        "2569Q3",
        "2570Q1",
        "2570Q4",
        "2571Q1",
    ]


def test_fiscal_year_of_and_bounds():
    assert fiscal_year_of(date(2026, 9, 30)) == 2569
    assert fiscal_year_of(date(2026, 10, 1)) == 2570
    assert fiscal_year_of(datetime(2026, 9, 30, 17, 0, tzinfo=UTC)) == 2570
    start, end = fiscal_year_bounds(2570)
    assert start == datetime(2026, 10, 1, tzinfo=BANGKOK)
    assert end == datetime(2027, 10, 1, tzinfo=BANGKOK)


# --- B.E. dates and Bangkok time --------------------------------------------------------------


def test_be_year_of_dates_and_instants():
    assert be_year(date(2026, 10, 1)) == 2569
    assert be_year(date(2027, 1, 1)) == 2570
    # 31 Dec 2026 17:00 UTC is already New Year's Day 2570 in Bangkok.
    assert be_year(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == 2570
    assert be_year(datetime(2026, 12, 31, 16, 59)) == 2569


def test_to_bangkok_treats_naive_as_utc():
    local = to_bangkok(datetime(2026, 10, 1, 2, 5))
    assert local == datetime(2026, 10, 1, 9, 5, tzinfo=BANGKOK)
    assert local.tzinfo is BANGKOK
    with pytest.raises(TypeError):
        to_bangkok(date(2026, 10, 1))


def test_now_bangkok_is_aware_at_plus_seven():
    assert now_bangkok().utcoffset() == timedelta(hours=7)


def test_thai_date_forms():
    day = date(2026, 10, 1)
    assert thai_date(day) == "1 ตุลาคม 2569"
    assert thai_date(day, short=True) == "1 ต.ค. 2569"
    assert thai_date(day, short=True, thai_digits=True) == "๑ ต.ค. ๒๕๖๙"
    assert thai_date(date(2027, 2, 28), thai_digits=True) == "๒๘ กุมภาพันธ์ ๒๕๗๐"


def test_thai_date_converts_instants_to_bangkok_first():
    assert thai_date(datetime(2026, 9, 30, 17, 0, tzinfo=UTC)) == "1 ตุลาคม 2569"
    assert thai_date(datetime(2026, 9, 30, 16, 59)) == "30 กันยายน 2569"


def test_thai_datetime():
    instant = datetime(2026, 10, 1, 2, 5, tzinfo=UTC)
    assert thai_datetime(instant) == "1 ต.ค. 2569 09:05 น."
    assert thai_datetime(instant, short=False) == "1 ตุลาคม 2569 09:05 น."
    assert thai_datetime(instant, thai_digits=True) == "๑ ต.ค. ๒๕๖๙ ๐๙:๐๕ น."
    assert thai_datetime(datetime(2026, 10, 1, 16, 30)) == "1 ต.ค. 2569 23:30 น."


def test_digit_conversion_both_ways():
    assert thai_digits(2570) == "๒๕๗๐"
    assert thai_digits("ข้อ 1.18") == "ข้อ ๑.๑๘"
    assert arabic_digits("ไตรมาส ๔/๒๕๗๐") == "ไตรมาส 4/2570"


# --- working days --------------------------------------------------------------------------------

# December 2026: Sat 5 is Father's Day (substitute holiday Mon 7), Thu 10 is Constitution Day.
OFFICE = WorkingCalendar([date(2026, 12, 7), date(2026, 12, 10)])
FRI_4, SAT_5, MON_7, TUE_8, WED_9, THU_10, FRI_11 = (
    date(2026, 12, d) for d in (4, 5, 7, 8, 9, 10, 11)
)


def test_weekends_and_holidays_are_not_working_days():
    assert OFFICE.is_working_day(FRI_4)
    assert not OFFICE.is_working_day(SAT_5)
    assert not OFFICE.is_working_day(MON_7)
    assert OFFICE.is_working_day(TUE_8)
    assert WorkingCalendar().is_working_day(MON_7)


def test_next_working_day_skips_weekend_and_holiday():
    assert OFFICE.next_working_day(FRI_4) == TUE_8
    assert OFFICE.next_working_day(SAT_5, include_today=True) == TUE_8
    assert OFFICE.next_working_day(TUE_8, include_today=True) == TUE_8
    assert OFFICE.next_working_day(TUE_8) == WED_9


def test_add_working_days_keeps_the_bangkok_clock_time():
    friday_morning = datetime(2026, 12, 4, 10, 0, tzinfo=BANGKOK)
    assert OFFICE.add_working_days(friday_morning, 1) == datetime(
        2026, 12, 8, 10, 0, tzinfo=BANGKOK
    )
    assert OFFICE.add_working_days(friday_morning, 3) == datetime(
        2026, 12, 11, 10, 0, tzinfo=BANGKOK
    )
    assert OFFICE.add_working_days(FRI_4, 2) == WED_9
    assert OFFICE.add_working_days(FRI_11, -3) == FRI_4
    assert OFFICE.add_working_days(THU_10, 0) == THU_10


def test_add_working_days_reads_naive_datetimes_as_utc():
    # Fri 4 Dec 20:00 UTC is Sat 5 Dec 03:00 in Bangkok.
    result = OFFICE.add_working_days(datetime(2026, 12, 4, 20, 0), 1)
    assert result == datetime(2026, 12, 8, 3, 0, tzinfo=BANGKOK)
    assert result.utcoffset() == timedelta(hours=7)


def test_working_days_between():
    assert OFFICE.working_days_between(FRI_4, FRI_11) == 3  # Tue 8, Wed 9, Fri 11
    assert OFFICE.working_days_between(FRI_11, FRI_4) == -3
    assert OFFICE.working_days_between(SAT_5, MON_7) == 0


def test_load_holidays_reads_text_and_yaml_lines(tmp_path):
    source = tmp_path / "holidays.yaml"
    source.write_text(
        "\ufeff# วันหยุดราชการ 2569\n"
        "\n"
        "2026-12-07 ชดเชยวันพ่อแห่งชาติ\n"
        "- 2026-12-10  # วันรัฐธรรมนูญ\n"
        "2026-12-31: วันสิ้นปี\n"
        "๒๐๒๗-๐๑-๐๑ วันขึ้นปีใหม่\n"
        "2026-12-07\n",
        encoding="utf-8",
    )
    assert load_holidays(source) == [
        date(2026, 12, 7),
        date(2026, 12, 10),
        date(2026, 12, 31),
        date(2027, 1, 1),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("5 ธันวาคม 2569", r"line 3: expected a date like 2026-12-05"),
        ("2026-02-30 วันที่ไม่มีจริง", r"line 3: 2026-02-30 is not a real date"),
        ("2569-12-05 วันพ่อ", r"line 3: 2569-12-05 has a B.E. year; write it in C.E. \(2026-12-05\)"),
    ],
)
def test_bad_holiday_line_names_its_line(tmp_path, line, message):
    source = tmp_path / "holidays.txt"
    source.write_text(f"# header\n2026-12-07\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_holidays(source)


def test_a_typed_day_is_read_as_buddhist_era_and_a_slip_is_refused():
    from bot.thai.dates import parse_typed_date

    assert parse_typed_date("5/12/2569") == date(2026, 12, 5)
    assert parse_typed_date(" ๕/๑๒/๒๕๖๙ ") == date(2026, 12, 5)
    assert parse_typed_date("05-12-2569") == date(2026, 12, 5)
    assert parse_typed_date("2026-12-05") == date(2026, 12, 5)  # what a date field sends
    for slip in ("5/12/2026", "31/2/2569", "5/12", "yesterday", "", "2026-13-01"):
        assert parse_typed_date(slip) is None, slip
