"""Legal clocks of a case, computed from the rules table (``deadline_rules``), never hard-coded.

Sources (each rule row carries its own citation): Law on Complaints 2011 arts. 27, 28, 37; Law on
Denunciations 2018 arts. 24, 30 and Decree 31/2019; Law on Citizen Reception 2013 art. 28;
Decree 20/2008 art. 9. Counting follows the Civil Code (see ``domain.calendar``). A pause (waiting
for the citizen's documents) moves the deadline by the days paused, counted in the rule's unit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .calendar import WorkCalendar
from .vocabulary import Complexity, Kind


@dataclass(frozen=True)
class Rule:
    code: str
    kind_code: str | None
    step: str
    variant: str
    days: int
    unit: str  # working | calendar
    source: str = ""


@dataclass(frozen=True)
class Clock:
    step: str  # accept | resolve
    due_on: date
    rule: Rule


class NoRule(LookupError):
    pass


def find_rule(rules: list[Rule], kind_code: str, step: str, variant: str = "normal") -> Rule:
    for r in rules:
        if r.kind_code == kind_code and r.step == step and r.variant == variant:
            return r
    raise NoRule(f"no active rule for {kind_code}/{step}/{variant}")


def resolution_variant(kind_code: str, attempt: int = 1, complexity: str = Complexity.NORMAL,
                       is_remote: bool = False) -> str:
    """Which resolution rule applies.

    Complaints: first (art. 28) or second (art. 37) time, each normal / complex / remote / remote
    and complex. Denunciations: normal, complex (extended once) or especially complex (twice),
    art. 30. Other kinds have one rule.
    """
    if kind_code == Kind.KHIEU_NAI:
        base = "first" if attempt == 1 else "second"
        suffix = ("_remote" if is_remote else "") + ("_complex" if complexity != Complexity.NORMAL else "")
        return base + suffix
    if kind_code == Kind.TO_CAO:
        return complexity if complexity in (Complexity.COMPLEX, Complexity.ESPECIALLY_COMPLEX) else "normal"
    return "normal"


def acceptance_clock(cal: WorkCalendar, rules: list[Rule], kind_code: str, received_on: date,
                     paused_days: int = 0, extended: bool = False) -> Clock:
    """Deadline to decide whether to accept; a denunciation's may be extended (art. 24: 7 → 10)."""
    rule = find_rule(rules, kind_code, "accept", "extended" if extended else "normal")
    return Clock("accept", cal.deadline(received_on, rule.days + paused_days, rule.unit), rule)


def resolution_clock(cal: WorkCalendar, rules: list[Rule], kind_code: str, accepted_on: date, *,
                     attempt: int = 1, complexity: str = Complexity.NORMAL, is_remote: bool = False,
                     paused_days: int = 0) -> Clock:
    rule = find_rule(rules, kind_code, "resolve",
                     resolution_variant(kind_code, attempt, complexity, is_remote))
    return Clock("resolve", cal.deadline(accepted_on, rule.days + paused_days, rule.unit), rule)


def paused_length(cal: WorkCalendar, unit: str, paused_since: date, resumed_on: date) -> int:
    """Days a pause lasted, in the unit of the rule that was running."""
    if resumed_on <= paused_since:
        return 0
    if unit == "working":
        return max(cal.working_days_between(paused_since, resumed_on), 0)
    return (resumed_on - paused_since).days


EXTENSION_STEPS = {
    # kind: complexity ladder; each step up is one extension by written decision
    Kind.TO_CAO: (Complexity.NORMAL, Complexity.COMPLEX, Complexity.ESPECIALLY_COMPLEX),
    Kind.KHIEU_NAI: (Complexity.NORMAL, Complexity.COMPLEX),
}


def next_complexity(kind_code: str, current: str) -> str | None:
    """The complexity after one more extension, or None when the legal maximum is reached."""
    ladder = EXTENSION_STEPS.get(kind_code)
    if not ladder or current not in ladder:
        return None
    i = ladder.index(current)
    return ladder[i + 1] if i + 1 < len(ladder) else None


def days_left(cal: WorkCalendar, today: date, due_on: date | None) -> int | None:
    """Working days from today to the deadline (0 = due today, negative = overdue)."""
    if due_on is None:
        return None
    return cal.working_days_between(today, due_on)
