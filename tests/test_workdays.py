"""Working-day arithmetic against the official holiday notices (国务院办公厅 2025 and 2026)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from matchers.workdays import (
    PACKAGE_CALENDAR,
    CalendarNotCovered,
    HolidayFileError,
    add_working_days,
    due_status,
    is_working_day,
    load_calendar,
    working_days_between,
)


def test_package_covers_2004_to_2026_without_gaps() -> None:
    assert set(range(2004, 2027)) <= PACKAGE_CALENDAR.years


# --- 2025 Spring Festival: 01-28 (Tue) .. 02-04 (Tue) off; Sun 01-26 and Sat 02-08 worked ---


def test_2025_spring_festival_days() -> None:
    assert is_working_day(date(2025, 1, 26))  # Sunday, 调休
    assert not is_working_day(date(2025, 1, 25))  # Saturday
    assert not is_working_day(date(2025, 1, 28))
    assert not is_working_day(date(2025, 2, 3))  # Monday inside the holiday
    assert not is_working_day(date(2025, 2, 4))
    assert is_working_day(date(2025, 2, 5))
    assert is_working_day(date(2025, 2, 8))  # Saturday, 调休
    assert not is_working_day(date(2025, 2, 9))


def test_2025_spring_festival_deadlines() -> None:
    assert add_working_days(date(2025, 1, 24), 1) == date(2025, 1, 26)  # Fri -> 调休 Sunday
    assert add_working_days(date(2025, 1, 27), 1) == date(2025, 2, 5)
    assert add_working_days(date(2025, 1, 27), 3) == date(2025, 2, 7)
    assert add_working_days(date(2025, 1, 27), 4) == date(2025, 2, 8)  # 调休 Saturday
    # 01-26, 01-27, 02-05, 02-06, 02-07, 02-08, 02-10
    assert working_days_between(date(2025, 1, 24), date(2025, 2, 10)) == 7


# --- 2025 National Day + Mid-Autumn: 10-01 (Wed) .. 10-08 (Wed) off; Sun 09-28 and Sat 10-11 worked ---


def test_2025_national_day_days() -> None:
    assert not is_working_day(date(2025, 9, 27))  # Saturday
    assert is_working_day(date(2025, 9, 28))  # Sunday, 调休
    for day in range(1, 9):
        assert not is_working_day(date(2025, 10, day)), day
    assert is_working_day(date(2025, 10, 9))
    assert is_working_day(date(2025, 10, 11))  # Saturday, 调休
    assert not is_working_day(date(2025, 10, 12))


def test_2025_national_day_deadlines() -> None:
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)
    # §5 chain: collection complete Mon 09-29 -> initial review (2) -> compliance review (1)
    initial = add_working_days(date(2025, 9, 29), 2)
    assert initial == date(2025, 10, 9)
    assert add_working_days(initial, 1) == date(2025, 10, 10)
    # missing material notified 09-29: 3 working days
    assert add_working_days(date(2025, 9, 29), 3) == date(2025, 10, 10)
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3


# --- 2026 Spring Festival: 02-15 (Sun) .. 02-23 (Mon) off; Sat 02-14 and Sat 02-28 worked ---


def test_2026_spring_festival_days() -> None:
    assert is_working_day(date(2026, 2, 14))  # Saturday, 调休
    assert not is_working_day(date(2026, 2, 15))
    assert not is_working_day(date(2026, 2, 16))  # Monday
    assert not is_working_day(date(2026, 2, 20))  # Friday
    assert not is_working_day(date(2026, 2, 23))  # Monday, last day off
    assert is_working_day(date(2026, 2, 24))
    assert is_working_day(date(2026, 2, 28))  # Saturday, 调休
    assert not is_working_day(date(2026, 3, 1))


def test_2026_spring_festival_deadlines() -> None:
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert add_working_days(date(2026, 2, 12), 3) == date(2026, 2, 24)
    assert add_working_days(date(2026, 2, 27), 1) == date(2026, 2, 28)
    assert add_working_days(date(2026, 2, 28), 1) == date(2026, 3, 2)
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2


# --- 2026 Mid-Autumn 09-25 (Fri) .. 09-27; National Day 10-01 (Thu) .. 10-07 (Wed);
#     Sun 09-20 and Sat 10-10 worked ---


def test_2026_national_day_days() -> None:
    assert is_working_day(date(2026, 9, 20))  # Sunday, 调休
    assert not is_working_day(date(2026, 9, 25))  # Friday, Mid-Autumn
    for day in range(1, 8):
        assert not is_working_day(date(2026, 10, day)), day
    assert is_working_day(date(2026, 10, 8))
    assert is_working_day(date(2026, 10, 10))  # Saturday, 调休
    assert not is_working_day(date(2026, 10, 11))


def test_2026_national_day_deadlines() -> None:
    assert add_working_days(date(2026, 9, 18), 1) == date(2026, 9, 20)
    assert add_working_days(date(2026, 9, 24), 1) == date(2026, 9, 28)
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4  # 10-08, 09, 10, 12


# --- ordinary weeks, year boundaries, conventions ---


def test_normal_weekend() -> None:
    assert not is_working_day(date(2025, 3, 15))
    assert not is_working_day(date(2025, 3, 16))
    assert add_working_days(date(2025, 3, 14), 1) == date(2025, 3, 17)
    assert add_working_days(date(2025, 3, 15), 1) == date(2025, 3, 17)  # start need not be a working day
    assert add_working_days(date(2025, 3, 12), 3) == date(2025, 3, 17)
    assert working_days_between(date(2025, 3, 14), date(2025, 3, 17)) == 1


def test_year_boundaries() -> None:
    # 2026 New Year: 01-01 (Thu) .. 01-03 off, Sunday 01-04 worked
    assert not is_working_day(date(2026, 1, 2))
    assert is_working_day(date(2026, 1, 4))
    assert add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 4)
    assert add_working_days(date(2025, 12, 30), 2) == date(2026, 1, 4)
    assert working_days_between(date(2025, 12, 31), date(2026, 1, 5)) == 2
    # 2025 New Year: 01-01 (Wed) off only
    assert add_working_days(date(2024, 12, 31), 1) == date(2025, 1, 2)


def test_start_excluded_zero_and_negative() -> None:
    assert add_working_days(date(2025, 10, 9), 0) == date(2025, 10, 9)
    assert add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)
    assert add_working_days(date(2026, 2, 24), -1) == date(2026, 2, 14)
    assert working_days_between(date(2025, 10, 11), date(2025, 9, 30)) == -3
    assert working_days_between(date(2025, 10, 9), date(2025, 10, 9)) == 0


def test_between_inverts_add() -> None:
    for start in (date(2025, 1, 20), date(2025, 9, 25), date(2026, 2, 10), date(2026, 9, 28)):
        for n in range(12):
            assert working_days_between(start, add_working_days(start, n)) == n


def test_due_status() -> None:
    due = add_working_days(date(2025, 9, 29), 2)  # 2025-10-09
    assert due_status(due, date(2025, 10, 8), done=False) == "due"
    assert due_status(due, date(2025, 10, 9), done=False) == "due"  # the due day is still in time
    assert due_status(due, date(2025, 10, 10), done=False) == "overdue"
    assert due_status(due, date(2025, 10, 10), done=True) == "ok"


# --- coverage ---


def test_uncovered_years_raise() -> None:
    assert add_working_days(date(2026, 12, 30), 1) == date(2026, 12, 31)
    with pytest.raises(CalendarNotCovered, match="2027"):
        add_working_days(date(2026, 12, 31), 1)
    with pytest.raises(CalendarNotCovered, match="2027"):
        is_working_day(date(2027, 1, 4))
    with pytest.raises(CalendarNotCovered, match="2003"):
        working_days_between(date(2003, 12, 30), date(2004, 1, 5))


def test_datetime_refused() -> None:
    with pytest.raises(TypeError):
        is_working_day(datetime(2025, 10, 9, 12, 0))


def test_holidays_file_adds_a_year(tmp_path) -> None:
    # Made-up data (not the real 2027 notice): tests the mechanism only.
    f = tmp_path / "holidays.toml"
    f.write_text('[2027]\nholidays = [2027-01-01, "2027-01-04"]\nworkdays = [2027-01-09]\n', encoding="utf-8")
    cal = load_calendar(f)
    assert 2027 in cal.years and 2026 in cal.years
    assert add_working_days(date(2026, 12, 31), 1, calendar=cal) == date(2027, 1, 5)
    assert is_working_day(date(2027, 1, 9), calendar=cal)
    assert not is_working_day(date(2027, 1, 4), calendar=cal)
    assert add_working_days(date(2026, 9, 30), 1, calendar=cal) == date(2026, 10, 8)  # package data kept
    with pytest.raises(CalendarNotCovered):
        is_working_day(date(2028, 1, 3), calendar=cal)


def test_holidays_file_replaces_a_year_whole(tmp_path) -> None:
    f = tmp_path / "holidays.toml"
    f.write_text("[2025]\nholidays = [2025-01-01]\n", encoding="utf-8")
    cal = load_calendar(f)
    assert is_working_day(date(2025, 10, 1), calendar=cal)  # the file's 2025 replaced the package's
    assert not is_working_day(date(2025, 10, 1))  # default calendar untouched


@pytest.mark.parametrize(
    "text",
    [
        "[2027]\nholidays = [2027-01-01]\nworkdays = [2027-01-06]\n",  # a Wednesday as 调休
        "[2027]\nholidays = [2028-01-01]\n",  # date outside its year
        "[2027]\nholidays = [2027-01-09]\nworkdays = [2027-01-09]\n",  # both
        "[2027]\nworkdays = [2027-01-09]\n",  # no holidays
        "[next]\nholidays = [2027-01-01]\n",
        "[2027]\nholidays = ['1 Jan']\n",
        "not toml",
    ],
)
def test_bad_holidays_file(tmp_path, text: str) -> None:
    f = tmp_path / "holidays.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(HolidayFileError):
        load_calendar(f)
