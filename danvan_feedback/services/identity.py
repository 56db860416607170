"""A denouncer's identity: a separate, guarded read that leaves an audit record every time."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from .. import policy
from ..extensions import db
from ..models import Case, CaseIdentity, CaseVerifier
from ..models.reception import ReceptionVisit
from .audit import append_audit


class RevealRefused(PermissionError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def verifier_ids(case_id: int) -> list[int]:
    return list(db.session.execute(select(CaseVerifier.user_id).where(CaseVerifier.case_id == case_id)).scalars())


def needs_reveal(case: Case) -> bool:
    """Protected for good once it has been a denunciation (see ``policy.is_protected``)."""
    return policy.is_protected(case)


def may_see(user, case: Case) -> bool:
    return policy.can_see_identity(user, case, verifier_ids(case.id))


def reveal(case: Case, user, reason: str, now: datetime) -> CaseIdentity | None:
    """The identity, after checking the user is the resolver or a verifier and a reason is given;
    writes the audit record (who, when, which case, why) in the caller's transaction."""
    if not may_see(user, case):
        raise RevealRefused("forbidden")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise RevealRefused("reason_required")
    append_audit(actor_id=user.id, action="reveal_identity", case_id=case.id, reason=reason, now=now)
    return case.identity


def visit_verifier_ids(visit: ReceptionVisit) -> list[int]:
    return verifier_ids(visit.case_id) if visit.case_id is not None else []


def may_see_visit(user, visit: ReceptionVisit) -> bool:
    return policy.can_see_reception_identity(user, visit, visit_verifier_ids(visit))


def reveal_visit(visit: ReceptionVisit, user, reason: str, now: datetime) -> ReceptionVisit:
    """A protected visitor's name, address and ID number: the same checks and audit as a case."""
    if not may_see_visit(user, visit):
        raise RevealRefused("forbidden")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise RevealRefused("reason_required")
    append_audit(actor_id=user.id, action="reveal_reception_identity", case_id=visit.case_id,
                 reason=reason, detail=f"visit:{visit.id}", now=now)
    return visit


def fresh_auth(user, password: str, code: str, *, now: datetime, max_failures: int, lock_minutes: int,
               case_id: int | None, detail: str = "") -> str:
    """Re-authenticate through the sign-in service before a reveal. A failure leaves an audit record;
    the lock that follows a few failures also alerts the administrators by e-mail (outbox). Flushes,
    the caller commits whatever the answer."""
    from .auth import reauthenticate
    result = reauthenticate(user, password, code, now=now, max_failures=max_failures,
                            lock_minutes=lock_minutes)
    if result == "ok":
        return result
    append_audit(actor_id=user.id, action="reveal_auth_failed" if result == "bad" else "reveal_locked",
                 case_id=case_id, detail=detail, now=now)
    if result == "locked":
        _alert_admins(user, now)
    return result


def _alert_admins(user, now: datetime) -> None:
    from ..models import User
    from .notify import enqueue
    from flask_babel import lazy_gettext as _l
    admins = db.session.execute(select(User).where(User.role.in_(policy.ADMIN_ROLES), User.active.is_(True),
                                                   User.email.is_not(None))).scalars().all()
    for admin in admins:
        enqueue(to=admin.email, subject=_l("Cảnh báo: tài khoản %(user)s bị khoá khi xem danh tính người tố cáo",
                                           user=user.username),
                template="security_alert", context={"user": user, "admin": admin, "at": now},
                purpose="security.reveal_locked", ref=f"{user.id}.{int(now.timestamp())}.{admin.id}",
                now=now)
