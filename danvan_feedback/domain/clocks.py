"""Every legal clock of a case, for the case page: the rule, its citation, when it started, when it
is due, and whether it was met.

Pure: takes the rules, the calendar and the case's facts (dates are the effective dates of the
events, local days). The clocks (defaults in ``deadline_rules``, each row citing its source):

- forwarding (``transfer``): a letter outside the department's competence is forwarded within
  5 working days of receipt (Decree 20/2008 art. 9 for feedback and recommendations; Law on
  Denunciations 2018 art. 24 for denunciations);
- acceptance (``accept``): decide whether to accept (thụ lý) from receipt (Law on Complaints 2011
  art. 27; Law on Denunciations art. 24; Law on Citizen Reception art. 28);
- resolution (``resolve``): from acceptance (Law on Complaints arts. 28, 37; Law on Denunciations
  art. 30);
- sending the decision (``send_decision``): the complaint decision is sent within 3 working days
  of its date (Law on Complaints art. 32).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .calendar import WorkCalendar
from .deadlines import NoRule, Rule, find_rule, resolution_variant
from .vocabulary import Complexity

RUNNING, MET, LATE, OVERDUE, NOT_NEEDED = "running", "met", "late", "overdue", "not_needed"


@dataclass(frozen=True)
class CaseFacts:
    kind_code: str
    received_on: date
    anonymous_info_only: bool = False
    decided_on: date | None = None       # first triage decision (accept, refuse, transfer, guide, store, merge)
    decision: str | None = None
    transferred_on: date | None = None
    accepted_on: date | None = None
    resolved_on: date | None = None      # the outcome's effective date
    closed_on: date | None = None
    attempt: int = 1
    complexity: str = Complexity.NORMAL
    is_remote: bool = False
    paused_days: int = 0
    extended_accept: bool = False


@dataclass(frozen=True)
class ClockRow:
    step: str
    rule: Rule
    start: date
    due: date
    done_on: date | None
    state: str
    days_left: int | None   # working days from today (negative: overdue), only while running


def _row(cal: WorkCalendar, step: str, rule: Rule, start: date, done_on: date | None, today: date,
         extra_days: int = 0, not_needed: bool = False) -> ClockRow:
    due = cal.deadline(start, rule.days + extra_days, rule.unit)
    if not_needed:
        return ClockRow(step, rule, start, due, done_on, NOT_NEEDED, None)
    if done_on is not None:
        return ClockRow(step, rule, start, due, done_on, MET if done_on <= due else LATE, None)
    left = cal.working_days_between(today, due)
    return ClockRow(step, rule, start, due, None, RUNNING if today <= due else OVERDUE, left)


def case_clocks(cal: WorkCalendar, rules: list[Rule], f: CaseFacts, today: date) -> list[ClockRow]:
    if f.anonymous_info_only:
        return []
    out: list[ClockRow] = []

    def rule(step: str, variant: str = "normal") -> Rule | None:
        try:
            return find_rule(rules, f.kind_code, step, variant)
        except NoRule:
            return None

    fwd = rule("transfer")
    if fwd is not None:
        other_decision = f.decided_on is not None and f.decision != "transfer"
        out.append(_row(cal, "transfer", fwd, f.received_on, f.transferred_on, today,
                        not_needed=other_decision and f.transferred_on is None))
    acc = rule("accept", "extended" if f.extended_accept else "normal")
    if acc is not None:
        pause = f.paused_days if f.accepted_on is None else 0
        out.append(_row(cal, "accept", acc, f.received_on, f.decided_on, today, extra_days=pause))
    if f.accepted_on is not None:
        res = rule("resolve", resolution_variant(f.kind_code, f.attempt, f.complexity, f.is_remote))
        if res is not None:
            out.append(_row(cal, "resolve", res, f.accepted_on, f.resolved_on, today, extra_days=f.paused_days))
    if f.resolved_on is not None:
        send = rule("send_decision")
        if send is not None:
            out.append(_row(cal, "send_decision", send, f.resolved_on, f.closed_on, today))
    return out
