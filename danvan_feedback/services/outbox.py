"""Send what the outbox holds, over SMTP, with retries and back-off. An outage loses nothing."""
from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import select

from ..extensions import db
from ..models import OutboxMessage
from .notify import render_bodies

log = logging.getLogger(__name__)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after each failed attempt, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def build_email(msg: OutboxMessage, sender: str) -> EmailMessage:
    """The e-mail of ``msg``; a message queued with ``render_later`` is rendered here, at send time,
    and its bodies are kept on the row (committed with its status)."""
    if msg.body_text is None:
        msg.body_text, msg.body_html = render_bodies(msg)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = msg.to_addr
    email["Subject"] = msg.subject
    email["Message-ID"] = msg.message_id
    email["Date"] = format_datetime(msg.created_at)
    email.set_content(msg.body_text)
    if msg.body_html:
        email.add_alternative(msg.body_html, subtype="html")
    return email


def _connect(cfg: dict) -> smtplib.SMTP:
    cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    conn = cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
    if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
        conn.starttls()
    if cfg["MAIL_USERNAME"]:
        conn.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
    return conn


def _claim_one(now: datetime) -> OutboxMessage | None:
    query = (select(OutboxMessage).where(OutboxMessage.status == "pending",
                                         OutboxMessage.next_attempt_at <= now)
             .order_by(OutboxMessage.id).limit(1))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.execute(query).scalar_one_or_none()


def send_pending(cfg: dict, now: datetime, limit: int = 100) -> dict[str, int]:
    """Send up to ``limit`` due messages, one transaction each.

    Each message is claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several senders never
    take the same row; its result is committed before the next is claimed. Delivery is at least
    once; the Message-ID is deterministic so a receiver can drop a repeat.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0}
    conn = None
    try:
        for _ in range(limit):
            msg = _claim_one(now)
            if msg is None:
                break
            msg.attempts += 1
            try:
                if conn is None:
                    conn = _connect(cfg)
                conn.send_message(build_email(msg, cfg["MAIL_DEFAULT_SENDER"]))
                msg.status, msg.sent_at, msg.last_error = "sent", now, None
                counts["sent"] += 1
            except (OSError, smtplib.SMTPException) as exc:
                msg.last_error = f"{type(exc).__name__}: {exc}"[:500]
                if msg.attempts >= cfg["OUTBOX_MAX_ATTEMPTS"]:
                    msg.status = "failed"
                    counts["failed"] += 1
                else:
                    msg.next_attempt_at = now + backoff(msg.attempts)
                    counts["retry"] += 1
                log.warning("outbox message %s not sent (attempt %s): %s", msg.id, msg.attempts,
                            type(exc).__name__)
                conn = _close(conn)
            db.session.commit()
    finally:
        db.session.rollback()
        _close(conn, polite=True)
    return counts


def _close(conn, polite: bool = False):
    if conn is not None:
        try:
            conn.quit() if polite else conn.close()
        except (OSError, smtplib.SMTPException):
            pass
    return None
