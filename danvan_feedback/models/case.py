"""The case aggregate: a submission, the identity of who sent it, its files and its history."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy import event
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain import kinds
from ..crypto import EncryptedText, cccd_key, current_keyring, phone_key
from ..extensions import db
from .base import UTCDateTime, utcnow


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("group_size IS NULL OR group_size >= 2", name="group_size"),
        CheckConstraint("submitter_type IN ('citizen','business')", name="submitter_type"),
        CheckConstraint("complexity IN ('normal','complex','especially_complex')", name="complexity"),
        CheckConstraint("attempt IN (1, 2)", name="attempt"),
        Index("ix_cases_status_due_on", "status", "due_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    # Opaque id for the Open311 API; never set for denunciations, which the API never lists.
    open311_id: Mapped[str | None] = mapped_column(String(24), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(64))
    submission_token: Mapped[str] = mapped_column(String(64), unique=True)
    kind_code: Mapped[str] = mapped_column(ForeignKey("case_kinds.code"), index=True)
    status: Mapped[str] = mapped_column(String(24), default="received", index=True)
    channel: Mapped[str] = mapped_column(String(16), default="web")
    submitter_type: Mapped[str] = mapped_column(String(16), default="citizen")
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set once the case has been a denunciation (filed as one, reclassified to one, or recorded at
    # the reception desk as one), never cleared: the sender's identity stays secret for good.
    protected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"))
    subject: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    incident_date: Mapped[date | None] = mapped_column(Date)
    incident_place: Mapped[str | None] = mapped_column(String(300))
    # Where the matter is, as a partner's Open311 request or the public form's "use my location"
    # gives it (WGS84 degrees), and a partner's own id of the address. Public, not personal data.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address_id: Mapped[str | None] = mapped_column(String(100))
    complained_decision: Mapped[str | None] = mapped_column(Text)
    request_text: Mapped[str | None] = mapped_column(Text)
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    group_size: Mapped[int | None] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The legal clock running now (acceptance at first), computed from deadline_rules.
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    due_rule_code: Mapped[str | None] = mapped_column(String(64))
    lookup_failures: Mapped[int] = mapped_column(Integer, default=0)
    lookup_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Triage (the inspectorate's console)
    # Subject, content and code folded to ASCII lower case, for search insensitive to diacritics.
    search_text: Mapped[str] = mapped_column(Text, default="")
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The inspector who resolves the case; with the verifiers, the only ones who see a denouncer.
    resolver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    complexity: Mapped[str] = mapped_column(String(24), default="normal")
    is_remote: Mapped[bool] = mapped_column(Boolean, default=False)
    attempt: Mapped[int] = mapped_column(Integer, default=1)  # complaint: first or second time
    accepted_on: Mapped[date | None] = mapped_column(Date)
    paused_since: Mapped[date | None] = mapped_column(Date)
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(32))
    # The state of the matter when the letter came in, recorded when it is classified (form 02/XLD
    # "theo tình trạng giải quyết"): resolved_once | resolved_many | in_progress | not_yet.
    matter_state: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    transfer_agency: Mapped[str | None] = mapped_column(String(300))
    transfer_doc_no: Mapped[str | None] = mapped_column(String(100))
    transfer_date: Mapped[date | None] = mapped_column(Date)
    # A letter registered by the office (vào sổ đơn): the sender's own document number and date,
    # when and by whom it was entered (``received_at`` is the day it reached the office).
    sender_doc_no: Mapped[str | None] = mapped_column(String(100))
    sender_doc_date: Mapped[date | None] = mapped_column(Date)
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A letter brought in from the office's old register (channel ``import``): the row's stable key,
    # so importing the same file again changes nothing, and the fingerprint of the row's values, so a
    # corrected row is recognised and updated.
    import_key: Mapped[str | None] = mapped_column(String(40), index=True, unique=True)
    import_digest: Mapped[str | None] = mapped_column(String(64))

    kind: Mapped["CaseKind"] = relationship()  # noqa: F821
    unit: Mapped["Unit | None"] = relationship(foreign_keys=[unit_id])  # noqa: F821
    handling_unit: Mapped["Unit | None"] = relationship(foreign_keys=[handling_unit_id])  # noqa: F821
    assignee: Mapped["User | None"] = relationship(foreign_keys=[assignee_id])  # noqa: F821
    resolver: Mapped["User | None"] = relationship(foreign_keys=[resolver_id])  # noqa: F821
    registered_by: Mapped["User | None"] = relationship(foreign_keys=[registered_by_id])  # noqa: F821
    service: Mapped["Service | None"] = relationship()  # noqa: F821
    commune: Mapped["Commune | None"] = relationship()  # noqa: F821
    identity: Mapped["CaseIdentity | None"] = relationship(back_populates="case", uselist=False)
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="case", order_by="Attachment.id")
    events: Mapped[list["CaseEvent"]] = relationship(back_populates="case", order_by="CaseEvent.seq")

    @property
    def has_attempts(self) -> bool:
        """Resolved a first and possibly a second time (complaints): the case page shows "lần n"."""
        return kinds.has_attempts(self.kind_code)


class CaseVerifier(db.Model):
    """A staff member assigned to verify a case; may see a denouncer's identity."""

    __tablename__ = "case_verifiers"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseIdentity(db.Model):
    """Who sent the case, kept apart from the case so lists and exports never load it.

    For a denunciation these fields are secret (Law on Denunciations 2018 arts. 8, 9, 47).
    """

    __tablename__ = "case_identities"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    # Encrypted at rest (AES-GCM, keys outside the database: see ``crypto``).
    full_name: Mapped[str | None] = mapped_column(EncryptedText("case_identities.full_name"))
    address: Mapped[str | None] = mapped_column(EncryptedText("case_identities.address"))
    cccd: Mapped[str | None] = mapped_column(EncryptedText("case_identities.cccd"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("case_identities.phone"))
    email: Mapped[str | None] = mapped_column(EncryptedText("case_identities.email"))
    company_name: Mapped[str | None] = mapped_column(EncryptedText("case_identities.company_name"))
    tax_code: Mapped[str | None] = mapped_column(EncryptedText("case_identities.tax_code"))
    representative: Mapped[str | None] = mapped_column(EncryptedText("case_identities.representative"))
    # Keyed blind indexes (HMAC) for exact-match search without decrypting: set on every write.
    phone_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    cccd_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    name_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    case: Mapped[Case] = relationship(back_populates="identity")


class Attachment(db.Model):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    case: Mapped[Case] = relationship(back_populates="attachments")


class CaseEvent(db.Model):
    """One append-only entry of a case's history; a database trigger refuses UPDATE and DELETE.

    Events of a case form a hash chain (``prev_hash`` → ``hash``) so an edited row is detectable.
    """

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),
                      Index("ix_case_events_action_created_at", "action", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # The kind set by this event (filing, reclassification) and the outcome it records, so reports
    # count a case as it stood in a period.
    kind_code: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(32))
    # The clock in force after this event (the deadline and the rule that set it), and on the first
    # event a digest of the case's facts as filed: the case row can be checked against its history.
    due_on: Mapped[date | None] = mapped_column(Date)
    due_rule_code: Mapped[str | None] = mapped_column(String(64))
    case_digest: Mapped[str | None] = mapped_column(String(64))
    # When the legal fact took effect (clocks and reports use it); ``entered_at``: when it was typed
    # in, if recorded (a decision entered late shows "ghi nhận muộn"). The decision's document: its
    # number, signing date and signer (the signed file is an ``Attachment`` with this event's id).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    doc_no: Mapped[str | None] = mapped_column(String(100))
    doc_signed_on: Mapped[date | None] = mapped_column(Date)
    doc_signer: Mapped[str | None] = mapped_column(String(200))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # How ``hash`` was made (services/events.py): NULL/1 unkeyed SHA-256, 2 HMAC with key ``key_id``.
    hash_version: Mapped[int | None] = mapped_column(Integer)
    key_id: Mapped[str | None] = mapped_column(String(16))
    case: Mapped[Case] = relationship(back_populates="events")


def name_key(raw: str | None) -> str | None:
    """A name as its blind index holds it: folded, one space between words ("do thi hoa")."""
    from ..domain.validation import fold_diacritics
    words = fold_diacritics(raw or "").split()
    return " ".join(words) or None


def blind_indexes(ring, *, phone: str | None, cccd: str | None, full_name: str | None) -> dict:
    """The HMAC digests an identity row stores for exact-match search (under the first key)."""
    out = {}
    for column, kind, value in (("phone_bidx", "phone", phone_key(phone)), ("cccd_bidx", "cccd", cccd_key(cccd)),
                                ("name_bidx", "name", name_key(full_name))):
        out[column] = ring.index(kind, value) if value else None
    return out


@event.listens_for(CaseIdentity, "before_insert")
@event.listens_for(CaseIdentity, "before_update")
def _set_blind_indexes(_mapper, _connection, target: CaseIdentity) -> None:
    for column, value in blind_indexes(current_keyring(), phone=target.phone, cccd=target.cccd,
                                       full_name=target.full_name).items():
        setattr(target, column, value)


class ReceiptHold(db.Model):
    """The PIN of a receipt, kept for a few minutes so that the same browser session retrying the same
    form (a reply lost on the way) sees the same receipt again, PIN included; the session cookie
    carries no PIN. ``id`` is a keyed digest of the session's receipt id and the form token; the PIN
    is encrypted at rest like an identity (AES-256-GCM, identity keys, ``identity rotate-key``).
    Expired rows are deleted by the first submission of each minute (services.receipts)."""

    __tablename__ = "receipt_holds"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    pin: Mapped[str] = mapped_column(EncryptedText("receipt_holds.pin"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
