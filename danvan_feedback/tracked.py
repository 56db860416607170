"""The cases a citizen's browser has opened (by tracking code and PIN), remembered in the session for
two hours by a keyed digest, not the code. The public case page and the survey's case rating both ask
here, so neither blueprint imports the other."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app, redirect, session, url_for
from sqlalchemy import select

from .clock import now as _now
from .domain.codes import normalize_tracking_code
from .extensions import db
from .models import Case


def _tracked_key(code: str) -> str:
    """The session remembers which cases this browser opened by a keyed digest, not the code."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), f"tracked:{code}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def remember(code: str) -> None:
    tracked = {k: v for k, v in (session.get("tracked") or {}).items()
               if datetime.fromisoformat(v) > _now()}
    tracked[_tracked_key(code)] = (_now() + timedelta(hours=2)).isoformat()
    session["tracked"] = dict(list(tracked.items())[-10:])


def is_tracked(code: str) -> bool:
    until = (session.get("tracked") or {}).get(_tracked_key(code))
    return bool(until) and datetime.fromisoformat(until) > _now()


def case_or_redirect(code: str):
    """(case, None) for a case this browser has opened; else (None, a redirect to the tracking page)."""
    norm = normalize_tracking_code(code)
    if norm is None or not is_tracked(norm):
        return None, redirect(url_for("public.track", ma=code[:40]))
    case = db.session.execute(select(Case).where(Case.tracking_code == norm)).scalar_one_or_none()
    if case is None:
        return None, redirect(url_for("public.track"))
    return case, None
