"""Service satisfaction survey, public pages: the survey (QR at the counter, web) and the rating
of a resolved case. The staff pages are in :mod:`.staff`."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import drafts, tracked
from ..clock import now as _now
from ..domain.validation import parse_int
from ..extensions import limiter
from ..services import survey as svc
from .choices import fill_choices, resolve_unit
from .forms import COMMENT_MAX, MESSAGES, CaseRatingForm, SurveyForm, parse_ratings

bp = Blueprint("survey", __name__)


def _survey_limit() -> str:
    return current_app.config["RATELIMIT_SURVEY"]


def _client_hash() -> str:
    return svc.client_hash(current_app.config["SECRET_KEY"], request.remote_addr)


def _token_ok(token: str | None) -> bool:
    return bool(token) and 8 <= len(token) <= 64 and token.isalnum()


# --- public: the survey -------------------------------------------------------------------------

def _render_survey(form, version, point=None, answers=None, rating_errors=None, notices=(), status=200):
    if form.unit_id.choices is None or point is None:
        fill_choices(form)
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
    fill_choices(form)
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
    if lang := drafts.language_asked():
        return _survey_draft(form, version, lang)
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
        unit_id, service_id = resolve_unit(form, errors)
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


def _draft_answers(form, version, lang: str) -> dict[str, str]:
    """The language button of a survey form: switch (see :mod:`..drafts`) and return the answers
    given so far, to show the same form again in the other language."""
    drafts.switch_language(form, lang)
    if not _token_ok(form.token.data):
        form.token.data = uuid.uuid4().hex
    return parse_ratings([(c.code, c.required) for c in version.criteria], len(version.scale), request.form)[2]


def _survey_draft(form, version, lang: str):
    answers = _draft_answers(form, version, lang)
    point = svc.active_point(form.point.data) if form.point.data else None
    if point is None:
        form.point.data = ""
    return _render_survey(form, version, point=point, answers=answers)


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
    g.no_store = True
    case, redirect_resp = tracked.case_or_redirect(code)
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
    if lang := drafts.language_asked():
        return _rating_page(case, form, version, _draft_answers(form, version, lang))
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
