"""Pass 2 for reception visits: new visits in bulk, corrected ones updated and audited."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ...domain.reception import visit_search_text
from ...extensions import db
from ...models.reception import ReceptionVisit
from .. import bulk
from ..audit import append_audit
from ..uow import lock_name
from .plan import SECRET_KINDS


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
    for y in years:   # the desk numbers its visits under the year's lock (services.reception._next_serial)
        lock_name(f"reception_visit_serial:{y}", begin=False)
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
