"""The office's letter register (sổ đơn) and its documents.

- ``/can-bo/vao-so-don``: register a letter received by post, by hand, by e-mail or by phone. The
  letter becomes a case through ``services.intake.submit_case`` (durable files, tracking code, PIN,
  receipt e-mail with the PIN when an address was given), dated the day it was received: the legal
  clocks and form 02/XLD count it from that day; form 01/TCD (citizen reception) never sees it.
- its receipt slip (giấy biên nhận), printable HTML with the PIN shown once, and the numbered DOCX;
- documents issued from a case (``/can-bo/ho-so/<id>/van-ban``) and agency replies
  (``/can-bo/ho-so/<id>/phuc-dap``); the urging list of transferred letters without a reply.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from .. import clock
from .. import documents as docs
from .. import policy
from ..domain.letters import received_date_errors
from ..domain.validation import KindPolicy, submission_errors
from ..crypto import current_keyring
from ..extensions import db, file_stores
from ..models import Case, CaseKind, IssuedDocument
from ..forms.case import MESSAGES as PUBLIC_MESSAGES
from ..forms.parts import _fill_choices, _read_files, _resolve_choices
from ..services import letters as svc
from ..services import uow
from ..services.intake import local_date, submission_from
from .. import console
from ..console import guard_blueprint, requires
from .forms import CHANNELS, SIGNATORIES, AgencyReplyForm, IssueForm, LetterForm

bp = Blueprint("letters", __name__)
guard_blueprint(bp)

console.register("letters.register", _l("Vào sổ đơn"), policy.can_register_letters,
              _l("Đơn nhận qua bưu điện, nộp trực tiếp, thư điện tử, điện thoại: vào sổ, in giấy biên nhận."), 15)
console.register("letters.awaiting_reply", _l("Đơn đã chuyển chờ phúc đáp"), policy.can_triage,
              _l("Đơn đã chuyển cơ quan khác mà chưa có văn bản phúc đáp: danh sách cần đôn đốc."), 16)

MESSAGES = {
    "required": _l("Vui lòng điền mục này."),
    "future_date": _l("Ngày không thể ở tương lai."),
    "too_far_back": _l("Ngày này quá xa: chỉ được ghi lùi tối đa %(n)s ngày. Đơn tìm thấy muộn hơn thì vào sổ ngày hôm nay và ghi chú lý do."),
    "after_received": _l("Ngày ghi trên đơn không thể sau ngày nhận đơn."),
    "unknown_kind": _l("Loại đơn không hợp lệ."),
    "unknown_channel": _l("Hình thức nhận đơn không hợp lệ."),
    "unknown_signatories": _l("Vui lòng chọn người ký đơn."),
    "forbidden": _l("Bạn không có quyền thực hiện thao tác này trên hồ sơ này."),
    "not_found": _l("Không tìm thấy hồ sơ."),
    "not_applicable": _l("Văn bản này không phù hợp với trạng thái hiện tại của hồ sơ."),
    "before_received": _l("Ngày ban hành không thể trước ngày nhận đơn."),
    "duplicate_number": _l("Số %(number)s đã được dùng trong sổ văn bản năm %(year)s. Để trống để lấy số tiếp theo, hoặc nhập số khác."),
    "not_transferred": _l("Hồ sơ này chưa được chuyển cơ quan khác nên không có văn bản phúc đáp."),
    "before_transfer": _l("Ngày văn bản phúc đáp không thể trước ngày chuyển đơn (%(d)s)."),
    "duplicate_reply": _l("Văn bản phúc đáp số %(no)s năm %(year)s đã được ghi cho hồ sơ này."),
    "before_previous": _l("Ngày không thể trước sự kiện trước đó của hồ sơ."),
    "token": _l("Biểu mẫu thiếu mã phiên. Vui lòng tải lại trang rồi gửi lại."),
}
# Codes from the public form's rules that do not apply to a letter already in the office's hands:
# it is registered as it came (an unsigned complaint is then filed, not accepted: triage refuses to
# accept it), and the legal basis for keeping its data is the handling under the law, not a tick.
NOT_FOR_LETTERS = {"anonymous_refused", "info_only_ack_required", "consent_required"}


def _tz() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _today():
    return local_date(clock.now(), _tz())



def _msg(code: str, **params) -> str:
    text = str(MESSAGES.get(code) or PUBLIC_MESSAGES.get(code) or MESSAGES["required"])
    return text % params if params else text


def _kinds() -> list[CaseKind]:
    return list(db.session.execute(select(CaseKind).where(CaseKind.active.is_(True)).order_by(CaseKind.sort_order)).scalars())


def _render_form(form: LetterForm, status: int = 200, extra: dict | None = None, files_dropped: bool = False):
    _fill_choices(form)
    form.kind_code.choices = [SelectChoice(k.code, k.name_vi) for k in _kinds()]
    cfg = current_app.config
    return render_template("letters/register.html", form=form, extra_errors=extra or {},
                           files_dropped=files_dropped, max_files=cfg["LETTER_MAX_FILES"],
                           max_mb=cfg["UPLOAD_MAX_FILE_BYTES"] // 1048576,
                           backdate=cfg["LETTER_BACKDATE_DAYS"], today=_today()), status


def _letter_errors(form: LetterForm, kind, cfg) -> tuple[dict[str, str], dict]:
    """The problems of a letter form beyond its fields' own ({field: message}), and its data."""
    errors: dict[str, str] = {}
    if kind is None or not kind.active:
        errors["kind_code"] = _msg("unknown_kind")
    if form.channel.data not in CHANNELS:
        errors["channel"] = _msg("unknown_channel")
    if form.signatories.data not in SIGNATORIES:
        errors["signatories"] = _msg("unknown_signatories")
    for name, code in received_date_errors(form.received_on.data, form.sender_doc_date.data, today=_today(),
                                           backdate_days=cfg["LETTER_BACKDATE_DAYS"]).items():
        errors[name] = _msg(code, n=cfg["LETTER_BACKDATE_DAYS"])
    data = {f.name: f.data for f in form if f.name not in ("csrf_token", "attachments")}
    data["anonymous"] = form.signatories.data == "unknown"
    data["is_group"] = form.signatories.data == "several"
    if kind is not None:
        rules = KindPolicy(kind.code, kind.anonymous, tuple(kind.required_fields))
        for name, code in submission_errors(rules, {**data, "consent": True}).items():
            if code not in NOT_FOR_LETTERS and not form[name].errors:
                errors[name] = str(PUBLIC_MESSAGES[code])
    return errors, data


def _received_at(received_on, now: datetime) -> datetime:
    """Now, for a letter received today; else the start of the day it came, in the organisation's
    time zone."""
    if received_on == local_date(now, _tz()):
        return now
    from zoneinfo import ZoneInfo
    return datetime(received_on.year, received_on.month, received_on.day,
                    tzinfo=ZoneInfo(_tz())).astimezone(timezone.utc)


def _hold_pin(case_id: int, pin: str | None, now: datetime) -> None:
    """The new letter's PIN, held for its slip; sealed: the session cookie is signed but readable,
    and carries no PIN."""
    session["letter_receipt"] = current_keyring().seal(
        {"case_id": case_id, "pin": pin, "at": now.isoformat()}, "session.letter_receipt")


@bp.route("/vao-so-don", methods=["GET", "POST"])
@requires(policy.can_register_letters)
def register():
    form = LetterForm()
    if request.method == "GET":
        form.token.data = uuid.uuid4().hex
        form.received_on.data = _today()
        return _render_form(form)

    form_ok = form.validate()
    extra: dict[str, str] = {}
    token = form.token.data or ""
    if not (8 <= len(token) <= 64 and token.isalnum()):
        extra["token"] = _msg("token")
    kind = db.session.get(CaseKind, form.kind_code.data or "")
    cfg = current_app.config
    errors, data = _letter_errors(form, kind, cfg)
    unit_id, service_id, commune_id = _resolve_choices(form, errors)
    files, file_errors = _read_files("attachments", cfg["LETTER_MAX_FILES"])
    if file_errors:
        errors["attachments"] = " ".join(file_errors)
    if not form_ok or errors or extra:
        for name, message in errors.items():
            if name in form:
                form[name].errors = list(form[name].errors) + [message]
        chosen = [f for f in request.files.getlist("attachments") if f.filename]
        return _render_form(form, 422, extra, files_dropped=bool(chosen))

    now = clock.now()
    sub = submission_from(kind.code, kind.anonymous, {**data, "consent": False}, token=token,
                          channel=form.channel.data, locale="vi", unit_id=unit_id, service_id=service_id,
                          commune_id=commune_id, incident_date=form.incident_date.data,
                          incident_place=form.incident_place.data or None)
    sub.anonymous = data["anonymous"]
    if sub.anonymous:
        sub.identity = {}
    sub.received_at = _received_at(form.received_on.data, now)
    sub.sender_doc_no = form.sender_doc_no.data or None
    sub.sender_doc_date = form.sender_doc_date.data
    sub.registered_by_id = current_user.id
    receipt = svc.register_letter(sub, files, actor=current_user._get_current_object(), storage=file_stores.attachments,
                                  doc_storage=file_stores.documents, pin_key=cfg["PIN_HMAC_KEY"], now=now, tz=_tz(),
                                  signer=current_user.full_name or current_user.username,
                                  template_dir=cfg["DOC_TEMPLATE_DIR"], track_url=_track_url())
    if not receipt.duplicate:
        _hold_pin(receipt.case_id, receipt.pin, now)
    flash(_("Đã vào sổ đơn, mã tra cứu %(code)s.", code=receipt.code), "success")
    return redirect(url_for("letters.slip", case_id=receipt.case_id), code=303)


def _track_url() -> str:
    base = current_app.config.get("PUBLIC_BASE_URL") or ""
    return (base + url_for("public.track")) if base else url_for("public.track", _external=True)


def _held_pin(case_id: int) -> str | None:
    held = current_keyring().unseal(session.get("letter_receipt"), "session.letter_receipt") or {}
    if not isinstance(held, dict) or held.get("case_id") != case_id or not held.get("pin"):
        return None
    if clock.now() - datetime.fromisoformat(held["at"]) > timedelta(minutes=current_app.config["RECEIPT_VISIBLE_MINUTES"]):
        session.pop("letter_receipt", None)
        return None
    return held["pin"]


def _case_for_receipt(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not policy.can_view_letter_receipt(current_user, case):
        abort(404)
    return case


@bp.get("/vao-so-don/<int:case_id>/bien-nhan")
def slip(case_id: int):
    g.no_store = True
    case = _case_for_receipt(case_id)
    doc = db.session.execute(select(IssuedDocument).where(IssuedDocument.case_id == case.id,
                                                          IssuedDocument.doc_type == "bien_nhan")
                             .order_by(IssuedDocument.id.desc()).limit(1)).scalar_one_or_none()
    values = svc.doc_values(case, tz=_tz(), show_identity=True, track_url=_track_url())
    return render_template("letters/slip.html", case=case, doc=doc, pin=_held_pin(case.id), values=values,
                           can_open_case=policy.can_view_case(current_user, case),
                           channel=CHANNELS.get(case.channel, case.channel), today=_today(),
                           org_name=values["co_quan"], heading=svc.heading(doc.doc_no if doc else "……",
                                                                           doc.issued_on if doc else _today(),
                                                                           doc.signer if doc else ""))


@bp.get("/van-ban/<int:doc_id>")
def document_file(doc_id: int):
    doc = db.session.get(IssuedDocument, doc_id)
    if doc is None:
        abort(404)
    case = db.session.get(Case, doc.case_id)
    if not (policy.can_view_case(current_user, case) or
            (doc.doc_type == "bien_nhan" and policy.can_view_letter_receipt(current_user, case))):
        abort(404)
    try:
        fh = file_stores.documents.open(doc.storage_key)
    except (FileNotFoundError, ValueError):
        abort(404)
    resp = send_file(fh, mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     as_attachment=True, download_name=f"{doc.doc_type}-{doc.number}-{doc.year}.docx", max_age=0)
    resp.headers["Content-Security-Policy"] = "sandbox"
    return resp


def _case_error(case_id: int, exc: svc.LetterError, action: str):
    db.session.rollback()
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    values["_action"] = action
    return console.case_page(case_id, status_code=422 if exc.code != "forbidden" else 403,
                       error=_msg(exc.code, **exc.params), values=values)


@bp.post("/ho-so/<int:case_id>/van-ban")
def issue(case_id: int):
    form = IssueForm()
    doc_type = request.form.get("doc_type", "")
    if not form.validate():
        first = next((f for f in form if f.errors), None)
        err = svc.LetterError("required", first.name if first else None)
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        values["_action"] = "issue_document"
        return console.case_page(case_id, status_code=422,
                           error=(first.errors[0] if first else _msg(err.code)), values=values)
    cfg = current_app.config
    kept: list[str] = []

    def work():
        for key in kept:  # the file of an attempt run again (its transaction was rolled back)
            file_stores.documents.delete(key)
        issued = svc.issue_document(case_id, doc_type, actor=current_user._get_current_object(), now=clock.now(),
                                    tz=_tz(), storage=file_stores.documents, number=form.number.data,
                                    issued_on=form.issued_on.data, signer=form.signer.data or "",
                                    agency=form.agency.data or "", note=form.note.data or "",
                                    template_dir=cfg["DOC_TEMPLATE_DIR"], track_url=_track_url(), begin=False)
        kept[:] = [issued.document.storage_key]
        return issued
    try:  # one rule for writes: the case's lock, the checks, the number, one commit
        issued = uow.run_write(work, cleanup=lambda: [file_stores.documents.delete(k) for k in kept])
    except svc.LetterError as exc:
        return _case_error(case_id, exc, "issue_document")
    tpl = docs.load_template(doc_type, cfg["DOC_TEMPLATE_DIR"])
    flash(_("Đã ban hành %(name)s số %(no)s.", name=tpl.name, no=issued.document.doc_no), "success")
    return redirect(url_for("staff.case_detail", case_id=case_id) + "#van-ban", code=303)


@bp.post("/ho-so/<int:case_id>/phuc-dap")
def agency_reply(case_id: int):
    form = AgencyReplyForm()
    if not form.validate():
        first = next((f for f in form if f.errors), None)
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        values["_action"] = "agency_reply"
        return console.case_page(case_id, status_code=422,
                           error=first.errors[0] if first else _msg("required"), values=values)
    files, file_errors = _read_files("file", 1)
    if file_errors:
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        values["_action"] = "agency_reply"
        return console.case_page(case_id, status_code=422, error=" ".join(file_errors), values=values)
    try:  # one rule for writes: the case's lock, the checks, one commit (run again on a transient refusal)
        uow.run_write(lambda: svc.record_agency_reply(
            case_id, actor=current_user._get_current_object(), now=clock.now(), tz=_tz(),
            storage=file_stores.attachments, agency=form.agency.data or "", doc_no=form.doc_no.data or "",
            doc_date=form.doc_date.data, summary=form.summary.data or "", file=files[0] if files else None,
            begin=False))
    except svc.LetterError as exc:
        return _case_error(case_id, exc, "agency_reply")
    flash(_("Đã ghi văn bản phúc đáp."), "success")
    return redirect(url_for("staff.case_detail", case_id=case_id) + "#phuc-dap", code=303)


@bp.get("/don-chuyen-cho-phuc-dap")
@requires(policy.can_triage)
def awaiting_reply():
    days = current_app.config["AGENCY_REPLY_DAYS"]
    rows = svc.awaiting_reply(today=_today(), days=days)
    return render_template("letters/awaiting_reply.html", rows=rows, days=days)
