"""Decisions carry their document, and the day they took effect.

A triage decision (accept, refuse, transfer, guide, store, extend, record the outcome) may carry
its document: number, signing date, signer, and the signed file. Its *effective date* drives the
clocks and the reports: the action runs with a clock set to that day (``Ctx.now``), so the event's
``created_at``, ``accepted_on`` and the deadlines follow it, while ``entered_at`` keeps the moment
it was typed in. Entering a decision late is allowed within a bound: not before the case's previous
event, at most ``LATE_ENTRY_DAYS`` back (:func:`domain.letters.effective_date_error`). A late entry
writes an audit record (``late_entry``) and shows as "ghi nhận muộn" in the history.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..domain.letters import effective_date_error, is_late_entry
from ..extensions import db
from ..models import Attachment, Case, CaseEvent
from ..storage import CleanFile, LocalStorage
from . import uow
from .audit import append_audit
from .intake import local_date
from .triage import Ctx, TriageError

DECISION_ACTIONS = ("accept", "refuse", "transfer", "guide", "store", "extend", "record_outcome")
# Entries that record paperwork, not a fact of the case: a decision may take effect before them
# (the receipt slip printed on the day a late letter was registered, an internal note).
RECORD_ONLY = ("issue_document", "note")


def _start_of_day(day: date, tz: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def decision_ctx(case: Case, ctx: Ctx, *, effective_on: date | None, doc_no: str, signed_on: date | None,
                 signer: str, late_days: int) -> Ctx:
    """The context the decision runs in: its clock set to the effective date, its document recorded.

    Raises :class:`TriageError` (``future_date``, ``before_previous``, ``too_far_back``,
    ``signed_after_effect``, ``duplicate_doc_no``) before anything is written.
    """
    today = ctx.today
    effective_on = effective_on or today
    prev_at = prev_on = None
    if effective_on != today:  # taking effect today is never before the previous fact: no query
        prev_at = db.session.execute(select(CaseEvent.created_at).where(
            CaseEvent.case_id == case.id, CaseEvent.action.not_in(RECORD_ONLY))
            .order_by(CaseEvent.seq.desc()).limit(1)).scalar_one_or_none()
        prev_on = local_date(prev_at, ctx.tz) if prev_at else None
    err = effective_date_error(effective_on, today=today, previous_on=prev_on, late_days=late_days)
    # (the case's previous fact: the last event other than paperwork)
    if err:
        raise TriageError(err, field="effective_on", d=prev_on.strftime("%d/%m/%Y") if prev_on else "", n=late_days)
    doc_no = (doc_no or "").strip()[:100]
    signer = (signer or "").strip()[:200]
    if signed_on is not None:
        if signed_on > today:
            raise TriageError("future_date", field="signed_on")
        if signed_on > effective_on:
            raise TriageError("signed_after_effect", field="signed_on")
    if doc_no:
        year = (signed_on or effective_on).year
        # A number is used once a year across all cases: the case's lock does not cover another case
        # deciding with the same number at the same moment, the year's lock does (released at the
        # commit or rollback of the decision; SQLite's write lock already covers the whole database).
        uow.lock_name(f"decision_doc_no:{year}", begin=False)
        taken = db.session.execute(select(CaseEvent.id).where(
            CaseEvent.doc_no == doc_no, CaseEvent.doc_signed_on >= date(year, 1, 1),
            CaseEvent.doc_signed_on <= date(year, 12, 31)).limit(1)).first()
        if taken is not None:
            raise TriageError("duplicate_doc_no", field="doc_no", no=doc_no, year=year)
    if effective_on == today:
        moment = ctx.now
    else:  # the start of that day, but never before the previous event (the history stays in order)
        moment = _start_of_day(effective_on, ctx.tz)
        if prev_at is not None and moment <= prev_at:
            moment = prev_at + timedelta(microseconds=1)
    record = {"entered_at": ctx.now}
    if doc_no:
        record.update(doc_no=doc_no, doc_signed_on=signed_on or effective_on, doc_signer=signer or None)
    elif signer or signed_on:
        record.update(doc_signed_on=signed_on, doc_signer=signer or None)
    return replace(ctx, now=moment, record=record)


def after_decision(event: CaseEvent, case: Case, *, entered: Ctx, signed_file: CleanFile | None,
                   storage: LocalStorage) -> str | None:
    """Keep the signed file (written durably before the commit) and audit a late entry. Returns the
    stored key so the caller can delete it if the commit fails."""
    key = None
    if signed_file is not None:
        key = storage.put(signed_file.data)
        db.session.add(Attachment(case_id=case.id, event_id=event.id, storage_key=key,
                                  original_name=signed_file.original_name, content_type=signed_file.content_type,
                                  size=len(signed_file.data), sha256=signed_file.sha256, created_at=entered.now))
    effective_on = local_date(event.created_at, entered.tz)
    if is_late_entry(effective_on, entered.today):
        append_audit(actor_id=entered.actor.id, action="late_entry", now=entered.now, case_id=case.id,
                     detail=f"{event.action} #{event.seq}: hiệu lực {effective_on:%d/%m/%Y}, "
                            f"ghi nhận {entered.today:%d/%m/%Y}")
    return key
