"""Audit records: who read or did what that the law asks to be traceable (e.g. revealing a denouncer).

Append-only (a trigger refuses UPDATE and DELETE) and hash-chained across the whole table; appends
are serialised (a row lock on PostgreSQL, the write lock on SQLite) so the chain stays linear.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class AuditRecord(db.Model):
    __tablename__ = "audit_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(48))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    hash_version: Mapped[int | None] = mapped_column(Integer)  # NULL/1 unkeyed, 2 HMAC (services/audit.py)
    key_id: Mapped[str | None] = mapped_column(String(16))
