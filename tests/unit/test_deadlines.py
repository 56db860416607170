"""Legal deadlines around Tết 2026, 30/4–1/5, 2/9, a Friday and a swapped working Saturday.

Every expectation is counted by hand in the comment beside it (the day of receipt is not counted;
a deadline on a weekend or holiday moves to the next working day — Civil Code arts. 147–148).
Holidays 2026 (holidays.VN): 16–20 Feb (Tết), 26–27 Apr, 30 Apr, 1 May, 31 Aug, 1–2 Sep, 24 Nov;
Saturday 22 Aug 2026 is a worked day.
"""
from datetime import date

import pytest

from danvan_feedback.domain import deadlines as dl
from danvan_feedback.domain.calendar import WorkCalendar

RULES = [
    dl.Rule("khieu_nai.accept", "khieu_nai", "accept", "normal", 10, "working"),
    dl.Rule("khieu_nai.resolve1", "khieu_nai", "resolve", "first", 30, "calendar"),
    dl.Rule("khieu_nai.resolve1.complex", "khieu_nai", "resolve", "first_complex", 45, "calendar"),
    dl.Rule("khieu_nai.resolve2.remote_complex", "khieu_nai", "resolve", "second_remote_complex", 70, "calendar"),
    dl.Rule("to_cao.accept", "to_cao", "accept", "normal", 7, "working"),
    dl.Rule("to_cao.accept.extended", "to_cao", "accept", "extended", 10, "working"),
    dl.Rule("to_cao.resolve", "to_cao", "resolve", "normal", 30, "calendar"),
    dl.Rule("to_cao.resolve.complex", "to_cao", "resolve", "complex", 60, "calendar"),
    dl.Rule("to_cao.resolve.especially_complex", "to_cao", "resolve", "especially_complex", 90, "calendar"),
]
PLAIN = WorkCalendar()
SWAPPED = WorkCalendar({date(2026, 10, 10): True})  # an administrator-entered worked Saturday


@pytest.mark.parametrize("cal,kind,received,expected", [
    # Fri 13 Feb, before Tết: 23,24,25,26,27 Feb, 2,3,4,5,6 Mar -> 6 Mar
    (PLAIN, "khieu_nai", date(2026, 2, 13), date(2026, 3, 6)),
    # Fri 13 Feb: 23,24,25,26,27 Feb, 2,3 Mar -> 3 Mar
    (PLAIN, "to_cao", date(2026, 2, 13), date(2026, 3, 3)),
    # Thu 12 Feb: 13 Feb (1), then 23,24,25,26,27 Feb, 2,3,4 Mar -> 5 Mar
    (PLAIN, "khieu_nai", date(2026, 2, 12), date(2026, 3, 5)),
    # Wed 29 Apr: 30 Apr, 1 May off; 4,5,6,7,8,11,12,13,14,15 May -> 15 May
    (PLAIN, "khieu_nai", date(2026, 4, 29), date(2026, 5, 15)),
    # Fri 24 Apr: 27 Apr off (Hùng Kings, bù); 28,29 Apr, 4,5,6,7,8 May -> 8 May
    (PLAIN, "to_cao", date(2026, 4, 24), date(2026, 5, 8)),
    # Fri 28 Aug: 31 Aug, 1, 2 Sep off; 3,4,7,8,9,10,11,14,15,16 Sep -> 16 Sep
    (PLAIN, "khieu_nai", date(2026, 8, 28), date(2026, 9, 16)),
    # Fri 21 Aug: Sat 22 Aug worked (1); 24,25,26,27,28 Aug; 3,4,7,8 Sep -> 8 Sep
    (PLAIN, "khieu_nai", date(2026, 8, 21), date(2026, 9, 8)),
    # Fri 20 Nov: 23 Nov, (24 off), 25,26,27,30 Nov, 1,2,3,4,7 Dec -> 7 Dec
    (PLAIN, "khieu_nai", date(2026, 11, 20), date(2026, 12, 7)),
    # Thu 8 Oct with Sat 10 Oct worked: 9,10,12,13,14,15,16 Oct -> 16 Oct (19 Oct without it)
    (SWAPPED, "to_cao", date(2026, 10, 8), date(2026, 10, 16)),
    (PLAIN, "to_cao", date(2026, 10, 8), date(2026, 10, 19)),
    # Fri 9 Oct with Sat 10 Oct worked: 10,12,13,14,15,16,19,20,21,22 Oct -> 22 Oct (23 without)
    (SWAPPED, "khieu_nai", date(2026, 10, 9), date(2026, 10, 22)),
    (PLAIN, "khieu_nai", date(2026, 10, 9), date(2026, 10, 23)),
])
def test_acceptance_deadline(cal, kind, received, expected):
    clock = dl.acceptance_clock(cal, RULES, kind, received)
    assert clock.due_on == expected and clock.step == "accept"


def test_denunciation_acceptance_extended_to_ten_working_days():
    # Fri 13 Feb: 23,24,25,26,27 Feb, 2,3,4,5,6 Mar -> 6 Mar (art. 24: 7 extendable to 10)
    clock = dl.acceptance_clock(PLAIN, RULES, "to_cao", date(2026, 2, 13), extended=True)
    assert clock.due_on == date(2026, 3, 6) and clock.rule.code == "to_cao.accept.extended"


@pytest.mark.parametrize("kind,accepted,kw,expected,rule", [
    # accepted 6 Mar + 30 days = 5 Apr (Sunday) -> Mon 6 Apr
    ("khieu_nai", date(2026, 3, 6), {}, date(2026, 4, 6), "khieu_nai.resolve1"),
    # accepted 1 Apr + 30 = 1 May (holiday, Fri) -> Mon 4 May
    ("khieu_nai", date(2026, 4, 1), {}, date(2026, 5, 4), "khieu_nai.resolve1"),
    # accepted 3 Mar + 30 = 2 Apr (Thursday)
    ("to_cao", date(2026, 3, 3), {}, date(2026, 4, 2), "to_cao.resolve"),
    # accepted Mon 3 Aug + 30 = 2 Sep (holiday) -> Thu 3 Sep
    ("to_cao", date(2026, 8, 3), {}, date(2026, 9, 3), "to_cao.resolve"),
    # complex: 3 Mar + 60 = 2 May (Sat) -> Mon 4 May
    ("to_cao", date(2026, 3, 3), {"complexity": "complex"}, date(2026, 5, 4), "to_cao.resolve.complex"),
    # especially complex: 3 Mar + 90 = 1 Jun (Monday)
    ("to_cao", date(2026, 3, 3), {"complexity": "especially_complex"}, date(2026, 6, 1), "to_cao.resolve.especially_complex"),
    # first-time complex complaint: 6 Mar + 45 = 20 Apr (Monday)
    ("khieu_nai", date(2026, 3, 6), {"complexity": "complex"}, date(2026, 4, 20), "khieu_nai.resolve1.complex"),
    # second time, remote and complex: Mon 23 Nov + 70 = Mon 1 Feb 2027
    ("khieu_nai", date(2026, 11, 23), {"attempt": 2, "complexity": "complex", "is_remote": True},
     date(2027, 2, 1), "khieu_nai.resolve2.remote_complex"),
    # paused 5 days: 6 Mar + 35 = Fri 10 Apr
    ("khieu_nai", date(2026, 3, 6), {"paused_days": 5}, date(2026, 4, 10), "khieu_nai.resolve1"),
])
def test_resolution_deadline(kind, accepted, kw, expected, rule):
    clock = dl.resolution_clock(PLAIN, RULES, kind, accepted, **kw)
    assert (clock.due_on, clock.rule.code) == (expected, rule)


@pytest.mark.parametrize("kind,current,expected", [
    ("to_cao", "normal", "complex"), ("to_cao", "complex", "especially_complex"),
    ("to_cao", "especially_complex", None), ("khieu_nai", "normal", "complex"),
    ("khieu_nai", "complex", None), ("gop_y", "normal", None),
])
def test_extension_ladder_stops_at_the_legal_maximum(kind, current, expected):
    assert dl.next_complexity(kind, current) == expected


def test_missing_rule_is_reported():
    with pytest.raises(dl.NoRule):
        dl.acceptance_clock(PLAIN, RULES, "gop_y", date(2026, 1, 5))


@pytest.mark.parametrize("unit,since,until,expected", [
    ("calendar", date(2026, 2, 13), date(2026, 2, 23), 10),
    ("working", date(2026, 2, 13), date(2026, 2, 23), 1),  # only Mon 23 Feb is a working day
    ("working", date(2026, 3, 2), date(2026, 3, 2), 0),
])
def test_pause_length_in_the_rule_unit(unit, since, until, expected):
    assert dl.paused_length(PLAIN, unit, since, until) == expected


def test_days_left():
    assert dl.days_left(PLAIN, date(2026, 2, 13), date(2026, 2, 24)) == 2  # 23, 24 Feb
    assert dl.days_left(PLAIN, date(2026, 2, 24), date(2026, 2, 23)) == -1
    assert dl.days_left(PLAIN, date(2026, 2, 24), None) is None
