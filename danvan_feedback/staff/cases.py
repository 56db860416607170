"""The case page: everything about one case, its history, and the triage actions allowed now."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..extensions import file_stores
from ..clock import now as _now
from .. import console, policy
from ..domain import deadlines as dl
from ..domain.triage import ACTIONS, outcomes_for
from ..domain.validation import parse_int
from ..extensions import db
from ..labels import ACTION, ACTOR, COMPLEXITY, MATTER_STATE, OUTCOME, actor_words, staff_event_label, staff_status_label
from ..models import Attachment, Case, CaseEvent, CaseKind, DeadlineRule, ReplyTemplate, Unit, User
from ..services import identity as ident
from ..services import triage
from ..services.audit import append_audit
from ..services.intake import load_calendar, local_date
from ..services import uow
from .case_letters import case_panel
from .decision_form import ERRORS as DECISION_ERRORS
from .actions import BRIEF
from .views import bp

ERRORS = {
    "forbidden": _l("Bạn không có quyền thực hiện thao tác này trên hồ sơ này."),
    "wrong_status": _l("Thao tác này không được phép ở trạng thái hiện tại của hồ sơ (%(status)s)."),
    "unknown_action": _l("Thao tác không tồn tại."),
    "required": _l("Vui lòng điền đủ thông tin bắt buộc (%(field)s)."),
    "future_date": _l("Ngày không thể ở tương lai."),
    "unknown_case": _l("Không tìm thấy hồ sơ đích với mã đã nhập."),
    "bad_merge_target": _l("Không thể gộp vào hồ sơ này (chính nó, đã gộp, hoặc đã kết thúc)."),
    "unknown_kind": _l("Loại đơn không hợp lệ."),
    "same_kind": _l("Hồ sơ đã thuộc loại này."),
    "group_size": _l("Đơn đông người cần từ 2 người trở lên."),
    "unknown_unit": _l("Đơn vị không hợp lệ."),
    "unknown_user": _l("Cán bộ được chọn không hợp lệ cho vai trò này."),
    "assignee_not_in_unit": _l("Cán bộ được giao phải thuộc đơn vị được giao."),
    "beyond_maximum": _l("Không thể gia hạn thêm: đã đến thời hạn tối đa theo luật định."),
    "deadline_passed": _l("Không thể gia hạn: thời hạn giải quyết đã hết ngày %(due)s. Việc gia hạn phải quyết định trước khi hết hạn; hồ sơ được tính là quá hạn."),
    "bad_matter_state": _l("Tình trạng giải quyết của vụ việc không hợp lệ (khiếu nại lần hai là vụ việc đã được giải quyết)."),
    "wrong_outcome": _l("Kết quả không phù hợp với loại đơn."),
    "anonymous_not_accepted": _l("Không thể thụ lý: khiếu nại, tố cáo ẩn danh không được giải quyết theo luật; hãy lưu đơn."),
    "bad_attempt": _l("Lần giải quyết chỉ có thể là lần đầu hoặc lần hai."),
    "reason_required": _l("Vui lòng ghi rõ lý do xem danh tính (ít nhất 5 ký tự)."),
    "bad_password": _l("Mật khẩu hoặc mã xác thực không đúng."),
    "reclassify_reason": _l("Hồ sơ tố cáo: vui lòng ghi rõ lý do phân loại lại (ít nhất 5 ký tự)."),
    **DECISION_ERRORS,  # a decision's document and effective date (issue 12)
}

def _ctx() -> triage.Ctx:
    return triage.Ctx(actor=current_user._get_current_object(), now=_now(),
                      tz=current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _load(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not policy.can_view_case(current_user, case):
        abort(404)  # another unit's case looks like no case at all
    return case


def _allowed_actions(case: Case) -> list[str]:
    user = current_user
    out = []
    for action, statuses in ACTIONS.items():
        if case.status not in statuses:
            continue
        if action in ("note", "request_info", "resume"):
            if policy.can_work_on_case(user, case):
                out.append(action)
        elif action == "reclassify":
            if policy.can_reclassify(user, case):
                out.append(action)
        elif policy.can_triage(user):
            out.append(action)
    return out


def _templates(purpose: str) -> list[ReplyTemplate]:
    return db.session.execute(select(ReplyTemplate).where(ReplyTemplate.purpose == purpose,
                                                          ReplyTemplate.active.is_(True))
                              .order_by(ReplyTemplate.title)).scalars().all()


def _template_values(case: Case, show_name: bool) -> dict:
    from ..models import OrgSetting
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    return {"ten": (case.identity.full_name if show_name and case.identity and case.identity.full_name else "ông/bà"),
            "ma": case.tracking_code, "ngay_nhan": local_date(case.received_at, tz).strftime("%d/%m/%Y"),
            "ngay_han": case.due_on.strftime("%d/%m/%Y") if case.due_on else "",
            "co_quan": OrgSetting.get("org_name", ""),
            "don_vi": case.handling_unit.name if case.handling_unit else ""}


def _fill_template(case: Case, template_id: str | None, show_name: bool) -> str:
    number = parse_int(template_id)
    if number is None:
        return ""
    tpl = db.session.get(ReplyTemplate, number)
    if tpl is None or not tpl.active:
        return ""
    try:
        from ..domain.templates_text import render_template_text
    except ImportError:
        return tpl.body
    return render_template_text(tpl.body, _template_values(case, show_name))


def _refused_on_case_page(case_id: int, *, status_code: int, error: str, values: dict):
    """Another blueprint's form on this page was refused: the page again, with its message and values."""
    return render_case(_load(case_id), status_code=status_code, error=error, values=values)


console.serve_case_page(_refused_on_case_page)


def render_case(case: Case, *, status_code: int = 200, error: str | None = None, revealed=None,
                values: dict | None = None, conflict: dict | None = None):
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    today = local_date(_now(), tz)
    events = [(ev, actor_words(ev.actor_type, full_name or username, role)) for ev, full_name, username, role in
              db.session.execute(select(CaseEvent, User.full_name, User.username, User.role)
                                 .outerjoin(User, User.id == CaseEvent.actor_id)
                                 .where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()]
    files = db.session.execute(select(Attachment).where(Attachment.case_id == case.id)
                               .order_by(Attachment.id)).scalars().all()
    secret = ident.needs_reveal(case)
    may_see = ident.may_see(current_user, case)
    identity = revealed if secret else (case.identity if may_see else None)
    left = dl.days_left(load_calendar(today, 800), today, case.due_on)
    units = db.session.execute(select(Unit).where(Unit.active.is_(True)).order_by(Unit.sort_order)).scalars().all()
    staff_users = db.session.execute(select(User).where(User.active.is_(True), User.role.in_(policy.CASE_WORKER_ROLES))
                                     .order_by(User.username)).scalars().all()
    kinds = db.session.execute(select(CaseKind).where(CaseKind.active.is_(True)).order_by(CaseKind.sort_order)).scalars().all()
    values = dict(values or {})
    if request.args.get("mau") and not values:
        values = {"_action": "reply", "text": _fill_template(case, request.args.get("mau"), not secret)}
    rating = None
    try:
        from ..services.survey import case_rating
        rating = case_rating(case.id)
    except Exception:  # the survey module may not be there yet
        rating = None
    return render_template(
        "staff/case_detail.html", case=case, events=events, files=files, status=staff_status_label(case.status),
        event_label=staff_event_label, identity=identity, secret=secret, may_see=may_see,
        show_files=(not secret) or may_see, days_left=left, actions=_allowed_actions(case),
        action_labels=ACTION, action_briefs=BRIEF, outcomes=outcomes_for(case.kind_code, case.attempt),
        outcome_labels=OUTCOME, complexity_labels=COMPLEXITY, matter_states=MATTER_STATE, units=units,
        staff_users=staff_users, is_resolver=policy.can_triage, kinds=kinds, reply_templates=_templates("reply"),
        reason_templates=_templates("reason"), error=error, values=values, rating=rating,
        verifiers=ident.verifier_ids(case.id), today=today, status_words=staff_status_label,
        seq=events[-1][0].seq if events else 0, conflict=conflict,
        records=case_panel(case, today),  # clocks, issued documents, agency replies (issue 12)
        due_rule=db.session.execute(select(DeadlineRule).where(DeadlineRule.code == case.due_rule_code)).scalar_one_or_none()
        if case.due_rule_code else None), status_code


@bp.get("/ho-so/<int:case_id>")
def case_detail(case_id: int):
    return render_case(_load(case_id))


def _int(name: str) -> int | None:
    return parse_int(request.form.get(name))


def _date(name: str) -> date | None:
    raw = (request.form.get(name) or "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _run(action: str, case: Case, ctx: triage.Ctx):
    f = request.form
    match action:
        case "accept":
            return triage.accept(case, ctx, attempt=_int("attempt") or 1, is_remote=bool(f.get("is_remote")),
                                 matter_state=f.get("matter_state"))
        case "refuse":
            return triage.refuse(case, ctx, f.get("reason", ""))
        case "transfer":
            return triage.transfer(case, ctx, f.get("agency", ""), f.get("doc_no", ""), _date("doc_date"))
        case "guide":
            return triage.guide(case, ctx, f.get("note", ""))
        case "store":
            return triage.store(case, ctx, f.get("reason", ""))
        case "merge":
            return triage.merge(case, ctx, f.get("target", ""))
        case "reclassify":
            return triage.reclassify(case, ctx, f.get("kind", ""), f.get("matter_state"),
                                     reason=f.get("reason", ""))
        case "mark_group":
            return triage.mark_group(case, ctx, _int("group_size"), f.get("representative"))
        case "assign":
            verifiers = [n for v in f.getlist("verifier_ids") if (n := parse_int(v)) is not None]
            return triage.assign(case, ctx, unit_id=_int("unit_id"), assignee_id=_int("assignee_id"),
                                 resolver_id=_int("resolver_id"), verifier_ids=verifiers)
        case "request_info":
            return triage.request_info(case, ctx, f.get("message", ""))
        case "resume":
            return triage.resume(case, ctx)
        case "extend":
            return triage.extend(case, ctx, f.get("decision_no", ""), f.get("reason", ""))
        case "record_outcome":
            return triage.record_outcome(case, ctx, f.get("outcome", ""), f.get("summary", ""))
        case "close":
            return triage.close(case, ctx)
        case "reopen":
            return triage.reopen(case, ctx, f.get("reason", ""))
        case "note":
            return triage.add_note(case, ctx, f.get("text", ""))
        case "urge":
            return triage.urge(case, ctx, f.get("doc_no", ""), f.get("note", ""))
        case "reply":
            return triage.reply(case, ctx, f.get("text", ""))
    raise triage.TriageError("unknown_action")


def _conflict_page(case_id: int, action: str, exc: uow.Conflict):
    """409: the case changed under the user's feet. Say what changed, when and by whom (names, not
    ids), show the current state and the actions allowed now (the page's own forms)."""
    db.session.rollback()
    case = _load(case_id)
    changes = exc.changes
    if not changes:  # refused by the write guard: show the last event
        last = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                  .order_by(CaseEvent.seq.desc()).limit(1)).scalar_one_or_none()
        changes = [last] if last is not None else []
    names = {u.id: (u.full_name or u.username) for u in db.session.execute(
        select(User).where(User.id.in_({c.actor_id for c in changes if c.actor_id}))).scalars()}
    rows = [{"what": str(ACTION.get(c.action) or staff_event_label(c.action)), "at": c.created_at,
             "who": names.get(c.actor_id) or str(ACTOR.get(c.actor_type, c.actor_type)),
             "src": staff_status_label(c.from_status) if c.from_status else "—",
             "dst": staff_status_label(c.to_status) if c.to_status else "—"} for c in changes]
    values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "seq")}
    values["_action"] = action
    info = {"attempted": str(ACTION.get(action, action)), "changes": rows,
            "allowed": [str(ACTION[a]) for a in _allowed_actions(case)]}
    return render_case(case, status_code=409, values=values, conflict=info)


@bp.post("/ho-so/<int:case_id>/danh-tinh")
def reveal_identity(case_id: int):
    """Revealing a denouncer: the resolver or a verifier, a reason, and the password (and TOTP code)
    again — a fresh authentication for each reveal. Every reveal leaves an audit record."""
    case = _load(case_id)
    user = current_user._get_current_object()
    values = {"reason": request.form.get("reason", ""), "_action": "reveal"}
    if not ident.may_see(user, case):
        return render_case(case, status_code=403, error=str(ERRORS["forbidden"]), values=values)
    if len((request.form.get("reason") or "").strip()) < 5:  # before the password: no try is spent
        return render_case(case, status_code=422, error=str(ERRORS["reason_required"]), values=values)
    cfg = current_app.config
    result = ident.fresh_auth(user, request.form.get("password", ""), request.form.get("code", ""),
                              now=_now(), max_failures=cfg["REVEAL_MAX_FAILURES"],
                              lock_minutes=cfg["LOGIN_LOCK_MINUTES"], case_id=case.id)
    if result != "ok":
        db.session.commit()  # the failure counts and its audit record stay
        if result == "locked":
            return redirect(url_for("auth.login"), code=303)
        return render_case(_load(case_id), status_code=422, error=str(ERRORS["bad_password"]), values=values)
    try:
        identity = ident.reveal(case, user, request.form.get("reason", ""), _now())
    except ident.RevealRefused as exc:
        db.session.rollback()
        return render_case(_load(case_id), status_code=422, error=str(ERRORS[exc.code]), values=values)
    db.session.commit()
    return render_case(case, revealed=identity or False)


@bp.get("/ho-so/<int:case_id>/tep/<int:file_id>")
def case_file(case_id: int, file_id: int):
    case = _load(case_id)
    att = db.session.get(Attachment, file_id)
    if att is None or att.case_id != case.id:
        abort(404)
    if ident.needs_reveal(case):
        if not ident.may_see(current_user, case):
            abort(404)
        append_audit(actor_id=current_user.id, action="open_attachment", case_id=case.id,
                     detail=str(att.id), now=_now())
        db.session.commit()
    try:
        fh = file_stores.attachments.open(att.storage_key)
    except FileNotFoundError:  # the file is gone from the disk: say "not found", not 500
        abort(404)
    resp = send_file(fh, mimetype=att.content_type, as_attachment=True, download_name=att.original_name, max_age=0)
    resp.headers["Content-Security-Policy"] = "sandbox"
    return resp
