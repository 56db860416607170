"""Reception log and dialogue session models.

The reception log (sổ tiếp công dân) follows the Law on Citizen Reception 2013 art. 25 and form 03
of Circular 04/2021/TT-TTCP: one row per visit, numbered per year. Dialogue sessions (đối thoại)
record what was said and promised (Law on Complaints 2011 art. 30).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class ReceptionVisit(db.Model):
    """One visit of a citizen (or a group) to the reception office."""

    __tablename__ = "reception_visits"
    __table_args__ = (
        UniqueConstraint("year", "serial", name="uq_reception_visits_year_serial"),
        CheckConstraint("reception_type IN ('regular','periodic','unscheduled')", name="reception_type"),
        CheckConstraint("head_mode IS NULL OR head_mode IN ('in_person','delegated')", name="head_mode"),
        CheckConstraint("handling IN ('accepted','guided','transferred')", name="handling"),
        CheckConstraint("people_count >= 1", name="people_count"),
        Index("ix_reception_visits_date_serial", "visit_date", "serial"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    visit_date: Mapped[date] = mapped_column(Date)
    reception_type: Mapped[str] = mapped_column(String(16))
    # For periodic and unscheduled reception: by the head of the agency in person or delegated.
    head_mode: Mapped[str | None] = mapped_column(String(16))
    citizen_name: Mapped[str] = mapped_column(String(200))
    citizen_address: Mapped[str | None] = mapped_column(String(300))
    cccd: Mapped[str | None] = mapped_column(String(12))
    content: Mapped[str] = mapped_column(Text)
    kind_code: Mapped[str] = mapped_column(ForeignKey("case_kinds.code"))
    # Once recorded as a denunciation (or linked to a protected case), never cleared.
    protected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    people_count: Mapped[int] = mapped_column(Integer, default=1)
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_agency: Mapped[str | None] = mapped_column(String(300))
    handling: Mapped[str] = mapped_column(String(16))
    # Where the citizen was guided or the matter transferred.
    handling_agency: Mapped[str | None] = mapped_column(String(300))
    follow_up: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # The reception session (a day of periodic or unscheduled reception by the head) it belongs to.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("reception_sessions.id"), index=True)
    # The form's one-time token: a double submit records one visit.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Folded words for search; never the ID number, nor a denouncer's name or address.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # A visit brought in from the old reception book: the row's stable key and values' fingerprint.
    import_key: Mapped[str | None] = mapped_column(String(40), index=True, unique=True)
    import_digest: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    kind: Mapped[CaseKind] = relationship()  # noqa: F821
    case: Mapped[Case | None] = relationship()  # noqa: F821
    session: Mapped["ReceptionSession | None"] = relationship(back_populates="visits")


class ReceptionSession(db.Model):
    """A periodic (định kỳ) or unscheduled (đột xuất) reception by the head of the agency, in person
    or delegated (Law on Citizen Reception 2013 arts. 12, 18): form 01/TCD counts these sessions
    as well as the visits received in them."""

    __tablename__ = "reception_sessions"
    __table_args__ = (
        CheckConstraint("reception_type IN ('periodic','unscheduled')", name="reception_type"),
        CheckConstraint("head_mode IN ('in_person','delegated')", name="head_mode"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    reception_type: Mapped[str] = mapped_column(String(16))
    head_mode: Mapped[str] = mapped_column(String(16))
    chair: Mapped[str] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    visits: Mapped[list[ReceptionVisit]] = relationship(back_populates="session", order_by="ReceptionVisit.serial")


dialogue_cases = Table(
    "dialogue_cases", db.metadata,
    Column("dialogue_id", ForeignKey("dialogue_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("case_id", ForeignKey("cases.id"), primary_key=True),
)


class DialogueSession(db.Model):
    """A dialogue between the department's leaders and citizens or businesses."""

    __tablename__ = "dialogue_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    location: Mapped[str | None] = mapped_column(String(300))
    chair: Mapped[str] = mapped_column(String(200))
    participants: Mapped[str] = mapped_column(Text)
    issues: Mapped[str] = mapped_column(Text)
    answers: Mapped[str | None] = mapped_column(Text)
    commitments: Mapped[str | None] = mapped_column(Text)
    follow_ups: Mapped[str | None] = mapped_column(Text)
    # The signed minutes (biên bản), a PDF or an image, stored like case attachments.
    minutes_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    minutes_name: Mapped[str | None] = mapped_column(String(200))
    minutes_type: Mapped[str | None] = mapped_column(String(64))
    minutes_size: Mapped[int | None] = mapped_column(Integer)
    minutes_sha256: Mapped[str | None] = mapped_column(String(64))
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    cases: Mapped[list[Case]] = relationship(  # noqa: F821
        secondary=dialogue_cases, order_by="Case.tracking_code")
