"""Filing a case: the citizen's submission becomes a durable case before the code is shown."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..domain.calendar import WorkCalendar
from ..domain.validation import IDENTITY_FIELDS, fold_diacritics
from ..domain.codes import hash_pin, new_opaque_id, new_pin, new_tracking_code
from ..domain.vocabulary import AnonymousPolicy, Status
from ..extensions import db
from ..policy import SECRET_IDENTITY_KINDS
from ..crypto import current_keyring
from ..models import Attachment, Case, CaseEvent, CaseIdentity, HolidayOverride
from ..models.case import blind_indexes
from ..storage import CleanFile, LocalStorage
from .uow import run_write
from .events import first_event
from . import refdata
from .notify import enqueue
from .receipts import insert_hold
from .rows import insert_values

CODE_ATTEMPTS = 5


@dataclass
class Submission:
    """What a citizen filed, already validated and cleaned by the form or the API."""

    kind_code: str
    subject: str
    content: str
    token: str
    kind_anonymous: str = AnonymousPolicy.ALLOWED  # the kind's policy
    channel: str = "web"
    locale: str = "vi"
    submitter_type: str = "citizen"
    anonymous: bool = False
    identity: dict = field(default_factory=dict)
    unit_id: int | None = None
    service_id: int | None = None
    commune_id: int | None = None
    incident_date: date | None = None
    incident_place: str | None = None
    # Where the matter is (WGS84 degrees; a partner's address id): public, not personal data.
    latitude: float | None = None
    longitude: float | None = None
    address_id: str | None = None
    complained_decision: str | None = None
    request_text: str | None = None
    is_group: bool = False
    group_size: int | None = None
    consent: bool = False
    # The settings_version the submission was validated against (refdata.peek); the write checks it.
    ref_version: str | None = None
    protected: bool = False  # e.g. recorded at the reception desk as a denunciation
    # A letter registered by the office (vào sổ đơn): the day it reached the office (the legal clock
    # runs from it), the sender's own number and date, who entered it; the receipt email then
    # carries the PIN, since the sender never sees a screen.
    received_at: datetime | None = None
    sender_doc_no: str | None = None
    sender_doc_date: date | None = None
    registered_by_id: int | None = None


@dataclass
class Receipt:
    code: str
    pin: str | None  # None when the token had already been used (a double tap): the PIN is not shown again
    duplicate: bool = False
    open311_id: str | None = None
    case_id: int | None = None


def submission_from(kind_code: str, kind_anonymous: str, data: dict, *, token: str, channel: str,
                    locale: str, **extra) -> Submission:
    """A :class:`Submission` from cleaned form or API values, the same way for every channel.

    An anonymous submission keeps no identity, whatever was typed; company fields are kept only
    for a business, and a representative only for a group. ``extra`` passes the optional fields
    (unit_id, service_id, commune_id, incident_date, incident_place, latitude, longitude, address_id).
    """
    anonymous = bool(data.get("anonymous")) and kind_anonymous != AnonymousPolicy.REFUSED
    submitter_type = data.get("submitter_type") if data.get("submitter_type") in ("citizen", "business") else "citizen"
    identity = {} if anonymous else {name: (data.get(name) or None) for name in IDENTITY_FIELDS}
    if identity and submitter_type != "business":
        identity["company_name"] = identity["tax_code"] = None
    if identity and not data.get("is_group"):
        identity["representative"] = None
    return Submission(
        kind_code=kind_code, kind_anonymous=kind_anonymous, subject=data["subject"],
        content=data["content"], token=token, channel=channel, locale=locale,
        submitter_type=submitter_type, anonymous=anonymous, identity=identity,
        complained_decision=data.get("complained_decision") or None,
        request_text=data.get("request_text") or None, is_group=bool(data.get("is_group")),
        group_size=data.get("group_size") if data.get("is_group") else None,
        consent=bool(data.get("consent")) and not anonymous, **extra)


def load_calendar(start: date, days_ahead: int = 400) -> WorkCalendar:
    rows = db.session.execute(
        select(HolidayOverride.day, HolidayOverride.is_working)
        .where(HolidayOverride.day.between(start, start + timedelta(days=days_ahead)))).all()
    return WorkCalendar({r.day: r.is_working for r in rows})


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def _acceptance_due(ref: refdata.RefData, kind_code: str, kind_anonymous: str, received: date,
                    anonymous: bool) -> tuple[date | None, str | None]:
    """The first legal clock: decide whether to accept (thụ lý), from the kind's ``accept`` rule and
    the holiday calendar, as read under the write lock (see :func:`refdata.check`).

    An anonymous denunciation is kept as information, not handled under the law: no clock runs.
    """
    if anonymous and kind_anonymous == AnonymousPolicy.INFO_ONLY:
        return None, None
    rule = ref.accept_rules.get(kind_code)
    if rule is None:
        return None, None
    return ref.calendar.deadline(received, rule.days, rule.day_unit), rule.code


# Markers of the fields in ``search_text``, in this order (see ``search_text``); "#" is never part
# of a stored word, so a marker cannot be typed or occur in a case's text.
SEARCH_MARKERS = (("code", "#c"), ("name", "#n"), ("subject", "#s"), ("content", "#b"))
SEARCH_END = "#e"
_SEARCH_WORD = re.compile(r"\w+")


def _words(text: str) -> str:
    return " ".join(_SEARCH_WORD.findall(fold_diacritics(text or "")))


def search_text(code: str, subject: str, content: str, identity: dict) -> str:
    """What the staff search matches: the folded words of each field after its marker, padded with
    spaces, so a word is matched whole (``LIKE '% pham %'``, "vi phạm" is not "Phạm") and the field
    it matched in can be told (``LIKE '%#n% pham %#s%'``)::

        " #c dv-7k4m-x9qp dv7k4mx9qp 7k4mx9qp #n pham thi hong 0912345678 #s ... #b ... #e "

    Folded: "khieu nai dat" finds "khiếu nại đất". A denouncer's name and phone are never put here
    (pass an empty identity for a denunciation). No person's name, phone or ID number is put
    here (it would sit in clear text in the database): those are found through the identity's blind
    indexes; only a business's name is."""
    code_part = " ".join(dict.fromkeys(
        p for p in (code.lower(), code.replace("-", "").lower(), code.split("-", 1)[-1].replace("-", "").lower()) if p))
    name_part = _words(identity.get("company_name") or "")
    parts = [code_part, name_part, _words(subject), _words(content)]
    out = ""
    for (_f, mark), text in zip(SEARCH_MARKERS, parts):
        out += f" {mark} {text}" if text else f" {mark}"
    return f"{out} {SEARCH_END} "


def find_by_token(token: str) -> Case | None:
    return db.session.execute(select(Case).where(Case.submission_token == token)).scalar_one_or_none()


def submit_case(sub: Submission, files: list[CleanFile], *, storage: LocalStorage, pin_key: str,
                now: datetime, tz: str, hold: tuple[str, datetime] | None = None,
                then: Callable[[Receipt], None] | None = None,
                then_cleanup: Callable[[], None] | None = None) -> Receipt:
    """Store the files durably, then commit the case, its identity, files, first event and the
    receipt email in one transaction. Only then may the caller show the code.

    A token already used (a double tap, a retried POST) returns the existing case's code; the unique
    constraint detects it, so the common path costs no extra query. On any failure the files
    written here are deleted and the error propagates: nothing is acknowledged.

    ``hold`` (a hold id and its expiry, see :mod:`.receipts`) keeps the new PIN server-side, in the
    same transaction, so a retry from the same browser session can show it again.

    ``then(receipt)`` writes what belongs with the new case in the same transaction (a reception
    visit, a registered letter's receipt): one commit for both. It may run more than once (a code
    drawn twice runs everything again); ``then_cleanup`` removes its files when nothing is kept.
    """
    keys = storage.put_all([f.data for f in files])  # all or none (a full disk leaves no file)

    def drop_files() -> None:
        for key in keys:
            storage.delete(key)
        if then_cleanup is not None:
            then_cleanup()

    def work() -> Receipt:
        receipt = _insert(sub, files, keys, pin_key=pin_key, now=now, tz=tz, hold=hold)
        if then is not None:
            then(receipt)
        return receipt

    def same_token(_exc) -> Receipt | None:
        existing = find_by_token(sub.token)
        if existing is None:
            return None  # a tracking-code collision: run again, which draws another code
        drop_files()  # a double tap, or a retry of the same form
        return Receipt(existing.tracking_code, None, duplicate=True, open311_id=existing.open311_id,
                       case_id=existing.id)

    try:
        return run_write(work, attempts=CODE_ATTEMPTS, on_integrity=same_token, cleanup=drop_files)
    except IntegrityError:
        raise RuntimeError("could not draw a unique tracking code") from None


def _insert(sub: Submission, files: list[CleanFile], keys: list[str], *, pin_key: str,
            now: datetime, tz: str, hold: tuple[str, datetime] | None = None) -> Receipt:
    code, pin = new_tracking_code(), new_pin()
    received = sub.received_at or now
    ref = refdata.check(sub.ref_version)
    due_on, rule_code = _acceptance_due(ref, sub.kind_code, sub.kind_anonymous, local_date(received, tz),
                                        sub.anonymous)
    protected = sub.kind_code in SECRET_IDENTITY_KINDS or sub.protected
    identity = {k: v for k, v in sub.identity.items() if v} if not sub.anonymous else {}
    case = {  # the row of ``cases`` (the columns a Case(...) would be given)
        "tracking_code": code, "pin_hash": hash_pin(pin_key, code, pin), "submission_token": sub.token,
        "open311_id": None if sub.kind_anonymous == AnonymousPolicy.INFO_ONLY else new_opaque_id(),
        "kind_code": sub.kind_code, "status": Status.RECEIVED, "channel": sub.channel, "locale": sub.locale,
        "submitter_type": sub.submitter_type, "is_anonymous": sub.anonymous, "unit_id": sub.unit_id,
        "service_id": sub.service_id, "commune_id": sub.commune_id, "subject": sub.subject,
        "content": sub.content, "incident_date": sub.incident_date, "incident_place": sub.incident_place,
        "latitude": sub.latitude, "longitude": sub.longitude, "address_id": sub.address_id,
        "complained_decision": sub.complained_decision, "request_text": sub.request_text,
        "is_group": sub.is_group, "group_size": sub.group_size if sub.is_group else None,
        "consent_at": now if sub.consent else None, "received_at": received, "updated_at": now,
        "due_on": due_on, "due_rule_code": rule_code, "lookup_failures": 0,
        "sender_doc_no": sub.sender_doc_no, "sender_doc_date": sub.sender_doc_date,
        "registered_by_id": sub.registered_by_id, "entered_at": now if sub.registered_by_id else None,
        "protected": protected,
        "search_text": search_text(code, sub.subject, sub.content, {} if protected else identity)}
    # Every row goes straight to the driver (rows.insert_values), not through the session's unit of
    # work: the case (its id is needed by the event's hash), its identity, its files, its first
    # event and the receipt e-mail. Nothing is left for the commit to flush.
    case["id"] = case_id = insert_values(Case.__table__, case)
    if identity:  # no mapper event runs here: the blind indexes are set here
        insert_values(CaseIdentity.__table__, {"case_id": case_id, **identity, **blind_indexes(
            current_keyring(), phone=identity.get("phone"), cccd=identity.get("cccd"),
            full_name=identity.get("full_name"))})
    for f, key in zip(files, keys):
        insert_values(Attachment.__table__, {
            "case_id": case_id, "storage_key": key, "original_name": f.original_name,
            "content_type": f.content_type, "size": len(f.data), "sha256": f.sha256, "created_at": now})
    registered = sub.registered_by_id is not None
    insert_values(CaseEvent.__table__, first_event(
        case, action="submitted", now=received, to_status=Status.RECEIVED, is_public=True,
        actor_type="staff" if registered else ("api" if sub.channel == "api" else "citizen"),
        actor_id=sub.registered_by_id, kind_code=sub.kind_code))
    email = identity.get("email")
    if email:  # rendered by the sender from what the row holds (no identity; the PIN only for a registered letter)
        enqueue(to=email, subject=_l("Đã nhận đơn của bạn — mã %(code)s", code=code),
                template="receipt",
                context={"case": {"tracking_code": code, "received_at": received,
                                  "registered_by_id": sub.registered_by_id},
                         "locale": sub.locale, "pin": pin if registered else None},
                purpose="receipt", ref=code, now=now, locale=sub.locale, case_id=case_id, render_later=True,
                insert_now=True)
    if hold is not None:
        insert_hold(hold[0], case_id, pin, now=now, until=hold[1])
    return Receipt(code, pin, open311_id=case["open311_id"], case_id=case_id)
