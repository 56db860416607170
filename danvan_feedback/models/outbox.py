from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto import EncryptedText
from ..extensions import db
from .base import UTCDateTime, utcnow


class OutboxMessage(db.Model):
    """An email to send, written in the same transaction as the change it announces."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # A citizen's address (a denouncer's, perhaps): encrypted at rest like the identity it came from.
    to_addr: Mapped[str] = mapped_column(EncryptedText("outbox.to_addr"))
    subject: Mapped[str] = mapped_column(String(300))
    # Rendered bodies; empty while a message rendered at send time (``template``) waits.
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(64))  # emails/<template>.txt and .html
    context_json: Mapped[str | None] = mapped_column("context", Text)  # JSON, plain data only
    locale: Mapped[str] = mapped_column(String(8), default="vi", server_default="vi")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
