"""Audit records (who revealed a denouncer, who changed a rule, a holiday, a role, a setting ...),
the verification of every chain, and checkpoints written outside the database.

Audit records are append-only and hash-chained across the whole table, keyed like the case events
(services/events.py: ``hash_version`` 2 is an HMAC over the canonical fields). Appends are
serialised (an advisory lock on PostgreSQL; SQLite writers already hold the write lock).

:func:`verify_all` checks, and names the case of, every break it finds:

- a chain whose hash, ``prev_hash`` or ``seq`` does not follow (an edited, inserted or deleted event,
  or one re-hashed without the key);
- an event that does not start where the previous ended (``from_status`` ≠ previous ``to_status``);
- a case without events, or an event without its case;
- drift between a case row and its history: status, kind and clock (due date and rule) must be those
  the events set, and the facts (subject, content ...) must match the digest the last event sealed;
- anything a checkpoint saw that is no longer there: a chain shorter than it was, or whose head at
  the checkpointed length differs (the last events deleted), a case gone, fewer cases than counted.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text

from .. import clock
from ..extensions import db
from ..models import AuditRecord, Case, CaseEvent
from .events import GENESIS, HASH_VERSION, case_digest, current_key, keyed_hash, keys, verify_chain

AUDIT_HASHED = ("seq", "actor_id", "action", "case_id", "reason", "detail", "created_at")


def record_hash(prev: str, seq: int, actor_id: int | None, action: str, case_id: int | None,
                reason: str, detail: str, created_at: datetime) -> str:
    """Version 1 (unkeyed), for records written before keyed hashes."""
    payload = json.dumps([prev, seq, actor_id, action, case_id, reason, detail,
                          created_at.isoformat(timespec="microseconds")],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _record_fields(r: AuditRecord) -> dict:
    return {name: getattr(r, name) for name in AUDIT_HASHED}


def append_audit(*, actor_id: int | None, action: str, now: datetime, case_id: int | None = None,
                 reason: str = "", detail: str = "") -> AuditRecord:
    """Add one record (flushed, not committed). Appends are serialised so the chain stays linear:
    a transaction-scoped advisory lock on PostgreSQL; SQLite writers already hold the write lock."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(48151623)"))
    last = db.session.execute(select(AuditRecord.seq, AuditRecord.hash)
                              .order_by(AuditRecord.seq.desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    kid, key = current_key()
    rec = AuditRecord(seq=seq, actor_id=actor_id, action=action, case_id=case_id, reason=reason,
                      detail=detail, created_at=now, prev_hash=prev, hash_version=HASH_VERSION, key_id=kid)
    rec.hash = keyed_hash(key, HASH_VERSION, prev, _record_fields(rec))
    db.session.add(rec)
    db.session.flush()
    return rec


def record_change(actor_id: int | None, action: str, now: datetime, **detail) -> AuditRecord:
    """An administrative change (a rule, a holiday, a user's role, a setting, a template) as an audit
    record: ``detail`` (what changed, before → after) is kept as JSON."""
    return append_audit(actor_id=actor_id, action=action, now=now,
                        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str))


def verify_audit(records: list[AuditRecord], key_by_id: dict[str, bytes] | None = None) -> int | None:
    """The seq of the first record that does not fit the chain (edited, or one missing before it)."""
    key_by_id = key_by_id if key_by_id is not None else keys()
    prev = GENESIS
    for expected, r in enumerate(records, start=1):
        if not r.hash_version or r.hash_version == 1:
            h = record_hash(prev, r.seq, r.actor_id, r.action, r.case_id, r.reason, r.detail, r.created_at)
        else:
            key = key_by_id.get(r.key_id or "")
            h = keyed_hash(key, r.hash_version, prev, _record_fields(r)) if key else None
        if r.seq != expected or r.prev_hash != prev or h is None or not hmac.compare_digest(r.hash, h):
            return r.seq
        prev = r.hash
    return None


# -- the whole record ------------------------------------------------------------------------------

def _case_problems(case: Case | None, case_id: int, events: list[CaseEvent], key_by_id) -> list[str]:
    if case is None:
        return [f"case_events: case {case_id} has events but no case row (deleted case)"]
    if not events:
        return [f"cases: case {case_id} ({case.tracking_code}) has no history (events deleted)"]
    out = []
    bad = verify_chain(events, key_by_id)
    if bad is not None:
        out.append(f"case_events: case {case_id} chain broken at seq {bad}")
    for prev, ev in zip(events, events[1:]):
        if ev.from_status != prev.to_status:
            out.append(f"case_events: case {case_id} event {ev.seq} starts at {ev.from_status} "
                       f"but event {prev.seq} ended at {prev.to_status} (illegal history)")
    last = events[-1]
    if case.status != last.to_status:
        out.append(f"cases: case {case_id} status {case.status} differs from its history ({last.to_status})")
    kinds = [e.kind_code for e in events if e.kind_code is not None]
    if kinds and case.kind_code != kinds[-1]:
        out.append(f"cases: case {case_id} kind {case.kind_code} differs from its history ({kinds[-1]})")
    if last.hash_version and last.hash_version >= 2 and (case.due_on, case.due_rule_code) != (last.due_on, last.due_rule_code):
        out.append(f"cases: case {case_id} deadline {case.due_on} ({case.due_rule_code}) differs from its "
                   f"history ({last.due_on}, {last.due_rule_code})")
    sealed = [e.case_digest for e in events if e.case_digest is not None]
    if sealed and sealed[-1] != case_digest(case):
        out.append(f"cases: case {case_id} facts (subject, content ...) differ from those its history sealed")
    return out


def _chains() -> tuple[dict[int, Case], dict[int, list[CaseEvent]]]:
    cases = {c.id: c for c in db.session.execute(select(Case).order_by(Case.id)).scalars()}
    events: dict[int, list[CaseEvent]] = {}
    for ev in db.session.execute(select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)).scalars():
        events.setdefault(ev.case_id, []).append(ev)
    return cases, events


def verify_all(checkpoint_dir: str | None = None) -> list[str]:
    """Every break found (see the module's docstring). Empty when all is whole."""
    key_by_id = keys()
    problems = []
    records = db.session.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars().all()
    bad = verify_audit(records, key_by_id)
    if bad is not None:
        problems.append(f"audit_records: chain broken at seq {bad}")
    cases, events = _chains()
    for case_id in sorted(set(cases) | set(events)):
        problems += _case_problems(cases.get(case_id), case_id, events.get(case_id, []), key_by_id)
    # No unkeyed hash once keyed hashes began: re-hashing an edited row with the old, unkeyed
    # function (the only one a superuser can compute without the key) is a downgrade, not history.
    keyed = [e.created_at for chain in events.values() for e in chain if e.hash_version and e.hash_version >= 2]
    keyed += [r.created_at for r in records if r.hash_version and r.hash_version >= 2]
    if keyed:
        cutover = min(keyed)
        for chain in events.values():
            for e in chain:
                if not e.hash_version and e.created_at > cutover:
                    problems.append(f"case_events: case {e.case_id} event {e.seq} has an unkeyed hash, "
                                    f"written after keyed hashes began")
        problems += [f"audit_records: record {r.seq} has an unkeyed hash, written after keyed hashes began"
                     for r in records if not r.hash_version and r.created_at > cutover]
    folder = checkpoint_dir if checkpoint_dir is not None else current_app.config.get("AUDIT_CHECKPOINT_DIR")
    if folder:
        problems += verify_checkpoints(Path(folder), cases, events, records, key_by_id)
    return problems


# -- checkpoints outside the database --------------------------------------------------------------

def _mac(key: bytes, body: dict) -> str:
    payload = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def checkpoint_body(now: datetime) -> dict:
    """Every chain's length and head, the audit chain's, and the number of cases, as of now."""
    rows = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.hash)
        .join(sub := select(CaseEvent.case_id.label("cid"), func.max(CaseEvent.seq).label("top"))
              .group_by(CaseEvent.case_id).subquery(),
              (sub.c.cid == CaseEvent.case_id) & (sub.c.top == CaseEvent.seq))).all()
    last = db.session.execute(select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)).first()
    return {"format": 1, "created_at": now.astimezone(timezone.utc).isoformat(timespec="seconds"),
            "cases": db.session.execute(select(func.count()).select_from(Case)).scalar_one(),
            "max_case_id": db.session.execute(select(func.max(Case.id))).scalar() or 0,
            "audit": [last.seq, last.hash] if last else [0, GENESIS],
            "chains": {str(r.case_id): [r.seq, r.hash] for r in sorted(rows)}}


def write_checkpoint(folder: str | Path, now: datetime) -> Path:
    """Write a new checkpoint file (never overwrite one): created exclusively, fsynced, read-only."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    kid, key = current_key()
    body = checkpoint_body(now)
    doc = {**body, "key_id": kid, "mac": _mac(key, body)}
    name = f"checkpoint-{now.astimezone(timezone.utc):%Y%m%dT%H%M%S%fZ}.json"
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    dfd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    return path


def verify_checkpoints(folder: Path, cases: dict, events: dict, records: list, key_by_id) -> list[str]:
    if not folder.is_dir():
        return []
    out = [f"migrations: {json.loads(p.read_text(encoding='utf-8')).get('detail', '?')} (forced, {p.name})"
           for p in sorted(folder.glob("forced-*.json"))]
    for path in sorted(folder.glob("checkpoint-*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            body = {k: v for k, v in doc.items() if k not in ("key_id", "mac")}
            key = key_by_id.get(doc.get("key_id", ""))
        except (OSError, ValueError):
            out.append(f"checkpoint {path.name}: unreadable")
            continue
        if key is None or not hmac.compare_digest(doc.get("mac", ""), _mac(key, body)):
            out.append(f"checkpoint {path.name}: its signature does not match (edited, or an unknown key)")
            continue
        if len(cases) < body["cases"]:
            out.append(f"cases: {len(cases)} cases, fewer than the {body['cases']} counted at {path.name}")
        for cid, (length, head) in body["chains"].items():
            case_id = int(cid)
            chain = events.get(case_id, [])
            if case_id not in cases:
                out.append(f"cases: case {case_id} seen at {path.name} is gone (deleted case)")
            elif len(chain) < length:
                out.append(f"case_events: case {case_id} has {len(chain)} events, fewer than the {length} "
                           f"seen at {path.name} (events deleted)")
            elif chain[length - 1].hash != head:
                out.append(f"case_events: case {case_id} event {length} differs from the one seen at {path.name}")
        alen, ahead = body["audit"]
        if alen and (len(records) < alen or records[alen - 1].hash != ahead):
            out.append(f"audit_records: the chain seen at {path.name} (length {alen}) is no longer there")
    return out


def record_forced_migration(revision: str, detail: str, now: datetime | None = None) -> Path:
    """A migration forced to drop hashed data leaves a signed note in the checkpoint folder (outside
    the database, which the migration is changing); ``audit verify`` lists these notes."""
    now = now or clock.now()
    folder = Path(current_app.config["AUDIT_CHECKPOINT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    kid, key = current_key()
    body = {"format": 1, "forced_migration": revision, "detail": detail,
            "created_at": now.astimezone(timezone.utc).isoformat(timespec="seconds")}
    path = folder / f"forced-{now.astimezone(timezone.utc):%Y%m%dT%H%M%S%fZ}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({**body, "key_id": kid, "mac": _mac(key, body)}, f, ensure_ascii=False, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    current_app.logger.warning("forced migration %s: %s (recorded in %s)", revision, detail, path)
    return path
