"""What the case page shows from the letters' records (issue 12): every clock with its rule and citation, the
documents issued from the case, and the agency replies (read-only queries)."""
from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import documents as docs
from .. import policy
from ..domain import clocks as ck
from ..domain import kinds
from ..domain.vocabulary import AnonymousPolicy, Complexity, Status
from ..domain.report_sql import DECISIONS
from ..extensions import db
from ..models import AgencyReply, Case, CaseEvent, CaseKind, IssuedDocument
from ..services import letters as svc
from ..services.decisions import DECISION_ACTIONS
from ..services.intake import load_calendar, local_date
from ..services.triage import load_rules

STEP_LABELS = {
    "transfer": _l("Chuyển đơn không thuộc thẩm quyền"),
    "accept": _l("Quyết định thụ lý / không thụ lý"),
    "resolve": _l("Giải quyết"),
    "send_decision": _l("Gửi quyết định giải quyết"),
}
STATE_LABELS = {
    ck.RUNNING: _l("đang tính"), ck.MET: _l("đúng hạn"), ck.LATE: _l("trễ hạn"),
    ck.OVERDUE: _l("quá hạn"), ck.NOT_NEEDED: _l("không áp dụng (đã xử lý cách khác)"),
}


def facts(case: Case, tz: str) -> ck.CaseFacts:
    events = db.session.execute(select(CaseEvent.action, CaseEvent.created_at).where(CaseEvent.case_id == case.id)
                                .order_by(CaseEvent.seq)).all()
    def first(actions) -> date | None:
        return next((local_date(e.created_at, tz) for e in events if e.action in actions), None)
    def last(action) -> date | None:
        return next((local_date(e.created_at, tz) for e in reversed(events) if e.action == action), None)
    decision = next((e.action for e in events if e.action in DECISIONS), None)
    kind = db.session.get(CaseKind, case.kind_code)
    return ck.CaseFacts(
        kind_code=case.kind_code, received_on=local_date(case.received_at, tz),
        anonymous_info_only=case.is_anonymous and kind is not None and kind.anonymous == AnonymousPolicy.INFO_ONLY,
        decided_on=first(DECISIONS), decision=decision, transferred_on=first(("transfer",)),
        accepted_on=case.accepted_on, resolved_on=last("record_outcome") if case.outcome else None,
        closed_on=last("close") if case.status == Status.CLOSED else None, attempt=case.attempt or 1,
        complexity=case.complexity or Complexity.NORMAL, is_remote=bool(case.is_remote), paused_days=case.paused_days or 0,
        extended_accept=kinds.acceptance_extendable(case.kind_code) and (case.extensions or 0) > 0 and case.accepted_on is None)


def case_panel(case: Case, today: date) -> dict:
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    f = facts(case, tz)
    clocks = ck.case_clocks(load_calendar(min(f.received_on, today), 900), load_rules(), f, today)
    documents = db.session.execute(select(IssuedDocument).where(IssuedDocument.case_id == case.id)
                                   .order_by(IssuedDocument.id)).scalars().all()
    replies = db.session.execute(select(AgencyReply).where(AgencyReply.case_id == case.id)
                                 .order_by(AgencyReply.doc_date, AgencyReply.id)).scalars().all()
    template_dir = current_app.config["DOC_TEMPLATE_DIR"]
    can_issue = policy.can_issue_documents(current_user, case)
    doc_types = [docs.load_template(t, template_dir) for t in svc.applicable(case)] if can_issue else []
    names = {t: docs.load_template(t, template_dir).name for t in docs.DOC_TYPES}
    return {"clocks": clocks, "step_labels": STEP_LABELS, "state_labels": STATE_LABELS,
            "documents": documents, "doc_names": names, "doc_types": doc_types, "replies": replies,
            "can_reply": can_issue and case.transfer_agency is not None,
            "channel_label": svc.CHANNEL_WORDS.get(case.channel, case.channel),
            "decision_actions": DECISION_ACTIONS}
