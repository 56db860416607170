"""Open311 lists: the filters of GET requests.json and servicerequestupdates, and a request as the
JSON (or XML) a partner reads. Nothing here writes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..domain import status as st
from .definitions import LIST_DEFAULT_DAYS, MAX_IDS
from .schemas import ApiBadRequest


# ---------------------------------------------------------------- listing

@dataclass
class Filters:
    ids: list[str] | None
    service_code: str | None
    start: datetime | None
    end: datetime | None
    statuses: set[str] | None  # case statuses to include; None: all


def _parse_moment(raw: str, name: str, tz: str, end: bool) -> datetime:
    s = raw.strip()
    try:
        moment = datetime.fromisoformat(s)
    except ValueError:
        raise ApiBadRequest(f"{name}: not an ISO 8601 date-time (e.g. 2025-03-01T00:00:00+07:00)") from None
    if not 1970 <= moment.year <= 2999:
        raise ApiBadRequest(f"{name}: must be between the years 1970 and 2999")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    if end and len(s) <= 10 and moment.time() == time(0):  # a bare date: the whole day
        moment = moment + timedelta(days=1) - timedelta(microseconds=1)
    return moment


def parse_filters(args, *, tz: str, now: datetime) -> Filters:
    errors = []
    ids = None
    raw_ids = args.get("service_request_id")
    if raw_ids is not None:
        ids = [i.strip() for i in raw_ids.split(",") if i.strip()]
        if not ids:
            errors.append("service_request_id: empty")
        elif len(ids) > MAX_IDS:
            errors.append(f"service_request_id: at most {MAX_IDS} ids")
    start = end = None
    try:
        if args.get("start_date"):
            start = _parse_moment(args["start_date"], "start_date", tz, end=False)
    except ApiBadRequest as exc:
        errors += exc.descriptions
    try:
        if args.get("end_date"):
            end = _parse_moment(args["end_date"], "end_date", tz, end=True)
    except ApiBadRequest as exc:
        errors += exc.descriptions
    statuses = None
    if args.get("status"):
        wanted = {s.strip().lower() for s in args["status"].split(",") if s.strip()}
        if not wanted or not wanted <= {"open", "closed"}:
            errors.append("status: must be open, closed or open,closed")
        else:
            statuses = set()
            if "open" in wanted:
                statuses |= set(st.OPEN)
            if "closed" in wanted:
                statuses |= set(st.ALL) - set(st.OPEN)
    if start and end and start > end:
        errors.append("start_date: after end_date")
    if errors:
        raise ApiBadRequest(*errors)
    if ids is not None:
        # The spec: service_request_id overrides every other argument (still checked above).
        return Filters(ids=ids, service_code=None, start=None, end=None, statuses=None)
    if start is None and end is None:
        start = now - timedelta(days=LIST_DEFAULT_DAYS)
    elif start is None:
        start = end - timedelta(days=LIST_DEFAULT_DAYS)
    service_code = (args.get("service_code") or "").strip() or None
    return Filters(ids=None, service_code=service_code, start=start, end=end, statuses=statuses)


def parse_update_filters(args, *, tz: str, now: datetime) -> tuple[datetime, datetime | None]:
    """``start_date``/``end_date`` of servicerequestupdates: by default the last 90 days."""
    errors = []
    start = end = None
    for name in ("start_date", "end_date"):
        if args.get(name):
            try:
                moment = _parse_moment(args[name], name, tz, end=name == "end_date")
            except ApiBadRequest as exc:
                errors += exc.descriptions
                continue
            if name == "start_date":
                start = moment
            else:
                end = moment
    if start and end and start > end:
        errors.append("start_date: after end_date")
    if errors:
        raise ApiBadRequest(*errors)
    if start is None:
        start = (end or now) - timedelta(days=LIST_DEFAULT_DAYS)
    return start, end


# ---------------------------------------------------------------- a request as JSON

def iso(moment: datetime | None, tz: str) -> str | None:
    return moment.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds") if moment else None


def expected_at(case, tz: str) -> datetime | None:
    """The legal deadline in force, as the end of its day in the organisation's time zone."""
    if case.due_on is None:
        return None
    return datetime.combine(case.due_on, time(23, 59, 59), tzinfo=ZoneInfo(tz))


def request_json(case, kind, unit_name: str | None, status_notes: str, *, locale: str, tz: str,
                 commune_name: str | None = None, media_url: str | None = None) -> dict:
    """What the API tells about a case: its state, its clock and where the matter is. Nothing from
    its identity or its content: a partner portal shows this to anyone holding the opaque id."""
    return {
        "service_request_id": case.open311_id,
        "status": "open" if case.status in st.OPEN else "closed",
        "status_notes": status_notes,
        "service_name": kind.name(locale),
        "service_code": kind.code,
        "agency_responsible": unit_name,
        "requested_datetime": iso(case.received_at, tz),
        "updated_datetime": iso(case.updated_at, tz),
        "expected_datetime": iso(expected_at(case, tz), tz),
        "address": case.incident_place or commune_name,
        "address_id": case.address_id,
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": media_url,
    }
