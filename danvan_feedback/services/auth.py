"""Staff authentication rules: password check with lockout, single-use TOTP codes."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, select

from ..extensions import db
from ..models import OrgSetting, User
from ..passwords import hash_params, hash_password, verify_password
from .uow import lock

_DUMMY_HASHES: dict[tuple, str] = {}


def _dummy_hash() -> str:
    """A hash with the current cost parameters, so an unknown user costs what a known one does."""
    key = hash_params()
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hash_password("not a real password, only to spend the same time")
    return _DUMMY_HASHES[key]


def check_password(username: str, password: str, *, now: datetime, max_failures: int,
                   lock_minutes: int) -> User | None:
    """The user when the password is right and the account is neither inactive nor locked.

    Unknown users cost the same hashing time, and every refusal looks the same to the caller.
    Failures are counted per account; after ``max_failures`` the account is locked for a while.
    One rule for writes: the counters are read and changed under the user's row lock (parallel
    wrong passwords each count); flushed, the view commits.
    """
    user = db.session.execute(select(User).where(func.lower(User.username) == username.strip().lower())
                              ).scalar_one_or_none()
    if user is None:
        verify_password(_dummy_hash(), password)
        return None
    checked = user.password_hash
    right = verify_password(checked, password)  # slow: before the lock, not under it
    user = lock(User, user.id)
    if user.password_hash != checked:  # changed in between: check against the fresh one
        right = verify_password(user.password_hash, password)
    locked = user.locked_until is not None and user.locked_until > now
    if right and user.active and not locked:
        user.failed_logins = 0
        db.session.flush()
        return user
    if not locked:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
        db.session.flush()
    return None


def totp_required(user: User) -> bool:
    roles = {r.strip() for r in OrgSetting.get("totp_required_roles", "admin,inspector").split(",")}
    return bool(user.totp_secret) or user.role in roles


def verify_totp(secret: str, code: str, last_step: int | None, at: float | None = None) -> int | None:
    """The time step the code belongs to (now ±1 step), or None. A step at or before ``last_step``
    is refused, so each code works once."""
    code = "".join(code.split())
    totp = pyotp.TOTP(secret)
    at = time.time() if at is None else at
    step_now = int(at // totp.interval)
    for step in (step_now, step_now - 1, step_now + 1):
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer or "danvan_feedback")


def reauthenticate(user: User, password: str, code: str, *, now: datetime, max_failures: int,
                   lock_minutes: int) -> str:
    """A fresh authentication before a sensitive read (revealing a denouncer): the password, and the
    TOTP code when the user has one. ``"ok"``, ``"bad"`` or ``"locked"``; changes the user's
    counters without committing (the caller audits and commits).

    Failures count with the sign-in's: after ``max_failures`` the account is locked for
    ``lock_minutes`` and its sessions end (the session version is bumped), so the guessing stops.
    """
    checked = user.password_hash
    right = verify_password(checked, password or "")  # slow: before the lock
    user = lock(User, user.id)  # one rule for writes: counters and the last TOTP step are read fresh
    if user.password_hash != checked:
        right = verify_password(user.password_hash, password or "")
    if user.locked_until is not None and user.locked_until > now:
        return "locked"
    ok = bool(user.active) and right
    if ok and user.totp_secret:
        step = verify_totp(user.totp_secret, code or "", user.totp_last_step)
        ok = step is not None
        if ok:
            user.totp_last_step = step
    if ok:
        user.failed_logins = 0
        return "ok"
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= max_failures:
        user.locked_until = now + timedelta(minutes=lock_minutes)
        user.failed_logins = 0
        user.session_version = (user.session_version or 1) + 1
        return "locked"
    return "bad"
