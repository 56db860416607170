"""Dialogue sessions (đối thoại) with citizens and businesses: content, commitments, minutes."""
from __future__ import annotations

import uuid

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from .. import policy
from ..extensions import db, file_stores
from ..labels import staff_status_label
from ..models.reception import DialogueSession
from ..forms.case import file_error_message
from ..storage import RejectedFile, clean_upload
from ..services import reception as service
from ..services import uow
from .forms import (
    MESSAGES,
    DialogueFilterForm,
    DialogueForm,
)
from ..domain.reception import dialogue_errors, parse_codes
from ..console import requires
from .base import (PER_PAGE, _add_errors, _args, _conflict, _page, _source,
                   _token_ok, bp)


# Dialogue sessions -------------------------------------------------------------------------------

@bp.route("/doi-thoai", methods=["GET", "POST"])
@requires(policy.can_view_reception_log)
def dialogues():
    form = DialogueFilterForm(formdata=_source())
    form.validate()
    page = _page()
    rows, total = service.list_dialogues(
        (form.q.data or "")[:200], None if form.date_from.errors else form.date_from.data,
        None if form.date_to.errors else form.date_to.data, page, PER_PAGE)
    args = _args()
    return render_template("reception/dialogues.html", form=form, rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), args=args,
                           can_edit=policy.can_log_reception(current_user))


def _read_minutes(form: DialogueForm):
    up = request.files.get(form.minutes.name)
    if not up or not up.filename:
        return None
    limit = current_app.config["UPLOAD_MAX_FILE_BYTES"]
    raw = up.stream.read(limit + 1)
    try:
        return clean_upload(raw, up.filename, limit)
    except RejectedFile as exc:
        form.minutes.errors = list(form.minutes.errors) + [
            file_error_message(exc.code, exc.filename, limit, MESSAGES)]
        return None


def _check_dialogue(form: DialogueForm):
    form_ok = form.validate()
    v = form.values()
    _add_errors(form, dialogue_errors(v, clock.today()))
    codes, unreadable = parse_codes(form.case_codes.data or "")
    case_ids = {}
    if unreadable:
        form.case_codes.errors = list(form.case_codes.errors) + [
            str(MESSAGES["codes_format"]) % {"codes": ", ".join(unreadable)}]
    elif codes:
        found = service.cases_by_code(codes)
        missing = [c for c in codes if c not in found]
        if missing:
            form.case_codes.errors = list(form.case_codes.errors) + [
                str(MESSAGES["codes_unknown"]) % {"codes": ", ".join(missing)}]
        case_ids = {c: found[c] for c in codes if c in found}
    minutes = _read_minutes(form)
    extra = {}
    if not _token_ok(form.token.data):
        extra["token"] = _("Biểu mẫu thiếu mã phiên. Vui lòng tải lại trang rồi gửi lại.")
    ok = form_ok and not any(f.errors for f in form) and not extra
    return ok, v, case_ids, minutes, extra


def _render_dialogue_form(form, dialogue=None, status=200, extra=None, conflict=None):
    file_again = request.method == "POST" and bool(request.files.get("minutes") and request.files["minutes"].filename)
    version = None
    if dialogue is not None:  # a refused save keeps the version the user started from
        version = request.form.get("version") if status == 422 else None
        version = version or service.record_version(dialogue)
    return render_template("reception/dialogue_form.html", form=form, dialogue=dialogue, extra_errors=extra or {},
                           file_again=file_again and not conflict, version=version, conflict=conflict), status


def _dialogue_page(d: DialogueSession) -> DialogueForm:
    form = DialogueForm(formdata=None, obj=d)
    form.case_codes.data = "\n".join(c.tracking_code for c in d.cases)
    form.token.data = uuid.uuid4().hex
    return form


@bp.route("/doi-thoai/moi", methods=["GET", "POST"])
@requires(policy.can_log_reception)
def dialogue_new():
    form = DialogueForm()
    if request.method == "GET":
        form.token.data = uuid.uuid4().hex
        form.held_on.data = clock.today()
        return _render_dialogue_form(form)
    ok, v, case_ids, minutes, extra = _check_dialogue(form)
    if not ok:
        return _render_dialogue_form(form, status=422, extra=extra)
    dialogue_id, duplicate = service.save_dialogue(v, case_ids, minutes, storage=file_stores.minutes,
                                                   actor_id=current_user.id, now=clock.now(), token=form.token.data)
    if duplicate:
        flash(_("Buổi đối thoại này đã được ghi trước đó; không ghi thêm lần nữa."), "info")
    else:
        flash(_("Đã ghi buổi đối thoại."), "success")
    return redirect(url_for("reception.dialogue_detail", dialogue_id=dialogue_id), code=303)


def _dialogue_or_404(dialogue_id: int) -> DialogueSession:
    d = db.session.get(DialogueSession, dialogue_id)
    if d is None:
        abort(404)
    return d


@bp.get("/doi-thoai/<int:dialogue_id>")
@requires(policy.can_view_reception_log)
def dialogue_detail(dialogue_id: int):
    d = _dialogue_or_404(dialogue_id)
    return render_template("reception/dialogue_detail.html", d=d, status_label=staff_status_label,
                           can_edit=policy.can_log_reception(current_user))


@bp.route("/doi-thoai/<int:dialogue_id>/sua", methods=["GET", "POST"])
@requires(policy.can_log_reception)
def dialogue_edit(dialogue_id: int):
    d = _dialogue_or_404(dialogue_id)
    if request.method == "GET":
        return _render_dialogue_form(_dialogue_page(d), d)
    form = DialogueForm()
    ok, v, case_ids, minutes, extra = _check_dialogue(form)
    if not ok:
        return _render_dialogue_form(form, d, 422, extra)
    try:
        service.save_dialogue(v, case_ids, minutes, storage=file_stores.minutes, actor_id=current_user.id,
                              now=clock.now(), dialogue_id=d.id, seen_version=request.form.get("version"))
    except uow.Conflict as exc:  # saved by someone else since this page was opened
        conflict = _conflict(exc)
        d = _dialogue_or_404(dialogue_id)
        return _render_dialogue_form(_dialogue_page(d), d, 409, conflict=conflict)
    flash(_("Đã lưu thay đổi của buổi đối thoại."), "success")
    return redirect(url_for("reception.dialogue_detail", dialogue_id=dialogue_id), code=303)


@bp.get("/doi-thoai/<int:dialogue_id>/bien-ban")
@requires(policy.can_view_reception_log)
def dialogue_minutes(dialogue_id: int):
    d = _dialogue_or_404(dialogue_id)
    if not d.minutes_key:
        abort(404)
    try:
        fh = file_stores.minutes.open(d.minutes_key)
    except FileNotFoundError:
        abort(404)
    resp = send_file(fh, mimetype=d.minutes_type, as_attachment=True, download_name=d.minutes_name, max_age=0)
    resp.headers["Content-Security-Policy"] = "sandbox"
    resp.headers["Cache-Control"] = "no-store"
    return resp
