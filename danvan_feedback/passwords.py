"""Staff passwords: argon2id (argon2-cffi). Never used on the public submit path.

New hashes use the library's RFC 9106 defaults. The test configuration alone may lower the cost
with ``PASSWORD_HASH_PARAMS`` (keyword arguments of ``argon2.PasswordHasher``, e.g.
``{"time_cost": 1, "memory_cost": 8}``): it is not read from the environment, and it is ignored
when ``APP_ENV`` is production. A check always uses the parameters stored in the hash it checks.
"""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

_hashers: dict[tuple, PasswordHasher] = {}


def hash_params() -> tuple:
    """The cost parameters new hashes get, as a hashable key (empty: the library's defaults)."""
    if not has_app_context() or current_app.config.get("APP_ENV") == "production":
        return ()
    return tuple(sorted((current_app.config.get("PASSWORD_HASH_PARAMS") or {}).items()))


def _hasher() -> PasswordHasher:
    key = hash_params()
    hasher = _hashers.get(key)
    if hasher is None:
        hasher = _hashers[key] = PasswordHasher(**dict(key))
    return hasher


def password_problem(password: str) -> str | None:
    """ASVS 2.1: 12 to 128 characters, no composition rules."""
    if len(password) < 12:
        return "password must be at least 12 characters"
    if len(password) > 128:
        return "password must be at most 128 characters"
    return None


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
