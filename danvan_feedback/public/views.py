"""Public pages: pick a kind, file it, get a receipt, follow the case. No account needed."""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from datetime import datetime, timedelta

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   send_file, session, url_for)
from flask_babel import gettext as _
from flask_babel import get_locale
from flask_babel import refresh as babel_refresh
from flask_limiter.util import get_remote_address
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..extensions import file_stores
from ..clock import now as _now
from ..domain import status as st
from ..domain.codes import normalize_tracking_code
from ..domain.validation import Invalid, KindPolicy, clean_coordinates, parse_int, submission_errors
from ..extensions import db, limiter
from ..labels import event_label, status_label
from ..models import Attachment, CaseEvent, Commune, Service, Unit
from ..policy import offers_geolocation
from ..crypto import current_keyring
from ..services import held as held_files
from ..services import refdata
from ..services.intake import submission_from, submit_case
from ..services.receipts import hold_id, held_pin
from ..services.tracking import LookupFailed, add_information, lookup
from ..storage import LocalStorage, PixelBudget, RejectedFile, StorageError, clean_upload
from ..web import safe_next
from .forms import MESSAGES, AddInfoForm, CaseForm, LookupForm, file_error_message, message_for, show_as_typed

bp = Blueprint("public", __name__)
log = logging.getLogger(__name__)


RECEIPT_CONTEXT = "session.receipt"



def storage() -> LocalStorage:
    return file_stores.attachments


def _submit_limit() -> str:
    return current_app.config["RATELIMIT_SUBMIT"]


def _submit_form_limit() -> str:
    return current_app.config["RATELIMIT_SUBMIT_FORM"]


def _submit_flood_limit() -> str:
    return current_app.config["RATELIMIT_SUBMIT_FLOOD"]


def _form_token_key() -> str:
    """Attempts are counted per form (its hidden token), so people behind one address don't share."""
    token = (request.form.get("token") or "")[:64]
    return f"form:{token}" if token else f"form-missing:{get_remote_address()}"


def accepted(response) -> bool:
    """Only an accepted submission (a redirect to the receipt or thank-you page) counts."""
    return response.status_code in (302, 303)


def submit_limits(view):
    """The three limits of a public submission (see ``RATELIMIT_SUBMIT*``)."""
    view = limiter.limit(_submit_limit, methods=["POST"], deduct_when=accepted)(view)
    view = limiter.limit(_submit_form_limit, methods=["POST"], key_func=_form_token_key,
                         scope="submit-form")(view)
    return limiter.limit(_submit_flood_limit, methods=["POST"], scope="submit-flood")(view)


def _lookup_limit() -> str:
    return current_app.config["RATELIMIT_LOOKUP"]


@bp.get("/")
def home():
    return render_template("public/home.html", kinds=refdata.current().active_kinds(),
                           locale=str(get_locale()))


@bp.get("/quyen-rieng-tu")
def privacy():
    return render_template("public/privacy.html")


@bp.get("/ngon-ngu/<lang>")
def set_language(lang: str):
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next")) or url_for("public.home"))


def _fill_choices(form: CaseForm) -> None:
    """The unit, service (grouped by unit) and commune lists, for rendering the form."""
    units = db.session.execute(select(Unit.id, Unit.name).where(Unit.active.is_(True))
                               .order_by(Unit.sort_order, Unit.name)).all()
    services = db.session.execute(select(Service.id, Service.name, Service.unit_id)
                                  .where(Service.active.is_(True))).all()
    communes = db.session.execute(select(Commune.id, Commune.name).where(Commune.active.is_(True))
                                  .order_by(Commune.name)).all()
    none = SelectChoice("", _("— Không chọn —"))
    form.unit_id.choices = [none] + [SelectChoice(str(u.id), u.name) for u in units]
    unit_names = {u.id: u.name for u in units}
    form.service_id.choices = [none] + [
        SelectChoice(str(s.id), s.name, optgroup=unit_names[s.unit_id])
        for s in sorted(services, key=lambda s: (unit_names.get(s.unit_id, ""), s.name))
        if s.unit_id in unit_names]
    form.commune_id.choices = [none] + [SelectChoice(str(c.id), c.name) for c in communes]


def _resolve_choices(form: CaseForm, errors: dict,
                     ref: refdata.RefData | None = None) -> tuple[int | None, int | None, int | None]:
    """Check the chosen unit, service and commune against the active ones (reference data, no query).

    On the POST path the full lists are not built (they are only needed to re-render the form).
    A service implies its unit when no unit is chosen. Both lists are optional, so a service of
    another unit is recorded as given rather than refused: optional information never refuses a letter.
    """
    invalid = str(MESSAGES["invalid_choice"])
    ref = ref or refdata.current()

    def pick(field, known) -> int | None:
        raw = field.data or ""
        if not raw:
            return None
        number = parse_int(raw)
        if number is None or number not in known:
            errors[field.name] = invalid
            return None
        return int(raw)

    unit_id = pick(form.unit_id, ref.units)
    service_id = pick(form.service_id, ref.services)
    commune_id = pick(form.commune_id, ref.communes)
    if service_id is not None:
        service_unit = ref.services[service_id]
        if unit_id is None and not form.unit_id.data:
            unit_id = service_unit
    return unit_id, service_id, commune_id


def _read_files(field_name: str, max_files: int | None = None, already: int = 0) -> tuple[list, list[str]]:
    """Check every uploaded file by content; return the cleaned files and error messages.
    ``already``: files this form holds from an earlier try, counted against ``max_files``."""
    cfg = current_app.config
    max_files = max_files or cfg["UPLOAD_MAX_FILES"]
    uploads = [f for f in request.files.getlist(field_name) if f and f.filename]
    errors: list[str] = []
    if len(uploads) + already > max_files:
        return [], [str(MESSAGES["too_many_files"]) % {"n": max_files}]
    cleaned = []
    budget = PixelBudget()  # decoded pixels for all the images of this submission
    for up in uploads:
        raw = up.stream.read(cfg["UPLOAD_MAX_FILE_BYTES"] + 1)
        try:
            cleaned.append(clean_upload(raw, up.filename, cfg["UPLOAD_MAX_FILE_BYTES"], budget))
        except RejectedFile as exc:
            errors.append(file_error_message(exc.code, exc.filename, cfg["UPLOAD_MAX_FILE_BYTES"]))
    return cleaned, errors


def _held_from_form(token: str) -> list[held_files.Held]:
    """The files this form holds from an earlier try, minus those the citizen asked to remove
    (deleted now). Nothing is held for a form without a valid token."""
    if not (8 <= len(token) <= 64 and token.isalnum()):
        return []
    kept, dropped = held_files.read_refs(
        request.form.getlist("held"), token=token, secret=current_app.config["SECRET_KEY"],
        drop=set(request.form.getlist("drop_held")), limit=current_app.config["UPLOAD_MAX_FILES"])
    held_files.release(dropped, storage())
    return kept


def _hold_new(files: list, token: str) -> tuple[list[held_files.Held], bool]:
    """Keep the files of a try that came back with an error (see ``services.held``); (their
    references, whether some could not be kept)."""
    if not files:
        return [], False
    try:
        return held_files.hold(files, token=token, secret=current_app.config["SECRET_KEY"], storage=storage()), False
    except StorageError as exc:
        log.error("storage error while holding files: errno=%s", exc.errno)
        return [], True


def _kind_or_404(ref: refdata.RefData, kind_code: str):
    kind = ref.kinds.get(kind_code)
    if kind is None or not kind.active:
        abort(404)
    return kind


@bp.route("/gui/<kind_code>", methods=["GET", "POST"])
@submit_limits
def file_case(kind_code: str):
    posting = request.method == "POST"
    # A POST is validated against this process's copy of the reference data, read without a query;
    # the write checks its version under the write lock (one transaction for the whole request) and,
    # if an administrator changed something meanwhile, it is validated again (refdata.Stale).
    ref = refdata.peek() if posting else refdata.current()
    if posting and kind_code not in ref.kinds:
        ref = refdata.current()
    kind = _kind_or_404(ref, kind_code)
    form = CaseForm()
    locale = str(get_locale())
    g.allow_geolocation = offers_geolocation(kind.code)
    if not posting:
        _fill_choices(form)
        form.token.data = uuid.uuid4().hex
        session.setdefault("rid", secrets.token_hex(16))  # names this browser session's receipt holds
        return render_template("public/case_form.html", form=form, kind=kind, locale=locale)

    if request.form.get("switch_lang") in current_app.config["LANGUAGES"]:
        return _switch_language(form, kind, request.form["switch_lang"])
    form_ok = form.validate()
    found: dict[str, str] = {}
    if form.website.data:
        found["website"] = _("Biểu mẫu không gửi được. Nếu bạn thấy ô “Để trống ô này”, hãy xoá nội dung trong ô đó rồi gửi lại.")
    token = form.token.data or ""
    if not (8 <= len(token) <= 64 and token.isalnum()):
        found["token"] = _("Biểu mẫu thiếu mã phiên. Vui lòng tải lại trang rồi gửi lại.")
    data = {f.name: f.data for f in form if f.name not in ("csrf_token", "attachments")}
    held = _held_from_form(token) if "website" not in found else []
    files, file_errors = _read_files("attachments", already=len(held))
    held_data, gone = held_files.load(held, storage())
    if gone:
        held = [h for h in held if h not in gone]
        file_errors.append(str(MESSAGES["held_gone"]) % {"names": ", ".join(h.name for h in gone)})
    cfg = current_app.config
    for _attempt in range(2):
        errors = dict(found)
        policy = KindPolicy(kind.code, kind.anonymous, kind.required_fields)
        for name, code in submission_errors(policy, data).items():
            if not form[name].errors:
                errors[name] = message_for(name, code)
        unit_id, service_id, commune_id = _resolve_choices(form, errors, ref)
        lat = lon = None
        if offers_geolocation(kind.code):
            try:
                lat, lon = clean_coordinates(form.latitude.data, form.longitude.data)
            except Invalid:
                errors["location"] = str(MESSAGES["location"])
        if file_errors:
            errors["attachments"] = " ".join(file_errors)
        if not form_ok or errors:
            for name, message in errors.items():
                if name in form and name != "token":
                    form[name].errors = list(form[name].errors) + [message]
            _fill_choices(form)
            show_as_typed(form)
            # The files of this try that passed the checks are kept for the next one.
            new_held, not_kept = _hold_new(files, token) if "token" not in found and "website" not in found \
                else ([], bool(files))
            held = held_files.touch(held, storage()) + new_held
            return render_template("public/case_form.html", form=form, kind=kind, locale=locale,
                                   extra_errors={k: v for k, v in errors.items() if k in ("token", "location")},
                                   held=held, files_dropped=not_kept), 422

        sub = submission_from(kind.code, kind.anonymous, data, token=token, channel="web", locale=locale,
                              unit_id=unit_id, service_id=service_id, commune_id=commune_id,
                              incident_date=form.incident_date.data,
                              incident_place=form.incident_place.data or None, latitude=lat, longitude=lon,
                              ref_version=ref.version)
        rid = session.get("rid")
        hold = ((hold_id(cfg["SECRET_KEY"], rid, token),
                 _now() + timedelta(minutes=cfg["RECEIPT_VISIBLE_MINUTES"])) if isinstance(rid, str) and rid else None)
        try:
            receipt = submit_case(sub, held_data + files, storage=storage(), pin_key=cfg["PIN_HMAC_KEY"],
                                  now=_now(), tz=cfg["BABEL_DEFAULT_TIMEZONE"], hold=hold)
            break
        except StorageError as exc:  # full disk, I/O error: nothing stored, the form comes back as typed
            log.error("storage error while filing: errno=%s", exc.errno)
            _fill_choices(form)
            return render_template("public/case_form.html", form=form, kind=kind, locale=locale,
                                   extra_errors={"storage": str(MESSAGES["storage_failed"])},
                                   held=held, files_dropped=bool(files)), 503
        except refdata.Stale:  # reference data changed since this process's copy: validate again
            ref = refdata.current()
            kind = _kind_or_404(ref, kind_code)
    else:
        raise RuntimeError("reference data kept changing during the submission")
    held_files.release(held, storage())  # filed with the case (a copy in its transaction)
    held = _held_receipt() or {}
    hid = hold[0] if hold else None
    # A new case, or a retry of the same form (its reply lost) from the same session while the hold
    # lasts: the receipt with its PIN. The cookie carries the code and the hold's id, sealed; the PIN
    # stays in the database (receipt_holds).
    with_pin = receipt.pin is not None or (receipt.case_id is not None and held_pin(hid, receipt.case_id, _now()))
    if with_pin or held.get("code") != receipt.code:
        session["receipt"] = current_keyring().seal(
            {"code": receipt.code, "hold": hid if with_pin else None, "at": _now().isoformat()}, RECEIPT_CONTEXT)
    return redirect(url_for("public.receipt"), code=303)


def _switch_language(form: CaseForm, kind, lang: str):
    """The language button of a form being filled sends the draft: the same form comes back in the
    other language with everything typed, and the files chosen held (nothing is checked or filed)."""
    session["lang"] = lang
    babel_refresh()
    form.validate()  # for the CSRF check only: the draft's mistakes are not shown now
    genuine = not form.csrf_token.errors
    for f in form:
        f.errors = []
    token = form.token.data or ""
    held = _held_from_form(token) if genuine else []
    files, file_errors = _read_files("attachments", already=len(held))
    new_held, not_kept = _hold_new(files, token) if genuine and held_files_allowed(token) else ([], bool(files))
    held = held_files.touch(held, storage()) + new_held
    _fill_choices(form)
    show_as_typed(form)
    return render_template("public/case_form.html", form=form, kind=kind, locale=lang, held=held,
                           files_dropped=not_kept or bool(file_errors))


def held_files_allowed(token: str) -> bool:
    return 8 <= len(token) <= 64 and token.isalnum() and not request.form.get("website")


def retry_after_seconds() -> int:
    """Seconds until the limit that was just exceeded lets a new request through (at least 1)."""
    import time
    current = limiter.current_limit
    return max(1, int(current.reset_at - time.time()) + 1) if current is not None else 60


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


@bp.get("/bien-nhan")
def receipt():
    g.no_store = True
    held = _held_receipt()
    if not held:
        return redirect(url_for("public.track"))
    at = datetime.fromisoformat(held["at"])
    if _now() - at > timedelta(minutes=current_app.config["RECEIPT_VISIBLE_MINUTES"]):
        session.pop("receipt", None)
        flash(_("Biên nhận chỉ hiển thị trong thời gian ngắn sau khi gửi. Bạn vẫn tra cứu được bằng mã và mã PIN đã ghi lại."), "info")
        return redirect(url_for("public.track"))
    from ..models import Case
    case = db.session.execute(select(Case).where(Case.tracking_code == held["code"])).scalar_one_or_none()
    if case is None:
        session.pop("receipt", None)
        return redirect(url_for("public.track"))
    _remember_tracked(case.tracking_code)
    return render_template("public/receipt.html", case=case, pin=held_pin(held.get("hold"), case.id, _now()),
                           status=status_label(case.status))


def _held_receipt() -> dict | None:
    held = current_keyring().unseal(session.get("receipt"), RECEIPT_CONTEXT)
    return held if isinstance(held, dict) and held.get("code") and held.get("at") else None


def _tracked_key(code: str) -> str:
    """The session remembers which cases this browser opened by a keyed digest, not the code."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), f"tracked:{code}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def _remember_tracked(code: str) -> None:
    tracked = {k: v for k, v in (session.get("tracked") or {}).items()
               if datetime.fromisoformat(v) > _now()}
    tracked[_tracked_key(code)] = (_now() + timedelta(hours=2)).isoformat()
    session["tracked"] = dict(list(tracked.items())[-10:])


def _is_tracked(code: str) -> bool:
    until = (session.get("tracked") or {}).get(_tracked_key(code))
    return bool(until) and datetime.fromisoformat(until) > _now()


@bp.route("/tra-cuu", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, methods=["POST"])
def track():
    g.no_store = True
    form = LookupForm()
    if request.method == "GET":
        form.code.data = request.args.get("ma", "")[:40]
        return render_template("public/track.html", form=form)
    if not form.validate():
        return render_template("public/track.html", form=form), 422
    cfg = current_app.config
    try:
        case = lookup(form.code.data, form.secret.data, pin_key=cfg["PIN_HMAC_KEY"], now=_now(),
                      max_failures=cfg["LOOKUP_MAX_FAILURES"], lock_minutes=cfg["LOOKUP_LOCK_MINUTES"])
    except LookupFailed:
        return render_template("public/track.html", form=form, failed=True,
                               lock_minutes=cfg["LOOKUP_LOCK_MINUTES"]), 422
    _remember_tracked(case.tracking_code)
    return redirect(url_for("public.case_status", code=case.tracking_code), code=303)


def _tracked_case_or_redirect(code: str):
    from ..models import Case
    norm = normalize_tracking_code(code)
    if norm is None or not _is_tracked(norm):
        return None, redirect(url_for("public.track", ma=code[:40]))
    case = db.session.execute(select(Case).where(Case.tracking_code == norm)).scalar_one_or_none()
    if case is None:
        return None, redirect(url_for("public.track"))
    return case, None


def _case_page(case, form, status_code=200, **extra):
    events = db.session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.is_public.is_(True))
        .order_by(CaseEvent.seq)).scalars().all()
    files = db.session.execute(select(Attachment).where(Attachment.case_id == case.id)
                               .order_by(Attachment.id)).scalars().all()
    from ..services.survey import invitation_for  # survey (issue 4): invite to rate a resolved case
    return render_template("public/case_status.html", case=case, events=events, files=files,
                           form=form, status=status_label(case.status), event_label=event_label,
                           may_add=st.citizen_may_add(case.status),
                           survey_invite=invitation_for(case), **extra), status_code


@bp.get("/ho-so/<code>")
def case_status(code: str):
    g.no_store = True
    case, redirect_resp = _tracked_case_or_redirect(code)
    if redirect_resp:
        return redirect_resp
    return _case_page(case, AddInfoForm())


@bp.post("/ho-so/<code>/bo-sung")
@limiter.limit(_submit_limit, deduct_when=accepted)
def add_info(code: str):
    g.no_store = True
    case, redirect_resp = _tracked_case_or_redirect(code)
    if redirect_resp:
        return redirect_resp
    form = AddInfoForm()
    ok = form.validate()
    if form.website.data:
        form.text.errors = list(form.text.errors) + [_("Biểu mẫu không gửi được.")]
        ok = False
    files, file_errors = _read_files("attachments")
    if file_errors:
        form.attachments.errors = list(form.attachments.errors) + file_errors
        ok = False
    if ok and not form.text.data and not files:
        form.text.errors = list(form.text.errors) + [_("Vui lòng nhập thông tin hoặc chọn tệp để bổ sung.")]
        ok = False
    if ok and not st.citizen_may_add(case.status):
        form.text.errors = list(form.text.errors) + [str(MESSAGES["case_closed"])]
        ok = False
    if not ok:
        return _case_page(case, form, 422)
    try:
        add_information(case, form.text.data or "", files, storage=storage(), now=_now(),
                        tz=current_app.config["BABEL_DEFAULT_TIMEZONE"])
    except StorageError as exc:
        log.error("storage error while adding information: errno=%s", exc.errno)
        form.text.errors = list(form.text.errors) + [str(MESSAGES["storage_failed"])]
        return _case_page(case, form, 503)
    except ValueError:
        form.text.errors = list(form.text.errors) + [str(MESSAGES["case_closed"])]
        return _case_page(case, form, 422)
    flash(_("Đã ghi nhận thông tin bổ sung của bạn."), "success")
    return redirect(url_for("public.case_status", code=case.tracking_code), code=303)


@bp.get("/ho-so/<code>/tep/<int:file_id>")
def attachment(code: str, file_id: int):
    case, redirect_resp = _tracked_case_or_redirect(code)
    if redirect_resp:
        return redirect_resp
    att = db.session.get(Attachment, file_id)
    if att is None or att.case_id != case.id:
        abort(404)
    try:
        fh = storage().open(att.storage_key)
    except FileNotFoundError:  # the file is gone from the disk: say "not found", not 500
        abort(404)
    resp = send_file(fh, mimetype=att.content_type,
                     as_attachment=True, download_name=att.original_name, max_age=0)
    resp.headers["Content-Security-Policy"] = "sandbox"
    resp.headers["Cache-Control"] = "no-store"
    return resp
