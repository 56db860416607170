"""Attachments: decide the type from the content, clean it, and store it durably outside ``static/``.

Images are opened by Pillow restricted to JPEG/PNG/WebP and checked against pixel budgets. A JPEG
that is already upright and within IMAGE_MAX_SIDE (what a phone or the form's client-side downscale
sends) keeps its compressed image data: its segments are copied without any metadata (EXIF, GPS,
XMP, ICC, comments, thumbnails) and without anything after its end marker, which costs about a
millisecond instead of a decode and a re-encode. Every other image is decoded within the budgets
(JPEG downscaled while decoding), shrunk and re-encoded, which drops EXIF too (a photo's GPS
position can identify a denouncer). PDFs must start with ``%PDF-`` and parse; active content (scripts,
actions, embedded files) is removed by rewriting them.
Files are written to a temporary name, fsynced, renamed and the directory fsynced before the
database commit that refers to them; a file no row refers to is an orphan, swept by
``flask --app wsgi attachments sweep``.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps
from pypdf import PdfReader

Image.MAX_IMAGE_PIXELS = 100_000_000  # header sizes above this are refused before any decoding

_IMAGE_TYPES = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"),
                "WEBP": ("image/webp", ".webp")}

# What decoding may cost. JPEG decodes at 1/2, 1/4 or 1/8 of its size when asked (``draft``), so a
# 50 MP phone photo costs a few megapixels; PNG and WebP decode at full size, hence the budgets in
# decoded pixels: per file, and per submission (every image of one form counts against it).
IMAGE_MAX_SIDE = 2048  # stored images: longest side, in pixels (enough to read a document or a scene)
IMAGE_DRAFT_SIDE = 1024  # JPEG: the decoder's scale keeps both sides at least this long
IMAGE_FILE_MAX_PIXELS = 12_000_000
IMAGE_SUBMISSION_MAX_PIXELS = 30_000_000


class PixelBudget:
    """Decoded pixels still allowed for one submission."""

    def __init__(self, pixels: int = IMAGE_SUBMISSION_MAX_PIXELS):
        self.left = pixels

    def take(self, pixels: int) -> bool:
        if pixels > self.left:
            return False
        self.left -= pixels
        return True


class StorageError(OSError):
    """A file could not be stored (full disk, I/O error): nothing was kept of it."""

    def __init__(self, errno_code: int | None):
        super().__init__(errno_code, os.strerror(errno_code) if errno_code else "storage error")


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


# Markers of a JPEG (ITU T.81, B.1.1.3) that the lossless copy keeps; APPn (E0–EF) and COM (FE)
# carry metadata and are dropped, Adobe's APP14 excepted (a few bytes that say how to read the
# colours). SOF0/1/2: baseline, extended and progressive Huffman, the only kinds phones write.
_JPEG_SOF = {0xC0, 0xC1, 0xC2}
_JPEG_KEEP = _JPEG_SOF | {0xC4, 0xDB, 0xDD}  # + DHT, DQT, DRI; SOS and EOI are handled apart
_JPEG_ENTROPY_END = re.compile(rb"\xff(?![\x00\xd0-\xd7\xff])")  # a marker: not stuffing, RSTn or fill
JFIF_APP0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"  # 1:1, no thumbnail


def strip_jpeg(raw: bytes) -> bytes | None:
    """The same JPEG without metadata, by copying its segments: SOI, a plain JFIF header, the
    quantisation and Huffman tables, the frame header, the scans with their compressed data as
    they are, EOI. Dropped: every APPn segment (EXIF with GPS, XMP, ICC, JFIF thumbnails, maker
    notes) but Adobe's colour flags, comments, and anything after EOI (a ZIP or a script appended
    to make a polyglot). The pixels decode exactly as before.

    None when the file is not laid out as expected (arithmetic, lossless or hierarchical coding,
    a marker where none may be, a segment running past the end, no scan, no EOI): the caller then
    decodes and re-encodes it. Pure, no decoding: about a millisecond for a megabyte."""
    n = len(raw)
    if n < 4 or raw[0] != 0xFF or raw[1] != 0xD8:
        return None
    out = [b"\xff\xd8", JFIF_APP0]
    pos, frame, scans = 2, False, 0
    while True:
        if pos >= n or raw[pos] != 0xFF:
            return None
        while pos < n and raw[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= n:
            return None
        marker = raw[pos]
        pos += 1
        if marker == 0xD9:  # EOI: the end; what follows is not part of the image
            break
        if pos + 2 > n:
            return None
        length = (raw[pos] << 8) | raw[pos + 1]
        end = pos + length
        if length < 2 or end > n:
            return None
        segment = raw[pos - 2:end]
        if marker == 0xDA:  # SOS: its header, then compressed data up to the next marker
            if not frame:
                return None
            found = _JPEG_ENTROPY_END.search(raw, end)
            if found is None:
                return None
            out.append(b"\xff\xda" + raw[pos:found.start()])
            scans += 1
            pos = found.start()
            continue
        if marker in _JPEG_KEEP:
            frame = frame or marker in _JPEG_SOF
            out.append(b"\xff" + bytes((marker,)) + raw[pos:end])
        elif marker == 0xEE and raw[pos + 2:pos + 7] == b"Adobe" and length == 14:
            out.append(segment)
        elif not (0xE0 <= marker <= 0xEF or marker == 0xFE):  # another SOF kind, DNL, RSTn, TEM, ...
            return None
        pos = end
    if not frame or not scans:
        return None
    out.append(b"\xff\xd9")
    return b"".join(out)


def _clean_image(raw: bytes, name: str, budget: PixelBudget) -> CleanFile:
    """Verify and check the pixel budgets; then either copy an upright JPEG within IMAGE_MAX_SIDE
    without its metadata (:func:`strip_jpeg`), or decode (JPEG downscaled while decoding), turn
    upright, shrink to IMAGE_MAX_SIDE and re-encode, which also drops EXIF and GPS."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(raw), formats=list(_IMAGE_TYPES)) as probe:
                probe.verify()
            img = Image.open(io.BytesIO(raw), formats=list(_IMAGE_TYPES))
            fmt = img.format
            if (fmt == "JPEG" and max(img.size) <= IMAGE_MAX_SIDE and img.mode in ("RGB", "L")
                    and img.size[0] * img.size[1] <= IMAGE_FILE_MAX_PIXELS
                    and img.getexif().get(0x0112, 1) == 1):  # Orientation: already upright
                stripped = strip_jpeg(raw)
                if stripped is not None:
                    if not budget.take(img.size[0] * img.size[1]):  # what a viewer will decode
                        raise RejectedFile("image_budget", name)
                    return CleanFile(safe_display_name(name, ".jpg"), "image/jpeg", stripped)
            if fmt == "JPEG":  # the decoder scales by 1/2, 1/4 or 1/8, both sides staying >= IMAGE_DRAFT_SIDE
                img.draft(img.mode if img.mode in ("RGB", "L") else None, (IMAGE_DRAFT_SIDE, IMAGE_DRAFT_SIDE))
            pixels = img.size[0] * img.size[1]
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise RejectedFile("file_bomb", name) from exc
        except RejectedFile:
            raise
        except Exception as exc:  # Pillow raises many kinds for broken input
            raise RejectedFile("file_broken", name) from exc
        if pixels > IMAGE_FILE_MAX_PIXELS:
            raise RejectedFile("image_too_large", name)
        if not budget.take(pixels):
            raise RejectedFile("image_budget", name)
        try:
            img.load()
            ImageOps.exif_transpose(img, in_place=True)
            if max(img.size) > IMAGE_MAX_SIDE:
                img.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
        except Exception as exc:
            raise RejectedFile("file_broken", name) from exc
    content_type, ext = _IMAGE_TYPES[fmt]
    out = io.BytesIO()
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.save(out, "JPEG", quality=85)
    elif fmt == "PNG":
        img.save(out, "PNG", compress_level=3)
    else:
        img.save(out, "WEBP", quality=80, method=2)
    return CleanFile(safe_display_name(name, ext), content_type, out.getvalue())


# PDF features that run or carry something: scripts, actions run on open/close/print, launching
# programs, submitting forms, embedded files and rich media. Kept out of what staff download.
_PDF_ACTIVE_KEYS = {"/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/EmbeddedFiles", "/EmbeddedFile",
                    "/RichMedia", "/XFA", "/SubmitForm", "/ImportData"}
_PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/ResetForm", "/GoToE",
                       "/GoToR", "/Rendition", "/RichMediaExecute", "/Sound", "/Movie", "/Hide", "/SetOCGState"}
_PDF_ACTIVE_ANNOTS = {"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen", "/3D"}
PDF_MAX_OBJECTS = 200_000


def _pdf_active(obj, seen: set, budget: list) -> bool:
    """Whether ``obj`` (followed through references) holds active content."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in seen:
                continue
            seen.add(ref)
            budget[0] -= 1
            if budget[0] < 0:
                raise ValueError("too many PDF objects")
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            keys = set(item.keys())
            if keys & _PDF_ACTIVE_KEYS:
                return True
            if item.get("/S") in _PDF_ACTIVE_ACTIONS or item.get("/Subtype") in _PDF_ACTIVE_ANNOTS:
                return True
            stack.extend(v for k, v in item.items() if k not in ("/Parent", "/P"))
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return False


def _has_active_content(reader) -> bool:
    return _pdf_active(reader.trailer.raw_get("/Root"), set(), [PDF_MAX_OBJECTS])


def _strip_pdf(reader) -> bytes:
    """A copy with the pages only: no document catalogue (its /OpenAction, /Names with scripts and
    embedded files, /AcroForm with XFA go), and on each page no /AA and no annotation that acts."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject
    writer = PdfWriter()
    for page in reader.pages:  # cleaned in the reader's copy first, so nothing active is copied over
        page.pop(NameObject("/AA"), None)
        annots = page.get("/Annots")
        if annots is not None:
            kept = ArrayObject()
            for ref in annots.get_object():
                annot = ref.get_object()
                action = annot.get("/A")
                action = action.get_object() if action is not None else None
                if (annot.get("/Subtype") in _PDF_ACTIVE_ANNOTS or "/AA" in annot
                        or (action is not None and (action.get("/S") not in ("/URI", "/GoTo") or "/Next" in action))):
                    continue
                kept.append(ref)
            page[NameObject("/Annots")] = kept
        writer.add_page(page)
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _clean_pdf(raw: bytes, name: str) -> CleanFile:
    """A PDF that parses, is not encrypted and has pages. Active content (scripts, open actions,
    launch, form submission, embedded files) is removed by rewriting the pages into a new file; if
    the rewritten file still holds any, the file is refused."""
    try:
        reader = PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted:
            raise RejectedFile("file_encrypted", name)
        if len(reader.pages) < 1:
            raise RejectedFile("file_broken", name)
        if _has_active_content(reader):
            raw = _strip_pdf(reader)
            if _has_active_content(PdfReader(io.BytesIO(raw), strict=False)):
                raise RejectedFile("pdf_active", name)
    except RejectedFile:
        raise
    except Exception as exc:
        raise RejectedFile("file_broken", name) from exc
    return CleanFile(safe_display_name(name, ".pdf"), "application/pdf", raw)


def clean_upload(raw: bytes, name: str, max_bytes: int, budget: PixelBudget | None = None) -> CleanFile:
    """Check one uploaded file by its content. Raises :class:`RejectedFile` with an error code.
    ``budget``: the submission's pixel budget, shared by its files (a fresh one if not given)."""
    if len(raw) == 0:
        raise RejectedFile("file_empty", name)
    if len(raw) > max_bytes:
        raise RejectedFile("file_too_big", name)
    if raw.startswith(b"%PDF-"):
        return _clean_pdf(raw, name)
    if raw[:3] == b"\xff\xd8\xff" or raw[:8] == b"\x89PNG\r\n\x1a\n" or (
            raw[:4] == b"RIFF" and raw[8:12] == b"WEBP"):
        return _clean_image(raw, name, budget if budget is not None else PixelBudget())
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
        """Write, fsync, rename, fsync the directory; return the new key. On any failure (a full
        disk, an I/O error) the temporary file is removed and :class:`StorageError` is raised."""
        key = secrets.token_hex(20)
        final = self.path_for(key)
        tmp = final.with_name(f".{key}.tmp")
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "xb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
            _fsync_dir(final.parent)
        except OSError as exc:
            for path in (tmp, final):
                try:
                    path.unlink(missing_ok=True)
                except OSError:
                    pass
            raise StorageError(exc.errno) from exc
        return key

    def put_all(self, blobs: list[bytes]) -> list[str]:
        """Store every blob or none: when one fails, those written before it are deleted too."""
        keys: list[str] = []
        try:
            for data in blobs:
                keys.append(self.put(data))
        except BaseException:
            for key in keys:
                self.delete(key)
            raise
        return keys

    def delete(self, key: str) -> None:
        try:
            self.path_for(key).unlink()
        except FileNotFoundError:
            pass
        except OSError:  # the disk is failing too: the sweep removes the file later
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
