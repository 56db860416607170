"""Photos are re-encoded upright, without EXIF (no GPS position), and stay JPEG."""
from __future__ import annotations

import io

from PIL import Image

from danvan_feedback.storage import clean_upload


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
