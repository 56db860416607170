"""Append-only, hash-chained audit records (who revealed a denouncer, and why)."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select, text

from ..extensions import db
from ..models import AuditRecord, CaseEvent
from .events import GENESIS, verify_chain


def record_hash(prev: str, seq: int, actor_id: int | None, action: str, case_id: int | None,
                reason: str, detail: str, created_at: datetime) -> str:
    payload = json.dumps([prev, seq, actor_id, action, case_id, reason, detail,
                          created_at.isoformat(timespec="microseconds")],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def append_audit(*, actor_id: int | None, action: str, now: datetime, case_id: int | None = None,
                 reason: str = "", detail: str = "") -> AuditRecord:
    """Add one record (flushed, not committed). Appends are serialised so the chain stays linear:
    a transaction-scoped advisory lock on PostgreSQL; SQLite writers already hold the write lock."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(48151623)"))
    last = db.session.execute(select(AuditRecord.seq, AuditRecord.hash)
                              .order_by(AuditRecord.seq.desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    rec = AuditRecord(seq=seq, actor_id=actor_id, action=action, case_id=case_id, reason=reason,
                      detail=detail, created_at=now, prev_hash=prev,
                      hash=record_hash(prev, seq, actor_id, action, case_id, reason, detail, now))
    db.session.add(rec)
    db.session.flush()
    return rec


def verify_audit(records: list[AuditRecord]) -> int | None:
    """The seq of the first record that does not fit the chain (edited, or one missing before it)."""
    prev = GENESIS
    for expected, r in enumerate(records, start=1):
        h = record_hash(prev, r.seq, r.actor_id, r.action, r.case_id, r.reason, r.detail, r.created_at)
        if r.seq != expected or r.prev_hash != prev or r.hash != h:
            return r.seq
        prev = r.hash
    return None


def verify_all() -> list[str]:
    """Every break found: the audit chain and each case's event chain. Empty when all is whole."""
    problems = []
    records = db.session.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars().all()
    bad = verify_audit(records)
    if bad is not None:
        problems.append(f"audit_records: chain broken at seq {bad}")
    case_ids = db.session.execute(select(CaseEvent.case_id).distinct().order_by(CaseEvent.case_id)).scalars().all()
    for case_id in case_ids:
        events = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                    .order_by(CaseEvent.seq)).scalars().all()
        bad = verify_chain(events)
        if bad is not None:
            problems.append(f"case_events: case {case_id} chain broken at seq {bad}")
    return problems
