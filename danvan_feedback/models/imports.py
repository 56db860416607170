"""Bringing in the office's old registers: saved column mappings and the import jobs of the staff page."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class ImportMapping(db.Model):
    """A column mapping confirmed by a person, saved by name for the next file of the same register:
    ``fields_json`` maps a field to the header text of its column; ``words_json`` holds the office's
    own words for kinds and units (``{"kind": {"đơn đề nghị": "kien_nghi"}, "unit": {"P.TH": "VP"}}``)."""

    __tablename__ = "import_mappings"
    __table_args__ = (CheckConstraint("register IN ('letters','visits')", name="register"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    register: Mapped[str] = mapped_column(String(16))
    fields_json: Mapped[str] = mapped_column(Text, default="{}")
    words_json: Mapped[str] = mapped_column(Text, default="{}")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportJob(db.Model):
    """One file uploaded on the staff page: analysed (a dry run), then imported once confirmed.

    Status: ``uploaded`` → ``checking`` → ``checked`` (the dry run's figures in ``result_json``) →
    ``importing`` → ``done``; ``failed`` with ``message`` when the file cannot be read. The
    background runner commits ``progress`` as it goes, so the page shows it for big files."""

    __tablename__ = "import_jobs"
    __table_args__ = (CheckConstraint("register IN ('letters','visits')", name="register"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    register: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(200))
    storage_key: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="uploaded", index=True)
    step: Mapped[str] = mapped_column(String(16), default="check")   # what the runner does next: check | import
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    header_json: Mapped[str] = mapped_column(Text, default="{}")     # header line and texts
    mapping_json: Mapped[str] = mapped_column(Text, default="{}")    # field → column index
    words_json: Mapped[str] = mapped_column(Text, default="{}")
    result_json: Mapped[str] = mapped_column(Text, default="{}")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
