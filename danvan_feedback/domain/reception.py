"""Rules of the reception log and dialogue sessions: pure functions, no Flask, unit-tested alone.

Sources: Law on Citizen Reception 2013 arts. 18 (periodic and unscheduled reception by the head of
the agency), 25 (the reception log), 28 (handling: accept, guide or transfer); Circular
04/2021/TT-TTCP form 03 (the columns of the log).
"""
from __future__ import annotations

from datetime import date

from .codes import normalize_tracking_code
from .validation import fold_diacritics
from .vocabulary import Handling

RECEPTION_TYPES = ("regular", "periodic", "unscheduled")
HEAD_RECEPTION_TYPES = ("periodic", "unscheduled")  # held by the head, in person or by delegation
HEAD_MODES = ("in_person", "delegated")
HANDLINGS: tuple[Handling, ...] = tuple(Handling)
CASE_ACTIONS = ("none", "create", "link")
# Identity fields a kind may require that the reception form collects; "contact" is the phone here.
RECEPTION_IDENTITY_FIELDS = {"full_name": "citizen_name", "address": "citizen_address",
                             "cccd": "cccd", "contact": "phone"}
SECRET_CELL = "(giữ bí mật)"


def visit_errors(v: dict, today: date, required_identity: tuple[str, ...] = ()) -> dict[str, str]:
    """Error codes by field for a visit's cleaned values; empty when the visit may be stored.

    ``required_identity`` lists the identity fields the chosen kind requires (``case_kinds``); they
    are checked only when the visit creates a case (a complaint needs an ID number, and so on).
    """
    errors: dict[str, str] = {}
    visit_date = v.get("visit_date")
    if visit_date is None:
        errors["visit_date"] = "date_required"
    elif visit_date > today:
        errors["visit_date"] = "date_future"
    rtype = v.get("reception_type")
    if rtype not in RECEPTION_TYPES:
        errors["reception_type"] = "choice_required"
    elif rtype in HEAD_RECEPTION_TYPES and v.get("head_mode") not in HEAD_MODES:
        errors["head_mode"] = "head_mode_required"
    if not v.get("citizen_name"):
        errors["citizen_name"] = "required"
    if not v.get("content"):
        errors["content"] = "required"
    if not v.get("kind_code"):
        errors["kind_code"] = "choice_required"
    people = v.get("people_count")
    if people is None:
        errors["people_count"] = "people_required"
    elif people < 1:
        errors["people_count"] = "people_min"
    elif v.get("is_group") and people < 2:
        errors["people_count"] = "group_people"
    handling = v.get("handling")
    if handling not in HANDLINGS:
        errors["handling"] = "choice_required"
    elif handling == Handling.TRANSFERRED and not v.get("handling_agency"):
        errors["handling_agency"] = "agency_required"
    action = v.get("case_action") or "none"
    if action not in CASE_ACTIONS:
        errors["case_action"] = "choice_required"
    elif action == "link":
        if not v.get("tracking_code"):
            errors["tracking_code"] = "code_required"
        elif normalize_tracking_code(v["tracking_code"]) is None:
            errors["tracking_code"] = "code_format"
    elif action == "create":
        for name in required_identity:
            field = RECEPTION_IDENTITY_FIELDS.get(name)
            if field and not v.get(field):
                errors.setdefault(field, "required_for_case")
    return errors


def dialogue_errors(v: dict, today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    held_on = v.get("held_on")
    if held_on is None:
        errors["held_on"] = "date_required"
    elif held_on > today:
        errors["held_on"] = "date_future"
    for name in ("chair", "participants", "issues"):
        if not v.get(name):
            errors[name] = "required"
    return errors


def parse_codes(raw: str) -> tuple[list[str], list[str]]:
    """Tracking codes typed one per line or separated by commas: (normalised codes, unreadable parts)."""
    good: list[str] = []
    bad: list[str] = []
    for part in (raw or "").replace(";", ",").replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        code = normalize_tracking_code(part)
        if code is None:
            bad.append(part[:40])
        elif code not in good:
            good.append(code)
    return good, bad


def visit_search_text(v: dict, serial_label: str, tracking_code: str | None, secret_identity: bool) -> str:
    """What the log's search matches, folded. Never the ID number; a denouncer's name and address
    only stay out (Law on Denunciations 2018 art. 8) so a search by name cannot reveal them."""
    parts = [serial_label, tracking_code or "", v.get("content") or "", v.get("previous_agency") or "",
             v.get("handling_agency") or "", v.get("follow_up") or "", v.get("notes") or ""]
    if not secret_identity:
        parts += [v.get("citizen_name") or "", v.get("citizen_address") or ""]
    return fold_diacritics(" ".join(p for p in parts if p))


def dialogue_search_text(v: dict, codes: list[str]) -> str:
    parts = [v.get(k) or "" for k in ("location", "chair", "participants", "issues", "answers",
                                      "commitments", "follow_ups")] + codes
    return fold_diacritics(" ".join(p for p in parts if p))


def search_terms(q: str) -> list[str]:
    """Words of a search box, folded: "khiếu nại đất" and "khieu nai dat" find the same rows."""
    return [w for w in fold_diacritics(q or "").split() if w][:8]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A spreadsheet-safe cell: text starting with = + - @ tab or CR gets a leading apostrophe, so
    Excel or LibreOffice never evaluates it as a formula (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "x" if value else ""
    s = str(value)
    if s.startswith(_FORMULA_START):
        return "'" + s
    return s


def subject_from(content: str, limit: int = 120) -> str:
    """A case subject from the first line of the visit's content summary."""
    first = (content or "").strip().splitlines()[0] if (content or "").strip() else ""
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"
