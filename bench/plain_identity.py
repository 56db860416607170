"""Bench only: ``wsgi:app`` with the identity cryptography replaced by identity functions.

``python -m bench --only submit`` serves this beside ``wsgi:app`` to measure what encrypting the
identity fields at rest costs a submission (issue 9: under +0.5 ms): AES-GCM of each identity
field and of the sealed receipt becomes the plain value, and each blind index (HMAC-SHA256) a
plain string. Everything else is the same code. It is not a setting of the application and must
never serve real data: the database it writes holds identities in clear text.
"""
from __future__ import annotations

from danvan_feedback import crypto


def _encrypt(self, plaintext: str, context: str) -> str:
    return plaintext


def _decrypt(self, token: str, context: str) -> str:
    return token


def _index(self, kind: str, value: str, key=None) -> str:
    return f"{kind}:{value}"[:64]


def patch() -> None:
    """Replace the identity cryptography in this process (also used by ``profile_submit --plain-identity``)."""
    crypto.Keyring.encrypt = _encrypt
    crypto.Keyring.decrypt = _decrypt
    crypto.Keyring.index = _index


def __getattr__(name: str):
    """``gunicorn bench.plain_identity:app``: the patched application, made on first access."""
    if name == "app":
        patch()
        from wsgi import app
        return app
    raise AttributeError(name)
