"""Service satisfaction survey: public (QR at the counter, after a case) and staff pages."""
from __future__ import annotations

import io
import uuid

import segno
from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..clock import now as _now
from .. import clock
from .. import policy
from ..domain.survey_stats import quarter_of
from ..domain.validation import parse_int
from ..extensions import db, limiter
from ..models import Service, Unit
from ..models.survey import SurveyPoint, SurveyResponse, SurveySpamLog
from ..services import survey as svc
from ..console import guard_staff, register
from ..services import uow
from ..web import public_url
from . import queries
from .forms import (COMMENT_MAX, MESSAGES, CaseRatingForm, PeriodForm, PointForm, SpamForm,
                    SurveyForm, parse_ratings)

bp = Blueprint("survey", __name__)
staff_bp = Blueprint("survey_staff", __name__)
staff_bp.before_request(guard_staff)  # every page here needs a recent staff login

register("survey_staff.results", _l("Khảo sát hài lòng"), policy.can_view_survey_results,
         hint=_l("Kết quả khảo sát theo đơn vị và tiêu chí"), order=60)
register("survey_staff.points", _l("Điểm khảo sát (mã QR)"), policy.can_manage_survey_points,
         hint=_l("Tạo điểm khảo sát, in áp phích mã QR"), order=61)
register("survey_staff.criteria", _l("Tiêu chí khảo sát"), policy.can_edit_survey_criteria,
         hint=_l("Sửa câu hỏi, thang đo (tạo phiên bản mới)"), order=62)

FACTOR_LABELS = {
    "access": _l("Tiếp cận dịch vụ"), "procedure": _l("Thủ tục hành chính"),
    "staff": _l("Công chức trực tiếp giải quyết công việc"), "result": _l("Kết quả dịch vụ"),
    "feedback": _l("Tiếp nhận, giải quyết góp ý, phản ánh, kiến nghị"), "overall": _l("Đánh giá chung"),
}
CHANNEL_LABELS = {"web": _l("Trang web"), "qr": _l("Mã QR tại quầy"), "case": _l("Sau giải quyết hồ sơ")}



def _survey_limit() -> str:
    return current_app.config["RATELIMIT_SURVEY"]


def _client_hash() -> str:
    return svc.client_hash(current_app.config["SECRET_KEY"], request.remote_addr)


def _token_ok(token: str | None) -> bool:
    return bool(token) and 8 <= len(token) <= 64 and token.isalnum()


# --- public: the survey -------------------------------------------------------------------------

def _fill_choices(form) -> None:
    units = db.session.execute(select(Unit.id, Unit.name).where(Unit.active.is_(True))
                               .order_by(Unit.sort_order, Unit.name)).all()
    services = db.session.execute(select(Service.id, Service.name, Service.unit_id)
                                  .where(Service.active.is_(True))).all()
    none = SelectChoice("", _("— Không chọn —"))
    form.unit_id.choices = [SelectChoice("", _("— Chọn đơn vị —"))] + [SelectChoice(str(u.id), u.name) for u in units]
    unit_names = {u.id: u.name for u in units}
    form.service_id.choices = [none] + [
        SelectChoice(str(s.id), s.name, optgroup=unit_names[s.unit_id])
        for s in sorted(services, key=lambda s: (unit_names.get(s.unit_id, ""), s.name))
        if s.unit_id in unit_names]


def _resolve_unit(form, errors: dict) -> tuple[int | None, int | None]:
    """The chosen unit (required) and service (optional; implies its unit when none is chosen; a
    service of another unit is recorded as given, never a reason to refuse the answers)."""
    from ..public.forms import MESSAGES as PUBLIC_MESSAGES
    invalid = str(PUBLIC_MESSAGES["invalid_choice"])
    unit_id = service_id = None
    raw_unit, raw_service = form.unit_id.data or "", form.service_id.data or ""
    service = None
    if raw_service:
        number = parse_int(raw_service)
        service = db.session.execute(select(Service.id, Service.unit_id).where(
            Service.id == number, Service.active.is_(True))).first() if number is not None else None
        if service is None:
            errors["service_id"] = invalid
        else:
            service_id = service.id
    if raw_unit:
        number = parse_int(raw_unit)
        unit = db.session.execute(select(Unit.id).where(Unit.id == number, Unit.active.is_(True))
                                  ).first() if number is not None else None
        if unit is None:
            errors["unit_id"] = invalid
        else:
            unit_id = unit.id
    elif service is not None:
        unit_id = service.unit_id
    if unit_id is None and "unit_id" not in errors:
        errors["unit_id"] = str(MESSAGES["unit_required"])
    return unit_id, service_id


def _render_survey(form, version, point=None, answers=None, rating_errors=None, notices=(), status=200):
    if form.unit_id.choices is None or point is None:
        _fill_choices(form)
    form.version.data = str(version.id)
    return render_template("survey/form.html", form=form, version=version, point=point,
                           answers=answers or {}, rating_errors=rating_errors or {},
                           notices=list(notices), comment_max=COMMENT_MAX), status


def _new_form(version, point=None) -> SurveyForm:
    form = SurveyForm()
    form.token.data = uuid.uuid4().hex
    form.version.data = str(version.id)
    if point is not None:
        form.point.data = point.slug
    return form


def _service_version():
    version = svc.current_version("service")
    if version is None:
        abort(404)
    return version


@bp.get("/khao-sat")
def survey():
    version = _service_version()
    form = _new_form(version)
    _fill_choices(form)
    unit, service = request.args.get("don-vi", ""), request.args.get("dich-vu", "")
    form.unit_id.data = str(parse_int(unit) or "")
    form.service_id.data = str(parse_int(service) or "")
    return _render_survey(form, version)


@bp.get("/ks/<slug>")
def survey_point(slug: str):
    """What the QR code opens: the survey with the point's unit and service chosen."""
    version = _service_version()
    point = svc.active_point(slug)
    if point is None:
        form = _new_form(version)
        return _render_survey(form, version, notices=[str(MESSAGES["point_gone"])], status=404)
    return _render_survey(_new_form(version, point), version, point=point)


@bp.post("/khao-sat")
@limiter.limit(_survey_limit, deduct_when=lambda r: r.status_code in (302, 303))
def submit_survey():
    version = _service_version()
    form = SurveyForm()
    ok = form.validate()
    errors: dict[str, str] = {}
    notices: list[str] = []
    if form.website.data:
        errors["website"] = str(MESSAGES["honeypot"])
    if not _token_ok(form.token.data):
        notices.append(str(MESSAGES["token"]))
        form.token.data = uuid.uuid4().hex
    if (form.version.data or "") != str(version.id):
        notices.append(str(MESSAGES["version_changed"]))
    point = None
    if form.point.data:
        point = svc.active_point(form.point.data)
        if point is None:
            notices.append(str(MESSAGES["point_gone"]))
            form.point.data = ""
            errors.setdefault("unit_id", str(MESSAGES["unit_required"]))
            form.unit_id.data = ""
    if point is not None:
        unit_id, service_id = point.unit_id, point.service_id
    elif "unit_id" not in errors:
        unit_id, service_id = _resolve_unit(form, errors)
    else:
        unit_id = service_id = None
    scores, rating_errors, raw = parse_ratings([(c.code, c.required) for c in version.criteria],
                                               len(version.scale), request.form)
    profile = form.respondent_type.data in ("citizen", "business") or form.age_band.data in svc.AGE_BANDS
    if form.respondent_type.data and form.respondent_type.data not in ("citizen", "business"):
        errors["respondent_type"] = str(MESSAGES["rating_invalid"])
    if form.age_band.data and form.age_band.data not in svc.AGE_BANDS:
        errors["age_band"] = str(MESSAGES["rating_invalid"])
    if profile and not form.consent.data:
        errors["consent"] = str(MESSAGES["consent_required"])
    if not ok or errors or rating_errors or notices:
        for name, message in errors.items():
            form[name].errors = list(form[name].errors) + [message]
        return _render_survey(form, version, point=point, answers=raw, rating_errors=rating_errors,
                              notices=notices, status=422)
    data = svc.ResponseInput(
        version_id=version.id, channel="qr" if point is not None else "web", scores=scores,
        token=form.token.data, client_hash=_client_hash(), unit_id=unit_id, service_id=service_id,
        point_id=point.id if point is not None else None, comment=form.comment.data or "",
        respondent_type=form.respondent_type.data or None, age_band=form.age_band.data or None,
        consent=bool(form.consent.data))
    try:
        svc.record_response(data, now=_now(),
                            repeat_window_minutes=current_app.config["SURVEY_REPEAT_WINDOW_MINUTES"])
    except svc.StaleVersion:
        return _render_survey(form, svc.current_version("service"), point=point, answers=raw,
                              notices=[str(MESSAGES["version_changed"])], status=422)
    return redirect(url_for("survey.thanks"), code=303)


@bp.get("/khao-sat/cam-on")
def thanks():
    return render_template("survey/thanks.html")


# --- public: rating a resolved case -------------------------------------------------------------

def _rating_page(case, form, version, answers=None, rating_errors=None, notices=(), status=200):
    form.version.data = str(version.id)
    return render_template("survey/rate_case.html", case=case, form=form, version=version,
                           answers=answers or {}, rating_errors=rating_errors or {},
                           notices=list(notices), comment_max=COMMENT_MAX), status


@bp.route("/ho-so/<code>/danh-gia", methods=["GET", "POST"])
@limiter.limit(_survey_limit, methods=["POST"], deduct_when=lambda r: r.status_code in (302, 303))
def rate_case(code: str):
    from ..public.tracking import _tracked_case_or_redirect
    g.no_store = True
    case, redirect_resp = _tracked_case_or_redirect(code)
    if redirect_resp:
        return redirect_resp
    version = svc.current_version("case")
    if version is None:
        abort(404)
    invite = svc.invitation_for(case)
    if request.method == "GET":
        if invite is None:
            flash(str(MESSAGES["not_resolved_yet"]), "info")
            return redirect(url_for("public.case_status", code=case.tracking_code))
        if invite["rated"]:
            flash(str(MESSAGES["already_rated"]), "info")
            return redirect(url_for("public.case_status", code=case.tracking_code))
        form = CaseRatingForm()
        form.token.data = uuid.uuid4().hex
        return _rating_page(case, form, version)

    form = CaseRatingForm()
    ok = form.validate()
    notices: list[str] = []
    if form.website.data:
        form.comment.errors = list(form.comment.errors) + [str(MESSAGES["honeypot"])]
        ok = False
    if not _token_ok(form.token.data):
        notices.append(str(MESSAGES["token"]))
        form.token.data = uuid.uuid4().hex
    if (form.version.data or "") != str(version.id):
        notices.append(str(MESSAGES["version_changed"]))
    if invite is None:
        notices.append(str(MESSAGES["not_resolved_yet"]))
    elif invite["rated"]:
        notices.append(str(MESSAGES["already_rated"]))
    if form.resolved.data not in ("yes", "no"):
        form.resolved.errors = list(form.resolved.errors) + [str(MESSAGES["resolved_required"])]
        ok = False
    scores, rating_errors, raw = parse_ratings([(c.code, c.required) for c in version.criteria],
                                               len(version.scale), request.form)
    if not ok or notices or rating_errors:
        return _rating_page(case, form, version, raw, rating_errors, notices, 422)
    data = svc.ResponseInput(
        version_id=version.id, channel="case", scores=scores, token=form.token.data,
        client_hash=_client_hash(), unit_id=svc.rating_unit_id(case), service_id=case.service_id,
        case_id=case.id, case_kind_code=case.kind_code, problem_resolved=form.resolved.data == "yes",
        comment=form.comment.data or "")
    try:
        svc.record_response(data, now=_now(), repeat_window_minutes=0)
    except svc.AlreadyRated:
        return _rating_page(case, form, version, raw, notices=[str(MESSAGES["already_rated"])], status=422)
    except svc.StaleVersion:
        return _rating_page(case, form, svc.current_version("case"), raw,
                            notices=[str(MESSAGES["version_changed"])], status=422)
    flash(_("Cảm ơn bạn đã đánh giá việc giải quyết hồ sơ."), "success")
    return redirect(url_for("public.case_status", code=case.tracking_code), code=303)


# --- staff --------------------------------------------------------------------------------------

def _require(allowed) -> None:
    if not allowed(current_user):
        abort(403)


def _period():
    form = PeriodForm(request.args)
    form.validate()
    today = clock.today()
    start, end = quarter_of(today)
    if form.tu.data and not form.tu.errors:
        start = form.tu.data
    if form.den.data and not form.den.errors:
        end = form.den.data
    if end < start:
        start, end = end, start
    form.tu.data, form.den.data = start, end
    since, until = queries.period_bounds(start, end, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return form, since, until


@staff_bp.get("/")
def results():
    _require(policy.can_view_survey_results)
    form, since, until = _period()
    small = current_app.config["SURVEY_SMALL_SAMPLE"]
    by_unit_factor = queries.figures(since, until, ("unit", "factor"), small)
    by_criterion = queries.figures(since, until, ("criterion",), small)
    counts = queries.response_counts(since, until, ("unit",))
    by_channel = queries.response_counts(since, until, ("channel",))
    units: dict = {}
    for f in by_unit_factor:
        units.setdefault(f["unit"], {})[f["factor"]] = f
    return render_template("survey/staff/results.html", form=form, units=units, counts=counts,
                           by_criterion=by_criterion, by_channel=by_channel, names=queries.names(),
                           factors=svc.FACTORS, factor_labels=FACTOR_LABELS,
                           channel_labels=CHANNEL_LABELS, small=small)


@staff_bp.get("/phieu")
def responses():
    _require(policy.can_view_survey_results)
    form, since, until = _period()
    only = request.args.get("loc", "")
    q = (select(SurveyResponse).where(SurveyResponse.created_at >= since, SurveyResponse.created_at < until)
         .order_by(SurveyResponse.created_at.desc()).limit(200))
    if only == "nghi-van":
        q = q.where(SurveyResponse.repeat_flag.is_(True))
    elif only == "chua-giai-quyet":
        q = q.where(SurveyResponse.problem_resolved.is_(False))
    rows = db.session.execute(q).scalars().all()
    log = db.session.execute(select(SurveySpamLog).order_by(SurveySpamLog.id.desc()).limit(50)).scalars().all()
    return render_template("survey/staff/responses.html", form=form, rows=rows, names=queries.names(),
                           spam_form=SpamForm(), may_mark=policy.can_mark_survey_spam(current_user),
                           channel_labels=CHANNEL_LABELS, log=log, only=only)


@staff_bp.post("/phieu/<int:response_id>/spam")
def mark_spam(response_id: int):
    _require(policy.can_mark_survey_spam)
    if db.session.get(SurveyResponse, response_id) is None:
        abort(404)
    form = SpamForm()
    if not form.validate():
        for errs in form.errors.values():
            for e in errs:
                flash(str(e), "warn")
        return redirect(url_for("survey_staff.responses"))
    is_spam = request.form.get("spam") != "0"
    response = uow.lock(SurveyResponse, response_id)  # one rule for writes: the mark is read fresh
    if response.is_spam == is_spam:  # someone did the same a moment ago: nothing to change
        db.session.rollback()
        last = db.session.execute(select(SurveySpamLog).where(SurveySpamLog.response_id == response_id)
                                  .order_by(SurveySpamLog.id.desc()).limit(1)).scalar_one_or_none()
        return _already_done(_("Phiếu #%(n)s vừa được %(who)s %(what)s lúc %(at)s; thao tác của bạn không thay đổi gì.",
                               n=response_id, who=_actor_name(last.actor_id if last else None),
                               what=_("đánh dấu rác") if is_spam else _("bỏ đánh dấu rác"),
                               at=format_datetime(last.created_at, "HH:mm:ss dd/MM/yyyy") if last else "—"),
                             url_for("survey_staff.responses"))
    svc.mark_spam(response, is_spam=is_spam, reason=form.reason.data, actor_id=current_user.id, now=_now())
    db.session.commit()
    flash(_("Đã đánh dấu phiếu là rác; phiếu không còn được tính.") if is_spam
          else _("Đã bỏ đánh dấu rác; phiếu được tính lại."), "success")
    return redirect(url_for("survey_staff.responses"), code=303)


def _actor_name(user_id: int | None) -> str:
    from ..models import User
    user = db.session.get(User, user_id) if user_id else None
    return (user.full_name or user.username) if user else _("một cán bộ khác")


def _already_done(text: str, back: str):
    """409: the change was just made by someone else (or by a second click)."""
    return render_template("errors/error.html", code=409, title=_("Đã có người thực hiện thao tác này"),
                           text=text, back=back), 409


def _point_choices(form: PointForm) -> None:
    _fill_choices(form)


@staff_bp.route("/diem", methods=["GET", "POST"])
def points():
    _require(policy.can_manage_survey_points)
    form = PointForm()
    _point_choices(form)
    status = 200
    if request.method == "POST":
        errors: dict[str, str] = {}
        ok = form.validate()
        unit_id, service_id = _resolve_unit(form, errors)
        for name, message in errors.items():
            form[name].errors = list(form[name].errors) + [message]
        if ok and not errors:
            point = svc.create_point(unit_id=unit_id, service_id=service_id, label=form.label.data,
                                     actor_id=current_user.id, now=_now())
            db.session.commit()
            flash(_("Đã tạo điểm khảo sát “%(label)s”.", label=point.label), "success")
            return redirect(url_for("survey_staff.poster", point_id=point.id), code=303)
        status = 422
    rows = db.session.execute(select(SurveyPoint).order_by(SurveyPoint.active.desc(), SurveyPoint.id.desc())).scalars().all()
    return render_template("survey/staff/points.html", form=form, rows=rows, toggle=FlaskForm()), status


@staff_bp.post("/diem/<int:point_id>/trang-thai")
def toggle_point(point_id: int):
    _require(policy.can_manage_survey_points)
    if db.session.get(SurveyPoint, point_id) is None:
        abort(404)
    if not FlaskForm().validate():
        abort(400)
    point = uow.lock(SurveyPoint, point_id)  # one rule for writes: the state is read fresh
    wanted = request.form.get("active")  # the state the button asked for ("1" use, "0" stop)
    target = (wanted == "1") if wanted in ("0", "1") else not point.active
    if point.active == target:  # two clicks (or two people) at once: the first did it
        db.session.rollback()
        return _already_done(_("Điểm khảo sát “%(label)s” vừa được chuyển sang “%(state)s”; thao tác của bạn "
                               "không thay đổi gì.", label=point.label,
                               state=_("Đang dùng") if target else _("Ngừng dùng")),
                             url_for("survey_staff.points"))
    point.active = target
    db.session.commit()
    flash(_("Đã cập nhật điểm khảo sát."), "success")
    return redirect(url_for("survey_staff.points"), code=303)


def _point_or_404(point_id: int) -> SurveyPoint:
    point = db.session.get(SurveyPoint, point_id)
    if point is None:
        abort(404)
    return point


def point_url(point: SurveyPoint) -> str:
    return public_url("survey.survey_point", slug=point.slug)


def _qr(point: SurveyPoint):
    return segno.make(point_url(point), error="m")


@staff_bp.get("/diem/<int:point_id>/ap-phich")
def poster(point_id: int):
    _require(policy.can_manage_survey_points)
    point = _point_or_404(point_id)
    size = "a5" if request.args.get("kho") == "a5" else "a4"
    return render_template("survey/staff/poster.html", point=point, url=point_url(point), size=size)


@staff_bp.get("/diem/<int:point_id>/qr.<fmt>")
def qr_code(point_id: int, fmt: str):
    _require(policy.can_manage_survey_points)
    point = _point_or_404(point_id)
    if fmt not in ("svg", "png"):
        abort(404)
    buf = io.BytesIO()
    if fmt == "svg":
        _qr(point).save(buf, kind="svg", scale=10, border=4, xmldecl=True, svgns=True)
        mimetype = "image/svg+xml"
    else:
        _qr(point).save(buf, kind="png", scale=16, border=4)
        mimetype = "image/png"
    buf.seek(0)
    download = request.args.get("tai") == "1"
    resp = send_file(buf, mimetype=mimetype, as_attachment=download,
                     download_name=f"khao-sat-{point.slug}.{fmt}", max_age=0)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@staff_bp.route("/tieu-chi", methods=["GET", "POST"])
def criteria():
    """Edit a questionnaire: wording, retire, add, scale. Saving creates a new version."""
    _require(policy.can_edit_survey_criteria)
    questionnaire = request.values.get("bang", "service")
    if questionnaire not in svc.DEFAULT_CRITERIA:
        abort(404)
    version = svc.current_version(questionnaire)
    form = FlaskForm()
    errors: list[str] = []
    if request.method == "POST":
        if not form.validate():
            errors.append(_("Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ. Vui lòng gửi lại."))
        if request.form.get("version") != str(version.id if version else ""):
            errors.append(str(MESSAGES["version_changed"]))
        spec, labels_en, required = [], {}, set()
        for c in (version.criteria if version else []):
            if request.form.get(f"retire_{c.code}"):
                continue
            label = (request.form.get(f"label_{c.code}") or "").strip()
            if not label or len(label) > 300:
                errors.append(_("Nội dung câu hỏi không được để trống và tối đa 300 ký tự."))
                continue
            spec.append((c.code, c.factor, label))
            if label_en := (request.form.get(f"label_en_{c.code}") or "").strip()[:300]:
                labels_en[c.code] = label_en
            if request.form.get(f"required_{c.code}"):
                required.add(c.code)
        new_label = (request.form.get("new_label") or "").strip()
        new_factor = request.form.get("new_factor") or ""
        if new_label:
            if new_factor not in svc.FACTORS or len(new_label) > 300:
                errors.append(_("Câu hỏi mới cần nội dung (tối đa 300 ký tự) và một nhóm tiêu chí."))
            else:
                used = {c for c, _f, _t in spec} | {c.code for c in (version.criteria if version else [])}
                n = 1
                while f"c{n}" in used:
                    n += 1
                spec.append((f"c{n}", new_factor, new_label))
        scale = [s.strip() for s in (request.form.get("scale") or "").splitlines() if s.strip()]
        if not 2 <= len(scale) <= 10 or any(len(s) > 60 for s in scale):
            errors.append(_("Thang đo cần từ 2 đến 10 mức, mỗi mức một dòng (tối đa 60 ký tự), từ thấp đến cao."))
        scale_en = [s.strip() for s in (request.form.get("scale_en") or "").splitlines() if s.strip()]
        if scale_en and (len(scale_en) != len(scale) or any(len(s) > 60 for s in scale_en)):
            errors.append(_("Thang đo tiếng Anh cần đúng số mức như thang đo tiếng Việt (mỗi mức tối đa 60 ký tự)."))
        if spec and not required:
            errors.append(_("Cần ít nhất một câu bắt buộc trả lời (thường là câu đánh giá chung)."))
        if not spec:
            errors.append(_("Bảng câu hỏi cần ít nhất một câu hỏi."))
        if not errors:
            unchanged = version is not None and scale == version.scale and spec == [
                (c.code, c.factor, c.label) for c in version.criteria] and (scale_en or None) == version.scale_en \
                and labels_en == {c.code: c.label_en for c in version.criteria if c.label_en} \
                and required == {c.code for c in version.criteria if c.required}
            if unchanged:
                flash(_("Không có thay đổi nào; phiên bản hiện tại được giữ nguyên."), "info")
                return redirect(url_for("survey_staff.criteria", bang=questionnaire), code=303)
            # one rule for writes: the current version is read again under the questionnaire's lock,
            # so two saves from the same page make one new version and the other sees 409
            uow.lock_name(f"survey-questionnaire:{questionnaire}")
            fresh = svc.current_version(questionnaire)
            if (fresh.id if fresh else None) != (version.id if version else None):
                db.session.rollback()
                version = svc.current_version(questionnaire)
                return render_template("survey/staff/criteria.html", version=version, questionnaire=questionnaire,
                                       form=form, factors=svc.FACTORS, factor_labels=FACTOR_LABELS,
                                       errors=[_("Bảng câu hỏi vừa được %(who)s lưu thành phiên bản %(n)s; thay đổi của "
                                                 "bạn CHƯA được lưu. Dưới đây là phiên bản hiện tại; hãy sửa lại nếu "
                                                 "vẫn cần.", who=_actor_name(version.created_by_id), n=version.number)]), 409
            v = svc.new_version(questionnaire, spec, scale, actor_id=current_user.id, now=_now(),
                                note=(request.form.get("note") or "")[:500], labels_en=labels_en,
                                scale_en=scale_en or None, required=required)
            db.session.commit()
            flash(_("Đã lưu phiên bản %(n)s của bảng câu hỏi. Các phiếu cũ vẫn giữ phiên bản đã trả lời.", n=v.number), "success")
            return redirect(url_for("survey_staff.criteria", bang=questionnaire), code=303)
    return render_template("survey/staff/criteria.html", version=version, questionnaire=questionnaire,
                           form=form, errors=errors, factors=svc.FACTORS, factor_labels=FACTOR_LABELS), (422 if errors else 200)
