"""Working days under the Chinese public-holiday calendar (SPEC.md §5 deadlines).

A day is a working day when the State Council's notice makes it one: Monday to Friday unless
it is a public holiday, plus the weekend days worked in exchange (调休). The data comes from
the ``chinesecalendar`` package (``chinese_calendar``), which transcribes each year's notice
(国务院办公厅关于 YYYY 年部分节假日安排的通知); 1.11.0 covers 2004–2026.

A year the calendar has no data for is never guessed: every function here raises
:class:`CalendarNotCovered` for it, because treating an unknown year as plain Monday–Friday
would turn its holidays into working days and deadlines would fall on days off. When a new
notice is out before the package has it, its data can be given in a small TOML file and
loaded with :func:`load_calendar` (a year in the file replaces the package's year whole)::

    # holidays-2027.toml: one table per year, TOML dates
    [2027]
    holidays = [2027-01-01, 2027-01-02, 2027-01-03]   # days off (weekend days may be listed)
    workdays = [2027-02-20]                           # 调休: Saturdays/Sundays worked

Conventions (all dates are ``datetime.date``; a ``datetime`` is refused, because which day it
is depends on its time zone: convert to a China date first):

* ``add_working_days(start, n)`` is the *n*-th working day after ``start``, ``start`` itself
  not counted and not required to be a working day. "Missing material within 3 working days"
  of a notice on day D is due on ``add_working_days(D, 3)``; the deadline day itself is still
  in time.
* ``working_days_between(a, b)`` counts the working days in ``(a, b]``, so that
  ``working_days_between(d, add_working_days(d, n)) == n``; it is negative when ``b < a``.
* ``due_status(due, today, done)``: ``"ok"`` if done, else ``"due"`` while ``today <= due``,
  else ``"overdue"``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import chinese_calendar

from extractors.errors import DossierError

DueStatus = Literal["ok", "due", "overdue"]

_ONE_DAY = timedelta(days=1)


class CalendarNotCovered(DossierError):
    """A date falls in a year the holiday calendar has no official schedule for."""

    def __init__(self, day: date, covered: Iterable[int]) -> None:
        years = sorted(covered)
        span = f"{years[0]}–{years[-1]}" if years else "none"
        super().__init__(
            f"no public-holiday schedule for {day.year} (asked about {day.isoformat()}; covered years: {span})",
            hint="upgrade chinesecalendar, or give that year's notice in a holidays TOML file (load_calendar)",
        )
        self.day = day


class HolidayFileError(DossierError):
    """A holidays data file is malformed or contradicts itself."""

    exit_code = 2


@dataclass(frozen=True)
class WorkCalendar:
    """One calendar's data: the years it covers, their days off and their worked weekend days.

    ``holidays`` may include weekend days (they change nothing); ``workdays`` are the 调休
    weekend days. Both only matter inside ``years``.
    """

    years: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_working_day(self, d: date) -> bool:
        d = _check_date(d)
        if d.year not in self.years:
            raise CalendarNotCovered(d, self.years)
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def with_years(self, data: Mapping[int, tuple[Iterable[date], Iterable[date]]]) -> WorkCalendar:
        """A copy where each year in ``data`` (``year -> (holidays, workdays)``) replaces this
        calendar's data for that year whole."""
        replaced = set(data)
        holidays = {d for d in self.holidays if d.year not in replaced}
        workdays = {d for d in self.workdays if d.year not in replaced}
        for year, (offs, ons) in data.items():
            offs, ons = set(offs), set(ons)
            _validate_year(year, offs, ons)
            holidays |= offs
            workdays |= ons
        return WorkCalendar(self.years | replaced, frozenset(holidays), frozenset(workdays))


def _validate_year(year: int, holidays: set[date], workdays: set[date]) -> None:
    for d in holidays | workdays:
        if not isinstance(d, date) or isinstance(d, datetime):
            raise HolidayFileError(f"{year}: {d!r} is not a date")
        if d.year != year:
            raise HolidayFileError(f"{year}: {d.isoformat()} is not in {year}")
    for d in workdays:
        if d.weekday() < 5:
            raise HolidayFileError(f"{year}: workday {d.isoformat()} is a weekday; only weekend days are made up")
    both = holidays & workdays
    if both:
        raise HolidayFileError(f"{year}: listed as both holiday and workday: {sorted(x.isoformat() for x in both)}")
    if not holidays:
        raise HolidayFileError(f"{year}: no holidays listed; give the whole year's schedule")


def _package_calendar() -> WorkCalendar:
    holidays = frozenset(chinese_calendar.holidays)
    workdays = frozenset(chinese_calendar.workdays)
    # A year counts as covered only if the package lists holidays in it (every real year has
    # New Year's Day and the Spring Festival), not merely because it lies between two that do.
    return WorkCalendar(frozenset(d.year for d in holidays), holidays, workdays)


#: The calendar the module-level functions use unless given another one.
PACKAGE_CALENDAR: WorkCalendar = _package_calendar()


def _parse_day(value: object, year: int) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise HolidayFileError(f"{year}: {value!r} is not a date (write 2027-01-01)")


def load_calendar(path: Path | str | None = None, base: WorkCalendar = PACKAGE_CALENDAR) -> WorkCalendar:
    """``base`` (the package's data) with the years in the TOML file ``path`` replacing or
    adding to it. ``path=None`` returns ``base`` unchanged."""
    if path is None:
        return base
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise HolidayFileError(f"cannot read holidays file {path}: {exc}") from exc
    data: dict[int, tuple[list[date], list[date]]] = {}
    for key, table in raw.items():
        if not (key.isdigit() and len(key) == 4) or not isinstance(table, dict):
            raise HolidayFileError(f"{path}: expected tables named by year like [2027], found {key!r}")
        year = int(key)
        unknown = set(table) - {"holidays", "workdays"}
        if unknown or "holidays" not in table:
            raise HolidayFileError(f"{path}: [{key}] needs 'holidays' (and optionally 'workdays'), found {sorted(table)}")
        offs = [_parse_day(v, year) for v in table["holidays"]]
        ons = [_parse_day(v, year) for v in table.get("workdays", [])]
        data[year] = (offs, ons)
    return base.with_years(data)


def _check_date(d: object) -> date:
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__} (convert to a China date first)")
    return d


def is_working_day(d: date, *, calendar: WorkCalendar = PACKAGE_CALENDAR) -> bool:
    """True on working days: weekdays that are not public holidays, and 调休 weekend days."""
    return calendar.is_working_day(d)


def add_working_days(start: date, n: int, *, calendar: WorkCalendar = PACKAGE_CALENDAR) -> date:
    """The ``n``-th working day after ``start`` (``start`` not counted); ``n < 0`` counts
    backwards, ``n == 0`` returns ``start``."""
    day = _check_date(start)
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    while remaining:
        day += step
        if calendar.is_working_day(day):
            remaining -= 1
    return day


def working_days_between(a: date, b: date, *, calendar: WorkCalendar = PACKAGE_CALENDAR) -> int:
    """Working days in ``(a, b]``; ``-working_days_between(b, a)`` when ``b < a``."""
    a, b = _check_date(a), _check_date(b)
    if b < a:
        return -working_days_between(b, a, calendar=calendar)
    count = 0
    day = a
    while day < b:
        day += _ONE_DAY
        count += calendar.is_working_day(day)
    return count


def due_status(due: date, today: date, done: bool) -> DueStatus:
    """``"ok"`` when done; otherwise ``"due"`` up to and including the due date, then
    ``"overdue"``."""
    due, today = _check_date(due), _check_date(today)
    if done:
        return "ok"
    return "due" if today <= due else "overdue"
