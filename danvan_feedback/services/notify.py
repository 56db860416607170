"""Emails go through the outbox, written in the caller's transaction, sent later.

A message is either rendered now (``body_text``/``body_html``), or, on the public submission path
(``render_later``), stored as its template name, a small JSON context and the recipient's language,
and rendered by the sender (:func:`render_bodies`), so filing a case renders no template and reads
no setting for its e-mail.
"""
from __future__ import annotations

import json
from contextlib import nullcontext
from datetime import datetime

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale, get_locale

from ..extensions import db
from ..models import OutboxMessage
from .rows import insert_values


def message_id(purpose: str, ref: str | int) -> str:
    """Deterministic, so a retried send is recognisable as the same message by the receiver."""
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "localhost"
    return f"<{purpose}.{ref}@{domain}>"


def _encode(value):
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    raise TypeError(f"cannot store {type(value).__name__} in an outbox context")


def _decode(obj: dict):
    return datetime.fromisoformat(obj["$dt"]) if obj.keys() == {"$dt"} else obj


def enqueue(*, to: str, subject: str, template: str, context: dict, purpose: str, ref: str | int,
            now: datetime, locale: str = "vi", case_id: int | None = None,
            render_later: bool = False, insert_now: bool = False) -> OutboxMessage | None:
    """Add the message ``emails/<template>.txt`` and ``.html`` (added, not flushed or committed).

    ``render_later``: ``context`` must be plain data (strings, numbers, dicts, lists, datetimes);
    it is stored as JSON and the sender renders it. Otherwise the bodies are rendered now.
    The HTML body is a ``.html`` template, so Jinja escapes what citizens typed.
    ``insert_now``: the row is inserted at once, straight to the driver (:func:`.rows.insert_values`),
    and None is returned instead of the message.
    """
    same = has_request_context() and str(get_locale()) == locale
    with nullcontext() if same else force_locale(locale):
        subject = str(subject)  # a lazy string is translated here, in the recipient's language
        if render_later:
            text = html = None
            stored = json.dumps(context, default=_encode, ensure_ascii=False, separators=(",", ":"))
        else:
            text = render_template(f"emails/{template}.txt", **context)
            html = render_template(f"emails/{template}.html", **context)
            stored = None
    row = {"message_id": message_id(purpose, ref), "case_id": case_id, "to_addr": to, "subject": subject,
           "body_text": text, "body_html": html, "template": template if render_later else None,
           "context": stored, "locale": locale, "status": "pending", "attempts": 0,
           "next_attempt_at": now, "created_at": now}
    if insert_now:
        insert_values(OutboxMessage.__table__, row)
        return None
    row["context_json"] = row.pop("context")
    msg = OutboxMessage(**row)
    db.session.add(msg)
    return msg


def render_bodies(msg: OutboxMessage) -> tuple[str, str | None]:
    """The text and HTML bodies of ``msg``: as stored, or rendered now from its template and context
    (in an application context; links come from ``PUBLIC_BASE_URL``)."""
    if msg.body_text is not None or not msg.template:
        return msg.body_text or "", msg.body_html
    context = json.loads(msg.context_json or "{}", object_hook=_decode)
    with force_locale(msg.locale or "vi"):
        return (render_template(f"emails/{msg.template}.txt", **context),
                render_template(f"emails/{msg.template}.html", **context))
