"""Filing a case from the public form: the blank form, the checks, the write, the receipt cookie."""
from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import get_locale

from .. import drafts
from ..clock import now as _now
from ..crypto import current_keyring
from ..domain.validation import Invalid, KindPolicy, clean_coordinates, submission_errors
from ..policy import offers_geolocation
from ..services import held as held_files
from ..services import refdata
from ..services.intake import submission_from, submit_case
from ..services.receipts import held_pin, hold_id
from ..storage import StorageError
from ..forms.parts import (TryFiles, _fill_choices, _held_from_form, files_of_try, held_files_allowed,
                        hold_for_next_try, resolve_choice_ids)
from ..forms.case import MESSAGES, CaseForm, message_for, show_as_typed
from .quick import quick_read
from .tracking import RECEIPT_CONTEXT, _held_receipt
from .views import bp, retry_after_seconds, storage, submit_limits

log = logging.getLogger(__name__)


@dataclass
class Posted:
    """What a POST of the form brought: the cleaned values, the files (new and held) and the early
    findings. ``form`` is None when :func:`.quick.quick_read` read the fields (every field check
    passed); the WTForms form is built only to show the form again (:func:`_form`)."""
    form: CaseForm | None
    locale: str
    form_ok: bool
    token: str
    data: dict
    found: dict[str, str]
    tried: TryFiles = field(default_factory=TryFiles)


def _kind_or_404(ref: refdata.RefData, kind_code: str):
    kind = ref.kinds.get(kind_code)
    if kind is None or not kind.active:
        abort(404)
    return kind


@bp.route("/gui/<kind_code>", methods=["GET", "POST"])
@submit_limits
def file_case(kind_code: str):
    if request.method != "POST":
        return _blank_form(_kind_or_404(refdata.current(), kind_code))
    # A POST is validated against this process's copy of the reference data, read without a query;
    # the write checks its version under the write lock (one transaction for the whole request) and,
    # if an administrator changed something meanwhile, it is validated again (refdata.Stale).
    ref = refdata.peek()
    if kind_code not in ref.kinds:
        ref = refdata.current()
    kind = _kind_or_404(ref, kind_code)
    g.allow_geolocation = offers_geolocation(kind.code)
    if lang := drafts.language_asked():
        return _switch_language(CaseForm(), kind, lang)
    post = _read_post()
    for _attempt in range(2):
        errors, where = _check(post, kind, ref)
        if not post.form_ok or errors:
            return _refuse(post, kind, errors)
        try:
            return _file(post, kind, ref, where)
        except StorageError as exc:  # full disk, I/O error: nothing stored, the form comes back as typed
            log.error("storage error while filing: errno=%s", exc.errno)
            form = _form(post)
            _fill_choices(form)
            return render_template("public/case_form.html", form=form, kind=kind, locale=post.locale,
                                   extra_errors={"storage": str(MESSAGES["storage_failed"])},
                                   held=post.tried.held, files_dropped=bool(post.tried.files)), 503
        except refdata.Stale:  # reference data changed since this process's copy: validate again
            ref = refdata.current()
            kind = _kind_or_404(ref, kind_code)
    raise RuntimeError("reference data kept changing during the submission")


def _blank_form(kind):
    g.allow_geolocation = offers_geolocation(kind.code)
    form = CaseForm()
    _fill_choices(form)
    form.token.data = uuid.uuid4().hex
    session.setdefault("rid", secrets.token_hex(16))  # names this browser session's receipt holds
    return render_template("public/case_form.html", form=form, kind=kind, locale=str(get_locale()))


def _read_post() -> Posted:
    """Validate the fields, read the new files and load the files held from an earlier try."""
    form, form_ok = None, True
    data = quick_read(request.form, request.files)
    if data is None:  # a mistake somewhere, or a value the quick reader leaves to the form
        form = CaseForm()
        form_ok = form.validate()
        data = {f.name: f.data for f in form if f.name not in ("csrf_token", "attachments")}
    found: dict[str, str] = {}
    if data["website"]:
        found["website"] = _("Biểu mẫu không gửi được. Nếu bạn thấy ô “Để trống ô này”, hãy xoá nội dung trong ô đó rồi gửi lại.")
    token = data["token"] or ""
    if not (8 <= len(token) <= 64 and token.isalnum()):
        found["token"] = _("Biểu mẫu thiếu mã phiên. Vui lòng tải lại trang rồi gửi lại.")
    tried = files_of_try(token, honeypot="website" in found)
    return Posted(form=form, locale=str(get_locale()), form_ok=form_ok, token=token, data=data, found=found,
                  tried=tried)


def _form(post: Posted) -> CaseForm:
    """The WTForms form of this POST (built now if the quick reader read it), to show it again."""
    if post.form is None:
        post.form = CaseForm()
        post.form_ok = post.form.validate()
    return post.form


def _check(post: Posted, kind, ref: refdata.RefData) -> tuple[dict[str, str], dict]:
    """(the error message per field, where the case belongs: unit, service, commune and coordinates)."""
    form, data = post.form, post.data
    errors = dict(post.found)
    policy = KindPolicy(kind.code, kind.anonymous, kind.required_fields)
    for name, code in submission_errors(policy, data).items():
        if form is None or not form[name].errors:
            errors[name] = message_for(name, code)
    unit_id, service_id, commune_id = resolve_choice_ids(data, errors, ref)
    lat = lon = None
    if offers_geolocation(kind.code):
        try:
            lat, lon = clean_coordinates(data["latitude"], data["longitude"])
        except Invalid:
            errors["location"] = str(MESSAGES["location"])
    if post.tried.errors:
        errors["attachments"] = " ".join(post.tried.errors)
    return errors, {"unit_id": unit_id, "service_id": service_id, "commune_id": commune_id,
                    "latitude": lat, "longitude": lon}


def _refuse(post: Posted, kind, errors: dict[str, str]):
    """The form comes back as typed with every message; the files that passed the checks are held."""
    form = _form(post)
    for name, message in errors.items():
        if name in form and name != "token":
            form[name].errors = list(form[name].errors) + [message]
    _fill_choices(form)
    show_as_typed(form)
    # The files of this try that passed the checks are kept for the next one.
    held, not_kept = hold_for_next_try(post.tried, post.token,
                                       "token" not in post.found and "website" not in post.found)
    return render_template("public/case_form.html", form=form, kind=kind, locale=post.locale,
                           extra_errors={k: v for k, v in errors.items() if k in ("token", "location")},
                           held=held, files_dropped=not_kept), 422


def _file(post: Posted, kind, ref: refdata.RefData, where: dict):
    """One write transaction for the case (see ``submit_case``), then the receipt cookie."""
    cfg = current_app.config
    data = post.data
    sub = submission_from(kind.code, kind.anonymous, data, token=post.token, channel="web",
                          locale=post.locale, incident_date=data["incident_date"],
                          incident_place=data["incident_place"] or None, ref_version=ref.version, **where)
    rid = session.get("rid")
    hold = ((hold_id(cfg["SECRET_KEY"], rid, post.token),
             _now() + timedelta(minutes=cfg["RECEIPT_VISIBLE_MINUTES"])) if isinstance(rid, str) and rid else None)
    receipt = submit_case(sub, post.tried.all, storage=storage(), pin_key=cfg["PIN_HMAC_KEY"],
                          now=_now(), tz=cfg["BABEL_DEFAULT_TIMEZONE"], hold=hold)
    held_files.release(post.tried.held, storage())  # filed with the case (a copy in its transaction)
    hid = hold[0] if hold else None
    # A new case, or a retry of the same form (its reply lost) from the same session while the hold
    # lasts: the receipt with its PIN. The cookie carries the code and the hold's id, sealed; the PIN
    # stays in the database (receipt_holds).
    with_pin = receipt.pin is not None or (receipt.case_id is not None and held_pin(hid, receipt.case_id, _now()))
    if with_pin or (_held_receipt() or {}).get("code") != receipt.code:
        session["receipt"] = current_keyring().seal(
            {"code": receipt.code, "hold": hid if with_pin else None, "at": _now().isoformat()}, RECEIPT_CONTEXT)
    return redirect(url_for("public.receipt"), code=303)


def _switch_language(form: CaseForm, kind, lang: str):
    """The language button of a form being filled sends the draft: the same form comes back in the
    other language with everything typed, and the files chosen held (nothing is checked or filed)."""
    genuine = drafts.switch_language(form, lang)
    token = form.token.data or ""
    tried = files_of_try(token, honeypot=not genuine)
    held, not_kept = hold_for_next_try(tried, token, genuine and held_files_allowed(token))
    _fill_choices(form)
    show_as_typed(form)
    return render_template("public/case_form.html", form=form, kind=kind, locale=lang, held=held,
                           files_dropped=not_kept or bool(tried.errors))


@bp.errorhandler(429)
def too_many(err):
    """Too many submissions: the form comes back with everything typed and says when to retry,
    instead of a dead end that loses the letter."""
    kind = refdata.current().kinds.get((request.view_args or {}).get("kind_code", "")) \
        if request.endpoint == "public.file_case" and request.method == "POST" else None
    seconds = retry_after_seconds()
    if kind is None or not kind.active:
        from ..web import _render_error
        resp = _render_error(429)
        resp = current_app.make_response(resp)
    else:
        form = CaseForm()
        _fill_choices(form)
        show_as_typed(form)
        message = _("Bạn đã gửi nhiều lần trong thời gian ngắn. Những gì bạn nhập vẫn được giữ nguyên bên dưới; "
                    "vui lòng bấm Gửi lại sau khoảng %(s)s giây.", s=seconds)
        chosen = [f for f in request.files.getlist("attachments") if f.filename]
        held = held_files.touch(_held_from_form(form.token.data or ""), storage())
        resp = current_app.make_response((render_template(
            "public/case_form.html", form=form, kind=kind, locale=str(get_locale()),
            extra_errors={"rate": message}, held=held, files_dropped=bool(chosen)), 429))
    resp.headers["Retry-After"] = str(seconds)
    return resp
