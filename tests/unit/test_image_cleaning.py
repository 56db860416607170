"""Photos are re-encoded upright, without EXIF (no GPS position), and stay JPEG."""
from __future__ import annotations

import io

import pytest

from PIL import Image

from danvan_feedback.storage import RejectedFile, clean_upload


def _rotated_jpeg(orientation: int) -> bytes:
    img = Image.new("RGB", (80, 40), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x8825] = {1: "N", 2: (10.0, 57.0, 0.0)}  # GPS IFD
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


def test_a_rotated_photo_is_turned_upright_and_loses_its_exif():
    cleaned = clean_upload(_rotated_jpeg(6), "anh.jpg", 10 * 1024 * 1024)  # 6: rotate 90° clockwise
    img = Image.open(io.BytesIO(cleaned.data))
    assert cleaned.content_type == "image/jpeg" and img.format == "JPEG"
    assert img.size == (40, 80)
    assert not img.getexif() and b"Exif" not in cleaned.data


def test_an_upright_photo_keeps_its_size():
    cleaned = clean_upload(_rotated_jpeg(1), "anh.jpg", 10 * 1024 * 1024)
    img = Image.open(io.BytesIO(cleaned.data))
    assert img.size == (80, 40) and not img.getexif()


# ------------------------------------------------------------------- lossless copy without metadata
def _photo(size=(320, 240), **save) -> bytes:
    """A noisy photo-like JPEG (so its compressed data holds 0xFF bytes, stuffed), saved with ``save``."""
    import random
    rnd = random.Random(17)
    img = Image.frombytes("RGB", size, bytes(rnd.randrange(256) for _ in range(size[0] * size[1] * 3)))
    buf = io.BytesIO()
    img.save(buf, "JPEG", **save)
    return buf.getvalue()


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGB").tobytes()


def _gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x0112] = 1  # upright
    exif[0x8825] = {1: "N", 2: (10.0, 57.0, 0.0), 3: "E", 4: (106.0, 50.0, 0.0)}
    return exif.tobytes()


@pytest.mark.parametrize("save", [
    {"quality": 90},
    {"quality": 85, "progressive": True},
    {"quality": 80, "optimize": True, "restart_marker_blocks": 4},
    {"quality": 90, "subsampling": 0},
], ids=["baseline", "progressive", "restart-markers", "4:4:4"])
def test_an_upright_photo_within_the_size_keeps_its_pixels_and_loses_every_metadata(save):
    icc = b"\0" * 128 + b"a colour profile that names a phone"
    raw = _photo(exif=_gps_exif(), icc_profile=icc, comment=b"Nguyen Van A, 0912345678", **save)
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>Nguyen Van A</x:xmpmeta>"
    raw = raw[:2] + b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp + raw[2:]  # an XMP packet
    polyglot = raw + b"PK\x03\x04 a zip appended after the end of the image"
    cleaned = clean_upload(polyglot, "anh.jpg", 10 * 1024 * 1024)
    assert cleaned.content_type == "image/jpeg" and cleaned.original_name == "anh.jpg"
    assert _pixels(cleaned.data) == _pixels(raw)  # the compressed data is copied, not re-encoded
    out = cleaned.data
    assert out.endswith(b"\xff\xd9") and b"PK\x03\x04" not in out
    for leak in (b"Exif", b"TestCam", b"ns.adobe.com", b"colour profile", b"Nguyen", b"0912345678"):
        assert leak not in out
    with Image.open(io.BytesIO(out)) as img:
        assert not img.getexif() and "icc_profile" not in img.info and "comment" not in img.info


def test_strip_jpeg_refuses_what_it_does_not_know_and_the_decoder_decides():
    from danvan_feedback.storage import strip_jpeg
    raw = _photo()
    assert strip_jpeg(raw) is not None
    assert strip_jpeg(raw[:-2]) is None  # no EOI
    assert strip_jpeg(raw[: len(raw) // 2]) is None  # cut in the middle of the scan
    assert strip_jpeg(b"\xff\xd8\xff\xd9") is None  # no frame, no scan
    sof = raw.index(b"\xff\xc0")
    assert strip_jpeg(raw[:sof] + b"\xff\xc9" + raw[sof + 2:]) is None  # arithmetic coding
    with pytest.raises(RejectedFile, match="file_broken"):
        clean_upload(raw[: len(raw) // 2], "cut.jpg", 10 * 1024 * 1024)  # the full decode refuses it


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_grey_photos_are_copied_and_cmyk_ones_re_encoded_as_rgb(mode):
    img = Image.new(mode, (60, 40), 120 if mode == "L" else (0, 50, 100, 0))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    cleaned = clean_upload(buf.getvalue(), "anh.jpg", 10 * 1024 * 1024)
    with Image.open(io.BytesIO(cleaned.data)) as out:
        assert out.mode == ("L" if mode == "L" else "RGB") and out.size == (60, 40)
    copied = _pixels(cleaned.data) == _pixels(buf.getvalue())
    assert copied == (mode == "L")  # a CMYK photo is decoded and re-encoded, its colours converted
