"""Attachments: decide the type from the content, clean it, and store it durably outside ``static/``.

Images are opened by Pillow restricted to JPEG/PNG/WebP, verified, and re-encoded, which drops
EXIF (a photo's GPS position can identify a denouncer). PDFs must start with ``%PDF-`` and parse.
Files are written to a temporary name, fsynced, renamed and the directory fsynced before the
database commit that refers to them; a file no row refers to is an orphan, swept by
``flask --app wsgi attachments sweep``.
"""
from __future__ import annotations

import hashlib
import io
import os
import secrets
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps
from pypdf import PdfReader

Image.MAX_IMAGE_PIXELS = 50_000_000

_IMAGE_TYPES = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"),
                "WEBP": ("image/webp", ".webp")}


class RejectedFile(ValueError):
    def __init__(self, code: str, filename: str):
        super().__init__(code)
        self.code = code
        self.filename = filename


@dataclass
class CleanFile:
    """A checked, cleaned file held in memory until it is stored."""

    original_name: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def safe_display_name(name: str, ext: str) -> str:
    """A name to show and to offer on download; never used to build a path."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"/\\|?*').strip(". ")
    stem = os.path.splitext(base)[0][:80] or "tep"
    return stem + ext


def _clean_image(raw: bytes, name: str) -> CleanFile:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(raw), formats=list(_IMAGE_TYPES)) as probe:
                probe.verify()
            img = Image.open(io.BytesIO(raw), formats=list(_IMAGE_TYPES))
            fmt = img.format
            img.load()
            ImageOps.exif_transpose(img, in_place=True)  # no copy when the photo is upright
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise RejectedFile("file_bomb", name) from exc
        except Exception as exc:  # Pillow raises many kinds for broken input
            raise RejectedFile("file_broken", name) from exc
    content_type, ext = _IMAGE_TYPES[fmt]
    out = io.BytesIO()
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        # No optimize=True: a second pass over the coefficients that would more than double the
        # encoding time of a phone photo for a file about 5 % smaller.
        img.save(out, "JPEG", quality=88)
    elif fmt == "PNG":
        img.save(out, "PNG", optimize=False)
    else:
        img.save(out, "WEBP", quality=88)
    return CleanFile(safe_display_name(name, ext), content_type, out.getvalue())


def _clean_pdf(raw: bytes, name: str) -> CleanFile:
    try:
        reader = PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted:
            raise RejectedFile("file_encrypted", name)
        if len(reader.pages) < 1:
            raise RejectedFile("file_broken", name)
    except RejectedFile:
        raise
    except Exception as exc:
        raise RejectedFile("file_broken", name) from exc
    return CleanFile(safe_display_name(name, ".pdf"), "application/pdf", raw)


def clean_upload(raw: bytes, name: str, max_bytes: int) -> CleanFile:
    """Check one uploaded file by its content. Raises :class:`RejectedFile` with an error code."""
    if len(raw) == 0:
        raise RejectedFile("file_empty", name)
    if len(raw) > max_bytes:
        raise RejectedFile("file_too_big", name)
    if raw.startswith(b"%PDF-"):
        return _clean_pdf(raw, name)
    if raw[:3] == b"\xff\xd8\xff" or raw[:8] == b"\x89PNG\r\n\x1a\n" or (
            raw[:4] == b"RIFF" and raw[8:12] == b"WEBP"):
        return _clean_image(raw, name)
    raise RejectedFile("file_type", name)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStorage:
    """Files under ``root/ab/<key>``; the key is random, never derived from user input."""

    def __init__(self, root: str):
        self.root = Path(root)

    def path_for(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("bad storage key")
        return self.root / key[:2] / key

    def put(self, data: bytes) -> str:
        key = secrets.token_hex(20)
        final = self.path_for(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{key}.tmp")
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        _fsync_dir(final.parent)
        return key

    def delete(self, key: str) -> None:
        try:
            self.path_for(key).unlink()
        except FileNotFoundError:
            pass

    def open(self, key: str):
        return open(self.path_for(key), "rb")

    def sweep(self, known_keys: set[str], older_than_s: float, now: float | None = None) -> list[str]:
        """Delete files no row refers to and older than ``older_than_s``; return their keys."""
        now = time.time() if now is None else now
        removed: list[str] = []
        if not self.root.exists():
            return removed
        for sub in self.root.iterdir():
            if not sub.is_dir():
                continue
            for f in sub.iterdir():
                key = f.name.lstrip(".").removesuffix(".tmp")
                if key in known_keys and not f.name.endswith(".tmp"):
                    continue
                if now - f.stat().st_mtime >= older_than_s:
                    f.unlink(missing_ok=True)
                    removed.append(key)
        return removed
