"""A denouncer's identity: a separate, guarded read that leaves an audit record every time."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from .. import policy
from ..extensions import db
from ..models import Case, CaseIdentity, CaseVerifier
from .audit import append_audit


class RevealRefused(PermissionError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def verifier_ids(case_id: int) -> list[int]:
    return list(db.session.execute(select(CaseVerifier.user_id).where(CaseVerifier.case_id == case_id)).scalars())


def needs_reveal(case: Case) -> bool:
    return case.kind_code in policy.SECRET_IDENTITY_KINDS


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
