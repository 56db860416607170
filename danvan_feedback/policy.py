"""Who may do what: one place, role × unit × kind × assignment. Templates and views ask here.

Roles: admin (users, units, reference data), inspector (all cases; triage), unit (only cases
assigned to the unit), office (statistics, no personal data unless granted), viewer (leaders:
read-only summaries).
"""
from __future__ import annotations

from typing import Iterable

from .domain.kinds import SECRET_IDENTITY

STAFF_ROLES = ("admin", "inspector", "unit", "office", "viewer")
# Role groups: this module is the only place that names roles. Code asks the can_* functions; a query
# that picks users by role (assignee lists, digests, alerts) takes one of these groups.
ADMIN_ROLES = ("admin",)
RESOLVER_ROLES = ("inspector",)  # resolve cases: triage, decisions
CASE_WORKER_ROLES = ("inspector", "unit")  # work on cases: the inbox, assignees, verifiers
UNIT_BOUND_ROLES = ("unit",)  # see only the cases handled by their own unit; need a unit
# Kinds whose sender's identity is secret (Law on Denunciations 2018 arts. 8, 9, 47).
SECRET_IDENTITY_KINDS = SECRET_IDENTITY


def offers_geolocation(kind_code: str) -> bool:
    """The public form's "use my location" button: never for a denunciation, where the phone's
    position (often the sender's home) could identify the denouncer."""
    return kind_code not in SECRET_IDENTITY_KINDS


def is_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) in STAFF_ROLES


def can_manage_reference_data(user) -> bool:
    return is_staff(user) and user.role == "admin"


def can_use_inbox(user) -> bool:
    return is_staff(user) and user.role in CASE_WORKER_ROLES


def role_needs_unit(role: str) -> bool:
    return role in UNIT_BOUND_ROLES


def is_unit_bound(user) -> bool:
    """A unit officer: lists and choices narrow to the user's own unit."""
    return is_staff(user) and user.role in UNIT_BOUND_ROLES


def can_triage(user) -> bool:
    """Classify, accept, refuse, transfer, guide, file, merge, assign, extend, record outcomes, close."""
    return is_staff(user) and user.role in RESOLVER_ROLES


def can_view_case(user, case) -> bool:
    """Inspectors see every case; a unit officer the cases its unit handles. As SQL: ``case_scope``."""
    if not is_staff(user):
        return False
    if user.role in RESOLVER_ROLES:
        return True
    if user.role in UNIT_BOUND_ROLES:
        return user.unit_id is not None and case.handling_unit_id == user.unit_id
    return False


def case_scope(user, unit_column=None):
    """``can_view_case`` as a SQL clause on ``Case``, for lists and searches (a test checks that the two
    agree for every role). ``unit_column`` is ``Case.handling_unit_id`` or an equivalent expression
    (the inbox passes one SQLite will not use an index for)."""
    from sqlalchemy import false, true

    from .models import Case
    if not is_staff(user):
        return false()
    if user.role in RESOLVER_ROLES:
        return true()
    if user.role in UNIT_BOUND_ROLES and user.unit_id is not None:
        return (Case.handling_unit_id if unit_column is None else unit_column) == user.unit_id
    return false()


def is_responsible_for(user, case) -> bool:
    """Whose work a case is (the due-date digest): its resolver and assignee among the inspectors,
    every officer of the unit that handles it."""
    if user.role in RESOLVER_ROLES:
        return user.id in (case.resolver_id, case.assignee_id)
    if user.role in UNIT_BOUND_ROLES:
        return user.unit_id is not None and user.unit_id == case.handling_unit_id
    return False


def can_work_on_case(user, case) -> bool:
    """Notes, drafts, results: the inspectors, and the unit the case is assigned to."""
    return can_view_case(user, case) and user.role in CASE_WORKER_ROLES


def is_protected(case) -> bool:
    """A case whose sender stays secret: it is a denunciation now, or has ever been one (filed as
    one, reclassified to one, recorded at the reception desk as one). Protection follows the
    history, not the current label (Law on Denunciations 2018 arts. 8, 9, 47)."""
    return bool(getattr(case, "protected", False)) or case.kind_code in SECRET_IDENTITY_KINDS


def can_see_identity(user, case, verifier_ids: Iterable[int] = ()) -> bool:
    """A protected sender is seen only by the case's resolver and its verifiers, each time through
    an audited reveal; other senders by whoever may view the case."""
    if not can_view_case(user, case):
        return False
    if is_protected(case):
        return user.id is not None and (user.id == case.resolver_id or user.id in set(verifier_ids))
    return True


# Leaders (lãnh đạo) who may reclassify a protected case besides its resolver. The read-only
# "viewer" leaders have no access to cases, so in this installation it is the resolver alone.
LEADER_ROLES: frozenset[str] = frozenset()


def can_reclassify(user, case) -> bool:
    """Reclassify a case: any inspector; a protected one only its resolver or a leader (with a
    written reason, audited; protection is not lifted)."""
    if not can_triage(user) or not can_view_case(user, case):
        return False
    if is_protected(case):
        return user.id == case.resolver_id or user.role in LEADER_ROLES
    return True


def can_search_identity(user, case, verifier_ids: Iterable[int] = ()) -> bool:
    """May a search by a sender's phone or ID number find this case for this user."""
    return can_see_identity(user, case, verifier_ids)


def can_view_reports(user) -> bool:
    return is_staff(user) and user.role in ("admin", "office", "viewer", "inspector")


def can_export_personal_data(user) -> bool:
    return False  # not granted to any role yet; exports stay anonymised


def can_manage_survey_points(user) -> bool:
    return is_staff(user) and user.role in ("admin", "office")


def can_view_survey_results(user) -> bool:
    return is_staff(user) and user.role in ("admin", "office", "viewer", "inspector")


def can_log_reception(user) -> bool:
    return is_staff(user) and user.role == "inspector"


def can_view_reception_log(user) -> bool:
    """Read the reception log and dialogue sessions; ID numbers only with ``can_log_reception``."""
    return is_staff(user) and user.role in ("admin", "inspector", "office", "viewer")


def is_visit_protected(visit) -> bool:
    """A visit recorded as a denunciation, or linked to a protected case."""
    return (bool(getattr(visit, "protected", False)) or visit.kind_code in SECRET_IDENTITY_KINDS
            or (getattr(visit, "case", None) is not None and is_protected(visit.case)))


def can_see_reception_identity(user, visit, verifier_ids: Iterable[int] = ()) -> bool:
    """Name, address and ID number of a visitor. A protected visitor (a denouncer) as a case's
    sender: the linked case's resolver and verifiers, through the audited reveal; without a case,
    the inspector who recorded the visit. Others: readers of the log (ID numbers only for those who
    keep it, see ``can_see_reception_cccd``)."""
    if not can_view_reception_log(user):
        return False
    if is_visit_protected(visit):
        if visit.case is not None:
            return can_see_identity(user, visit.case, verifier_ids)
        return can_log_reception(user) and user.id == visit.created_by_id
    return True


def can_see_reception_cccd(user, visit, verifier_ids: Iterable[int] = ()) -> bool:
    return can_log_reception(user) and can_see_reception_identity(user, visit, verifier_ids)


def can_see_visit_case(user, visit, verifier_ids: Iterable[int] = ()) -> bool:
    """The tracking code of the case a visit created or links to. For a protected visit only those
    who may see the visitor: the code would tie the person seen at the desk to the case."""
    if visit.case is None or not can_view_reception_log(user):
        return False
    if is_visit_protected(visit):
        return can_see_reception_identity(user, visit, verifier_ids) and can_view_case(user, visit.case)
    return True


def can_edit_visit(user, visit, verifier_ids: Iterable[int] = ()) -> bool:
    """Edit a visit: those who keep the log; a protected visit only who may see the visitor (the
    form shows the identity fields)."""
    if not can_log_reception(user):
        return False
    return not is_visit_protected(visit) or can_see_reception_identity(user, visit, verifier_ids)


# Satisfaction survey (issue 4)
def can_edit_survey_criteria(user) -> bool:
    """Wording, criteria and scale of the questionnaires: each change creates a new version."""
    return is_staff(user) and user.role == "admin"


def can_mark_survey_spam(user) -> bool:
    return is_staff(user) and user.role in ("admin", "office")


# Reports (issue 5)
def can_export_reports(user) -> bool:
    """Download the report files (XLSX, CSV, DOCX): the office and administrators."""
    return is_staff(user) and user.role in ("admin", "office")


def can_sign_off_reports(user) -> bool:
    """Freeze a period's report (the office signs it off)."""
    return is_staff(user) and user.role == "office"


# Letters on paper and the office's documents (issue 12)
def can_register_letters(user) -> bool:
    """Vào sổ đơn: register a letter received by post, e-mail, phone or handed in (the office's
    clerks and the inspectors)."""
    return is_staff(user) and user.role in ("inspector", "office")


def can_issue_documents(user, case) -> bool:
    """Issue a numbered document from a case (receipt, transfer slip, notices, decision skeleton)."""
    return can_triage(user) and can_view_case(user, case)


def can_view_letter_receipt(user, case) -> bool:
    """The receipt slip of a registered letter: whoever registered it, and whoever sees the case."""
    return is_staff(user) and (case.registered_by_id == user.id or can_view_case(user, case))


# Old registers (issue 16)
def can_import_registers(user) -> bool:
    """Bring the office's old registers in (they carry citizens' identities): office and admin."""
    return is_staff(user) and user.role in ("admin", "office")
