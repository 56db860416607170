"""Dates on the office's records: when a letter was received, when a document or a decision is dated.

Pure rules, no Flask. Each returns error codes (field -> code); the web layer words them.

- A letter's received date starts the legal clocks (Civil Code 2015 art. 147: counting starts the
  day after), so it can be neither in the future nor further back than the configured bound
  (``LETTER_BACKDATE_DAYS``): a letter found in a drawer months later is registered today, with a
  note, not silently backdated. A letter cannot reach the office before the date written on it.
- A decision entered late takes effect on its own date, bounded: not before the case's previous
  event (history stays in order) and at most ``LATE_ENTRY_DAYS`` back.
"""
from __future__ import annotations

from datetime import date, timedelta


def received_date_errors(received_on: date | None, sender_doc_date: date | None, *, today: date,
                         backdate_days: int) -> dict[str, str]:
    errors: dict[str, str] = {}
    if received_on is None:
        errors["received_on"] = "required"
    elif received_on > today:
        errors["received_on"] = "future_date"
    elif received_on < today - timedelta(days=backdate_days):
        errors["received_on"] = "too_far_back"
    if sender_doc_date is not None:
        if sender_doc_date > today:
            errors["sender_doc_date"] = "future_date"
        elif received_on is not None and sender_doc_date > received_on:
            errors["sender_doc_date"] = "after_received"
    return errors


def effective_date_error(effective_on: date | None, *, today: date, previous_on: date | None,
                         late_days: int) -> str | None:
    """Why a decision may not take effect on ``effective_on`` (None: it may)."""
    if effective_on is None:
        return "required"
    if effective_on > today:
        return "future_date"
    if previous_on is not None and effective_on < previous_on:
        return "before_previous"
    if effective_on < today - timedelta(days=late_days):
        return "too_far_back"
    return None


def is_late_entry(effective_on: date, entered_on: date) -> bool:
    """Shown as "ghi nhận muộn": the decision was entered after the day it took effect."""
    return effective_on < entered_on
