"""Append-only case history, hash-chained per case."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Case, CaseEvent
from .uow import Conflict

GENESIS = "0" * 64
# Columns a decision's event records (issue 12): when it was entered and its document. Hashed when set.
RECORDED = ("entered_at", "doc_no", "doc_signed_on", "doc_signer")


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def event_hash(prev_hash: str, case_id: int, seq: int, actor_type: str, actor_id: int | None,
               action: str, from_status: str | None, to_status: str | None, note: str,
               is_public: bool, created_at: datetime, kind_code: str | None = None,
               outcome: str | None = None, recorded: dict | None = None) -> str:
    fields = [prev_hash, case_id, seq, actor_type, actor_id, action, from_status, to_status, note,
              bool(is_public), created_at.isoformat(timespec="microseconds")]
    if kind_code is not None or outcome is not None:  # events written before these existed keep their hash
        fields += [kind_code, outcome]
    if recorded and any(recorded.get(k) is not None for k in RECORDED):
        fields += [_plain(recorded.get(k)) for k in RECORDED]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def append_event(case: Case, *, action: str, now: datetime, actor_type: str = "citizen",
                 actor_id: int | None = None, to_status: str | None = None, note: str = "",
                 is_public: bool = False, first: bool = False, kind_code: str | None = None,
                 outcome: str | None = None, **columns) -> CaseEvent:
    """Add one event to ``case`` (flushed, not committed) and move its status to ``to_status``.

    ``first`` says the case is new, so the chain starts at the genesis hash without a query.
    Otherwise the last event is read with ``FOR UPDATE`` (PostgreSQL) so appends stay linear; the
    unique (case_id, seq) constraint is the last guard.
    """
    if first:
        seq, prev = 1, GENESIS
    else:
        last = db.session.execute(
            select(CaseEvent.seq, CaseEvent.hash, CaseEvent.to_status).where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.seq.desc()).limit(1).with_for_update()).first()
        seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
        if last is not None and last.to_status != case.status:
            # The history is the record: an event starts where the previous one ended, or not at all.
            raise Conflict("illegal_history", from_status=case.status, last_to=last.to_status)
    if case.id is None:
        db.session.flush()  # the hash covers the case id
    from_status = None if first else case.status
    to = to_status or case.status
    unknown = set(columns) - set(RECORDED)
    if unknown:
        raise TypeError(f"append_event: unknown columns {sorted(unknown)}")
    digest = event_hash(prev, case.id, seq, actor_type, actor_id, action, from_status, to, note,
                        is_public, now, kind_code, outcome, columns)
    event = CaseEvent(case_id=case.id, seq=seq, actor_type=actor_type, actor_id=actor_id,
                      action=action, from_status=from_status, to_status=to, note=note,
                      is_public=is_public, created_at=now, prev_hash=prev, hash=digest,
                      kind_code=kind_code, outcome=outcome, **columns)
    if to_status:
        case.status = to_status
    db.session.add(event)
    return event


def verify_chain(events: list[CaseEvent]) -> int | None:
    """The seq of the first event whose hash does not match, or None if the chain is whole."""
    prev = GENESIS
    for expected_seq, ev in enumerate(events, start=1):
        h = event_hash(prev, ev.case_id, ev.seq, ev.actor_type, ev.actor_id, ev.action,
                       ev.from_status, ev.to_status, ev.note, ev.is_public, ev.created_at,
                       ev.kind_code, ev.outcome, {k: getattr(ev, k) for k in RECORDED})
        if ev.seq != expected_seq or ev.prev_hash != prev or ev.hash != h:
            return ev.seq
        prev = ev.hash
    return None
