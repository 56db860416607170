"""Tracking codes and PINs.

A tracking code is 8 characters of Crockford base32 (40 random bits from ``secrets``) shown as
``DV-XXXX-XXXX``: short enough to read over the phone, free of look-alike letters, and the same
shape for every kind (a denunciation is not recognisable by its code). It is not enough to open a
case: a lookup needs the PIN from the receipt or the contact given.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
PREFIX = "DV"
CODE_LEN = 8
PIN_LEN = 6


def new_tracking_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LEN))
    return f"{PREFIX}-{body[:4]}-{body[4:]}"


def normalize_tracking_code(raw: str) -> str | None:
    """Accept what a person types ("dv 7k4m x9qp", "DV7K4MX9QP", "7K4M-X9QP"); None if it cannot be a code."""
    if not raw:
        return None
    s = "".join(ch for ch in raw.upper() if ch.isalnum())
    if len(s) == CODE_LEN + len(PREFIX) and s.startswith(PREFIX):
        s = s[len(PREFIX):]
    if len(s) != CODE_LEN:
        return None
    s = s.translate(_CONFUSABLE)
    if any(ch not in ALPHABET for ch in s):
        return None
    return f"{PREFIX}-{s[:4]}-{s[4:]}"


def new_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_LEN))


def hash_pin(key: str, code: str, pin: str) -> str:
    """A keyed hash (HMAC-SHA256) of the PIN, bound to its code.

    A slow password hash cannot protect a 6-digit PIN against someone holding the table anyway, and
    would cost every public submission tens of milliseconds; the server-side key and the lookup
    rate limits and lockout do the protecting (SECURITY.md).
    """
    msg = f"{code}:{pin.strip()}".encode()
    return hmac.new(key.encode(), msg, hashlib.sha256).hexdigest()


def check_pin(key: str, code: str, pin: str, stored: str) -> bool:
    return hmac.compare_digest(hash_pin(key, code, pin), stored)


def new_opaque_id(nbytes: int = 12) -> str:
    return secrets.token_hex(nbytes)
