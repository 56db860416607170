"""Report periods: every preset in both conventions, custom ranges and the errors (hand-written)."""
from datetime import date

import pytest

from danvan_feedback.domain.periods import (PeriodError, preset_period, previous, quarters, resolve)

TODAY = date(2026, 7, 20)
D = date


@pytest.mark.parametrize("preset, start, end", [
    ("Q1", D(2026, 1, 1), D(2026, 3, 31)),
    ("Q2", D(2026, 4, 1), D(2026, 6, 30)),
    ("Q3", D(2026, 7, 1), D(2026, 9, 30)),
    ("Q4", D(2026, 10, 1), D(2026, 12, 31)),
    ("H1", D(2026, 1, 1), D(2026, 6, 30)),
    ("9M", D(2026, 1, 1), D(2026, 9, 30)),
    ("Y", D(2026, 1, 1), D(2026, 12, 31)),
])
def test_calendar_presets(preset, start, end):
    p = preset_period(2026, preset, "calendar")
    assert (p.start, p.end, p.preset, p.convention, p.year) == (start, end, preset, "calendar", 2026)


@pytest.mark.parametrize("preset, start, end", [
    ("Q1", D(2025, 12, 15), D(2026, 3, 14)),
    ("Q2", D(2026, 3, 15), D(2026, 6, 14)),
    ("Q3", D(2026, 6, 15), D(2026, 9, 14)),
    ("Q4", D(2026, 9, 15), D(2026, 12, 14)),
    ("H1", D(2025, 12, 15), D(2026, 6, 14)),
    ("9M", D(2025, 12, 15), D(2026, 9, 14)),
    ("Y", D(2025, 12, 15), D(2026, 12, 14)),
])
def test_cutoff_presets(preset, start, end):
    p = preset_period(2026, preset, "cutoff")
    assert (p.start, p.end) == (start, end)


def test_cutoff_quarters_tile_the_year_without_gap_or_overlap():
    qs = quarters(2026, "cutoff")
    assert qs[0].start == D(2025, 12, 15) and qs[-1].end == D(2026, 12, 14)
    for a, b in zip(qs, qs[1:]):
        assert (b.start - a.end).days == 1
    assert sum(q.days for q in qs) == preset_period(2026, "Y", "cutoff").days == 365


def test_leap_year_february_and_days():
    assert preset_period(2024, "Q1").days == 91
    assert preset_period(2024, "Q1", "cutoff").days == 17 + 31 + 29 + 14
    assert preset_period(2026, "H1").months() == [(2026, m) for m in range(1, 7)]
    assert preset_period(2026, "Q1", "cutoff").months() == [(2025, 12), (2026, 1), (2026, 2), (2026, 3)]


def test_resolve_presets_and_custom():
    assert resolve("h1", year=2026, convention="calendar", today=TODAY) == preset_period(2026, "H1")
    p = resolve("2026-02-03:2026-05-04", year=None, convention="calendar", today=TODAY)
    assert (p.start, p.end, p.preset, p.convention) == (D(2026, 2, 3), D(2026, 5, 4), None, "custom")
    assert p.key == "2026-02-03:2026-05-04"
    assert preset_period(2026, "9M", "cutoff").key == "2026-9M-cutoff"
    # a year in progress may be reported on (figures so far); last year too
    assert resolve("Y", year=2025, convention="cutoff", today=TODAY).end == D(2025, 12, 14)


@pytest.mark.parametrize("spec, year, convention, code", [
    ("Q5", 2026, "calendar", "unknown_preset"),
    ("", 2026, "calendar", "unknown_preset"),
    ("H2", 2026, "calendar", "unknown_preset"),
    ("Q1", 2026, "lunar", "unknown_convention"),
    ("Q1", 2027, "calendar", "future_year"),
    ("Q1", None, "calendar", "bad_year"),
    ("Q1", 1990, "calendar", "bad_year"),
    ("2026-05-01:2026-04-30", None, "calendar", "end_before_start"),
    ("2026-02-30:2026-04-30", None, "calendar", "bad_date"),
    ("2026-08-01:2026-09-30", None, "calendar", "future_start"),
    ("2024-01-01:2025-03-01", None, "calendar", "too_long"),
])
def test_errors(spec, year, convention, code):
    with pytest.raises(PeriodError) as exc:
        resolve(spec, year=year, convention=convention, today=TODAY)
    assert exc.value.code == code


def test_max_days_is_configurable():
    assert resolve("2026-01-01:2026-01-31", year=None, convention="calendar", today=TODAY, max_days=31).days == 31
    with pytest.raises(PeriodError) as exc:
        resolve("Y", year=2025, convention="calendar", today=TODAY, max_days=100)
    assert exc.value.code == "too_long" and exc.value.params == {"days": 365, "max_days": 100}


@pytest.mark.parametrize("preset, convention, prev", [
    ("Q1", "calendar", (D(2025, 10, 1), D(2025, 12, 31))),
    ("Q3", "cutoff", (D(2026, 3, 15), D(2026, 6, 14))),
    ("Q1", "cutoff", (D(2025, 9, 15), D(2025, 12, 14))),
    ("H1", "calendar", (D(2025, 1, 1), D(2025, 6, 30))),
    ("Y", "cutoff", (D(2024, 12, 15), D(2025, 12, 14))),
])
def test_previous_preset(preset, convention, prev):
    p = previous(preset_period(2026, preset, convention))
    assert (p.start, p.end) == prev


def test_previous_custom_has_same_length():
    p = previous(resolve("2026-03-11:2026-03-20", year=None, convention="calendar", today=TODAY))
    assert (p.start, p.end) == (D(2026, 3, 1), D(2026, 3, 10))
