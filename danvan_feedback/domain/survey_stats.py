"""Satisfaction figures: pure functions over rows already counted in SQL (no Flask, no database).

A row is a mapping with the grouping keys (any of ``unit``, ``point``, ``service``, ``criterion``,
``factor``, ``channel``), ``score`` (1 … ``scale_max``), ``scale_max`` (the size of the scale the
answer was given on, from its survey version), ``n`` (how many answers share these values; 1 if
absent) and ``spam`` (true when staff marked the response as spam; absent means false).

Rules:
- spam is excluded from every figure; how many answers were left out is reported beside it;
- *satisfied* means one of the top two levels of the scale the answer was given on (4–5 of 5,
  2–3 of 3); on a two-level scale only the top level;
- the mean is given on a 1–5 scale: an answer on another scale is rescaled linearly
  (1 → 1, top → 5), so answers to different survey versions can be averaged;
- a figure based on fewer answers than ``small_sample`` is flagged: too few to trust.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping, Sequence

GROUPINGS = ("unit", "point", "service", "criterion", "factor", "channel")
DEFAULT_SMALL_SAMPLE = 30


@dataclass(frozen=True)
class Figure:
    key: tuple
    responses: int                 # answers counted (spam left out)
    excluded: int                  # answers left out because their response is spam
    satisfied: int                 # answers in the top two levels
    mean: float | None             # on a 1–5 scale; None without answers
    share_satisfied: float | None  # satisfied / responses, 0–1; None without answers
    small_sample: bool

    def as_dict(self, by: Sequence[str]) -> dict:
        return {**dict(zip(by, self.key)), "responses": self.responses, "excluded": self.excluded,
                "satisfied": self.satisfied, "mean": self.mean,
                "share_satisfied": self.share_satisfied, "small_sample": self.small_sample}


def is_satisfied(score: int, scale_max: int) -> bool:
    if scale_max <= 2:
        return score == scale_max
    return score >= scale_max - 1


def on_five_point_scale(score: int, scale_max: int) -> float:
    if scale_max <= 1:
        return 5.0
    return 1 + (score - 1) * 4 / (scale_max - 1)


def valid_score(score: int, scale_max: int) -> bool:
    return 1 <= score <= scale_max


def summarise(rows: Iterable[Mapping], by: Sequence[str] = (),
              small_sample: int = DEFAULT_SMALL_SAMPLE) -> list[Figure]:
    """One :class:`Figure` per distinct value of the ``by`` keys (all rows together when empty),
    sorted by key (``None`` first)."""
    unknown = [k for k in by if k not in GROUPINGS]
    if unknown:
        raise ValueError(f"unknown grouping {unknown}")
    acc: dict[tuple, list] = {}
    for row in rows:
        key = tuple(row.get(k) for k in by)
        a = acc.setdefault(key, [0, 0, 0, 0.0])  # counted, excluded, satisfied, sum of 1–5 scores
        n = int(row.get("n", 1))
        if row.get("spam"):
            a[1] += n
            continue
        score, scale_max = int(row["score"]), int(row["scale_max"])
        if not valid_score(score, scale_max):
            raise ValueError(f"score {score} outside 1..{scale_max}")
        a[0] += n
        a[2] += n if is_satisfied(score, scale_max) else 0
        a[3] += n * on_five_point_scale(score, scale_max)
    out = []
    for key, (counted, excluded, satisfied, total) in acc.items():
        out.append(Figure(
            key=key, responses=counted, excluded=excluded, satisfied=satisfied,
            mean=round(total / counted, 2) if counted else None,
            share_satisfied=round(satisfied / counted, 4) if counted else None,
            small_sample=counted < small_sample))
    return sorted(out, key=lambda f: tuple((v is not None, v if v is not None else "") for v in f.key))


def count_responses(rows: Iterable[Mapping], by: Sequence[str] = ()) -> dict[tuple, dict]:
    """Responses (not answers) per group: rows carry the keys, ``n``, ``spam`` and optionally
    ``repeat`` (flagged as a repeat from the same client) and ``not_resolved`` (a case rating that
    says the problem is not actually resolved). Spam is counted apart and nowhere else."""
    out: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row.get(k) for k in by)
        c = out.setdefault(key, {"responses": 0, "spam": 0, "repeat": 0, "not_resolved": 0})
        n = int(row.get("n", 1))
        if row.get("spam"):
            c["spam"] += n
            continue
        c["responses"] += n
        if row.get("repeat"):
            c["repeat"] += n
        if row.get("not_resolved"):
            c["not_resolved"] += n
    return out


def quarter_of(day: date) -> tuple[date, date]:
    """The calendar quarter containing ``day``: (first day, last day)."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return start, date.fromordinal(end.toordinal() - 1)
