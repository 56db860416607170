"""The office's paper records: documents it issues from a case (numbered per register and year)
and the replies of the agencies it transferred letters to."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class IssuedDocument(db.Model):
    """One document issued from a case (giấy biên nhận, phiếu chuyển đơn, thông báo thụ lý ...).

    Its number comes from the register (``series``) of the year it is issued in and is unique there
    (``uq_issued_documents_series_year_number``). The DOCX produced at issue is kept (``storage_key``,
    ``sha256``) so the register shows exactly what was signed.
    """

    __tablename__ = "issued_documents"
    __table_args__ = (
        UniqueConstraint("series", "year", "number", name="uq_issued_documents_series_year_number"),
        CheckConstraint("number >= 1", name="number_positive"),
        Index("ix_issued_documents_case_id_doc_type", "case_id", "doc_type"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    doc_type: Mapped[str] = mapped_column(String(32))
    series: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    doc_no: Mapped[str] = mapped_column(String(64))  # as printed: "12/TB-TTr"
    issued_on: Mapped[date] = mapped_column(Date)
    signer: Mapped[str | None] = mapped_column(String(200))
    storage_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped["Case"] = relationship()  # noqa: F821


class AgencyReply(db.Model):
    """A reply (văn bản phúc đáp) from the agency a letter was transferred to; its entry also writes
    a case event with action ``agency_reply`` (counted in form 02/XLD)."""

    __tablename__ = "agency_replies"
    __table_args__ = (
        UniqueConstraint("case_id", "doc_year", "doc_no", name="uq_agency_replies_case_year_no"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"))
    agency: Mapped[str] = mapped_column(String(300))
    doc_no: Mapped[str] = mapped_column(String(100))
    doc_date: Mapped[date] = mapped_column(Date)
    doc_year: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
