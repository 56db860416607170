"""Staff passwords: argon2id (argon2-cffi). Never used on the public submit path."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current RFC 9106 defaults


def password_problem(password: str) -> str | None:
    """ASVS 2.1: 12 to 128 characters, no composition rules."""
    if len(password) < 12:
        return "password must be at least 12 characters"
    if len(password) > 128:
        return "password must be at most 128 characters"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
