"""Triage with legal effect: each action checks the rules, changes the case, and writes exactly one
``CaseEvent`` in the caller's transaction (the view commits once).

The clock: acceptance (thụ lý) starts the resolution deadline; a request for information pauses
the clock until the citizen answers or the inspector resumes; an extension moves a case up the
complexity ladder within the legal maximum. Deadlines come from ``deadline_rules`` rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import policy
from ..domain import deadlines as dl
from ..domain import kinds, status as st
from ..domain.vocabulary import AnonymousPolicy, Status
from ..domain.codes import normalize_tracking_code
from ..domain.triage import (NotAllowed, check_accept, check_action, check_matter_state, check_outcome,
                             default_matter_state)
from ..extensions import db
from ..models import Case, CaseEvent, CaseKind, CaseVerifier, Unit, User
from .events import append_event
from . import refdata
from .refdata import load_rules
from .uow import lock_case
from .intake import load_calendar, local_date, search_text
from .notify import enqueue


class TriageError(ValueError):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Ctx:
    actor: User
    now: datetime
    tz: str
    # Columns the action's event records besides its own: a decision's document and the moment it
    # was entered when ``now`` is its effective date (services/decisions.py).
    record: dict = field(default_factory=dict)

    @property
    def today(self) -> date:
        return local_date(self.now, self.tz)


def _event(case: Case, ctx: Ctx, action: str, *, to: str | None = None, note: str = "",
           public: bool = False, clock: str | None = None, **recorded) -> CaseEvent:
    """Append the action's event. ``clock`` says what the action does to the deadline, so the event
    records the clock it set: "stop" (no deadline runs any more), "recompute" (from the new state)."""
    case.updated_at = ctx.now
    settle = None
    if clock == "stop":
        settle = lambda: _set_clock(case, None)  # noqa: E731
    elif clock == "recompute":
        settle = lambda: recompute_clock(case, ctx)  # noqa: E731
    return append_event(case, action=action, now=ctx.now, actor_type="staff", actor_id=ctx.actor.id,
                        to_status=to, note=note, is_public=public, settle=settle,
                        **{**ctx.record, **recorded})


def _guard(case: Case, ctx: Ctx, action: str, *, triage_only: bool = True) -> None:
    allowed = policy.can_triage(ctx.actor) if triage_only else policy.can_work_on_case(ctx.actor, case)
    if not allowed or not policy.can_view_case(ctx.actor, case):
        raise TriageError("forbidden")
    try:
        check_action(action, case.status)
    except NotAllowed as exc:
        raise TriageError(exc.code, status=case.status) from None


def _need(value, field: str):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise TriageError("required", field=field)
    return value.strip() if isinstance(value, str) else value


def _received_on(case: Case, ctx: Ctx) -> date:
    return local_date(case.received_at, ctx.tz)


def _set_clock(case: Case, clock: dl.Clock | None) -> None:
    case.due_on = clock.due_on if clock else None
    case.due_rule_code = clock.rule.code if clock else None


def _rule_unit(case: Case, rules: list[dl.Rule]) -> str:
    for r in rules:
        if r.code == case.due_rule_code:
            return r.unit
    return "calendar"


def recompute_clock(case: Case, ctx: Ctx, rules: list[dl.Rule] | None = None) -> None:
    """The running deadline from the case's state: acceptance before thụ lý, resolution after."""
    ref = refdata.current(fresh=rules is None)
    rules = rules if rules is not None else list(ref.rules)
    cal = ref.calendar  # every override the administrator entered
    try:
        if case.status in (Status.RECEIVED,) or (case.status == Status.WAITING_CITIZEN and case.accepted_on is None):
            kind = db.session.get(CaseKind, case.kind_code)
            if case.is_anonymous and kind.anonymous == AnonymousPolicy.INFO_ONLY:
                _set_clock(case, None)
                return
            _set_clock(case, dl.acceptance_clock(cal, rules, case.kind_code, _received_on(case, ctx),
                                                 case.paused_days, extended=case.extensions > 0 and kinds.acceptance_extendable(case.kind_code)))
        elif case.accepted_on is not None and case.status in st.OPEN:
            _set_clock(case, dl.resolution_clock(cal, rules, case.kind_code, case.accepted_on,
                                                 attempt=case.attempt, complexity=case.complexity,
                                                 is_remote=case.is_remote, paused_days=case.paused_days))
        else:
            _set_clock(case, None)
    except dl.NoRule:
        _set_clock(case, None)


def _set_matter_state(case: Case, state: str | None) -> None:
    """The state of the matter when the letter came in (form 02/XLD), recorded at classification;
    when not given, the default (a second-time complaint: already resolved once)."""
    state = (state or "").strip() or (case.matter_state or default_matter_state(case.kind_code, case.attempt))
    try:
        check_matter_state(case.kind_code, case.attempt, state)
    except NotAllowed as exc:
        raise TriageError(exc.code, field="matter_state") from None
    case.matter_state = state


def accept(case: Case, ctx: Ctx, *, attempt: int = 1, is_remote: bool = False,
           matter_state: str | None = None) -> CaseEvent:
    """Thụ lý: starts the resolution clock (Law on Complaints art. 28/37; Law on Denunciations art. 30).
    Records the state of the matter when the letter came in (``matter_state``, form 02/XLD)."""
    _guard(case, ctx, "accept")
    kind = db.session.get(CaseKind, case.kind_code)
    try:
        check_accept(case.kind_code, case.is_anonymous, kind.anonymous)
    except NotAllowed as exc:
        raise TriageError(exc.code) from None
    if attempt not in (1, 2):
        raise TriageError("bad_attempt")
    case.attempt = attempt if kinds.has_attempts(case.kind_code) else 1
    if case.attempt == 2 and case.matter_state not in (None, "resolved_once", "resolved_many"):
        case.matter_state = None  # a second-time complaint is about a matter already resolved
    _set_matter_state(case, matter_state)
    case.is_remote = bool(is_remote)
    case.accepted_on = ctx.today
    case.paused_days = 0
    if case.resolver_id is None:
        case.resolver_id = ctx.actor.id
    return _event(case, ctx, "accept", to=Status.ACCEPTED, public=True, clock="recompute")


def refuse(case: Case, ctx: Ctx, reason: str) -> CaseEvent:
    _guard(case, ctx, "refuse")
    return _event(case, ctx, "refuse", to=Status.REJECTED, note=_need(reason, "reason"), public=True, clock="stop")


def transfer(case: Case, ctx: Ctx, agency: str, doc_no: str, doc_date: date | None) -> CaseEvent:
    _guard(case, ctx, "transfer")
    case.transfer_agency = _need(agency, "agency")
    case.transfer_doc_no = _need(doc_no, "doc_no")
    case.transfer_date = _need(doc_date, "doc_date")
    if doc_date > ctx.today:
        raise TriageError("future_date", field="doc_date")
    note = str(_l("Chuyển đến %(agency)s, văn bản số %(no)s ngày %(d)s",
                  agency=case.transfer_agency, no=case.transfer_doc_no, d=doc_date.strftime("%d/%m/%Y")))
    return _event(case, ctx, "transfer", to=Status.TRANSFERRED, note=note, public=True, clock="stop")


def guide(case: Case, ctx: Ctx, guidance: str) -> CaseEvent:
    _guard(case, ctx, "guide")
    return _event(case, ctx, "guide", to=Status.GUIDED, note=_need(guidance, "note"), public=True, clock="stop")


def store(case: Case, ctx: Ctx, reason: str) -> CaseEvent:
    """Lưu đơn: a duplicate, an anonymous denunciation, no content."""
    _guard(case, ctx, "store")
    return _event(case, ctx, "store", to=Status.STORED, note=_need(reason, "reason"), public=True, clock="stop")


def merge(case: Case, ctx: Ctx, target_code: str) -> CaseEvent:
    _guard(case, ctx, "merge")
    code = normalize_tracking_code(target_code or "")
    target = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one_or_none() if code else None
    if target is None or not policy.can_view_case(ctx.actor, target):
        raise TriageError("unknown_case", field="target")
    target = lock_case(target.id, begin=False)  # its state is validated too (one rule for writes)
    if target.id == case.id or target.merged_into_id is not None or target.status not in st.OPEN:
        raise TriageError("bad_merge_target", field="target")
    case.merged_into_id = target.id
    event = _event(case, ctx, "merge", to=Status.MERGED, public=True, clock="stop",
                   note=str(_l("Gộp vào hồ sơ %(code)s", code=target.tracking_code)))
    _event(target, ctx, "note", note=str(_l("Hồ sơ %(code)s đã được gộp vào hồ sơ này.", code=case.tracking_code)))
    return event


def reclassify(case: Case, ctx: Ctx, kind_code: str, matter_state: str | None = None,
               reason: str = "") -> CaseEvent:
    """The kind decides clocks and required fields. Who may see the sender follows the history:
    a case that has been a denunciation stays protected whatever it becomes. Reclassifying a
    protected case needs its resolver (or a leader) and a written reason, and is audited. The
    state of the matter when the letter came in (form 02/XLD) may be recorded with it."""
    _guard(case, ctx, "reclassify")
    kind = db.session.get(CaseKind, kind_code or "")
    if kind is None or not kind.active:
        raise TriageError("unknown_kind", field="kind")
    if kind.code == case.kind_code:
        raise TriageError("same_kind", field="kind")
    reason = (reason or "").strip()
    was_protected = policy.is_protected(case)
    if was_protected:
        if not policy.can_reclassify(ctx.actor, case):
            raise TriageError("forbidden")
        if len(reason) < 5:
            raise TriageError("reclassify_reason")
    old = db.session.get(CaseKind, case.kind_code)
    case.kind_code = kind.code
    if matter_state or case.matter_state:
        _set_matter_state(case, matter_state)
    case.protected = was_protected or kind.code in policy.SECRET_IDENTITY_KINDS
    if case.protected:
        case.open311_id = None  # a denunciation is never exposed through the API, nor after
    ident = case.identity
    identity = {} if case.protected or ident is None else {
        "full_name": ident.full_name, "company_name": ident.company_name, "phone": ident.phone}
    case.search_text = search_text(case.tracking_code, case.subject, case.content, identity)
    note = f"{old.name_vi} → {kind.name_vi}" + (f" — {reason}" if reason else "")
    event = _event(case, ctx, "reclassify", note=note, kind_code=kind.code, clock="recompute")
    if was_protected:
        from .audit import append_audit
        append_audit(actor_id=ctx.actor.id, action="reclassify_protected", case_id=case.id,
                     reason=reason, detail=f"{old.code}>{kind.code}", now=ctx.now)
    return event


def mark_group(case: Case, ctx: Ctx, size: int | None, representative: str | None) -> CaseEvent:
    _guard(case, ctx, "mark_group")
    if size is None or size < 2:
        raise TriageError("group_size", field="group_size")
    case.is_group, case.group_size = True, size
    if representative and case.identity is not None:
        case.identity.representative = representative.strip()
    return _event(case, ctx, "mark_group", note=str(_l("Đơn đông người: %(n)s người", n=size)))


def assign(case: Case, ctx: Ctx, *, unit_id: int | None, assignee_id: int | None,
           resolver_id: int | None, verifier_ids: list[int]) -> CaseEvent:
    _guard(case, ctx, "assign")
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit_id and (unit is None or not unit.active):
        raise TriageError("unknown_unit", field="unit_id")
    def staff(uid, field, roles):
        if not uid:
            return None
        u = db.session.get(User, uid)
        if u is None or not u.active or u.role not in roles:
            raise TriageError("unknown_user", field=field)
        return u
    assignee = staff(assignee_id, "assignee_id", policy.CASE_WORKER_ROLES)
    if assignee is not None and assignee.role in policy.UNIT_BOUND_ROLES and (unit is None or assignee.unit_id != unit.id):
        raise TriageError("assignee_not_in_unit", field="assignee_id")
    resolver = staff(resolver_id, "resolver_id", policy.RESOLVER_ROLES)
    verifiers = [staff(v, "verifier_ids", policy.CASE_WORKER_ROLES) for v in verifier_ids]
    case.handling_unit_id = unit.id if unit else None
    case.assignee_id = assignee.id if assignee else None
    if resolver is not None:
        case.resolver_id = resolver.id
    current = set(db.session.execute(select(CaseVerifier.user_id).where(CaseVerifier.case_id == case.id)).scalars())
    wanted = {v.id for v in verifiers}
    for uid in current - wanted:
        db.session.delete(db.session.get(CaseVerifier, (case.id, uid)))
    for uid in wanted - current:
        db.session.add(CaseVerifier(case_id=case.id, user_id=uid, assigned_at=ctx.now))
    names = [unit.name if unit else "—", assignee.username if assignee else "—"]
    to = Status.IN_PROGRESS if case.status == Status.ACCEPTED and (unit or assignee) else None
    return _event(case, ctx, "assign", to=to, note=str(_l("Giao: %(unit)s; cán bộ: %(user)s", unit=names[0], user=names[1])))


def request_info(case: Case, ctx: Ctx, message: str) -> CaseEvent:
    """Ask the citizen for more: the clock pauses until they answer (or the inspector resumes)."""
    _guard(case, ctx, "request_info", triage_only=False)
    event = _event(case, ctx, "request_info", to=Status.WAITING_CITIZEN, note=_need(message, "message"), public=True)
    case.paused_since = ctx.today
    _notify_citizen(case, ctx, "request_info", message)
    return event


def resume_clock(case: Case, ctx: Ctx, rules: list[dl.Rule] | None = None) -> None:
    """End a pause: the deadline moves by the days paused, counted in the running rule's unit."""
    rules = rules if rules is not None else load_rules()
    if case.paused_since is not None:
        cal = load_calendar(case.paused_since, 800)
        case.paused_days += dl.paused_length(cal, _rule_unit(case, rules), case.paused_since, ctx.today)
        case.paused_since = None
    recompute_clock(case, ctx, rules)


def resume(case: Case, ctx: Ctx) -> CaseEvent:
    _guard(case, ctx, "resume", triage_only=False)
    to = Status.IN_PROGRESS if case.accepted_on else Status.RECEIVED
    case.updated_at = ctx.now
    return append_event(case, action="resume", now=ctx.now, actor_type="staff", actor_id=ctx.actor.id,
                        to_status=to, is_public=True, settle=lambda: resume_clock(case, ctx))


def extend(case: Case, ctx: Ctx, decision_no: str, reason: str) -> CaseEvent:
    """One extension by written decision, within the legal maximum (Law on Denunciations arts. 24,
    30; Decree 31/2019; Law on Complaints arts. 28, 37 for complex cases)."""
    _guard(case, ctx, "extend")
    decision_no, reason = _need(decision_no, "decision_no"), _need(reason, "reason")
    if case.due_on is not None and ctx.today > case.due_on:
        # An extension is decided before the time limit runs out; once it has passed, the case is
        # overdue and stays so in the figures of the period (domain brief §3, §6).
        raise TriageError("deadline_passed", due=case.due_on.strftime("%d/%m/%Y"))
    if case.status == Status.RECEIVED:
        if not kinds.acceptance_extendable(case.kind_code) or case.extensions > 0:
            raise TriageError("beyond_maximum")
        case.extensions += 1
    else:
        nxt = dl.next_complexity(case.kind_code, case.complexity)
        if nxt is None:
            raise TriageError("beyond_maximum")
        case.complexity = nxt
        case.extensions += 1
    return _event(case, ctx, "extend", public=True, clock="recompute",
                  note=str(_l("Gia hạn theo quyết định số %(no)s: %(reason)s", no=decision_no, reason=reason)))


def record_outcome(case: Case, ctx: Ctx, outcome: str, summary: str) -> CaseEvent:
    _guard(case, ctx, "record_outcome")
    try:
        check_outcome(case.kind_code, case.attempt, outcome or "")
    except NotAllowed as exc:
        raise TriageError(exc.code, field="outcome") from None
    case.outcome = outcome
    event = _event(case, ctx, "record_outcome", to=Status.RESOLVED, note=_need(summary, "summary"), public=True,
                   outcome=outcome, clock="stop")
    _notify_citizen(case, ctx, Status.RESOLVED, summary)
    try:
        from .survey import invite_after_resolution  # the satisfaction survey closes the loop
    except ImportError:
        invite_after_resolution = None
    if invite_after_resolution is not None:
        invite_after_resolution(case, ctx.now)
    return event


def close(case: Case, ctx: Ctx) -> CaseEvent:
    _guard(case, ctx, "close")
    case.closed_at = ctx.now
    return _event(case, ctx, "close", to=Status.CLOSED, public=True)


def reopen(case: Case, ctx: Ctx, reason: str) -> CaseEvent:
    _guard(case, ctx, "reopen")
    reason = _need(reason, "reason")
    case.closed_at, case.outcome, case.merged_into_id = None, None, None
    to = Status.IN_PROGRESS if case.accepted_on else Status.RECEIVED
    return _event(case, ctx, "reopen", to=to, note=reason, public=True, clock="recompute")


def urge(case: Case, ctx: Ctx, doc_no: str, note: str = "") -> CaseEvent:
    """Đôn đốc: a written reminder to the agency the letter was transferred to."""
    _guard(case, ctx, "urge")
    doc_no = _need(doc_no, "doc_no")
    text = str(_l("Đôn đốc %(agency)s giải quyết, văn bản số %(no)s", agency=case.transfer_agency or "—", no=doc_no))
    return _event(case, ctx, "urge", note=f"{text}. {note.strip()}" if note and note.strip() else text, public=True)


def add_note(case: Case, ctx: Ctx, text: str) -> CaseEvent:
    _guard(case, ctx, "note", triage_only=False)
    return _event(case, ctx, "note", note=_need(text, "text"))


def reply(case: Case, ctx: Ctx, text: str) -> CaseEvent:
    """A public reply: on the tracking page, and by email when the citizen gave one."""
    _guard(case, ctx, "reply")
    event = _event(case, ctx, "public_reply", note=_need(text, "text"), public=True)
    _notify_citizen(case, ctx, "reply", text)
    return event


def _notify_citizen(case: Case, ctx: Ctx, purpose: str, text: str) -> None:
    email = case.identity.email if case.identity is not None else None
    if not email:
        return
    seq = db.session.execute(select(CaseEvent.seq).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.seq.desc()).limit(1)).scalar_one()
    enqueue(to=email, subject=_l("Cập nhật hồ sơ %(code)s", code=case.tracking_code),
            template="case_update", context={"case": case, "text": text, "purpose": purpose},
            purpose=f"case.{purpose}", ref=f"{case.tracking_code}.{seq}", now=ctx.now,
            locale=case.locale, case_id=case.id)
