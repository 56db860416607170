"""Pass 2 for letters: new cases with their sealed history in bulk, corrected rows updated and audited."""
from __future__ import annotations

import secrets
from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ...crypto import current_keyring
from ...domain import deadlines as dl
from ...domain import register_import as ri
from ...domain.codes import ALPHABET, CODE_LEN, PREFIX
from ...extensions import db
from ...models import Case, CaseEvent, CaseIdentity, CaseKind
from ...models.case import blind_indexes
from .. import bulk
from ..audit import append_audit
from ..events import GENESIS, append_event, case_digest, current_key, seal
from ..intake import load_calendar, search_text
from .plan import ACTOR, CHANNEL, EVENT_HOUR, SECRET_KINDS, among

# -- pass 2: write ---------------------------------------------------------------------------------

@lru_cache(maxsize=16384)
def _instant(day: date, tz: ZoneInfo) -> datetime:
    """08:00 local time of ``day``, in UTC (remembered: a register's rows share their days)."""
    return datetime.combine(day, EVENT_HOUR, tzinfo=tz).astimezone(timezone.utc)


class _Clocks:
    """Deadlines of imported letters still open, from the rules table and the working calendar."""

    def __init__(self, start: date):
        from ..triage import load_rules
        self.rules = load_rules()
        self.cal = load_calendar(start, 365 * 12)
        self.anon_info_only = set(db.session.execute(
            select(CaseKind.code).where(CaseKind.anonymous == "info_only")).scalars())
        self.memo: dict[tuple, tuple[date | None, str | None]] = {}

    def due(self, rec: dict, status: str) -> tuple[date | None, str | None]:
        """The clock a case is left with; remembered per (kind, day, variant): a register repeats them."""
        k = (status, rec["kind_code"], rec["anonymous"], rec["received"], rec["decision_date"], rec["attempt"],
             rec["complexity"])
        hit = self.memo.get(k)
        if hit is None:
            hit = self.memo[k] = self._due(rec, status)
        return hit

    def _due(self, rec: dict, status: str) -> tuple[date | None, str | None]:
        try:
            if status == "received":
                if rec["anonymous"] and rec["kind_code"] in self.anon_info_only:
                    return None, None
                c = dl.acceptance_clock(self.cal, self.rules, rec["kind_code"], rec["received"])
            elif status in ("accepted", "in_progress"):
                c = dl.resolution_clock(self.cal, self.rules, rec["kind_code"], rec["decision_date"],
                                        attempt=rec["attempt"], complexity=rec["complexity"])
            else:
                return None, None
        except (dl.NoRule, ValueError):
            return None, None
        return c.due_on, c.rule.code


def _case_values(rec: dict, status: str, now: datetime, tz: ZoneInfo, clocks: _Clocks, code: str,
                 pin_hash: str) -> dict:
    due_on, due_rule = clocks.due(rec, status)
    identity = rec["identity"]
    secret = rec["kind_code"] in SECRET_KINDS
    return {
        "tracking_code": code, "open311_id": None, "pin_hash": pin_hash,
        "submission_token": "import-" + rec["key"], "kind_code": rec["kind_code"], "status": status,
        "channel": CHANNEL, "submitter_type": "citizen", "is_anonymous": rec["anonymous"],
        "unit_id": None, "service_id": None, "commune_id": None, "subject": rec["subject"] or "—",
        "content": rec["content"], "incident_date": None, "incident_place": None,
        "complained_decision": None, "request_text": None, "is_group": rec["group_size"] is not None,
        "group_size": rec["group_size"], "locale": "vi", "consent_at": None,
        "received_at": _instant(rec["received"], tz), "updated_at": now, "due_on": due_on,
        "due_rule_code": due_rule, "lookup_failures": 0, "lookup_locked_until": None,
        "search_text": search_text(code, rec["subject"], rec["content"], {} if secret else identity),
        "handling_unit_id": rec["unit_id"], "assignee_id": None, "resolver_id": None,
        "complexity": rec["complexity"], "is_remote": False, "attempt": rec["attempt"],
        "accepted_on": rec["decision_date"] if rec["decision"] == "accept" else None,
        "paused_since": None, "paused_days": 0, "extensions": 0,
        "outcome": rec["outcome"] if rec["decision"] == "accept" else None, "closed_at": None,
        "merged_into_id": None, "transfer_agency": None, "transfer_doc_no": None,
        "transfer_date": rec["decision_date"] if rec["decision"] == "transfer" else None,
        "import_key": rec["key"], "import_digest": rec["digest"],
        "entered_at": now,   # the day it came into this system; received_at is the day in the register
        "protected": secret,  # a denunciation's sender stays secret for good (policy.SECRET_IDENTITY_KINDS)
    }


def _note(rec: dict) -> str:
    return f"Nhập từ sổ cũ, dòng {rec['line']}" + (f", số {rec['ref']}" if rec.get("ref") else "")


def _event_rows(case_id: int, rec: dict, tz: ZoneInfo, case_values: dict, steps: list | None = None,
                signer: tuple[str, bytes] | None = None) -> list[dict]:
    """The imported history, sealed with the key like any event; the last event records the clock
    the case is left with, and every event the digest of the case's facts (services/events.py)."""
    rows, prev, status = [], GENESIS, None
    steps = steps if steps is not None else ri.letter_history(rec)
    signer = signer or current_key()
    digest = case_digest(case_values)
    for seq, step in enumerate(steps, start=1):
        at = _instant(step.day, tz)
        kind = rec["kind_code"] if step.action == "submitted" else None
        note = _note(rec) if step.action == "submitted" else ""
        last = seq == len(steps)
        row = seal({"case_id": case_id, "seq": seq, "actor_type": ACTOR, "actor_id": None,
                    "action": step.action, "from_status": status, "to_status": step.to_status, "note": note,
                    "is_public": False, "kind_code": kind, "outcome": step.outcome, "created_at": at,
                    "due_on": case_values["due_on"] if last else None,
                    "due_rule_code": case_values["due_rule_code"] if last else None,
                    "case_digest": digest, "prev_hash": prev}, signer)
        rows.append(row)
        prev, status = row["hash"], step.to_status
    return rows


def tracking_codes(n: int, taken: set[str] | None = None) -> list[str]:
    """``n`` distinct tracking codes in the format of ``domain.codes.new_tracking_code``, drawn from
    one ``secrets`` buffer (the 32-letter alphabet takes 5 bits of a byte, uniformly), none of them
    in ``taken`` (the codes this import has given already; it is updated). A clash with a code
    already in the database is checked by the caller, and the unique constraint is the last guard."""
    taken = taken if taken is not None else set()
    out: list[str] = []
    while len(out) < n:
        want = n - len(out)
        if len(ALPHABET) != 32:
            from ...domain.codes import new_tracking_code
            fresh = [new_tracking_code() for _ in range(want)]
        else:
            raw = secrets.token_bytes(want * CODE_LEN)
            body = "".join(ALPHABET[b & 31] for b in raw)
            fresh = [f"{PREFIX}-{body[i:i + 4]}-{body[i + 4:i + CODE_LEN]}" for i in range(0, want * CODE_LEN, CODE_LEN)]
        for code in fresh:
            if code not in taken:
                taken.add(code)
                out.append(code)
    return out


def _free_codes(n: int, taken: set[str]) -> list[str]:
    """``n`` tracking codes used neither by this import nor by a case in the database."""
    codes = tracking_codes(n, taken)
    while True:
        used = set()
        for cond in among(Case.tracking_code, codes):
            used.update(db.session.execute(select(Case.tracking_code).where(cond)).scalars())
        if not used:
            return codes
        codes = [c for c in codes if c not in used] + tracking_codes(len(used), taken)


def _insert_letters(recs: list[dict], now: datetime, tz: ZoneInfo, clocks: _Clocks, taken: set[str]) -> int:
    """New cases, their identities and their sealed events, written in bulk (``services.bulk``: COPY
    on PostgreSQL, one prepared INSERT on SQLite). The cases' ids are reserved first, so the events
    are sealed with them before anything is written; nothing is read back."""
    ids = bulk.reserve_ids(Case.__table__, len(recs))
    ring = current_keyring()  # a bulk insert skips the ORM hook that sets the blind indexes
    signer = current_key()
    cases, identities, events = [], [], []
    # an imported case has no PIN anybody knows: a random value in its place, drawn in one call
    pins = secrets.token_hex(32 * len(recs))
    for i, (rec, code, case_id) in enumerate(zip(recs, _free_codes(len(recs), taken), ids)):
        steps = ri.letter_history(rec)
        values = _case_values(rec, steps[-1].to_status, now, tz, clocks, code, pins[64 * i:64 * i + 64])
        values["id"] = case_id
        cases.append(values)
        ident = rec["identity"]
        if ident:
            row = {"case_id": case_id, **dict.fromkeys(IDENTITY_COLUMNS), **ident}
            row.update(blind_indexes(ring, phone=row["phone"], cccd=row["cccd"], full_name=row["full_name"]))
            identities.append(row)
        events.extend(_event_rows(case_id, rec, tz, values, steps, signer))
    _insert_cases(cases)
    bulk.insert_many(CaseIdentity.__table__, identities)
    bulk.insert_many(CaseEvent.__table__, events)
    return len(events)


# SQLite keeps its full-text index of cases (FTS5, migration s3_sqlite_fts) with this trigger
FTS_TRIGGER = "cases_fts_ai"
FTS_INSERT = "INSERT INTO cases_fts(rowid, search_text) VALUES (new.id, new.search_text)"


def _insert_cases(rows: list[dict]) -> None:
    """The cases' rows. On SQLite their full-text index entries are written in one statement after
    them rather than by the per-row trigger (a third of the import's time on SQLite went there): the
    trigger is dropped, the rows and their index entries written, and the trigger created again from
    its own text, all in this write transaction, so no other connection ever sees it missing and a
    failure rolls it back with the rows. Done only when the trigger is the one this code knows."""
    conn = db.session.connection()
    trigger = None
    if conn.dialect.name == "sqlite":
        trigger = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                       (FTS_TRIGGER,)).scalar()
        if not trigger or FTS_INSERT not in " ".join(trigger.split()):
            trigger = None
    if trigger is None:
        bulk.insert_many(Case.__table__, rows)
        return
    conn.exec_driver_sql(f"DROP TRIGGER {FTS_TRIGGER}")
    bulk.insert_many(Case.__table__, rows)
    conn.connection.driver_connection.executemany("INSERT INTO cases_fts(rowid, search_text) VALUES (?, ?)",
                                                  [(r["id"], r["search_text"]) for r in rows])
    conn.exec_driver_sql(trigger)


IDENTITY_COLUMNS = ("full_name", "address", "cccd", "phone", "email", "company_name", "tax_code", "representative")
CASE_FIELDS = ("kind_code", "subject", "content", "handling_unit_id", "is_group", "group_size", "is_anonymous",
               "attempt", "complexity", "received_at")


def _update_letter(rec: dict, *, actor_id: int | None, now: datetime, tz: ZoneInfo, clocks: _Clocks) -> int:
    """A corrected row: the case follows the file; history the file adds is appended with its real
    dates (history already recorded is never rewritten: events are append-only); an
    ``import_update`` event and an audit record name the columns that changed, never their values."""
    q = select(Case).where(Case.id == rec["id"])
    if db.engine.dialect.name == "postgresql":
        q = q.with_for_update()
    case = db.session.execute(q).scalar_one()
    want = {"kind_code": rec["kind_code"], "subject": rec["subject"] or "—", "content": rec["content"],
            "handling_unit_id": rec["unit_id"], "is_group": rec["group_size"] is not None,
            "group_size": rec["group_size"], "is_anonymous": rec["anonymous"], "attempt": rec["attempt"],
            "complexity": rec["complexity"], "received_at": _instant(rec["received"], tz)}
    changed = [f for f in CASE_FIELDS if getattr(case, f) != want[f]]
    for f in changed:
        setattr(case, f, want[f])
    if case.kind_code in SECRET_KINDS:
        case.protected = True   # once a denunciation, never unprotected
    secret = bool(case.protected)
    ident = case.identity
    new_ident = rec["identity"]
    old_ident = {f: getattr(ident, f) for f in ("full_name", "address", "cccd", "phone")} if ident else {}
    if {k: v for k, v in old_ident.items() if v} != new_ident:
        changed.append("identity")
        if ident is None:
            case.identity = ident = CaseIdentity()
        for f in ("full_name", "address", "cccd", "phone"):
            setattr(ident, f, new_ident.get(f))
    case.search_text = search_text(case.tracking_code, case.subject, case.content, {} if secret else new_ident)
    recorded = set()
    for ev in db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)).scalars():
        recorded.add((ev.action, ev.created_at.astimezone(tz).date(), ev.outcome))
    n = 0
    for step in ri.letter_history(rec):
        if (step.action, step.day, step.outcome) in recorded or step.action == "submitted":
            continue
        append_event(case, action=step.action, now=_instant(step.day, tz), actor_type=ACTOR,
                     to_status=step.to_status, note="", outcome=step.outcome)
        changed.append(f"history:{step.action}")
        n += 1
    if rec["decision"] == "accept":
        case.accepted_on = rec["decision_date"]
        if rec["outcome"]:
            case.outcome = rec["outcome"]
    case.due_on, case.due_rule_code = clocks.due(rec, case.status)
    case.import_digest, case.updated_at = rec["digest"], now
    detail = ", ".join(changed) or "digest"
    append_event(case, action="import_update", now=now, actor_type=ACTOR, actor_id=actor_id,
                 note=f"Cập nhật theo sổ cũ (dòng {rec['line']}): {detail}",
                 kind_code=case.kind_code if "kind_code" in changed else None)
    append_audit(actor_id=actor_id, action="import_update", now=now, case_id=case.id,
                 reason=f"dòng {rec['line']}", detail=detail)
    return n + 1
