"""Append-only case history, hash-chained per case with a key kept outside the database.

How an event's hash is made (``hash_version`` column):

- version 1 (``NULL`` in rows written before revision ``i08_event_integrity``): SHA-256 of a JSON
  list of the first columns; kept only so those rows still verify.
- version 2: HMAC-SHA256 with the key named by ``key_id`` over the canonical JSON of
  ``{"v": 2, "prev": prev_hash, <field>: <value> for every field of HASHED whose value is not None}``
  (keys sorted, UTF-8, dates and datetimes in ISO form).

**Adding a column to the hash is one line**: add the (nullable) column to ``CaseEvent`` and its name
to ``HASHED``. Rows written before have ``NULL`` there, which the canonical dict leaves out, so
their hashes still verify and no new version is needed. A new version is needed only to change the
encoding or to drop a field; a migration that would drop a column holding hashed values must refuse
(see ``migrations/versions/0009_event_kind_outcome.py``).

The key: ``AUDIT_HMAC_KEY`` (or ``AUDIT_HMAC_KEY_FILE``); its id is the first 8 hex digits of a
hash of it, stored on each row, so keys can be rotated (``AUDIT_HMAC_OLD_KEYS`` still verify).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, datetime, timezone
from contextlib import nullcontext
from functools import lru_cache

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Case, CaseEvent
from .uow import Conflict

GENESIS = "0" * 64
HASH_VERSION = 2

# The columns an event's hash covers (version 2). Append a new column's name here.
HASHED = (
    "case_id", "seq", "actor_type", "actor_id", "action", "from_status", "to_status", "note",
    "is_public", "created_at", "kind_code", "outcome",
    "due_on", "due_rule_code",   # the clock in force after the event (deadline and the rule that set it)
    "case_digest",               # the case's facts (subject, content ...) as they stood after the event
    "entered_at", "doc_no", "doc_signed_on", "doc_signer",  # a decision's entry time and document (issue 12)
)
# Columns a caller may set on an event (issue 12: when a decision was entered and its document).
RECORDED = ("entered_at", "doc_no", "doc_signed_on", "doc_signer")

# What a case's first event seals: facts that never change after filing.
CASE_FACTS = ("tracking_code", "subject", "content", "channel", "submitter_type", "is_anonymous",
              "received_at", "complained_decision", "request_text")


@lru_cache(maxsize=16)
def key_id(key: str) -> str:
    return hashlib.sha256(b"danvan-audit-key-id:" + key.encode()).hexdigest()[:8]


def keys() -> dict[str, bytes]:
    """Every key that may verify a row, by id; the current one signs."""
    cfg = current_app.config
    out = {key_id(k): k.encode() for k in cfg.get("AUDIT_HMAC_OLD_KEYS") or []}
    out[key_id(cfg["AUDIT_HMAC_KEY"])] = cfg["AUDIT_HMAC_KEY"].encode()
    return out


def current_key() -> tuple[str, bytes]:
    k = current_app.config["AUDIT_HMAC_KEY"]
    return key_id(k), k.encode()


def _plain(value):
    if isinstance(value, date):   # a datetime too
        return _plain_day(value)
    return value


@lru_cache(maxsize=8192)
def _plain_day(value: date) -> str:
    """ISO text of a date, or of a datetime in UTC (equal datetimes are the same instant, so one
    cache entry serves any time zone); remembered, as histories share their days."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds")
    return value.isoformat()


# the encoder json.dumps(..., ensure_ascii=False, sort_keys=True, separators=(",", ":")) builds on
# every call, built once (the same bytes; the bulk import seals a quarter of a million events)
_CANON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(version: int, prev: str, fields: dict) -> bytes:
    body = {"v": version, "prev": prev}
    for k, v in fields.items():
        if v is None:
            continue
        t = type(v)
        body[k] = v if t is str or t is int or t is bool else _plain(v)
    return _CANON.encode(body).encode()


def keyed_hash(key: bytes, version: int, prev: str, fields: dict) -> str:
    return hmac.digest(key, canonical(version, prev, fields), "sha256").hex()


def legacy_hash(prev_hash: str, case_id: int, seq: int, actor_type: str, actor_id: int | None,
                action: str, from_status: str | None, to_status: str | None, note: str,
                is_public: bool, created_at: datetime, kind_code: str | None = None,
                outcome: str | None = None, recorded: dict | None = None) -> str:
    """Version 1 (unkeyed), for rows written before keyed hashes."""
    fields = [prev_hash, case_id, seq, actor_type, actor_id, action, from_status, to_status, note,
              bool(is_public), created_at.isoformat(timespec="microseconds")]
    if kind_code is not None or outcome is not None:
        fields += [kind_code, outcome]
    if recorded and any(recorded.get(k) is not None for k in RECORDED):
        fields += [(v.isoformat() if hasattr(v, "isoformat") else v) for v in (recorded.get(k) for k in RECORDED)]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


event_hash = legacy_hash  # the old name


def case_digest(case) -> str:
    """SHA-256 of the case's facts (a ``Case`` or a dict of its columns); every event seals the
    digest as it stood after it, so a fact changed outside an event is drift."""
    if isinstance(case, dict):
        facts = {name: _plain(case.get(name)) for name in CASE_FACTS}
    else:
        facts = {name: _plain(getattr(case, name)) for name in CASE_FACTS}
    return hashlib.sha256(_CANON.encode(facts).encode()).hexdigest()


def _fields(ev: CaseEvent) -> dict:
    return {name: getattr(ev, name) for name in HASHED}


def compute_hash(ev: CaseEvent, prev: str, key_by_id: dict[str, bytes] | None = None) -> str | None:
    """The hash ``ev`` should carry after ``prev``; None when its key is unknown here."""
    if not ev.hash_version or ev.hash_version == 1:
        return legacy_hash(prev, ev.case_id, ev.seq, ev.actor_type, ev.actor_id, ev.action,
                           ev.from_status, ev.to_status, ev.note, ev.is_public, ev.created_at,
                           ev.kind_code, ev.outcome, {k: getattr(ev, k) for k in RECORDED})
    key = (key_by_id or keys()).get(ev.key_id or "")
    if key is None:
        return None
    return keyed_hash(key, ev.hash_version, prev, _fields(ev))


def first_event(case: dict, *, action: str, now: datetime, to_status: str, actor_type: str = "citizen",
                actor_id: int | None = None, is_public: bool = False, kind_code: str | None = None) -> dict:
    """The first event of a new case, as the row of ``case_events`` (for an insert without the
    ORM): the values and the hash :func:`append_event` gives with ``first=True``, from the case's
    row (``case``: its column values, with its ``id``; its status is already ``to_status``)."""
    return seal({"case_id": case["id"], "seq": 1, "actor_type": actor_type, "actor_id": actor_id,
                 "action": action, "from_status": None, "to_status": to_status, "note": "",
                 "is_public": bool(is_public), "created_at": now, "prev_hash": GENESIS, "kind_code": kind_code,
                 "outcome": None, "due_on": case.get("due_on"), "due_rule_code": case.get("due_rule_code"),
                 "case_digest": case_digest(case)})


def append_event(case: Case, *, action: str, now: datetime, actor_type: str = "citizen",
                 actor_id: int | None = None, to_status: str | None = None, note: str = "",
                 is_public: bool = False, first: bool = False, kind_code: str | None = None,
                 outcome: str | None = None, settle=None, **columns) -> CaseEvent:
    """Add one event to ``case`` (flushed, not committed) and move its status to ``to_status``.

    ``first`` says the case is new, so the chain starts at the genesis hash without a query.
    Otherwise the last event is read with ``FOR UPDATE`` (PostgreSQL) so appends stay linear, and
    the event is refused (:class:`Conflict`) unless the case's status is where that event ended;
    the unique (case_id, seq) constraint is the last guard. ``columns``: those of ``RECORDED``.
    ``settle`` runs after the status moved
    and before the hash is made: it sets the clock the event records (``due_on``, ``due_rule_code``).
    """
    if first:
        seq, prev = 1, GENESIS
    else:
        # Only a pending event can change what this reads: without one, the case's own pending
        # changes (``updated_at``…) wait for the one flush below instead of an UPDATE of their own.
        pending = any(isinstance(o, CaseEvent) for o in db.session.new)
        with nullcontext() if pending else db.session.no_autoflush:
            last = db.session.execute(
                select(CaseEvent.seq, CaseEvent.hash, CaseEvent.to_status).where(CaseEvent.case_id == case.id)
                .order_by(CaseEvent.seq.desc()).limit(1).with_for_update()).first()
        seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
        if last is not None and last.to_status != case.status:
            # The history is the record: an event starts where the previous one ended, or not at all.
            raise Conflict("illegal_history", from_status=case.status, last_to=last.to_status)
    unknown = set(columns) - set(RECORDED)
    if unknown:
        raise TypeError(f"append_event: unknown columns {sorted(unknown)}")
    if case.id is None:
        db.session.flush()  # the hash covers the case id
    from_status = None if first else case.status
    to = to_status or case.status
    if to_status:
        case.status = to_status
    if settle is not None:
        settle()
    kid, key = current_key()
    event = CaseEvent(case_id=case.id, seq=seq, actor_type=actor_type, actor_id=actor_id,
                      action=action, from_status=from_status, to_status=to, note=note,
                      is_public=bool(is_public), created_at=now, prev_hash=prev,
                      kind_code=kind_code, outcome=outcome, due_on=case.due_on,
                      due_rule_code=case.due_rule_code,
                      case_digest=case_digest(case),
                      hash_version=HASH_VERSION, key_id=kid, **columns)
    event.hash = keyed_hash(key, HASH_VERSION, prev, _fields(event))
    db.session.add(event)
    if not first:
        db.session.flush()  # callers link rows to event.id (attachments, replies); intake needs no id
    return event


_HASHED_SET = frozenset(HASHED)


def seal(row: dict, signer: tuple[str, bytes] | None = None) -> dict:
    """For bulk inserts of events as dicts of columns (``prev_hash`` set): add ``hash_version``,
    ``key_id`` and the keyed ``hash``; returns the row. Missing hashed columns count as NULL.
    ``signer``: ``current_key()``, looked up once by a caller sealing many rows. The same hash as
    ``keyed_hash(key, HASH_VERSION, prev, {name: row.get(name) for name in HASHED})``, made without
    the intermediate dict (a register import seals a quarter of a million events)."""
    kid, key = signer or current_key()
    row["hash_version"], row["key_id"] = HASH_VERSION, kid
    body = {"v": HASH_VERSION, "prev": row["prev_hash"]}
    for k, v in row.items():
        if v is None or k not in _HASHED_SET:
            continue
        t = type(v)
        body[k] = v if t is str or t is int or t is bool else _plain(v)
    row["hash"] = hmac.digest(key, _CANON.encode(body).encode(), "sha256").hex()
    return row


def verify_chain(events: list[CaseEvent], key_by_id: dict[str, bytes] | None = None) -> int | None:
    """The seq of the first event whose hash does not match, or None if the chain is whole."""
    key_by_id = key_by_id if key_by_id is not None else keys()
    prev = GENESIS
    for expected_seq, ev in enumerate(events, start=1):
        h = compute_hash(ev, prev, key_by_id)
        if ev.seq != expected_seq or ev.prev_hash != prev or h is None or not hmac.compare_digest(ev.hash, h):
            return ev.seq
        prev = ev.hash
    return None
