"""Bringing the office's old registers in: letters (with their history) and reception visits.

Two passes over the file, so nothing is written before every row has been checked:

1. :func:`check` reads the file in chunks (``register_files``), validates each row
   (``domain.register_import``), looks the rows' keys up in the database (new, changed or
   unchanged) and spools the accepted rows to a temporary file. Its :class:`Plan` is the dry run:
   counts per kind and year, the rejected rows with line, column and problem.
2. :func:`apply` writes the spooled rows, one transaction per batch: new letters become cases with
   their events at their real dates (channel ``import``, actor ``import``), identity in
   ``case_identities`` through the model like any other case; a row whose key exists with the same
   values is left alone; a corrected row updates its case, appends the events it adds, and leaves an
   ``import_update`` event and an audit record.

New letters are written in bulk (``services.bulk``: ``COPY`` on PostgreSQL, one prepared ``INSERT``
run by ``executemany`` on SQLite), ``BATCH`` rows per transaction: their case ids are reserved first,
so their events are hash-chained with ``services.events.seal`` (keyed; the chain starts at
``GENESIS`` for a new case) before anything is written, and nothing is read back. Identity fields
are encrypted and given their blind indexes as the model would. Updates append through
``append_event``. Memory stays flat with the file's length: chunks of rows in, batches out; what
spans the file is one key per row (duplicates) and one tracking code per new case.
"""
from __future__ import annotations

import json
import os
import pickle
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select

from ..domain import deadlines as dl
from ..domain import register_import as ri
from ..domain.codes import ALPHABET, CODE_LEN, PREFIX
from ..extensions import db
from ..crypto import current_keyring
from ..policy import SECRET_IDENTITY_KINDS
from ..models import Case, CaseEvent, CaseIdentity, CaseKind, ImportMapping, Unit
from ..models.case import blind_indexes
from ..models.reception import ReceptionVisit
from ..domain.reception import visit_search_text
from ..register_files import open_register
from . import bulk
from .audit import append_audit
from .uow import lock_name
from .events import GENESIS, append_event, case_digest, current_key, seal
from .intake import load_calendar, search_text

CHANNEL = "import"        # "nhập từ sổ cũ"
ACTOR = "import"
BATCH = 2000
MAX_PROBLEMS = 100_000    # kept in the plan; beyond this only counted
EVENT_HOUR = time(8, 0)   # an event of a day in the register is put at 08:00 local time
SECRET_KINDS = SECRET_IDENTITY_KINDS

Progress = Callable[[float], None]


@dataclass
class Plan:
    register: str
    fmt: str = ""
    header_line: int = 0
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    accepted: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    problems: list[ri.Problem] = field(default_factory=list)
    rejected_rows: int = 0
    by_kind_year: list[dict] = field(default_factory=list)
    spool: str | None = None

    def as_json(self, max_problems: int = 500) -> dict:
        return {"register": self.register, "fmt": self.fmt, "header_line": self.header_line,
                "headers": self.headers, "mapping": self.mapping, "rows": self.rows,
                "accepted": self.accepted, "new": self.new, "changed": self.changed,
                "unchanged": self.unchanged, "skipped": self.skipped, "rejected_rows": self.rejected_rows,
                "problems": [problem_json(p) for p in self.problems[:max_problems]],
                "problem_count": len(self.problems), "by_kind_year": self.by_kind_year}


def problem_json(p: ri.Problem) -> dict:
    return {"line": p.line, "column": p.column, "code": p.code,
            "params": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in p.params.items()}}


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    events: int = 0


# -- reference data --------------------------------------------------------------------------------

def vocabulary(words: dict | None = None) -> ri.Vocabulary:
    kinds = db.session.execute(select(CaseKind.code, CaseKind.name_vi, CaseKind.name_en)).all()
    units = db.session.execute(select(Unit.id, Unit.code, Unit.name)).all()
    return ri.Vocabulary.build([tuple(k) for k in kinds], [tuple(u) for u in units], words)


def saved_mapping(name: str) -> ImportMapping | None:
    return db.session.execute(select(ImportMapping).where(ImportMapping.name == name)).scalar_one_or_none()


def save_mapping(name: str, register: str, headers: list[str], mapping: dict[str, int], words: dict,
                 *, actor_id: int | None, now: datetime) -> ImportMapping:
    """Keep a confirmed mapping by name: each field with the header text of its column (the next
    file's columns may be in another order), and the office's words (flushed, not committed)."""
    row = saved_mapping(name) or ImportMapping(name=name, register=register)
    row.register = register
    row.fields_json = json.dumps({f: headers[i] if i < len(headers) else "" for f, i in mapping.items()},
                                 ensure_ascii=False)
    row.words_json = json.dumps(words or {}, ensure_ascii=False)
    row.updated_by_id, row.updated_at = actor_id, now
    db.session.add(row)
    db.session.flush()
    return row


def mapping_from_saved(saved: ImportMapping, headers: list) -> dict[str, int]:
    """The saved mapping applied to this file's header row, matched by folded header text."""
    by_text = {ri.fold(h): i for i, h in enumerate(headers) if not ri.is_blank(h)}
    fields = json.loads(saved.fields_json or "{}")
    return {f: by_text[ri.fold(t)] for f, t in fields.items() if ri.fold(t) in by_text}


# -- pass 1: check (the dry run) -------------------------------------------------------------------

def read_header(path: str, register: str, *, max_bytes: int, filename: str | None = None,
                saved: ImportMapping | None = None, header_line: int | None = None):
    """(reader, header line, header cells, mapping): the row holding a saved mapping's header texts
    and that mapping, else the guessed header row and mapping. Raises ``ImportProblem``."""
    reader = open_register(path, max_bytes=max_bytes, filename=filename)
    head = reader.head(ri.HEADER_SCAN_ROWS)
    rows = [cells for _line, cells in head]
    found = ri.find_header_by_texts(rows, json.loads(saved.fields_json or "{}")) if saved is not None else None
    if header_line is not None:   # a person confirmed this line as the header
        idx = next((i for i, (ln, _c) in enumerate(head) if ln == header_line), None)
        if idx is None:
            raise ri.ImportProblem("no_header", missing=[])
        found = (idx, ri.guess_mapping(rows[idx], register))
    idx, guessed = found or ri.find_header(rows, register)
    line, cells = head[idx]
    return reader, line, [ri.text_of(c) for c in cells], guessed


def _existing(model, keys: list[str]) -> dict[str, tuple[int, str | None]]:
    out = {}
    for i in range(0, len(keys), 900):
        part = keys[i:i + 900]
        for r in db.session.execute(select(model.import_key, model.id, model.import_digest)
                                    .where(model.import_key.in_(part))):
            out[r[0]] = (r[1], r[2])
    return out


def _classify(records: list[dict], known: dict, register: str, counts: dict[tuple, int]) -> list[dict]:
    """Mark each accepted row new, unchanged or changed (against the rows already imported, by key and
    digest), count it by (kind, year, action), and return the rows to write."""
    keep = []
    for r in records:
        hit = known.get(r["key"])
        if hit is None:
            r["action"] = "new"
        elif hit[1] == r["digest"]:
            r["action"] = "unchanged"
        else:
            r["action"], r["id"] = "changed", hit[0]
        year = (r["received"] if register == "letters" else r["visit_date"]).year
        k = (r["kind_code"], year, r["action"])
        counts[k] = counts.get(k, 0) + 1
        if r["action"] != "unchanged":
            keep.append(r)
    return keep


def _count(plan: Plan, counts: dict[tuple, int]) -> None:
    """The plan's totals by action, and by kind and year."""
    for (_kind, _year, action), n in sorted(counts.items()):
        setattr(plan, action, getattr(plan, action) + n)
    frame = pd.DataFrame([{"kind_code": k, "year": y, "action": a, "rows": n} for (k, y, a), n in counts.items()],
                         columns=["kind_code", "year", "action", "rows"])
    if not frame.empty:
        pivot = frame.pivot_table(index=["kind_code", "year"], columns="action", values="rows", aggfunc="sum",
                                  fill_value=0).reset_index()
        for col in ("new", "changed", "unchanged"):
            if col not in pivot:
                pivot[col] = 0
        plan.by_kind_year = [{"kind_code": r.kind_code, "year": int(r.year), "new": int(r.new),
                              "changed": int(r.changed), "unchanged": int(r.unchanged)}
                             for r in pivot.itertuples(index=False)]


def check(path: str, register: str, *, today: date, max_bytes: int, filename: str | None = None,
          mapping: dict[str, int] | None = None, words: dict | None = None, spool: bool = False,
          progress: Progress | None = None, saved: ImportMapping | None = None,
          header_line: int | None = None) -> Plan:
    """Read and validate the whole file; write nothing to the database. With ``spool`` the accepted
    rows that are new or changed are kept in a temporary file for :func:`apply` (the caller removes
    it with :func:`discard`)."""
    if register not in ri.FIELDS:
        raise ValueError(register)
    reader, line, headers, guessed = read_header(path, register, max_bytes=max_bytes, filename=filename,
                                                 saved=saved, header_line=header_line)
    mapping = dict(mapping) if mapping is not None else guessed
    problems = ri.check_mapping(mapping, register, max(len(headers), 1 + max(mapping.values(), default=0)))
    if problems:
        raise ri.ImportProblem("bad_mapping", problems=problems)
    plan = Plan(register, reader.fmt, line, headers, mapping)
    validator = ri.RowValidator(register, mapping, headers, vocabulary(words), today)
    model = Case if register == "letters" else ReceptionVisit
    counts: dict[tuple, int] = {}
    rejected_lines: set[int] = set()
    fh = tempfile.NamedTemporaryFile(prefix="danvan-import-", suffix=".spool", delete=False) if spool else None
    try:
        for rows in reader.batches(line):
            plan.rows += len(rows)
            records, problems = validator.validate(rows)
            for p in problems:
                rejected_lines.add(p.line)
                if len(plan.problems) < MAX_PROBLEMS:
                    plan.problems.append(p)
            keep = _classify(records, _existing(model, [r["key"] for r in records]), register, counts)
            plan.accepted += len(records)
            if fh is not None and keep:
                pickle.dump(keep, fh, protocol=pickle.HIGHEST_PROTOCOL)
            if progress:
                progress(reader.fraction())
    except BaseException:
        if fh is not None:
            fh.close()
            os.unlink(fh.name)
        raise
    db.session.rollback()  # end the read transaction: nothing was written
    if fh is not None:
        fh.close()
        plan.spool = fh.name
    plan.skipped = dict(validator.skipped)
    plan.rejected_rows = len(rejected_lines)
    plan.problems.sort(key=lambda p: p.line)
    _count(plan, counts)
    return plan


def discard(plan: Plan) -> None:
    if plan.spool and os.path.exists(plan.spool):
        os.unlink(plan.spool)
    plan.spool = None


def _spooled(plan: Plan) -> Iterator[list[dict]]:
    with open(plan.spool, "rb") as fh:
        while True:
            try:
                yield pickle.load(fh)  # our own temporary file, written by check() just before
            except EOFError:
                return


# -- pass 2: write ---------------------------------------------------------------------------------

def _instant(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, EVENT_HOUR, tzinfo=tz).astimezone(timezone.utc)


class _Clocks:
    """Deadlines of imported letters still open, from the rules table and the working calendar."""

    def __init__(self, start: date):
        from .triage import load_rules
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


def _case_values(rec: dict, status: str, now: datetime, tz: ZoneInfo, clocks: _Clocks, code: str) -> dict:
    due_on, due_rule = clocks.due(rec, status)
    identity = rec["identity"]
    secret = rec["kind_code"] in SECRET_KINDS
    return {
        "tracking_code": code, "open311_id": None, "pin_hash": secrets.token_hex(32),
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
            from ..domain.codes import new_tracking_code
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
        for i in range(0, len(codes), 900):
            used.update(db.session.execute(select(Case.tracking_code)
                                           .where(Case.tracking_code.in_(codes[i:i + 900]))).scalars())
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
    for rec, code, case_id in zip(recs, _free_codes(len(recs), taken), ids):
        steps = ri.letter_history(rec)
        values = _case_values(rec, steps[-1].to_status, now, tz, clocks, code)
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


def _visit_values(rec: dict, serial: int, actor_id: int | None, now: datetime) -> dict:
    secret = rec["kind_code"] in SECRET_KINDS
    label = f"{serial}/{rec['visit_date'].year}"
    v = {k: rec[k] for k in ("visit_date", "reception_type", "head_mode", "citizen_name", "citizen_address", "cccd",
                             "content", "kind_code", "people_count", "is_group", "is_repeat", "previous_agency",
                             "handling", "handling_agency", "follow_up", "notes")}
    v.update({"year": rec["visit_date"].year, "serial": serial, "case_id": None, "submission_token": None,
              "protected": secret,
              "search_text": visit_search_text(v, label, None, secret), "import_key": rec["key"],
              "import_digest": rec["digest"], "created_by_id": actor_id, "updated_by_id": actor_id,
              "created_at": now, "updated_at": now})
    return v


def _insert_visits(recs: list[dict], actor_id: int | None, now: datetime) -> None:
    years = sorted({r["visit_date"].year for r in recs})
    taken: dict[int, set[int]] = {y: set() for y in years}
    for y, s in db.session.execute(select(ReceptionVisit.year, ReceptionVisit.serial)
                                   .where(ReceptionVisit.year.in_(years))):
        taken[y].add(s)
    values = []
    for r in recs:
        y = r["visit_date"].year
        serial = r["serial"]
        if serial is None or serial in taken[y]:   # numbered after the year's last serial
            serial = max(taken[y], default=0) + 1
        taken[y].add(serial)
        values.append(_visit_values(r, serial, actor_id, now))
    bulk.insert_many(ReceptionVisit.__table__, values)


VISIT_UPDATABLE = ("visit_date", "reception_type", "head_mode", "citizen_name", "citizen_address", "cccd", "content",
                   "kind_code", "people_count", "is_group", "is_repeat", "previous_agency", "handling",
                   "handling_agency", "follow_up", "notes")


def _update_visit(rec: dict, *, actor_id: int | None, now: datetime) -> None:
    visit = db.session.get(ReceptionVisit, rec["id"])
    changed = [f for f in VISIT_UPDATABLE if getattr(visit, f) != rec[f]]
    for f in changed:
        setattr(visit, f, rec[f])
    visit.protected = bool(visit.protected) or rec["kind_code"] in SECRET_KINDS
    visit.search_text = visit_search_text({f: rec[f] for f in VISIT_UPDATABLE}, f"{visit.serial}/{visit.year}", None,
                                          visit.protected)
    visit.import_digest, visit.updated_by_id, visit.updated_at = rec["digest"], actor_id, now
    append_audit(actor_id=actor_id, action="import_update_visit", now=now,
                 reason=f"dòng {rec['line']}", detail=f"visit {visit.id}: " + (", ".join(changed) or "digest"))


SQLITE_CACHE_KIB = 65536   # the import's page cache on SQLite (random keys: tracking codes, blind indexes)


def apply(plan: Plan, *, actor_id: int | None, now: datetime, tz: str,
          progress: Progress | None = None) -> Result:
    """Write what :func:`check` spooled, in **one transaction**: a failure (the disk full, the
    process killed) writes nothing, like a file refused by the check. The transaction takes the
    import's lock first (an advisory lock on PostgreSQL, so two imports of one register run one
    after the other; SQLite's write lock is the whole database's, held until the commit), then
    writes ``BATCH`` rows at a time; rows whose key appeared in the database since the check are
    classified again under that lock, so a key is never inserted twice. ``progress`` is called
    after each batch (uncommitted work: the caller must record it elsewhere, see
    ``register_import_jobs``)."""
    if not plan.spool:
        raise ValueError("check(spool=True) first")
    zone = ZoneInfo(tz)
    result = Result()
    total = max(1, plan.new + plan.changed)
    done = 0
    model = Case if plan.register == "letters" else ReceptionVisit
    raw_sqlite = cache = None
    try:
        lock_name(f"register_import:{plan.register}")
        conn = db.session.connection()
        if conn.dialect.name == "sqlite":
            raw_sqlite = conn.connection.driver_connection
            cache = raw_sqlite.execute("PRAGMA cache_size").fetchone()[0]
            raw_sqlite.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        clocks = _Clocks(date(1975, 1, 1)) if plan.register == "letters" else None
        taken: set[str] = set()   # tracking codes given by this import
        for chunk in _spooled(plan):
            for i in range(0, len(chunk), BATCH):
                batch = chunk[i:i + BATCH]
                _write_batch(plan.register, model, batch, result, actor_id=actor_id, now=now, zone=zone,
                             clocks=clocks, taken=taken)
                done += len(batch)
                if progress:
                    progress(done / total)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if raw_sqlite is not None:   # the connection goes back to the pool with its usual cache
            raw_sqlite.execute(f"PRAGMA cache_size={int(cache)}")
        discard(plan)
    return result


def _write_batch(register: str, model, batch: list[dict], result: Result, *, actor_id: int | None, now: datetime,
                 zone: ZoneInfo, clocks, taken: set[str]) -> None:
    known = _existing(model, [r["key"] for r in batch])
    new, changed = [], []
    for r in batch:
        hit = known.get(r["key"])
        if hit is None:
            new.append(r)
        elif hit[1] == r["digest"]:
            result.unchanged += 1
        else:
            r["id"] = hit[0]
            changed.append(r)
    if register == "letters":
        if new:
            result.events += _insert_letters(new, now, zone, clocks, taken)
        for r in changed:
            result.events += _update_letter(r, actor_id=actor_id, now=now, tz=zone, clocks=clocks)
    else:
        if new:
            _insert_visits(new, actor_id, now)
        for r in changed:
            _update_visit(r, actor_id=actor_id, now=now)
    db.session.flush()
    result.created += len(new)
    result.updated += len(changed)
