"""Citizen reception log (sổ tiếp công dân): record, list, export, reveal, edit. The blueprint and
the shared helpers are in ``base``; dialogues in ``dialogues``; the head's sessions in ``sessions``."""
from __future__ import annotations

import uuid

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import clock
from .. import policy
from ..domain.codes import normalize_tracking_code
from ..extensions import db, file_stores
from ..labels import HANDLING, HEAD_MODE, RECEPTION_TYPE, staff_status_label
from ..models import CaseKind
from ..models.reception import ReceptionVisit
from ..services import identity as ident
from ..services import reception as service
from ..services import uow
from .forms import (
    MESSAGES,
    RevealForm,
    VisitFilterForm,
    VisitForm,
)
from ..domain.reception import visit_errors
from ..console import requires
from .base import (PER_PAGE, _add_errors, _args, _conflict, _kinds, _labels, _page, _source, _token_ok, bp)
from .sessions import check_visit_session, session_choices


def _filters() -> tuple[VisitFilterForm, service.VisitFilters]:
    form = VisitFilterForm(formdata=_source())
    form.validate()
    f = service.VisitFilters(
        date_from=None if form.date_from.errors else form.date_from.data,
        date_to=None if form.date_to.errors else form.date_to.data,
        reception_type=form.reception_type.data if form.reception_type.data in RECEPTION_TYPE else "",
        handling=form.handling.data if form.handling.data in HANDLING else "",
        group=form.group.data if form.group.data in ("yes", "no") else "",
        q=(form.q.data or "")[:200])
    return form, f


@bp.route("/", methods=["GET", "POST"])
@requires(policy.can_view_reception_log)
def visits():
    form, f = _filters()
    page = _page()
    rows, total = service.list_visits(f, page, PER_PAGE)
    args = _args()
    return render_template("reception/visits.html", form=form, rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), args=args, labels=_labels(),
                           kinds={k.code: k.name_vi for k in _kinds()},
                           can_edit=policy.can_log_reception(current_user),
                           # a protected visitor only on the visit's page, through the audited reveal
                           show_identity=lambda v: not policy.is_visit_protected(v),
                           show_code=lambda v: v.case is not None and not policy.is_visit_protected(v))


@bp.route("/xuat.csv", methods=["GET", "POST"])
@requires(policy.can_view_reception_log)
def visits_export():
    _form, f = _filters()
    labels = {"type": {k: str(v) for k, v in RECEPTION_TYPE.items()},
              "head": {k: str(v) for k, v in HEAD_MODE.items()},
              "handling": {k: str(v) for k, v in HANDLING.items()},
              "yes": _("Có"), "first": _("Lần đầu"), "repeat": _("Tái diễn"),
              "header": [_("Số thứ tự"), _("Ngày tiếp"), _("Hình thức tiếp"), _("Người đứng đầu tiếp"),
                         _("Họ và tên"), _("Địa chỉ"), _("Tóm tắt nội dung"), _("Phân loại đơn"),
                         _("Số người"), _("Đoàn đông người"), _("Lần đầu / tái diễn"),
                         _("Cơ quan đã giải quyết"), _("Hướng xử lý"), _("Cơ quan chuyển đến, hướng dẫn"),
                         _("Mã hồ sơ"), _("Theo dõi kết quả"), _("Ghi chú")]}
    kinds = {k.code: k.name_vi for k in _kinds()}
    body = stream_with_context(service.export_visits_csv(f, labels, kinds))
    name = f"so-tiep-cong-dan-{clock.today():%Y%m%d}.csv"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _fill_kinds(form: VisitForm) -> None:
    form.kind_code.choices = [SelectChoice("", _("— Chọn loại —"))] + [SelectChoice(k.code, k.name_vi) for k in _kinds()]
    form.session_id.choices = session_choices(clock.today(), form.session_id.data)


def _check_visit(form: VisitForm):
    """Validate everything before anything is written: (ok, values, kind, linked case id)."""
    form_ok = form.validate()
    v = form.values()
    kind = db.session.get(CaseKind, v["kind_code"]) if v.get("kind_code") else None
    if v.get("kind_code") and kind is None:
        _add_errors(form, {"kind_code": "kind_unknown"})
    required = tuple(kind.required_fields) if kind is not None and v.get("case_action") == "create" else ()
    _add_errors(form, check_visit_session(v))
    _add_errors(form, visit_errors(v, clock.today(), required))
    if form.people_count.raw_data and form.people_count.raw_data[0].strip() == "":
        form.people_count.errors = [str(MESSAGES["people_required"])]
    link_case_id = None
    if v.get("case_action") == "link" and not form.tracking_code.errors:
        code = normalize_tracking_code(v["tracking_code"])
        link_case_id = service.cases_by_code([code]).get(code)
        if link_case_id is None:
            _add_errors(form, {"tracking_code": "code_unknown"}, code=code)
        else:
            form.tracking_code.data = code
    extra = {}
    if not _token_ok(form.token.data):
        extra["token"] = _("Biểu mẫu thiếu mã phiên. Vui lòng tải lại trang rồi gửi lại.")
    ok = form_ok and not any(f.errors for f in form) and not extra
    return ok, v, kind, link_case_id, extra


def _render_visit_form(form, visit=None, status=200, extra=None, protected=False, conflict=None):
    _fill_kinds(form)
    version = None
    if visit is not None:  # a refused save keeps the version the user started from
        version = (request.form.get("version") if status == 422 else None) or service.record_version(visit)
    return render_template("reception/visit_form.html", form=form, visit=visit, labels=_labels(),
                           extra_errors=extra or {}, protected=protected, version=version,
                           conflict=conflict), status


def _saved_flash(saved: service.VisitSaved) -> None:
    if saved.duplicate:
        flash(_("Lượt tiếp này đã được ghi trước đó (số %(n)s); không ghi thêm lần nữa.", n=saved.serial_label), "info")
        return
    flash(_("Đã ghi vào sổ tiếp công dân, số thứ tự %(n)s.", n=saved.serial_label), "success")
    if saved.case_code and saved.case_pin:
        flash(_("Đã tạo hồ sơ %(code)s. Mã PIN để công dân tra cứu: %(pin)s — ghi vào phiếu hẹn; mã PIN chỉ hiện một lần.",
                code=saved.case_code, pin=saved.case_pin), "warn")


@bp.route("/moi", methods=["GET", "POST"])
@requires(policy.can_log_reception)
def visit_new():
    form = VisitForm()
    if request.method == "GET":
        form.token.data = uuid.uuid4().hex
        form.visit_date.data = clock.today()
        return _render_visit_form(form)
    ok, v, kind, link_case_id, extra = _check_visit(form)
    if not ok:
        return _render_visit_form(form, status=422, extra=extra)
    cfg = current_app.config
    saved = service.record_visit(v, actor_id=current_user.id, now=clock.now(), token=form.token.data,
                                 link_case_id=link_case_id, kind=kind, storage=file_stores.attachments,
                                 pin_key=cfg["PIN_HMAC_KEY"], tz=cfg["BABEL_DEFAULT_TIMEZONE"])
    _saved_flash(saved)
    return redirect(url_for("reception.visit_detail", visit_id=saved.visit_id), code=303)


def _visit_or_404(visit_id: int) -> ReceptionVisit:
    visit = db.session.get(ReceptionVisit, visit_id)
    if visit is None:
        abort(404)
    return visit


def _render_visit(visit: ReceptionVisit, *, revealed: bool = False, error: str | None = None,
                  status: int = 200, form: RevealForm | None = None):
    user = current_user
    verifiers = ident.visit_verifier_ids(visit)
    protected = policy.is_visit_protected(visit)
    show_identity = revealed or not protected
    return render_template("reception/visit_detail.html", visit=visit, labels=_labels(),
                           serial=service.serial_label(visit), status_label=staff_status_label,
                           show_identity=show_identity, protected=protected, revealed=revealed,
                           may_reveal=protected and not revealed and ident.may_see_visit(user, visit),
                           show_cccd=show_identity and policy.can_log_reception(user),
                           show_code=policy.can_see_visit_case(user, visit, verifiers),
                           can_edit=policy.can_edit_visit(user, visit, verifiers),
                           reveal_form=form or RevealForm(), error=error), status


@bp.get("/<int:visit_id>")
@requires(policy.can_view_reception_log)
def visit_detail(visit_id: int):
    return _render_visit(_visit_or_404(visit_id))


@bp.post("/<int:visit_id>/danh-tinh")
@requires(policy.can_view_reception_log)
def visit_reveal(visit_id: int):
    """A protected visitor (a denouncer): the same guarded, audited reveal as a case's sender."""
    visit = _visit_or_404(visit_id)
    user = current_user._get_current_object()
    form = RevealForm()
    if not policy.is_visit_protected(visit):
        return redirect(url_for("reception.visit_detail", visit_id=visit.id), code=303)
    if not ident.may_see_visit(user, visit):
        return _render_visit(visit, error=_("Bạn không có quyền xem danh tính này."), status=403)
    if not form.validate():
        return _render_visit(visit, error=_("Phiên làm việc đã hết hạn; vui lòng tải lại trang."),
                             status=422, form=form)
    if len((form.reason.data or "").strip()) < 5:  # before the password: no try is spent
        return _render_visit(visit, status=422, form=form,
                             error=_("Vui lòng ghi rõ lý do xem danh tính (ít nhất 5 ký tự)."))
    cfg = current_app.config
    result = ident.fresh_auth(user, form.password.data or "", form.code.data or "", now=clock.now(),
                              max_failures=cfg["REVEAL_MAX_FAILURES"], lock_minutes=cfg["LOGIN_LOCK_MINUTES"],
                              case_id=visit.case_id, detail=f"visit:{visit.id}")
    if result != "ok":
        db.session.commit()
        if result == "locked":
            return redirect(url_for("auth.login"), code=303)
        return _render_visit(_visit_or_404(visit_id), error=_("Mật khẩu hoặc mã xác thực không đúng."),
                             status=422, form=form)
    try:
        ident.reveal_visit(visit, user, form.reason.data or "", clock.now())
    except ident.RevealRefused:
        db.session.rollback()
        return _render_visit(_visit_or_404(visit_id), status=422, form=form,
                             error=_("Vui lòng ghi rõ lý do xem danh tính (ít nhất 5 ký tự)."))
    db.session.commit()
    return _render_visit(visit, revealed=True)


IDENTITY_FIELDS = ("citizen_name", "citizen_address", "cccd")


def _visit_page(visit: ReceptionVisit, protected: bool) -> VisitForm:
    """The edit form as the visit is now; a protected visitor's identity is never pre-filled."""
    form = VisitForm(formdata=None, obj=visit)
    form.is_repeat.data = "repeat" if visit.is_repeat else "first"
    form.case_action.data = "link" if visit.case_id else "none"
    form.tracking_code.data = visit.case.tracking_code if visit.case else ""
    form.session_id.data = str(visit.session_id) if visit.session_id else ""
    form.token.data = uuid.uuid4().hex
    if protected:
        for name in IDENTITY_FIELDS:
            form[name].data = ""
    return form


@bp.route("/<int:visit_id>/sua", methods=["GET", "POST"])
@requires(policy.can_log_reception)
def visit_edit(visit_id: int):
    """A protected visit is edited only by who may see its visitor, and its identity fields are
    never shown pre-filled (that would be a reveal without an audit): left blank, they are kept."""
    visit = _visit_or_404(visit_id)
    if not policy.can_edit_visit(current_user, visit, ident.visit_verifier_ids(visit)):
        abort(403)
    protected = policy.is_visit_protected(visit)
    if request.method == "GET":
        return _render_visit_form(_visit_page(visit, protected), visit, protected=protected)
    form = VisitForm()
    if protected:
        for name in IDENTITY_FIELDS:
            if not (form[name].data or "").strip():
                form[name].data = getattr(visit, name) or ""
    ok, v, kind, link_case_id, extra = _check_visit(form)
    if not ok:
        if protected:
            for name in IDENTITY_FIELDS:
                form[name].data = ""
        return _render_visit_form(form, visit, 422, extra, protected=protected)
    cfg = current_app.config
    try:
        saved = service.update_visit(visit.id, v, actor_id=current_user.id, now=clock.now(), link_case_id=link_case_id,
                                     kind=kind, storage=file_stores.attachments, pin_key=cfg["PIN_HMAC_KEY"],
                                     token=form.token.data, tz=cfg["BABEL_DEFAULT_TIMEZONE"],
                                     seen_version=request.form.get("version"))
    except uow.Conflict as exc:  # saved by someone else since this page was opened
        conflict = _conflict(exc)
        visit = _visit_or_404(visit_id)
        protected = policy.is_visit_protected(visit)
        return _render_visit_form(_visit_page(visit, protected), visit, 409, protected=protected, conflict=conflict)
    flash(_("Đã lưu thay đổi của lượt tiếp số %(n)s.", n=saved.serial_label), "success")
    if saved.case_code and saved.case_pin:
        flash(_("Đã tạo hồ sơ %(code)s. Mã PIN để công dân tra cứu: %(pin)s — ghi vào phiếu hẹn; mã PIN chỉ hiện một lần.",
                code=saved.case_code, pin=saved.case_pin), "warn")
    return redirect(url_for("reception.visit_detail", visit_id=visit.id), code=303)
