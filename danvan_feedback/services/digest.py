"""The daily digest of cases due soon and overdue, per staff member, through the outbox."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import policy
from ..domain import deadlines as dl
from ..domain import status as st
from ..extensions import db
from ..models import Case, CaseKind, OrgSetting, OutboxMessage, User
from ..labels import staff_status_label
from .intake import load_calendar, local_date
from .notify import enqueue, message_id
from .uow import lock_name


def due_rows(now: datetime, tz: str, soon_days: int):
    """Open cases with a deadline within ``soon_days`` working days or past it (no personal data)."""
    today = local_date(now, tz)
    cal = load_calendar(today, 120)
    rows = db.session.execute(
        select(Case.id, Case.tracking_code, Case.subject, Case.kind_code, Case.status, Case.due_on,
               Case.handling_unit_id, Case.assignee_id, Case.resolver_id, CaseKind.name_vi)
        .join(CaseKind, CaseKind.code == Case.kind_code)
        .where(Case.status.in_(sorted(st.OPEN)), Case.due_on.is_not(None))
        .order_by(Case.due_on)).all()
    out = []
    for r in rows:
        left = dl.days_left(cal, today, r.due_on)
        if left is not None and left <= soon_days:
            out.append((r, left))
    return out


def build_digest(now: datetime, tz: str) -> int:
    """Queue one email per staff member with something due; returns how many were queued.
    Inspectors get the cases they resolve or are assigned; unit officers their unit's.

    One rule for writes: whether today's digest is queued already is read under the digest's lock
    (two runs at once, from two hosts, queue it once); flushed, the caller commits
    (``flask deadlines digest`` through :func:`uow.run_write`)."""
    lock_name("deadline-digest", begin=False)
    soon = int(OrgSetting.get("due_soon_days", "3") or 3)
    rows = due_rows(now, tz, soon)
    users = db.session.execute(select(User).where(User.active.is_(True), User.email.is_not(None),
                                                  User.role.in_(policy.CASE_WORKER_ROLES))).scalars().all()
    per_user: dict[int, list] = defaultdict(list)
    for r, left in rows:
        for u in users:
            if policy.is_responsible_for(u, r):
                per_user[u.id].append({"code": r.tracking_code, "subject": r.subject[:80], "kind": r.name_vi,
                                       "status": staff_status_label(r.status), "due_on": r.due_on, "left": left,
                                       "id": r.id})
    day = local_date(now, tz).isoformat()
    queued = 0
    for u in users:
        items = per_user.get(u.id)
        if not items:
            continue
        if db.session.execute(select(OutboxMessage.id).where(
                OutboxMessage.message_id == message_id("digest", f"{u.id}.{day}"))).first():
            continue  # already queued today: the command is safe to run twice
        overdue = sum(1 for i in items if i["left"] < 0)
        enqueue(to=u.email, subject=_l("Hạn xử lý đơn: %(o)s quá hạn, %(s)s sắp đến hạn (%(day)s)",
                                       o=overdue, s=len(items) - overdue, day=day),
                template="digest", context={"user": u, "items": items, "day": day}, purpose="digest",
                ref=f"{u.id}.{day}", now=now)
        queued += 1
    db.session.flush()
    return queued
