"""Working days and legal deadlines.

Counting follows the Civil Code 2015 arts. 147–148: the day of the event is not counted, and a
deadline that ends on a weekend or public holiday moves to the next working day. Working days are
Monday to Friday minus the public holidays of ``holidays.VN`` (lunar Tết and Hùng Kings included,
and the swaps the package knows), with the administrator's yearly overrides on top.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays

MAX_SCAN_DAYS = 3660


@lru_cache(maxsize=64)
def _vn_year(year: int) -> holidays.HolidayBase:
    return holidays.VN(years=year, language="vi")


@dataclass(frozen=True)
class WorkCalendar:
    """``overrides`` maps a date to True (a worked day, e.g. a swapped Saturday) or False (a day off)."""

    overrides: dict[date, bool] = field(default_factory=dict)

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        vn = _vn_year(day.year)
        if day in getattr(vn, "weekend_workdays", ()):
            return True
        return day.weekday() < 5 and day not in vn

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the first working day after it."""
        for _ in range(MAX_SCAN_DAYS):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day within ten years")

    def add_working_days(self, start: date, days: int) -> date:
        """The day on which ``days`` working days after ``start`` have passed (``start`` not counted)."""
        if days < 0:
            raise ValueError("days must not be negative")
        if days == 0:
            return self.next_working_day(start)
        day, left = start, days
        for _ in range(MAX_SCAN_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
                if left == 0:
                    return day
        raise ValueError("deadline beyond ten years")

    def add_calendar_days(self, start: date, days: int) -> date:
        if days < 0:
            raise ValueError("days must not be negative")
        return self.next_working_day(start + timedelta(days=days))

    def deadline(self, start: date, days: int, unit: str) -> date:
        if unit == "working":
            return self.add_working_days(start, days)
        if unit == "calendar":
            return self.add_calendar_days(start, days)
        raise ValueError(f"unknown day unit {unit!r}")

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; negative when ``end`` is before."""
        if end == start:
            return 0
        sign, lo, hi = (1, start, end) if end > start else (-1, end, start)
        count, day = 0, lo
        while day < hi:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return sign * count
