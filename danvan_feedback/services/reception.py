"""Recording visits and dialogue sessions, and the queries of their lists and export.

Unlike most services these own their transaction, as ``submit_case`` does: the serial number of a
visit is drawn as max + 1 of its year under the write lock, and a rare collision (two PostgreSQL
writers) is retried on the unique (year, serial) constraint. A visit that creates a case first files
the case through ``submit_case`` (which commits it), then records the visit; a double submit of the
same form (same token) returns the visit already recorded.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Case, CaseKind
from ..models.reception import DialogueSession, ReceptionVisit
from ..domain.vocabulary import Handling
from ..policy import SECRET_IDENTITY_KINDS
from .uow import begin_write, lock, lock_case, run_write
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


def _next_serial(year: int) -> int:
    top = db.session.execute(select(func.max(ReceptionVisit.serial)).where(ReceptionVisit.year == year)).scalar()
    return (top or 0) + 1


def _protect(visit: ReceptionVisit, secret: bool) -> bool:
    """A visit recorded as a denunciation, or linked to a protected case, stays protected; a
    protected visit makes the case it creates or links to protected too."""
    case = db.session.get(Case, visit.case_id) if visit.case_id is not None else None
    visit.protected = bool(visit.protected) or secret or (case is not None and case.protected)
    if case is not None and visit.protected and not case.protected:
        case.protected = True
        case.open311_id = None
        case.search_text = intake_search_text(case.tracking_code, case.subject, case.content, {})
    return visit.protected


def _apply_visit(visit: ReceptionVisit, v: dict, secret: bool, case_code: str | None) -> None:
    secret = _protect(visit, secret)
    for name in VISIT_FIELDS:
        setattr(visit, name, v.get(name))
    if visit.reception_type == "regular":
        visit.head_mode = None
    if visit.handling == Handling.ACCEPTED:
        visit.handling_agency = None
    visit.is_group = bool(visit.is_group)
    visit.is_repeat = bool(visit.is_repeat)
    visit.search_text = visit_search_text(v, serial_label(visit), case_code, secret)


def _note_on_case(case_id: int, visit: ReceptionVisit, actor_id: int, now: datetime) -> None:
    case = lock_case(case_id, begin=False)
    append_event(case, action="reception_visit", now=now, actor_type="staff", actor_id=actor_id,
                 note=f"Sổ tiếp công dân số {serial_label(visit)}, ngày {visit.visit_date:%d/%m/%Y}")


def _file_case(v: dict, kind: CaseKind, token: str, *, storage: LocalStorage, pin_key: str,
               now: datetime, tz: str):
    data = {"subject": subject_from(v["content"]), "content": v["content"], "submitter_type": "citizen",
            "full_name": v.get("citizen_name"), "address": v.get("citizen_address"),
            "cccd": v.get("cccd"), "phone": v.get("phone"), "is_group": v.get("is_group"),
            "group_size": v.get("people_count") if v.get("is_group") else None,
            "representative": v.get("citizen_name") if v.get("is_group") else None}
    sub = submission_from(kind.code, kind.anonymous, data, token=token, channel="reception", locale="vi")
    return submit_case(sub, [], storage=storage, pin_key=pin_key, now=now, tz=tz)


def _case_for_visit(v: dict, link_case_id: int | None, kind, token: str, *, storage, pin_key: str,
                    now: datetime, tz: str) -> tuple[int | None, str | None, str | None]:
    """The case a visit points at: a new one filed now (its PIN shown once), or a linked one."""
    if v.get("case_action") == "create":
        receipt = _file_case(v, kind, token, storage=storage, pin_key=pin_key, now=now, tz=tz)
        case_id = db.session.execute(select(Case.id).where(Case.tracking_code == receipt.code)).scalar_one()
        return case_id, receipt.code, receipt.pin
    if link_case_id is not None:
        code = db.session.execute(select(Case.tracking_code).where(Case.id == link_case_id)).scalar_one()
        return link_case_id, code, None
    return None, None, None


def record_visit(v: dict, *, actor_id: int, now: datetime, token: str, link_case_id: int | None = None,
                 kind: CaseKind | None = None, storage: LocalStorage | None = None, pin_key: str = "",
                 tz: str = "Asia/Ho_Chi_Minh") -> VisitSaved:
    """Record a new visit, numbered in its year. ``v`` holds cleaned, validated values.

    With ``v["case_action"] == "create"`` a case is filed first (channel ``reception``); with
    ``link_case_id`` the visit points at an existing case. Either way the case's history gets an
    internal ``reception_visit`` event in the visit's transaction.
    """
    case_id, case_code, case_pin = _case_for_visit(v, link_case_id, kind, token, storage=storage,
                                                   pin_key=pin_key, now=now, tz=tz)
    secret = v.get("kind_code") in SECRET_IDENTITY_KINDS
    def work() -> VisitSaved:
        year = v["visit_date"].year
        visit = ReceptionVisit(year=year, serial=_next_serial(year), case_id=case_id,
                               submission_token=token, created_by_id=actor_id,
                               updated_by_id=actor_id, created_at=now, updated_at=now)
        _apply_visit(visit, v, secret, case_code)
        db.session.add(visit)
        db.session.flush()
        if case_id is not None:
            _note_on_case(case_id, visit, actor_id, now)
        return VisitSaved(visit.id, serial_label(visit), case_code, case_pin)

    def same_token(_exc) -> VisitSaved | None:
        existing = db.session.execute(
            select(ReceptionVisit).where(ReceptionVisit.submission_token == token)).scalar_one_or_none()
        if existing is not None:  # the same form sent twice
            return VisitSaved(existing.id, serial_label(existing), duplicate=True)
        return None  # a serial drawn twice: run again

    try:
        return run_write(work, attempts=ATTEMPTS, on_integrity=same_token)
    except IntegrityError:
        raise RuntimeError("could not draw a serial number for the reception log") from None


def update_visit(visit_id: int, v: dict, *, actor_id: int, now: datetime, link_case_id: int | None = None,
                 kind: CaseKind | None = None, storage: LocalStorage | None = None, pin_key: str = "",
                 token: str = "", tz: str = "Asia/Ho_Chi_Minh") -> VisitSaved:
    """Edit a visit. A new year takes the next serial of that year; a newly linked or created case
    gets a ``reception_visit`` event."""
    case_id, case_code, case_pin = _case_for_visit(v, link_case_id, kind, token, storage=storage,
                                                   pin_key=pin_key, now=now, tz=tz)
    secret = v.get("kind_code") in SECRET_IDENTITY_KINDS
    def work() -> VisitSaved:
        visit = lock(ReceptionVisit, visit_id, begin=False)
        year = v["visit_date"].year
        if year != visit.year:
            visit.year, visit.serial = year, _next_serial(year)
        newly_linked = case_id is not None and case_id != visit.case_id
        visit.case_id = case_id
        visit.updated_by_id, visit.updated_at = actor_id, now
        _apply_visit(visit, v, secret, case_code)
        db.session.flush()
        if newly_linked:
            _note_on_case(case_id, visit, actor_id, now)
        return VisitSaved(visit.id, serial_label(visit), case_code, case_pin)

    try:
        return run_write(work, attempts=ATTEMPTS)
    except IntegrityError:
        raise RuntimeError("could not draw a serial number for the reception log") from None


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
                  actor_id: int, now: datetime, token: str = "", dialogue_id: int | None = None) -> tuple[int, bool]:
    """Create (``dialogue_id`` None) or edit a dialogue session; returns (id, duplicate).

    The minutes are written and fsynced before the commit that refers to them; a replaced file is
    deleted only after the commit, a new one on any failure.
    """
    key = storage.put(minutes.data) if minutes else None
    old_key = None
    try:
        begin_write()
        if dialogue_id is None:
            d = DialogueSession(created_by_id=actor_id, created_at=now, submission_token=token or None)
            db.session.add(d)
        else:
            d = db.session.get(DialogueSession, dialogue_id)
        d.updated_by_id, d.updated_at = actor_id, now
        _apply_dialogue(d, v, case_ids)
        if minutes:
            old_key = d.minutes_key
            _set_minutes(d, minutes, key)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if key:
            storage.delete(key)
        existing = db.session.execute(select(DialogueSession.id).where(
            DialogueSession.submission_token == token)).scalar_one_or_none() if token else None
        if existing is None:
            raise
        return existing, True
    except BaseException:
        db.session.rollback()
        if key:
            storage.delete(key)
        raise
    if old_key:
        storage.delete(old_key)
    return d.id, False


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
