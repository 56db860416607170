"""Public pages: pick a kind, file it, get a receipt, follow the case. No account needed.

This module holds the blueprint, its rate limits and the plain pages; the filing path is in
``filing``, the receipt, tracking and "bổ sung" pages in ``tracking`` (both add their routes to ``bp``).
"""
from __future__ import annotations

import time

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_limiter.util import get_remote_address

from ..extensions import file_stores, limiter
from ..services import refdata
from ..storage import LocalStorage
from ..web import safe_next

bp = Blueprint("public", __name__)


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


def retry_after_seconds() -> int:
    """Seconds until the limit that was just exceeded lets a new request through (at least 1)."""
    current = limiter.current_limit
    return max(1, int(current.reset_at - time.time()) + 1) if current is not None else 60


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
