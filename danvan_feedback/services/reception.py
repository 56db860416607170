"""Recording visits, the head's reception sessions and dialogue sessions, and the queries of their
lists and export.

Every write follows the one rule for writes (:mod:`.uow`): these use cases commit themselves through
``run_write`` (or ``submit_case``, which uses it), taking their locks before reading what they
validate. A visit's serial number is drawn as max + 1 of its year under that year's lock
(``lock_name``), so the log stays unique and gapless; a visit that creates a case is written in the
case's own transaction (``submit_case(then=…)``): one commit for both. An edit carries the
``version`` of the page it was made on; a save from an older page raises :class:`~.uow.Conflict`
(the web layer answers 409). A double submit of the same form (same token) returns what the first
one recorded.
"""
from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Case, CaseKind
from ..models.reception import DialogueSession, ReceptionSession, ReceptionVisit
from ..domain.vocabulary import Handling
from ..policy import SECRET_IDENTITY_KINDS
from .uow import Conflict, lock, lock_case, lock_name, run_write
from .events import append_event
from .intake import search_text as intake_search_text
from .intake import submission_from, submit_case
from ..storage import CleanFile, LocalStorage
from ..domain.reception import (
    SECRET_CELL,
    csv_cell,
    dialogue_search_text,
    search_terms,
    subject_from,
    visit_search_text,
)

ATTEMPTS = 5
VISIT_FIELDS = ("visit_date", "reception_type", "head_mode", "citizen_name", "citizen_address", "cccd",
                "content", "kind_code", "people_count", "is_group", "is_repeat", "previous_agency",
                "handling", "handling_agency", "follow_up", "notes", "session_id")
DIALOGUE_FIELDS = ("held_on", "location", "chair", "participants", "issues", "answers",
                   "commitments", "follow_ups")


@dataclass
class VisitSaved:
    visit_id: int
    serial_label: str
    case_code: str | None = None
    case_pin: str | None = None  # shown once when the visit created a case
    duplicate: bool = False


def serial_label(visit: ReceptionVisit) -> str:
    return f"{visit.serial}/{visit.year}"


def cases_by_code(codes: Iterable[str]) -> dict[str, int]:
    codes = list(codes)
    if not codes:
        return {}
    rows = db.session.execute(select(Case.tracking_code, Case.id).where(Case.tracking_code.in_(codes))).all()
    return {r.tracking_code: r.id for r in rows}


def record_version(row) -> str:
    """The version an edit page was rendered from: who saved the row last, and when."""
    raw = f"{row.id}|{row.updated_at.isoformat() if row.updated_at else ''}|{row.updated_by_id or ''}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _check_version(row, seen: str | None) -> None:
    if seen and seen != record_version(row):
        raise Conflict("stale", who_id=row.updated_by_id, at=row.updated_at)


def _next_serial(year: int) -> int:
    """The next number of the year's log, under the year's lock: unique and without gaps."""
    lock_name(f"reception_visit_serial:{year}", begin=False)
    top = db.session.execute(select(func.max(ReceptionVisit.serial)).where(ReceptionVisit.year == year)).scalar()
    return (top or 0) + 1


def _protect(visit: ReceptionVisit, case: Case | None, secret: bool) -> bool:
    """A visit recorded as a denunciation, or linked to a protected case, stays protected; a
    protected visit makes the case it creates or links to protected too."""
    visit.protected = bool(visit.protected) or secret or (case is not None and case.protected)
    if case is not None and visit.protected and not case.protected:
        case.protected = True
        case.open311_id = None
        case.search_text = intake_search_text(case.tracking_code, case.subject, case.content, {})
    return visit.protected


def _apply_visit(visit: ReceptionVisit, case: Case | None, v: dict, secret: bool, case_code: str | None) -> None:
    secret = _protect(visit, case, secret)
    for name in VISIT_FIELDS:
        setattr(visit, name, v.get(name))
    if visit.reception_type == "regular":
        visit.head_mode = None
    if visit.handling == Handling.ACCEPTED:
        visit.handling_agency = None
    visit.is_group = bool(visit.is_group)
    visit.is_repeat = bool(visit.is_repeat)
    visit.search_text = visit_search_text(v, serial_label(visit), case_code, secret)


def _note_on_case(case: Case, visit: ReceptionVisit, actor_id: int, now: datetime) -> None:
    append_event(case, action="reception_visit", now=now, actor_type="staff", actor_id=actor_id,
                 note=f"Sổ tiếp công dân số {serial_label(visit)}, ngày {visit.visit_date:%d/%m/%Y}")


def _file_case(v: dict, kind: CaseKind, token: str, *, storage: LocalStorage, pin_key: str,
               now: datetime, tz: str, then):
    data = {"subject": subject_from(v["content"]), "content": v["content"], "submitter_type": "citizen",
            "full_name": v.get("citizen_name"), "address": v.get("citizen_address"),
            "cccd": v.get("cccd"), "phone": v.get("phone"), "is_group": v.get("is_group"),
            "group_size": v.get("people_count") if v.get("is_group") else None,
            "representative": v.get("citizen_name") if v.get("is_group") else None}
    sub = submission_from(kind.code, kind.anonymous, data, token=token, channel="reception", locale="vi")
    return submit_case(sub, [], storage=storage, pin_key=pin_key, now=now, tz=tz, then=then)


def _write_visit(visit_id: int | None, v: dict, *, case_id: int | None, case_code: str | None,
                 case_pin: str | None, actor_id: int, now: datetime, token: str,
                 seen_version: str | None) -> VisitSaved:
    """Inside the write transaction: the visit (new, or ``visit_id`` under its row lock, checked
    against the page's version), its number, and the ``reception_visit`` event of a newly linked
    case (under the case's lock, taken before the case is read)."""
    secret = v.get("kind_code") in SECRET_IDENTITY_KINDS
    year = v["visit_date"].year
    if visit_id is None:
        visit = ReceptionVisit(year=year, serial=_next_serial(year), submission_token=token,
                               created_by_id=actor_id, created_at=now)
        newly_linked = case_id is not None
    else:
        visit = lock(ReceptionVisit, visit_id, begin=False)
        if visit is None:
            raise Conflict("gone")
        _check_version(visit, seen_version)
        if year != visit.year:
            visit.year, visit.serial = year, _next_serial(year)
        newly_linked = case_id is not None and case_id != visit.case_id
    case = lock_case(case_id, begin=False) if case_id is not None else None
    visit.case_id = case_id
    visit.updated_by_id, visit.updated_at = actor_id, now
    _apply_visit(visit, case, v, secret, case_code)
    if visit_id is None:
        db.session.add(visit)
    db.session.flush()
    if newly_linked:
        _note_on_case(case, visit, actor_id, now)
    return VisitSaved(visit.id, serial_label(visit), case_code, case_pin)


def _visit_by_token(token: str) -> VisitSaved | None:
    existing = db.session.execute(
        select(ReceptionVisit).where(ReceptionVisit.submission_token == token)).scalar_one_or_none()
    return VisitSaved(existing.id, serial_label(existing), duplicate=True) if existing is not None else None


def save_visit(v: dict, *, actor_id: int, now: datetime, token: str, visit_id: int | None = None,
               link_case_id: int | None = None, kind: CaseKind | None = None, storage: LocalStorage | None = None,
               pin_key: str = "", tz: str = "Asia/Ho_Chi_Minh", seen_version: str | None = None) -> VisitSaved:
    """Record a new visit (``visit_id`` None), numbered in its year, or edit one. ``v`` holds
    cleaned, validated values.

    With ``v["case_action"] == "create"`` a case is filed (channel ``reception``) in the same
    transaction; with ``link_case_id`` the visit points at an existing case. A newly linked or
    created case gets an internal ``reception_visit`` event. An edit from a page older than the
    visit raises :class:`Conflict`.
    """
    def write(case_id=None, case_code=None, case_pin=None) -> VisitSaved:
        return _write_visit(visit_id, v, case_id=case_id, case_code=case_code, case_pin=case_pin,
                            actor_id=actor_id, now=now, token=token if visit_id is None else None,
                            seen_version=seen_version)

    if v.get("case_action") == "create":
        saved: list[VisitSaved] = []

        def then(receipt) -> None:
            saved[:] = [write(receipt.case_id, receipt.code, receipt.pin)]
        receipt = _file_case(v, kind, token, storage=storage, pin_key=pin_key, now=now, tz=tz, then=then)
        if not receipt.duplicate:
            return saved[0]
        if visit_id is None and (same := _visit_by_token(token)) is not None:
            return same  # the same form sent twice
        link_case_id = receipt.case_id  # a case filed with this form earlier, without its visit
    code = None
    if link_case_id is not None:
        code = db.session.execute(select(Case.tracking_code).where(Case.id == link_case_id)).scalar_one()

    def same_token(_exc) -> VisitSaved | None:
        return _visit_by_token(token) if visit_id is None else None

    try:
        return run_write(lambda: write(link_case_id, code), attempts=ATTEMPTS, on_integrity=same_token)
    except IntegrityError:
        raise RuntimeError("could not record the visit in the reception log") from None


def record_visit(v: dict, **kw) -> VisitSaved:
    return save_visit(v, **kw)


def update_visit(visit_id: int, v: dict, **kw) -> VisitSaved:
    return save_visit(v, visit_id=visit_id, **kw)


def record_session(*, held_on: date, reception_type: str, head_mode: str, chair: str, location: str | None,
                   notes: str | None, token: str, actor_id: int, now: datetime) -> tuple[int, bool]:
    """A head's reception session: one per day and type. Under the day's lock, a session already
    recorded by this form is the answer (``duplicate``); one recorded by someone else meanwhile is a
    :class:`Conflict` naming who and when."""
    def work() -> tuple[int, bool]:
        lock_name(f"reception_session:{held_on.isoformat()}:{reception_type}", begin=False)
        same = db.session.execute(select(ReceptionSession).where(
            ReceptionSession.held_on == held_on, ReceptionSession.reception_type == reception_type)
            .order_by(ReceptionSession.id).limit(1)).scalar_one_or_none()
        if same is not None:
            if same.submission_token == token:
                return same.id, True
            raise Conflict("session_exists", who_id=same.created_by_id, at=same.created_at, session_id=same.id)
        s = ReceptionSession(held_on=held_on, reception_type=reception_type, head_mode=head_mode, chair=chair,
                             location=location, notes=notes, submission_token=token, created_by_id=actor_id,
                             created_at=now)
        db.session.add(s)
        db.session.flush()
        return s.id, False

    def same_token(_exc) -> tuple[int, bool] | None:
        sid = db.session.execute(select(ReceptionSession.id).where(
            ReceptionSession.submission_token == token)).scalar_one_or_none()
        return (sid, True) if sid is not None else None

    return run_write(work, on_integrity=same_token)


@dataclass
class VisitFilters:
    date_from: date | None = None
    date_to: date | None = None
    reception_type: str = ""
    handling: str = ""
    group: str = ""  # "" | "yes" | "no"
    q: str = ""


def visits_query(f: VisitFilters):
    stmt = select(ReceptionVisit)
    if f.date_from:
        stmt = stmt.where(ReceptionVisit.visit_date >= f.date_from)
    if f.date_to:
        stmt = stmt.where(ReceptionVisit.visit_date <= f.date_to)
    if f.reception_type:
        stmt = stmt.where(ReceptionVisit.reception_type == f.reception_type)
    if f.handling:
        stmt = stmt.where(ReceptionVisit.handling == f.handling)
    if f.group in ("yes", "no"):
        stmt = stmt.where(ReceptionVisit.is_group.is_(f.group == "yes"))
    for term in search_terms(f.q):
        stmt = stmt.where(ReceptionVisit.search_text.contains(term, autoescape=True))
    return stmt


def list_visits(f: VisitFilters, page: int, per_page: int = 50) -> tuple[list[ReceptionVisit], int]:
    stmt = visits_query(f)
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.session.execute(
        stmt.order_by(ReceptionVisit.visit_date.desc(), ReceptionVisit.year.desc(), ReceptionVisit.serial.desc())
        .limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return list(rows), total


def export_visits_csv(f: VisitFilters, labels: dict, kind_names: dict[str, str],
                      chunk: int = 500) -> Iterator[str]:
    """The log as CSV, oldest first, streamed in chunks. Never the ID number; a denouncer's name and
    address are replaced by a placeholder. Every cell is neutralised against formula injection."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([csv_cell(h) for h in labels["header"]])
    yield "\ufeff" + buf.getvalue()  # BOM: Excel then reads UTF-8
    stmt = visits_query(f).order_by(ReceptionVisit.visit_date, ReceptionVisit.year, ReceptionVisit.serial)
    codes = select(Case.tracking_code).where(Case.id == ReceptionVisit.case_id).scalar_subquery()
    stmt = stmt.add_columns(codes.label("code")).execution_options(yield_per=chunk)
    n = 0
    buf.seek(0), buf.truncate()
    for visit, code in db.session.execute(stmt):
        secret = visit.protected or visit.kind_code in SECRET_IDENTITY_KINDS
        writer.writerow([csv_cell(x) for x in (
            serial_label(visit), visit.visit_date.strftime("%d/%m/%Y"), labels["type"].get(visit.reception_type, ""),
            labels["head"].get(visit.head_mode, "") if visit.head_mode else "",
            SECRET_CELL if secret else visit.citizen_name,
            SECRET_CELL if secret else (visit.citizen_address or ""),
            visit.content, kind_names.get(visit.kind_code, visit.kind_code), visit.people_count,
            labels["yes"] if visit.is_group else "", labels["repeat"] if visit.is_repeat else labels["first"],
            visit.previous_agency, labels["handling"].get(visit.handling, ""), visit.handling_agency,
            SECRET_CELL if secret and code else code, visit.follow_up, visit.notes)])
        n += 1
        if n % chunk == 0:
            yield buf.getvalue()
            buf.seek(0), buf.truncate()
    yield buf.getvalue()


# Dialogue sessions -------------------------------------------------------------------------------

def _apply_dialogue(d: DialogueSession, v: dict, case_ids: dict[str, int]) -> None:
    for name in DIALOGUE_FIELDS:
        setattr(d, name, v.get(name))
    d.cases = [db.session.get(Case, i) for i in case_ids.values()]
    d.search_text = dialogue_search_text(v, list(case_ids))


def _set_minutes(d: DialogueSession, f: CleanFile, key: str) -> None:
    d.minutes_key, d.minutes_name, d.minutes_type = key, f.original_name, f.content_type
    d.minutes_size, d.minutes_sha256 = len(f.data), f.sha256


def save_dialogue(v: dict, case_ids: dict[str, int], minutes: CleanFile | None, *, storage: LocalStorage,
                  actor_id: int, now: datetime, token: str = "", dialogue_id: int | None = None,
                  seen_version: str | None = None) -> tuple[int, bool]:
    """Create (``dialogue_id`` None) or edit a dialogue session; returns (id, duplicate).

    An edit locks the row and compares it with the page's version first (a save from an older page
    is a :class:`Conflict`). The minutes are written and fsynced before the commit that refers to
    them; a replaced file is deleted only after the commit, a new one on any failure.
    """
    key = storage.put(minutes.data) if minutes else None
    old_key: list[str | None] = [None]

    def work() -> tuple[int, bool]:
        if dialogue_id is None:
            d = DialogueSession(created_by_id=actor_id, created_at=now, submission_token=token or None)
            db.session.add(d)
        else:
            d = lock(DialogueSession, dialogue_id, begin=False)
            if d is None:
                raise Conflict("gone")
            _check_version(d, seen_version)
        d.updated_by_id, d.updated_at = actor_id, now
        _apply_dialogue(d, v, case_ids)
        if minutes:
            old_key[0] = d.minutes_key
            _set_minutes(d, minutes, key)
        db.session.flush()
        return d.id, False

    def same_token(_exc) -> tuple[int, bool] | None:
        existing = db.session.execute(select(DialogueSession.id).where(
            DialogueSession.submission_token == token)).scalar_one_or_none() if token else None
        if existing is None:
            return None
        if key:
            storage.delete(key)
        return existing, True

    def drop_new() -> None:
        if key:
            storage.delete(key)

    saved = run_write(work, on_integrity=same_token, cleanup=drop_new)
    if old_key[0] and not saved[1]:
        storage.delete(old_key[0])
    return saved


def list_dialogues(q: str, date_from: date | None, date_to: date | None, page: int,
                   per_page: int = 50) -> tuple[list[DialogueSession], int]:
    stmt = select(DialogueSession)
    if date_from:
        stmt = stmt.where(DialogueSession.held_on >= date_from)
    if date_to:
        stmt = stmt.where(DialogueSession.held_on <= date_to)
    for term in search_terms(q):
        stmt = stmt.where(DialogueSession.search_text.contains(term, autoescape=True))
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.session.execute(stmt.order_by(DialogueSession.held_on.desc(), DialogueSession.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return list(rows), total
