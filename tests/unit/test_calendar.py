"""danvan_feedback.domain.calendar: working days and legal deadlines on real 2025–2026 dates.

Every expected date below was worked out by hand from a wall calendar, not from the code under test.
The days off it relies on (holidays.VN, 2026): 1 Jan (Thu); Tết 16–20 Feb (Mon–Fri); Hùng Kings
26 Apr (Sun) with 27 Apr (Mon) in lieu; 30 Apr (Thu); 1 May (Fri); 31 Aug (Mon, swapped with the
worked Saturday 22 Aug); 1–2 Sep (Tue–Wed); 24 Nov (Tue, Vietnamese Culture Day).
Weekdays used: 13 Feb 2026 is a Friday (1 Feb is a Sunday); 1 Apr Wednesday; 1 Aug Saturday;
1 Oct Thursday; 1 Nov Sunday; 31 Dec 2025 Wednesday.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from danvan_feedback.domain.calendar import WorkCalendar

D = date
CAL = WorkCalendar()


# --------------------------------------------------------------------------- the calendar itself

@pytest.mark.parametrize("day, working", [
    (D(2026, 2, 13), True),      # Fri before Tết
    (D(2026, 2, 14), False),     # Sat
    (D(2026, 2, 15), False),     # Sun
    (D(2026, 2, 16), False),     # Tết (Giao thừa), Mon
    (D(2026, 2, 18), False),     # Tết
    (D(2026, 2, 20), False),     # Tết, Fri
    (D(2026, 2, 23), True),      # Mon after Tết
    (D(2026, 1, 1), False),      # New Year, Thu
    (D(2026, 1, 2), True),       # Fri
    (D(2026, 4, 26), False),     # Hùng Kings, Sun
    (D(2026, 4, 27), False),     # Hùng Kings in lieu, Mon
    (D(2026, 4, 28), True),
    (D(2026, 4, 30), False),     # Reunification Day, Thu
    (D(2026, 5, 1), False),      # Labour Day, Fri
    (D(2026, 5, 4), True),       # Mon
    (D(2026, 8, 22), True),      # Sat, worked (swapped for 31 Aug)
    (D(2026, 8, 29), False),     # an ordinary Sat
    (D(2026, 8, 31), False),     # Mon, day off swapped from 22 Aug
    (D(2026, 9, 1), False),      # National Day, Tue
    (D(2026, 9, 2), False),      # National Day, Wed
    (D(2026, 9, 3), True),       # Thu
    (D(2026, 11, 24), False),    # Vietnamese Culture Day, Tue
    (D(2026, 11, 25), True),
])
def test_is_working_day(day, working):
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize("day, expected", [
    (D(2026, 3, 4), D(2026, 3, 4)),      # a working Wed is its own next working day
    (D(2026, 3, 7), D(2026, 3, 9)),      # Sat → Sun → Mon 9
    (D(2026, 2, 14), D(2026, 2, 23)),    # Sat 14, Sun 15, Tết 16–20, Sat 21, Sun 22 → Mon 23
    (D(2026, 8, 29), D(2026, 9, 3)),     # Sat 29, Sun 30, 31 off, 1–2 Sep off → Thu 3
    (D(2026, 8, 22), D(2026, 8, 22)),    # worked Saturday
])
def test_next_working_day(day, expected):
    assert CAL.next_working_day(day) == expected


# ----------------------------------------------------------------------------- working days

@pytest.mark.parametrize("start, days, expected", [
    # Complaint received Fri 13 Feb, 10 working days (Law on Complaints art. 27):
    # 14 Sat, 15 Sun, 16–20 Tết, 21 Sat, 22 Sun; counted: 23(1) 24(2) 25(3) 26(4) 27(5),
    # 28 Sat, 1 Mar Sun, 2(6) 3(7) 4(8) 5(9) 6(10)
    (D(2026, 2, 13), 10, D(2026, 3, 6)),
    # Received Thu 12 Feb: 13(1), then 23(2) 24(3) 25(4) 26(5) 27(6), 2 Mar(7) 3(8) 4(9) 5(10)
    (D(2026, 2, 12), 10, D(2026, 3, 5)),
    # Thu 12 Feb + 1: Fri 13(1)
    (D(2026, 2, 12), 1, D(2026, 2, 13)),
    # Thu 12 Feb + 2: 13(1), weekend, Tết, weekend, Mon 23(2)
    (D(2026, 2, 12), 2, D(2026, 2, 23)),
    # Received on a Tết day, Tue 17 Feb + 1: 18, 19, 20 off, 21 Sat, 22 Sun, Mon 23(1)
    (D(2026, 2, 17), 1, D(2026, 2, 23)),
    # Denunciation received Fri 13 Feb, 7 working days (Law on Denunciations art. 24):
    # 23(1) 24(2) 25(3) 26(4) 27(5) 2 Mar(6) 3 Mar(7)
    (D(2026, 2, 13), 7, D(2026, 3, 3)),
    # Fri 24 Apr + 5: 25 Sat, 26 Sun (Hùng Kings), 27 Mon in lieu; 28(1) 29(2); 30 Apr, 1 May off,
    # 2 Sat, 3 Sun; 4 May(3) 5(4) 6(5)
    (D(2026, 4, 24), 5, D(2026, 5, 6)),
    # Wed 29 Apr + 1: 30 Apr, 1 May off, 2 Sat, 3 Sun → Mon 4 May(1)
    (D(2026, 4, 29), 1, D(2026, 5, 4)),
    # Thu 23 Apr + 3: 24 Fri(1), 25 Sat, 26 Sun, 27 off, 28 Tue(2), 29 Wed(3)
    (D(2026, 4, 23), 3, D(2026, 4, 29)),
    # Fri 21 Aug + 1: Sat 22 is a worked Saturday(1)
    (D(2026, 8, 21), 1, D(2026, 8, 22)),
    # Thu 20 Aug + 3: 21 Fri(1), 22 Sat worked(2), 23 Sun, Mon 24(3)
    (D(2026, 8, 20), 3, D(2026, 8, 24)),
    # Fri 28 Aug + 3: 29 Sat, 30 Sun, 31 Mon off, 1–2 Sep off; Thu 3(1) Fri 4(2), 5 Sat, 6 Sun, Mon 7(3)
    (D(2026, 8, 28), 3, D(2026, 9, 7)),
    # Fri 28 Aug + 5 (transfer of a denunciation): 3(1) 4(2) 7(3) 8(4) 9(5)
    (D(2026, 8, 28), 5, D(2026, 9, 9)),
    # Mon 23 Nov + 1: 24 Nov off, Wed 25(1)
    (D(2026, 11, 23), 1, D(2026, 11, 25)),
    # Across the year: Wed 31 Dec 2025 + 1: 1 Jan 2026 off, Fri 2 Jan(1)
    (D(2025, 12, 31), 1, D(2026, 1, 2)),
    # Wed 31 Dec 2025 + 3: Fri 2 Jan(1), 3 Sat, 4 Sun, Mon 5(2), Tue 6(3)
    (D(2025, 12, 31), 3, D(2026, 1, 6)),
    # An ordinary fortnight: Mon 9 Mar + 10: 10(1) 11(2) 12(3) 13(4), 16(5) 17(6) 18(7) 19(8) 20(9), 23(10)
    (D(2026, 3, 9), 10, D(2026, 3, 23)),
    # Received on a Saturday, Sat 7 Mar + 1: Sun 8, Mon 9(1)
    (D(2026, 3, 7), 1, D(2026, 3, 9)),
])
def test_add_working_days(start, days, expected):
    assert CAL.add_working_days(start, days) == expected
    assert CAL.deadline(start, days, "working") == expected


@pytest.mark.parametrize("start, expected", [
    (D(2026, 3, 4), D(2026, 3, 4)),      # 0 days from a working day: that day
    (D(2026, 3, 7), D(2026, 3, 9)),      # 0 days from Sat: Mon
    (D(2026, 2, 16), D(2026, 2, 23)),    # 0 days from a Tết day: Mon after Tết
])
def test_zero_working_days(start, expected):
    assert CAL.add_working_days(start, 0) == expected


# --------------------------------------------------------------------------- calendar days

@pytest.mark.parametrize("start, days, expected", [
    # Complaint accepted Wed 1 Apr, resolve within 30 days: 1 Apr + 30 = Fri 1 May (Labour Day)
    # → 2 Sat, 3 Sun → Mon 4 May
    (D(2026, 4, 1), 30, D(2026, 5, 4)),
    # 1 Apr + 29 = Thu 30 Apr (off) → 1 May off, 2 Sat, 3 Sun → Mon 4 May
    (D(2026, 4, 1), 29, D(2026, 5, 4)),
    # 1 Apr + 28 = Wed 29 Apr, a working day: stays
    (D(2026, 4, 1), 28, D(2026, 4, 29)),
    # Sat 17 Jan + 30 = Mon 16 Feb (Tết) → 17–20 Tết, 21 Sat, 22 Sun → Mon 23 Feb
    (D(2026, 1, 17), 30, D(2026, 2, 23)),
    # Thu 12 Feb + 5 = Tue 17 Feb (Tết) → Mon 23 Feb
    (D(2026, 2, 12), 5, D(2026, 2, 23)),
    # Mon 2 Mar + 5 = Sat 7 Mar → Sun 8 → Mon 9 Mar
    (D(2026, 3, 2), 5, D(2026, 3, 9)),
    # Mon 2 Mar + 6 = Sun 8 Mar → Mon 9 Mar
    (D(2026, 3, 2), 6, D(2026, 3, 9)),
    # Mon 2 Mar + 4 = Fri 6 Mar: stays
    (D(2026, 3, 2), 4, D(2026, 3, 6)),
    # Wed 12 Aug + 10 = Sat 22 Aug, a worked Saturday: stays
    (D(2026, 8, 12), 10, D(2026, 8, 22)),
    # Sat 1 Aug + 30 = Mon 31 Aug (off) → 1, 2 Sep off → Thu 3 Sep
    (D(2026, 8, 1), 30, D(2026, 9, 3)),
    # Tue 2 Dec 2025 + 30 = Thu 1 Jan 2026 (New Year) → Fri 2 Jan 2026
    (D(2025, 12, 2), 30, D(2026, 1, 2)),
    # Wed 7 Oct + 45 (complex complaint): Oct has 31 → 7 + 45 = 52 → 21 Nov, a Sat (1 Nov Sun → 21 Sat)
    # → Sun 22 → Mon 23 Nov
    (D(2026, 10, 7), 45, D(2026, 11, 23)),
    # Wed 14 Oct + 41 = 55 - 31 = 24 Nov (Culture Day, Tue) → Wed 25 Nov
    (D(2026, 10, 14), 41, D(2026, 11, 25)),
])
def test_add_calendar_days(start, days, expected):
    assert CAL.add_calendar_days(start, days) == expected
    assert CAL.deadline(start, days, "calendar") == expected


@pytest.mark.parametrize("start, expected", [
    (D(2026, 3, 4), D(2026, 3, 4)),
    (D(2026, 3, 8), D(2026, 3, 9)),      # Sun → Mon
    (D(2026, 9, 2), D(2026, 9, 3)),      # National Day → Thu
])
def test_zero_calendar_days(start, expected):
    assert CAL.add_calendar_days(start, 0) == expected


@pytest.mark.parametrize("call", [
    lambda: CAL.add_working_days(D(2026, 3, 4), -1),
    lambda: CAL.add_calendar_days(D(2026, 3, 4), -1),
    lambda: CAL.deadline(D(2026, 3, 4), -5, "working"),
    lambda: CAL.deadline(D(2026, 3, 4), -5, "calendar"),
    lambda: CAL.deadline(D(2026, 3, 4), 5, "weeks"),
    lambda: CAL.deadline(D(2026, 3, 4), 5, ""),
])
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_every_day_off_raises_instead_of_looping():
    start = D(2026, 1, 1)
    nothing = WorkCalendar(overrides={start + timedelta(days=i): False for i in range(3700)})
    with pytest.raises(ValueError):
        nothing.next_working_day(start)
    with pytest.raises(ValueError):
        nothing.add_working_days(start, 1)


# ----------------------------------------------------------------- administrator's overrides

SAT_WORKED = WorkCalendar(overrides={D(2026, 10, 10): True})     # Sat 10 Oct made a working day
MON_OFF = WorkCalendar(overrides={D(2026, 10, 12): False})       # Mon 12 Oct made a day off
BOTH = WorkCalendar(overrides={D(2026, 10, 10): True, D(2026, 10, 12): False})


@pytest.mark.parametrize("cal, start, days, expected", [
    # Fri 9 Oct + 1, no override: 10 Sat, 11 Sun, Mon 12(1)
    (CAL, D(2026, 10, 9), 1, D(2026, 10, 12)),
    # Sat 10 worked: Sat 10(1)
    (SAT_WORKED, D(2026, 10, 9), 1, D(2026, 10, 10)),
    # Sat 10 worked, + 2: Sat 10(1), 11 Sun, Mon 12(2)
    (SAT_WORKED, D(2026, 10, 9), 2, D(2026, 10, 12)),
    # Mon 12 off: 10 Sat, 11 Sun, 12 off, Tue 13(1)
    (MON_OFF, D(2026, 10, 9), 1, D(2026, 10, 13)),
    # Mon 12 off, Thu 8 Oct + 3: Fri 9(1), Tue 13(2), Wed 14(3)
    (MON_OFF, D(2026, 10, 8), 3, D(2026, 10, 14)),
    # Both: Fri 9 + 2: Sat 10(1), 11 Sun, 12 off, Tue 13(2)
    (BOTH, D(2026, 10, 9), 2, D(2026, 10, 13)),
    # An override beats the package: 24 Nov made a working day; Mon 23 Nov + 1 → Tue 24(1)
    (WorkCalendar(overrides={D(2026, 11, 24): True}), D(2026, 11, 23), 1, D(2026, 11, 24)),
    # ... and cancels the package's worked Saturday: 22 Aug off; Thu 20 Aug + 3: 21(1), 24 Mon(2), 25(3)
    (WorkCalendar(overrides={D(2026, 8, 22): False}), D(2026, 8, 20), 3, D(2026, 8, 25)),
])
def test_overrides_working_days(cal, start, days, expected):
    assert cal.add_working_days(start, days) == expected


@pytest.mark.parametrize("cal, start, days, expected", [
    # Wed 30 Sep + 10 = Sat 10 Oct: with the override it is a working day and the deadline stays
    (SAT_WORKED, D(2026, 9, 30), 10, D(2026, 10, 10)),
    # ... without it, Sat → Sun 11 → Mon 12
    (CAL, D(2026, 9, 30), 10, D(2026, 10, 12)),
    # Fri 2 Oct + 10 = Mon 12 Oct: made a day off → Tue 13
    (MON_OFF, D(2026, 10, 2), 10, D(2026, 10, 13)),
    (CAL, D(2026, 10, 2), 10, D(2026, 10, 12)),
    # Wed 30 Sep + 11 = Sun 11 Oct → Mon 12 (off) → Tue 13
    (BOTH, D(2026, 9, 30), 11, D(2026, 10, 13)),
])
def test_overrides_calendar_days(cal, start, days, expected):
    assert cal.add_calendar_days(start, days) == expected


def test_overrides_is_working_day():
    assert SAT_WORKED.is_working_day(D(2026, 10, 10)) is True
    assert SAT_WORKED.is_working_day(D(2026, 10, 11)) is False   # the Sunday is untouched
    assert MON_OFF.is_working_day(D(2026, 10, 12)) is False
    assert MON_OFF.is_working_day(D(2026, 10, 13)) is True
    assert CAL.is_working_day(D(2026, 10, 10)) is False
    assert CAL.is_working_day(D(2026, 10, 12)) is True


# ------------------------------------------------------------------------- working_days_between

@pytest.mark.parametrize("start, end, expected", [
    (D(2026, 2, 13), D(2026, 2, 13), 0),
    (D(2026, 2, 12), D(2026, 2, 13), 1),     # Fri 13
    (D(2026, 2, 13), D(2026, 2, 22), 0),     # weekend, Tết, weekend
    (D(2026, 2, 13), D(2026, 2, 23), 1),     # Mon 23
    (D(2026, 2, 13), D(2026, 3, 6), 10),     # see the 10-working-day case above
    (D(2026, 3, 6), D(2026, 2, 13), -10),
    (D(2026, 2, 23), D(2026, 2, 12), -2),    # counted: 13 Feb and 23 Feb
    (D(2026, 8, 21), D(2026, 8, 24), 2),     # Sat 22 (worked) and Mon 24
    (D(2026, 8, 28), D(2026, 9, 7), 3),      # Thu 3, Fri 4, Mon 7
    (D(2026, 9, 7), D(2026, 8, 28), -3),
    (D(2025, 12, 31), D(2026, 1, 6), 3),     # Fri 2, Mon 5, Tue 6
    (D(2026, 3, 7), D(2026, 3, 8), 0),       # Sat → Sun
])
def test_working_days_between(start, end, expected):
    assert CAL.working_days_between(start, end) == expected


def test_working_days_between_with_overrides():
    # Fri 9 Oct → Tue 13 Oct. Plain: Mon 12, Tue 13 = 2. Sat 10 worked: Sat 10, Mon 12, Tue 13 = 3.
    # Mon 12 off: Tue 13 = 1. Both: Sat 10, Tue 13 = 2.
    assert CAL.working_days_between(D(2026, 10, 9), D(2026, 10, 13)) == 2
    assert SAT_WORKED.working_days_between(D(2026, 10, 9), D(2026, 10, 13)) == 3
    assert MON_OFF.working_days_between(D(2026, 10, 9), D(2026, 10, 13)) == 1
    assert BOTH.working_days_between(D(2026, 10, 9), D(2026, 10, 13)) == 2


# ---------------------------------------------------------------------------------- properties

days_2025_2027 = st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 12, 31))


@given(days_2025_2027, st.integers(1, 60))
def test_working_deadline_round_trip(start, n):
    due = CAL.add_working_days(start, n)
    assert due > start
    assert CAL.is_working_day(due)
    assert CAL.working_days_between(start, due) == n
    assert CAL.working_days_between(due, start) == -n
    # the deadline is the first day on which n working days have passed
    assert CAL.working_days_between(start, due - timedelta(days=1)) == n - 1


@given(days_2025_2027, st.integers(0, 120))
def test_calendar_deadline_is_first_working_day_on_or_after(start, n):
    due = CAL.add_calendar_days(start, n)
    plain = start + timedelta(days=n)
    assert due >= plain and CAL.is_working_day(due)
    assert all(not CAL.is_working_day(plain + timedelta(days=i)) for i in range((due - plain).days))
    assert (due - plain).days <= 9              # the longest run of days off is Tết plus two weekends


@given(days_2025_2027, days_2025_2027)
def test_working_days_between_is_antisymmetric(a, b):
    assert CAL.working_days_between(a, b) == -CAL.working_days_between(b, a)
    assert abs(CAL.working_days_between(a, b)) <= abs((b - a).days)
