"""Emails go through the outbox: rendered now, written in the caller's transaction, sent later."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale

from ..extensions import db
from ..models import OutboxMessage


def message_id(purpose: str, ref: str | int) -> str:
    """Deterministic, so a retried send is recognisable as the same message by the receiver."""
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "localhost"
    return f"<{purpose}.{ref}@{domain}>"


def enqueue(*, to: str, subject: str, template: str, context: dict, purpose: str, ref: str | int,
            now: datetime, locale: str = "vi", case_id: int | None = None) -> OutboxMessage:
    """Render ``emails/<template>.txt`` and ``.html`` and add the message (flushed, not committed).

    The HTML body is a ``.html`` template, so Jinja escapes what citizens typed.
    """
    with force_locale(locale):
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
        subject = str(subject)  # a lazy string is translated here, in the recipient's language
    msg = OutboxMessage(message_id=message_id(purpose, ref), case_id=case_id, to_addr=to,
                        subject=subject, body_text=text, body_html=html, status="pending",
                        attempts=0, next_attempt_at=now, created_at=now)
    db.session.add(msg)
    return msg
