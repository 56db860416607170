"""Report periods: presets of a year in two conventions, and custom ranges (pure, no Flask).

Conventions (domain brief §6):
- ``calendar``: Q1 = 1/1–31/3 … Q4 = 1/10–31/12; H1 = 1/1–30/6; 9M = 1/1–30/9; Y = 1/1–31/12.
- ``cutoff``: the government's data cut-off (Decree 09/2019/NĐ-CP art. 12): a quarter runs from the
  15th of the month before it to the 14th of its last month (Q1 = 15/12 of the previous year –
  14/3); 6 months 15/12 – 14/6; 9 months 15/12 – 14/9; a year 15/12 – 14/12.

Errors are :class:`PeriodError` with a ``code`` the web layer turns into a message:
``unknown_preset``, ``unknown_convention``, ``bad_year``, ``future_year``, ``bad_date``,
``end_before_start``, ``future_start``, ``too_long``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

PRESETS = ("Q1", "Q2", "Q3", "Q4", "H1", "9M", "Y")
CONVENTIONS = ("calendar", "cutoff")
DEFAULT_MAX_DAYS = 400
_CUSTOM = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*:\s*(\d{4}-\d{2}-\d{2})\s*$")
_LAST_MONTH = {"Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, "H1": 6, "9M": 9, "Y": 12}
_FIRST_MONTH = {"Q1": 1, "Q2": 4, "Q3": 7, "Q4": 10, "H1": 1, "9M": 1, "Y": 1}


class PeriodError(ValueError):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Period:
    start: date          # first day, included
    end: date            # last day, included
    preset: str | None   # Q1…Y, or None for a custom range
    convention: str      # calendar | cutoff | custom
    year: int

    @property
    def key(self) -> str:
        """A stable identifier: ``2026-H1-cutoff`` or ``2026-01-05:2026-02-20``."""
        if self.preset:
            return f"{self.year}-{self.preset}-{self.convention}"
        return f"{self.start.isoformat()}:{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def months(self) -> list[tuple[int, int]]:
        """The calendar months the period touches, as (year, month), in order."""
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def _last_day(year: int, month: int) -> date:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return nxt - timedelta(days=1)


def preset_period(year: int, preset: str, convention: str = "calendar") -> Period:
    if preset not in PRESETS:
        raise PeriodError("unknown_preset", preset=preset)
    if convention not in CONVENTIONS:
        raise PeriodError("unknown_convention", convention=convention)
    first, last = _FIRST_MONTH[preset], _LAST_MONTH[preset]
    if convention == "calendar":
        return Period(date(year, first, 1), _last_day(year, last), preset, convention, year)
    start = date(year - 1, 12, 15) if first == 1 else date(year, first - 1, 15)
    return Period(start, date(year, last, 14), preset, convention, year)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise PeriodError("bad_date", value=text) from None


def custom_period(start: date, end: date) -> Period:
    if end < start:
        raise PeriodError("end_before_start", start=start, end=end)
    return Period(start, end, None, "custom", end.year)


def resolve(spec: str, *, year: int | None, convention: str, today: date,
            max_days: int = DEFAULT_MAX_DAYS) -> Period:
    """A preset (``Q1`` … ``Y``, case-insensitive) of ``year`` or a custom ``FROM:TO`` range
    (ISO dates), validated against ``today`` and ``max_days``."""
    spec = (spec or "").strip()
    m = _CUSTOM.match(spec)
    if m:
        period = custom_period(parse_date(m.group(1)), parse_date(m.group(2)))
        if period.start > today:
            raise PeriodError("future_start", start=period.start)
    else:
        if year is None or not 2000 <= year <= 2100:
            raise PeriodError("bad_year", year=year)
        if year > today.year:
            raise PeriodError("future_year", year=year)
        period = preset_period(year, spec.upper(), convention)
    if period.days > max_days:
        raise PeriodError("too_long", days=period.days, max_days=max_days)
    return period


def previous(period: Period) -> Period:
    """The period to compare with: the quarter before a quarter (Q1 → Q4 of the previous year), the
    same preset a year earlier for 6 months, 9 months and the year, and for a custom range the
    range of the same length ending the day before it starts."""
    if period.preset and period.preset.startswith("Q"):
        n = int(period.preset[1])
        year, prev = (period.year - 1, "Q4") if n == 1 else (period.year, f"Q{n - 1}")
        return preset_period(year, prev, period.convention)
    if period.preset:
        return preset_period(period.year - 1, period.preset, period.convention)
    end = period.start - timedelta(days=1)
    return Period(end - timedelta(days=period.days - 1), end, None, "custom", end.year)


def quarters(year: int, convention: str = "calendar") -> list[Period]:
    return [preset_period(year, f"Q{i}", convention) for i in range(1, 5)]
