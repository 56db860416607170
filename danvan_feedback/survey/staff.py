"""Survey staff pages: results, responses (spam marks), survey points with their QR posters, and
the questionnaire editor."""
from __future__ import annotations

import io

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..clock import now as _now
from .. import clock
from .. import policy
from ..domain.survey_stats import quarter_of
from ..extensions import db
from ..models.survey import SurveyPoint, SurveyResponse, SurveySpamLog
from ..services import survey as svc
from ..console import guard_staff, register
from ..services import uow
from ..web import public_url
from ..services import survey_results
from .choices import fill_choices, resolve_unit
from .criteria import read_draft
from .forms import PeriodForm, PointForm, SpamForm

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
    since, until = survey_results.period_bounds(start, end, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return form, since, until


@staff_bp.get("/")
def results():
    _require(policy.can_view_survey_results)
    form, since, until = _period()
    small = current_app.config["SURVEY_SMALL_SAMPLE"]
    by_unit_factor = survey_results.figures(since, until, ("unit", "factor"), small)
    by_criterion = survey_results.figures(since, until, ("criterion",), small)
    counts = survey_results.response_counts(since, until, ("unit",))
    by_channel = survey_results.response_counts(since, until, ("channel",))
    units: dict = {}
    for f in by_unit_factor:
        units.setdefault(f["unit"], {})[f["factor"]] = f
    return render_template("survey/staff/results.html", form=form, units=units, counts=counts,
                           by_criterion=by_criterion, by_channel=by_channel, names=survey_results.names(),
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
    return render_template("survey/staff/responses.html", form=form, rows=rows, names=survey_results.names(),
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


@staff_bp.route("/diem", methods=["GET", "POST"])
def points():
    _require(policy.can_manage_survey_points)
    form = PointForm()
    fill_choices(form)
    status = 200
    if request.method == "POST":
        errors: dict[str, str] = {}
        ok = form.validate()
        unit_id, service_id = resolve_unit(form, errors)
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



def _criteria_page(version, questionnaire: str, form, errors: list[str], status: int = 200):
    return render_template("survey/staff/criteria.html", version=version, questionnaire=questionnaire,
                           form=form, errors=errors, factors=svc.FACTORS, factor_labels=FACTOR_LABELS), status


@staff_bp.route("/tieu-chi", methods=["GET", "POST"])
def criteria():
    """Edit a questionnaire: wording, retire, add, scale. Saving creates a new version."""
    _require(policy.can_edit_survey_criteria)
    questionnaire = request.values.get("bang", "service")
    if questionnaire not in svc.DEFAULT_CRITERIA:
        abort(404)
    version = svc.current_version(questionnaire)
    form = FlaskForm()
    if request.method == "GET":
        return _criteria_page(version, questionnaire, form, [])
    draft = read_draft(version, request.form)
    if not form.validate():
        draft.errors.insert(0, _("Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ. Vui lòng gửi lại."))
    if draft.errors:
        return _criteria_page(version, questionnaire, form, draft.errors, 422)
    if draft.same_as(version):
        flash(_("Không có thay đổi nào; phiên bản hiện tại được giữ nguyên."), "info")
        return redirect(url_for("survey_staff.criteria", bang=questionnaire), code=303)
    # one rule for writes: the current version is read again under the questionnaire's lock,
    # so two saves from the same page make one new version and the other sees 409
    uow.lock_name(f"survey-questionnaire:{questionnaire}")
    fresh = svc.current_version(questionnaire)
    if (fresh.id if fresh else None) != (version.id if version else None):
        db.session.rollback()
        version = svc.current_version(questionnaire)
        return _criteria_page(version, questionnaire, form, [_(
            "Bảng câu hỏi vừa được %(who)s lưu thành phiên bản %(n)s; thay đổi của bạn CHƯA được lưu. Dưới đây là "
            "phiên bản hiện tại; hãy sửa lại nếu vẫn cần.", who=_actor_name(version.created_by_id), n=version.number)], 409)
    v = svc.new_version(questionnaire, draft.spec, draft.scale, actor_id=current_user.id, now=_now(),
                        note=(request.form.get("note") or "")[:500], labels_en=draft.labels_en,
                        scale_en=draft.scale_en or None, required=draft.required)
    db.session.commit()
    flash(_("Đã lưu phiên bản %(n)s của bảng câu hỏi. Các phiếu cũ vẫn giữ phiên bản đã trả lời.", n=v.number), "success")
    return redirect(url_for("survey_staff.criteria", bang=questionnaire), code=303)
