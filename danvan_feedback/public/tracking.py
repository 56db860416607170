"""Public receipt, tracking and case pages, with the citizen's "bổ sung" (adding information)."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from flask import abort, current_app, flash, g, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import tracked
from ..clock import now as _now
from ..crypto import current_keyring
from ..domain import status as st
from ..extensions import db, limiter
from ..labels import event_label, status_label
from ..models import Attachment, Case, CaseEvent
from ..services import held as held_files
from ..services.receipts import held_pin
from ..services.tracking import LookupFailed, add_information, lookup
from ..storage import StorageError
from ..forms.parts import TryFiles, files_of_try, held_files_allowed, hold_for_next_try, token_ok
from ..forms.case import MESSAGES, AddInfoForm, LookupForm
from .views import _lookup_limit, _submit_flood_limit, _submit_limit, accepted, bp, storage

log = logging.getLogger(__name__)

RECEIPT_CONTEXT = "session.receipt"


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
    case = db.session.execute(select(Case).where(Case.tracking_code == held["code"])).scalar_one_or_none()
    if case is None:
        session.pop("receipt", None)
        return redirect(url_for("public.track"))
    tracked.remember(case.tracking_code)
    return render_template("public/receipt.html", case=case, pin=held_pin(held.get("hold"), case.id, _now()),
                           status=status_label(case.status))


def _held_receipt() -> dict | None:
    held = current_keyring().unseal(session.get("receipt"), RECEIPT_CONTEXT)
    return held if isinstance(held, dict) and held.get("code") and held.get("at") else None


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
    tracked.remember(case.tracking_code)
    return redirect(url_for("public.case_status", code=case.tracking_code), code=303)


def _case_page(case, form, status_code=200, **extra):
    events = db.session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.is_public.is_(True))
        .order_by(CaseEvent.seq)).scalars().all()
    files = db.session.execute(select(Attachment).where(Attachment.case_id == case.id)
                               .order_by(Attachment.id)).scalars().all()
    if not token_ok(form.token.data or ""):
        form.token.data = uuid.uuid4().hex
    from ..services.survey import invitation_for  # survey (issue 4): invite to rate a resolved case
    return render_template("public/case_status.html", case=case, events=events, files=files,
                           form=form, status=status_label(case.status), event_label=event_label,
                           may_add=st.citizen_may_add(case.status),
                           survey_invite=invitation_for(case), **extra), status_code


@bp.get("/ho-so/<code>")
def case_status(code: str):
    g.no_store = True
    case, redirect_resp = tracked.case_or_redirect(code)
    if redirect_resp:
        return redirect_resp
    return _case_page(case, AddInfoForm())


def _add_info_errors(form: AddInfoForm, case, tried: TryFiles) -> bool:
    """Point at what is wrong with this try of the "bổ sung" form; whether anything is."""
    ok = form.validate()
    if form.website.data:
        form.text.errors = list(form.text.errors) + [_("Biểu mẫu không gửi được.")]
        ok = False
    if tried.errors:
        form.attachments.errors = list(form.attachments.errors) + tried.errors
        ok = False
    if ok and not form.text.data and not tried.all:
        form.text.errors = list(form.text.errors) + [_("Vui lòng nhập thông tin hoặc chọn tệp để bổ sung.")]
        ok = False
    if ok and not st.citizen_may_add(case.status):
        form.text.errors = list(form.text.errors) + [str(MESSAGES["case_closed"])]
        ok = False
    return not ok


def _add_info_again(case, form: AddInfoForm, tried: TryFiles, status: int):
    """The case page with the "bổ sung" form as typed; its files held for the next try."""
    token = form.token.data or ""
    held, not_kept = hold_for_next_try(tried, token, held_files_allowed(token))
    return _case_page(case, form, status, held=held, files_dropped=not_kept)


@bp.post("/ho-so/<code>/bo-sung")
@limiter.limit(_submit_limit, deduct_when=accepted)
# every try counts here: a refused one holds its files on the server for the next (services.held)
@limiter.limit(_submit_flood_limit, scope="add-info-flood")
def add_info(code: str):
    g.no_store = True
    case, redirect_resp = tracked.case_or_redirect(code)
    if redirect_resp:
        return redirect_resp
    form = AddInfoForm()
    tried = files_of_try(form.token.data or "", honeypot=bool(form.website.data))
    if _add_info_errors(form, case, tried):
        return _add_info_again(case, form, tried, 422)
    try:
        add_information(case, form.text.data or "", tried.all, storage=storage(), now=_now(),
                        tz=current_app.config["BABEL_DEFAULT_TIMEZONE"])
    except StorageError as exc:
        log.error("storage error while adding information: errno=%s", exc.errno)
        form.text.errors = list(form.text.errors) + [str(MESSAGES["storage_failed"])]
        return _add_info_again(case, form, tried, 503)
    except ValueError:
        form.text.errors = list(form.text.errors) + [str(MESSAGES["case_closed"])]
        return _add_info_again(case, form, tried, 422)
    held_files.release(tried.held, storage())  # filed with the case (a copy in its transaction)
    flash(_("Đã ghi nhận thông tin bổ sung của bạn."), "success")
    return redirect(url_for("public.case_status", code=case.tracking_code), code=303)


@bp.get("/ho-so/<code>/tep/<int:file_id>")
def attachment(code: str, file_id: int):
    case, redirect_resp = tracked.case_or_redirect(code)
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
