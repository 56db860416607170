"""Send what the outbox holds, over SMTP, with retries and back-off. An outage loses nothing.

Each message goes through three short steps, so no database lock is held while SMTP talks:

1. **claim** (one write transaction, the write rule of :mod:`.uow`: ``BEGIN IMMEDIATE`` on SQLite,
   ``FOR UPDATE SKIP LOCKED`` on PostgreSQL): the first due message gets ``attempts + 1`` and a
   lease (``next_attempt_at = now + OUTBOX_LEASE_SECONDS``), then commits. Another sender sees it
   as not due, so two senders never send one message.
2. **send** over SMTP, outside any transaction.
3. **record** the result (sent, or the back-off of a retry) in a second write transaction.

Delivery is at least once: a sender that dies between 2 and 3 leaves the message leased; when the
lease runs out another pass sends it again (one repeat per sender killed at that moment). The
Message-ID is deterministic, so a receiver can drop the repeat.
"""
from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import select

from ..extensions import db
from ..models import OutboxMessage
from . import uow
from .notify import render_bodies

log = logging.getLogger(__name__)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after each failed attempt, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def loop_backoff(failures: int, interval: float, cap: float) -> float:
    """Seconds the ``--loop`` sender sleeps after ``failures`` passes in a row that could not reach
    the database: the interval doubled at each failure (at least one second), at most ``cap``."""
    return min(max(interval, 1.0) * 2 ** max(failures - 1, 0), cap)


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


def claim_one(now: datetime, lease: timedelta) -> int | None:
    """Lease the first due message to this sender and commit; its id, or None when nothing is due."""
    def work():
        query = (select(OutboxMessage).where(OutboxMessage.status == "pending",
                                             OutboxMessage.next_attempt_at <= now)
                 .order_by(OutboxMessage.id).limit(1)
                 .with_for_update(skip_locked=True, of=OutboxMessage)  # PostgreSQL; SQLite: BEGIN IMMEDIATE
                 .execution_options(populate_existing=True))
        msg = db.session.execute(query).scalar_one_or_none()
        if msg is None:
            return None
        msg.attempts += 1
        msg.next_attempt_at = now + lease
        return msg.id
    return uow.run_write(work)


def _record(msg_id: int, update) -> None:
    """Write the result of one attempt on the locked row (one short write transaction)."""
    def work():
        msg = uow.lock(OutboxMessage, msg_id, begin=False)
        if msg is not None:
            update(msg)
    uow.run_write(work)


def send_pending(cfg: dict, now: datetime, limit: int = 100) -> dict[str, int]:
    """Send up to ``limit`` due messages: claim, send, record, one message at a time."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    lease = timedelta(seconds=cfg.get("OUTBOX_LEASE_SECONDS", 300))
    conn = None
    try:
        for _ in range(limit):
            msg_id = claim_one(now, lease)
            if msg_id is None:
                break
            msg = db.session.get(OutboxMessage, msg_id)
            email = build_email(msg, cfg["MAIL_DEFAULT_SENDER"])
            bodies, attempts = (msg.body_text, msg.body_html), msg.attempts
            db.session.rollback()  # no transaction stays open while SMTP talks
            try:
                if conn is None:
                    conn = _connect(cfg)
                conn.send_message(email)
            except (OSError, smtplib.SMTPException) as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
                gives_up = attempts >= cfg["OUTBOX_MAX_ATTEMPTS"]

                def retry(m, error=error, gives_up=gives_up):
                    m.last_error = error
                    if gives_up:
                        m.status = "failed"
                    else:
                        m.next_attempt_at = now + backoff(m.attempts)
                _record(msg_id, retry)
                counts["failed" if gives_up else "retry"] += 1
                log.warning("outbox message %s not sent (attempt %s): %s", msg_id, attempts,
                            type(exc).__name__)
                conn = _close(conn)
                continue

            def sent(m, bodies=bodies):
                m.status, m.sent_at, m.last_error = "sent", now, None
                m.body_text, m.body_html = bodies
            _record(msg_id, sent)
            counts["sent"] += 1
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
