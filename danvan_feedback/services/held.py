"""Files held for a form between two tries: a photo attached to a form that came back with an
error is kept on the server, so the citizen does not have to choose it again.

A held file is an ordinary stored file (cleaned, written with fsync, see :mod:`storage`) that no
row refers to yet. The form carries one signed reference per file (hidden field ``held``), bound
to the form's token: a reference cannot be forged, nor used with another form. When the form is
accepted, the held files are filed with the case (stored again with it, in its transaction) and
the held copies are deleted. A held file nobody comes back for is an orphan like any other, deleted
by ``flask --app wsgi attachments sweep`` once it is older than ``--older-than`` (one hour by
default, counted from the last try that showed it: each try touches it).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from ..storage import CleanFile, LocalStorage, StorageError

_SALT = "held-file"


@dataclass(frozen=True)
class Held:
    """A held file, as the form carries it (signed)."""

    key: str
    name: str
    content_type: str
    sha256: str
    ref: str  # the signed reference to put back in the form


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def _held(secret: str, token: str, key: str, name: str, content_type: str, sha256: str) -> Held:
    ref = _serializer(secret).dumps({"t": token, "k": key, "n": name, "c": content_type, "s": sha256})
    return Held(key, name, content_type, sha256, ref)


def read_refs(refs: list[str], *, token: str, secret: str, drop: set[str] | None = None,
              limit: int = 10) -> tuple[list[Held], list[Held]]:
    """(the held files the form still wants, those it asked to remove). A reference that is not
    signed by us, or signed for another form, is ignored."""
    kept: list[Held] = []
    dropped: list[Held] = []
    seen: set[str] = set()
    for ref in refs[:limit]:
        try:
            data = _serializer(secret).loads(ref)
        except BadSignature:
            continue
        if not isinstance(data, dict) or data.get("t") != token or data.get("k") in seen:
            continue
        key = str(data.get("k") or "")
        if not key.isalnum():
            continue
        seen.add(key)
        held = Held(key, str(data.get("n") or ""), str(data.get("c") or ""), str(data.get("s") or ""), ref)
        (dropped if drop and key in drop else kept).append(held)
    return kept, dropped


def hold(files: list[CleanFile], *, token: str, secret: str, storage: LocalStorage) -> list[Held]:
    """Store cleaned files for the form ``token``; return their references. Raises
    :class:`StorageError` (nothing is left behind) when the disk refuses."""
    keys = storage.put_all([f.data for f in files])
    return [_held(secret, token, key, f.original_name, f.content_type, f.sha256) for f, key in zip(files, keys)]


def touch(held: list[Held], storage: LocalStorage) -> list[Held]:
    """The held files still on the disk, their clock restarted (the sweep counts from the last try)."""
    alive = []
    for h in held:
        try:
            os.utime(storage.path_for(h.key))
        except (OSError, ValueError):
            continue
        alive.append(h)
    return alive


def load(held: list[Held], storage: LocalStorage) -> tuple[list[CleanFile], list[Held]]:
    """(the held files read back as cleaned files, those gone from the disk)."""
    files: list[CleanFile] = []
    gone: list[Held] = []
    for h in held:
        try:
            with storage.open(h.key) as fh:
                data = fh.read()
        except (OSError, ValueError):
            gone.append(h)
            continue
        f = CleanFile(h.name, h.content_type, data)
        if h.sha256 and f.sha256 != h.sha256:
            gone.append(h)
            continue
        files.append(f)
    return files, gone


def release(held: list[Held], storage: LocalStorage) -> None:
    """Delete held copies (the form was accepted, or the citizen removed them)."""
    for h in held:
        storage.delete(h.key)


__all__ = ["Held", "StorageError", "hold", "load", "read_refs", "release", "touch"]
