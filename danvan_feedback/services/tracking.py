"""Following a case without an account: code + a second factor, with lockout per code."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from .. import policy
from ..domain import status as st
from ..domain.vocabulary import Status
from ..domain.codes import check_pin, normalize_tracking_code
from ..domain.validation import same_phone
from ..extensions import db
from ..models import Attachment, Case
from ..storage import CleanFile, LocalStorage
from .uow import lock_case, run_write
from .events import append_event


class LookupFailed(Exception):
    """One answer for a wrong code, a wrong PIN and a locked code: nothing is revealed."""


def lookup(raw_code: str, secret: str, *, pin_key: str, now: datetime, max_failures: int,
           lock_minutes: int) -> Case:
    """Find a case by tracking code and PIN (or the phone or email given). The counters are
    changed under the case's lock and committed (:func:`uow.run_write`)."""
    code = normalize_tracking_code(raw_code)
    secret = (secret or "").strip()
    if code is None or not secret:
        raise LookupFailed()
    case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one_or_none()
    if case is None:
        raise LookupFailed()
    if case.lookup_locked_until is not None and case.lookup_locked_until > now:
        raise LookupFailed()
    # A denunciation (now or ever) opens with its PIN only: a phone or e-mail that opened it would
    # let whoever holds the code test whether a given person filed it.
    ident = None if policy.is_protected(case) else case.identity
    ok = check_pin(pin_key, code, secret.replace(" ", ""), case.pin_hash) or (
        ident is not None and (same_phone(secret, ident.phone) or (
            ident.email is not None and "@" in secret and secret.lower() == ident.email.lower())))
    case_id = case.id
    if ok:
        if case.lookup_failures:
            def reset():
                fresh = lock_case(case_id, begin=False)
                fresh.lookup_failures = 0
                return fresh
            case = run_write(reset)
        return case

    def count_failure():
        """Under the case's lock: parallel wrong PINs each count."""
        fresh = lock_case(case_id, begin=False)
        fresh.lookup_failures = (fresh.lookup_failures or 0) + 1
        if fresh.lookup_failures >= max_failures:
            fresh.lookup_locked_until = now + timedelta(minutes=lock_minutes)
            fresh.lookup_failures = 0
    run_write(count_failure)
    raise LookupFailed()


def add_information(case: Case, text: str, files: list[CleanFile], *, storage: LocalStorage,
                    now: datetime, tz: str = "Asia/Ho_Chi_Minh") -> None:
    """The citizen adds information or files to an open case; committed before returning."""
    if not st.citizen_may_add(case.status):
        raise ValueError("case_closed")
    case_id = case.id
    keys = storage.put_all([f.data for f in files])  # all or none (a full disk leaves no file)

    def work() -> None:
        case = lock_case(case_id, begin=False)  # run_write began the write transaction
        if not st.citizen_may_add(case.status):
            raise ValueError("case_closed")
        answered = case.status == Status.WAITING_CITIZEN
        to = (Status.IN_PROGRESS if case.accepted_on else Status.RECEIVED) if answered else None
        settle = None
        if answered:  # the citizen's answer ends the pause: the legal clock runs again
            from .triage import Ctx, resume_clock
            settle = lambda: resume_clock(case, Ctx(actor=None, now=now, tz=tz))  # noqa: E731
        event = append_event(case, action="citizen_added", now=now, actor_type="citizen",
                             to_status=to, note=text, is_public=True, settle=settle)
        db.session.flush()
        for f, key in zip(files, keys):
            db.session.add(Attachment(case_id=case.id, event_id=event.id, storage_key=key,
                                      original_name=f.original_name, content_type=f.content_type,
                                      size=len(f.data), sha256=f.sha256, created_at=now))
        case.updated_at = now

    def drop_files() -> None:
        for key in keys:
            storage.delete(key)
    run_write(work, cleanup=drop_files)
