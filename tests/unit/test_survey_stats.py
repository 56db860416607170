"""Survey figures against hand-computed tables (domain/survey_stats.py, no app)."""
from __future__ import annotations

from datetime import date

import pytest

from danvan_feedback.domain.survey_stats import (count_responses, is_satisfied, on_five_point_scale,
                                                 quarter_of, summarise)


@pytest.mark.parametrize("score,scale_max,expected", [
    (5, 5, True), (4, 5, True), (3, 5, False), (1, 5, False),
    (3, 3, True), (2, 3, True), (1, 3, False),   # the national portal's three levels
    (2, 2, True), (1, 2, False),                 # two levels: only the top one
    (6, 7, True), (5, 7, False),
])
def test_satisfied_is_the_top_two_levels(score, scale_max, expected):
    assert is_satisfied(score, scale_max) is expected


@pytest.mark.parametrize("score,scale_max,expected", [(1, 5, 1.0), (5, 5, 5.0), (3, 5, 3.0), (1, 3, 1.0),
                                                      (2, 3, 3.0), (3, 3, 5.0), (2, 2, 5.0)])
def test_scores_are_rescaled_to_five_points(score, scale_max, expected):
    assert on_five_point_scale(score, scale_max) == expected


def test_one_unit_one_criterion_by_hand():
    # unit 1, criterion "staff": scores 5,5,4,3,1 → mean 18/5 = 3.6; satisfied 3 of 5 = 60 %
    rows = [{"unit": 1, "criterion": "staff", "score": s, "scale_max": 5} for s in (5, 5, 4, 3, 1)]
    [f] = summarise(rows, ("unit", "criterion"), small_sample=5)
    assert f.key == (1, "staff")
    assert (f.responses, f.excluded, f.satisfied, f.mean, f.share_satisfied, f.small_sample) == \
        (5, 0, 3, 3.6, 0.6, False)


def test_counted_rows_from_sql_group_by_and_small_sample_flag():
    # the same table as above, as SQL returns it: one row per (keys, score) with a count
    rows = [{"unit": 1, "score": 5, "scale_max": 5, "n": 2}, {"unit": 1, "score": 4, "scale_max": 5, "n": 1},
            {"unit": 1, "score": 3, "scale_max": 5, "n": 1}, {"unit": 1, "score": 1, "scale_max": 5, "n": 1},
            {"unit": 2, "score": 2, "scale_max": 5, "n": 40}]
    figs = {f.key: f for f in summarise(rows, ("unit",))}  # default threshold: 30
    assert figs[(1,)].mean == 3.6 and figs[(1,)].small_sample is True
    assert figs[(2,)].responses == 40 and figs[(2,)].satisfied == 0 and figs[(2,)].share_satisfied == 0.0
    assert figs[(2,)].mean == 2.0 and figs[(2,)].small_sample is False


def test_spam_is_excluded_from_every_figure_and_counted_apart():
    rows = [{"unit": 1, "score": 5, "scale_max": 5, "n": 3},
            {"unit": 1, "score": 1, "scale_max": 5, "n": 10, "spam": True},
            {"unit": 2, "score": 1, "scale_max": 5, "n": 2, "spam": True}]
    figs = {f.key: f for f in summarise(rows, ("unit",), small_sample=1)}
    assert (figs[(1,)].responses, figs[(1,)].excluded, figs[(1,)].mean, figs[(1,)].share_satisfied) == (3, 10, 5.0, 1.0)
    # a group with only spam has no figure, only the count of what was left out
    assert (figs[(2,)].responses, figs[(2,)].excluded, figs[(2,)].mean, figs[(2,)].share_satisfied) == (2 - 2, 2, None, None)
    assert figs[(2,)].small_sample is True


def test_answers_to_two_versions_with_different_scales():
    # version 1: five levels; version 2 (after an administrator's change): three levels.
    rows = [
        {"criterion": "overall", "score": 4, "scale_max": 5, "n": 2},   # 4 → 4.0, satisfied
        {"criterion": "overall", "score": 2, "scale_max": 5, "n": 1},   # 2 → 2.0
        {"criterion": "overall", "score": 3, "scale_max": 3, "n": 1},   # 3/3 → 5.0, satisfied
        {"criterion": "overall", "score": 2, "scale_max": 3, "n": 1},   # 2/3 → 3.0, satisfied (top two of three)
        {"criterion": "overall", "score": 1, "scale_max": 3, "n": 1},   # 1/3 → 1.0
    ]
    [f] = summarise(rows, ("criterion",), small_sample=30)
    # mean = (4+4+2+5+3+1)/6 = 19/6 = 3.1667; satisfied = 2+1+1 = 4 of 6
    assert f.responses == 6 and f.satisfied == 4
    assert f.mean == 3.17 and f.share_satisfied == 0.6667 and f.small_sample is True


def test_no_grouping_gives_one_total_and_unknown_grouping_is_refused():
    rows = [{"unit": 1, "score": 5, "scale_max": 5}, {"unit": 2, "score": 1, "scale_max": 5}]
    [f] = summarise(rows)
    assert f.key == () and f.responses == 2 and f.mean == 3.0 and f.share_satisfied == 0.5
    with pytest.raises(ValueError):
        summarise(rows, ("colour",))
    with pytest.raises(ValueError):
        summarise([{"score": 6, "scale_max": 5}])


def test_groups_sort_with_unknown_first():
    rows = [{"unit": 2, "score": 5, "scale_max": 5}, {"unit": None, "score": 5, "scale_max": 5},
            {"unit": 1, "score": 5, "scale_max": 5}]
    assert [f.key for f in summarise(rows, ("unit",))] == [(None,), (1,), (2,)]


def test_response_counts():
    rows = [{"unit": 1, "n": 4}, {"unit": 1, "n": 2, "repeat": True}, {"unit": 1, "n": 1, "spam": True, "repeat": True},
            {"unit": 2, "n": 1, "not_resolved": True}]
    out = count_responses(rows, ("unit",))
    assert out[(1,)] == {"responses": 6, "spam": 1, "repeat": 2, "not_resolved": 0}
    assert out[(2,)] == {"responses": 1, "spam": 0, "repeat": 0, "not_resolved": 1}


@pytest.mark.parametrize("day,expected", [
    (date(2026, 1, 1), (date(2026, 1, 1), date(2026, 3, 31))),
    (date(2026, 5, 20), (date(2026, 4, 1), date(2026, 6, 30))),
    (date(2026, 9, 30), (date(2026, 7, 1), date(2026, 9, 30))),
    (date(2026, 12, 31), (date(2026, 10, 1), date(2026, 12, 31))),
])
def test_quarter_of(day, expected):
    assert quarter_of(day) == expected
