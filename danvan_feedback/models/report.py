"""Signed-off reports: the figures and files of a period, stored unchanged with who signed and a hash."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models.base import UTCDateTime, utcnow


class ReportSnapshot(db.Model):
    """One frozen report. ``sha256`` covers the canonical figures JSON and each file's hash, so a
    later change to a stored row is detectable; a period is signed off once."""

    __tablename__ = "report_snapshots"
    __table_args__ = (UniqueConstraint("period_key", name="uq_report_snapshots_period_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    period_key: Mapped[str] = mapped_column(String(64))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    figures_json: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    files: Mapped[list["ReportFile"]] = relationship(back_populates="snapshot", order_by="ReportFile.id")
    signed_by: Mapped["User"] = relationship()  # noqa: F821


class ReportFile(db.Model):
    __tablename__ = "report_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("report_snapshots.id"), index=True)
    fmt: Mapped[str] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(120))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[ReportSnapshot] = relationship(back_populates="files")


class ReportJob(db.Model):
    """An XLSX or DOCX export made in the background: queued by the page, run by ``flask report
    worker`` (or at once when ``REPORT_JOBS_INLINE``), the file kept in ``REPORT_EXPORT_DIR``."""

    __tablename__ = "report_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    period_key: Mapped[str] = mapped_column(String(64))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    preset: Mapped[str | None] = mapped_column(String(8))
    convention: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    fmt: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)  # queued|running|done|failed
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str | None] = mapped_column(String(120))
    storage_key: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
