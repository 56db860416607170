"""Identity fields encrypted at rest (AES-256-GCM) and keyed blind indexes (HMAC-SHA256).

Keys live outside the database: ``IDENTITY_KEYS`` (``"k2:<base64>,k1:<base64>"``, the first one
encrypts, all of them decrypt) or ``IDENTITY_KEY_FILE`` (the same, one per line). Each stored value
names its key: ``v1$<key id>$<base64url(nonce ‖ ciphertext ‖ tag)>``; the column it belongs to is
bound in as associated data, so a value copied into another column does not decrypt.
``flask identity rotate-key`` re-encrypts every row under the first key.

A blind index is ``HMAC(index key, kind ‖ normalised value)``: an exact-match search (a phone, an
ID number) compares digests, never decrypts the table. Searches try the digest under every key, so
they keep finding rows between deploying a new key and finishing the rotation.
"""
from __future__ import annotations

import base64
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

PREFIX = "v1"
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")


class KeyError_(ValueError):
    """A key is missing, malformed, or a value names a key we do not hold."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"danvan-identity/" + purpose).derive(master)


@dataclass(frozen=True)
class _Key:
    kid: str
    aead: AESGCM
    mac: bytes


class Keyring:
    """The identity keys: the first encrypts and indexes, every one decrypts."""

    def __init__(self, keys: list[tuple[str, bytes]]):
        if not keys:
            raise KeyError_("no identity key")
        self._keys: dict[str, _Key] = {}
        for kid, master in keys:
            if not _KEY_ID.match(kid):
                raise KeyError_(f"bad identity key id {kid!r}")
            if len(master) < 32:
                raise KeyError_(f"identity key {kid!r} must be at least 32 bytes")
            if kid in self._keys:
                raise KeyError_(f"identity key id {kid!r} given twice")
            self._keys[kid] = _Key(kid, AESGCM(_derive(master, b"enc")), _derive(master, b"index"))
        self.primary = self._keys[keys[0][0]]

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(12)
        ct = self.primary.aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode())
        return f"{PREFIX}${self.primary.kid}${base64.urlsafe_b64encode(nonce + ct).decode().rstrip('=')}"

    def key_id_of(self, token: str) -> str | None:
        parts = token.split("$", 2)
        return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None

    def decrypt(self, token: str, context: str) -> str:
        parts = token.split("$", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            raise KeyError_("not an encrypted identity value")
        key = self._keys.get(parts[1])
        if key is None:
            raise KeyError_(f"identity value under unknown key {parts[1]!r}")
        raw = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        return key.aead.decrypt(raw[:12], raw[12:], context.encode()).decode("utf-8")

    def index(self, kind: str, value: str, key: _Key | None = None) -> str:
        key = key or self.primary
        return hmac.digest(key.mac, f"{kind}\x1f{value}".encode(), "sha256").hex()

    def indexes(self, kind: str, value: str) -> list[str]:
        """The digest under every key (for searching while a rotation is under way)."""
        return [self.index(kind, value, k) for k in self._keys.values()]

    def seal(self, obj, context: str) -> str:
        """A small JSON value sealed for a client-side place (the session cookie)."""
        return self.encrypt(json.dumps(obj, separators=(",", ":")), context)

    def unseal(self, token, context: str):
        try:
            return json.loads(self.decrypt(token, context)) if isinstance(token, str) else None
        except Exception:  # tampered, truncated, or under a key no longer held: as if absent
            return None


def parse_keys(text: str) -> list[tuple[str, bytes]]:
    out = []
    for item in re.split(r"[,\n]", text or ""):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        kid, sep, b64 = item.partition(":")
        if not sep:
            raise KeyError_("IDENTITY_KEYS entries are KEY_ID:BASE64KEY")
        try:
            b64 = b64.strip().replace("-", "+").replace("_", "/")
            raw = base64.b64decode(b64 + "=" * (-len(b64) % 4), validate=True)
        except ValueError as exc:
            raise KeyError_(f"identity key {kid!r} is not base64") from exc
        out.append((kid.strip(), raw))
    return out


def new_key_line(kid: str) -> str:
    return f"{kid}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def load_keys(env: dict, production: bool, instance_path: Path) -> str:
    """The keys' text from ``IDENTITY_KEYS`` or ``IDENTITY_KEY_FILE``; in development a key kept in
    ``instance/`` (created on first use). Production refuses to start without one."""
    text = env.get("IDENTITY_KEYS", "")
    key_file = env.get("IDENTITY_KEY_FILE")
    if not text and key_file:
        text = Path(key_file).read_text(encoding="utf-8")
    if text.strip():
        Keyring(parse_keys(text))  # validate now: refuse to start with a bad key
        return text
    if production:
        raise KeyError_("IDENTITY_KEYS (or IDENTITY_KEY_FILE) is required when APP_ENV=production")
    path = instance_path / "identity-keys"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new_key_line("k1") + "\n", encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8")


_CACHE: dict[str, Keyring] = {}


def keyring_for(text: str) -> Keyring:
    ring = _CACHE.get(text)
    if ring is None:
        ring = _CACHE[text] = Keyring(parse_keys(text))
    return ring


def current_keyring() -> Keyring:
    from flask import current_app
    return keyring_for(current_app.config["IDENTITY_KEYS"])


class EncryptedText(TypeDecorator):
    """A text column stored encrypted; ``context`` (table.column) is bound in as associated data.
    Never compare such a column in SQL: search through a blind index column instead."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str):
        super().__init__()
        self.context = context

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return current_keyring().encrypt(str(value), self.context)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return current_keyring().decrypt(value, self.context)


# -- blind index values ------------------------------------------------------------------------

def phone_key(raw: str | None) -> str | None:
    """A phone number as the index stores it: digits, national form (0…)."""
    if not raw:
        return None
    digits = re.sub(r"\D", "", raw)
    if raw.strip().startswith("+84") or (digits.startswith("84") and len(digits) == 11):
        digits = "0" + digits[2:]
    return digits or None


def cccd_key(raw: str | None) -> str | None:
    digits = re.sub(r"\D", "", raw or "")
    return digits or None
