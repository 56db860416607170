"""services/triage.py called directly, on rows from the model factories (no HTTP): the main
transitions, what each records, and the refusals. Both engines (the ``app`` fixture)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from danvan_feedback.domain.vocabulary import Complexity, Kind, MatterState, Outcome, Status
from danvan_feedback.extensions import db
from danvan_feedback.models import CaseEvent, OutboxMessage
from danvan_feedback.services import triage
from danvan_feedback.services.events import verify_chain
from danvan_feedback.services.triage import Ctx, TriageError
from tests import factories as f

NOW = datetime(2026, 3, 4, 3, 0, tzinfo=timezone.utc)  # Wednesday 4 March 2026, 10:00 in Hà Nội


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield Ctx(actor=f.user("inspector"), now=NOW, tz=f.TZ)


def events(case) -> list[CaseEvent]:
    return list(db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.seq)).scalars())


def history(case) -> list[tuple[str, str | None, str]]:
    return [(e.action, e.from_status, e.to_status) for e in events(case)]


def outbox_purposes(case) -> list[str]:
    """What each e-mail queued for the case is about (its message id starts with the purpose)."""
    ids = db.session.execute(select(OutboxMessage.message_id).where(OutboxMessage.case_id == case.id)
                             .order_by(OutboxMessage.id)).scalars()
    return [i.lstrip("<").split(f".{case.tracking_code}")[0] for i in ids]


def test_accept_starts_the_resolution_clock_and_records_who_resolves(ctx):
    case = f.case(Kind.KHIEU_NAI)
    triage.recompute_clock(case, ctx)
    acceptance_due = case.due_on
    assert acceptance_due is not None  # the acceptance clock runs from filing
    triage.accept(case, ctx, attempt=2)
    assert case.status == Status.ACCEPTED and case.accepted_on == date(2026, 3, 4)
    assert case.attempt == 2 and case.matter_state == MatterState.RESOLVED_ONCE  # a second-time complaint
    assert case.resolver_id == ctx.actor.id and case.due_on > acceptance_due
    assert history(case) == [("submitted", None, Status.RECEIVED), ("accept", Status.RECEIVED, Status.ACCEPTED)]
    assert verify_chain(events(case)) is None  # the hash chain is whole


def test_attempts_are_a_complaint_matter_only(ctx):
    case = f.case(Kind.KIEN_NGHI)
    triage.accept(case, ctx, attempt=2)
    assert case.attempt == 1 and case.matter_state == MatterState.NOT_YET


def test_the_other_ends_of_triage_stop_the_clock(ctx):
    ends = {
        Status.REJECTED: lambda c: triage.refuse(c, ctx, "Không đủ điều kiện thụ lý"),
        Status.TRANSFERRED: lambda c: triage.transfer(c, ctx, "UBND xã Long Thành", "12/CV", date(2026, 3, 3)),
        Status.GUIDED: lambda c: triage.guide(c, ctx, "Gửi đơn đến Toà án nhân dân huyện"),
        Status.STORED: lambda c: triage.store(c, ctx, "Đơn trùng"),
    }
    for status, act in ends.items():
        case = f.case()
        triage.recompute_clock(case, ctx)
        act(case)
        assert (case.status, case.due_on, case.due_rule_code) == (status, None, None)
        assert history(case)[-1][1:] == (Status.RECEIVED, status)


def test_a_full_life_pause_resume_outcome_close_reopen(ctx):
    case = f.case(Kind.TO_CAO, email="cuong@example.com")
    triage.accept(case, ctx)
    triage.request_info(case, ctx, "Đề nghị gửi bản chụp quyết định")
    assert case.status == Status.WAITING_CITIZEN and case.paused_since == date(2026, 3, 4)
    later = Ctx(actor=ctx.actor, now=datetime(2026, 3, 11, 3, 0, tzinfo=timezone.utc), tz=f.TZ)
    due_before = case.due_on
    triage.resume(case, later)
    assert case.status == Status.IN_PROGRESS and case.paused_since is None
    # 4 to 11 March, in the unit of the running rule (a denunciation's resolution: calendar days)
    assert case.paused_days == 7 and case.due_on > due_before
    triage.record_outcome(case, later, Outcome.DUNG_MOT_PHAN, "Kết luận tố cáo đúng một phần")
    assert (case.status, case.outcome, case.due_on) == (Status.RESOLVED, Outcome.DUNG_MOT_PHAN, None)
    triage.close(case, later)
    assert case.status == Status.CLOSED and case.closed_at is not None
    triage.reopen(case, later, "Có tình tiết mới")
    assert case.status == Status.IN_PROGRESS and case.outcome is None and case.closed_at is None
    assert case.due_on is not None  # the resolution clock runs again
    assert [a for a, _s, _t in history(case)] == ["submitted", "accept", "request_info", "resume",
                                                  "record_outcome", "close", "reopen"]
    # the citizen hears of both, and is invited to the satisfaction survey once resolved
    assert outbox_purposes(case) == ["case.request_info", "case.resolved", "survey-invite"]
    assert verify_chain(events(case)) is None  # the hash chain is whole


def test_a_denunciation_extends_acceptance_once_then_its_resolution_up_the_ladder(ctx):
    case = f.case(Kind.TO_CAO)
    triage.recompute_clock(case, ctx)
    first = case.due_on
    triage.extend(case, ctx, "01/QĐ", "Cần xác minh thêm")
    assert case.extensions == 1 and case.due_on > first
    with pytest.raises(TriageError) as exc:
        triage.extend(case, ctx, "02/QĐ", "Lần nữa")
    assert exc.value.code == "beyond_maximum"
    triage.accept(case, ctx)
    for complexity in (Complexity.COMPLEX, Complexity.ESPECIALLY_COMPLEX):
        triage.extend(case, ctx, "03/QĐ", "Vụ việc phức tạp")
        assert case.complexity == complexity
    with pytest.raises(TriageError) as exc:
        triage.extend(case, ctx, "04/QĐ", "Quá mức luật cho phép")
    assert exc.value.code == "beyond_maximum"


@pytest.mark.parametrize("kind, outcome", [(Kind.KHIEU_NAI, Outcome.DA_TRA_LOI), (Kind.PHAN_ANH, Outcome.DUNG),
                                           (Kind.TO_CAO, Outcome.GIU_NGUYEN)])
def test_an_outcome_must_fit_the_kind(ctx, kind, outcome):
    case = f.case(kind)
    triage.accept(case, ctx)
    with pytest.raises(TriageError) as exc:
        triage.record_outcome(case, ctx, outcome, "Kết quả")
    assert (exc.value.code, exc.value.params) == ("wrong_outcome", {"field": "outcome"})
    assert case.status == Status.ACCEPTED and history(case)[-1][0] == "accept"


def test_refusals_leave_the_case_as_it_was(ctx):
    closed = f.case()
    triage.store(closed, ctx, "Đơn trùng")
    triage.close(closed, ctx)
    cases = {
        "wrong_status": (closed, lambda c: triage.accept(c, ctx)),
        "anonymous_not_accepted": (f.case(Kind.KHIEU_NAI, anonymous=True), lambda c: triage.accept(c, ctx)),
        "bad_attempt": (f.case(Kind.KHIEU_NAI), lambda c: triage.accept(c, ctx, attempt=3)),
        "required": (f.case(), lambda c: triage.refuse(c, ctx, "   ")),
        "future_date": (f.case(), lambda c: triage.transfer(c, ctx, "UBND", "1/CV", date(2026, 3, 5))),
        "bad_matter_state": (f.case(Kind.KHIEU_NAI),
                             lambda c: triage.accept(c, ctx, attempt=2, matter_state=MatterState.NOT_YET)),
    }
    for code, (case, act) in cases.items():
        before = (case.status, len(history(case)))
        with pytest.raises(TriageError) as exc:
            act(case)
        assert exc.value.code == code
        assert (case.status, len(history(case))) == before, code


def test_a_unit_officer_may_not_triage_nor_see_other_units_cases(ctx):
    officer = Ctx(actor=f.user("unit"), now=NOW, tz=f.TZ)
    case = f.case()
    with pytest.raises(TriageError) as exc:
        triage.accept(case, officer)
    assert exc.value.code == "forbidden"
    with pytest.raises(TriageError) as exc:
        triage.add_note(case, officer, "Ghi chú")  # not their unit's case
    assert exc.value.code == "forbidden"
    case.handling_unit_id = officer.actor.unit_id
    triage.add_note(case, officer, "Ghi chú của đơn vị")
    assert history(case)[-1] == ("note", Status.RECEIVED, Status.RECEIVED)


def test_merge_into_an_open_case_but_never_into_itself(ctx):
    case, target = f.case(), f.case()
    with pytest.raises(TriageError) as exc:
        triage.merge(case, ctx, case.tracking_code)
    assert exc.value.code == "bad_merge_target"
    with pytest.raises(TriageError) as exc:
        triage.merge(case, ctx, "DV-0000-0000")
    assert exc.value.code == "unknown_case"
    triage.merge(case, ctx, target.tracking_code.lower().replace("-", " "))  # typed as a person would
    assert case.status == Status.MERGED and case.merged_into_id == target.id
    assert history(target)[-1][0] == "note" and target.status == Status.RECEIVED
