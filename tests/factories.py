"""Test data: real image and PDF files, and form payloads for each kind."""
from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter

GPS_IFD = 0x8825


def jpeg_bytes(size=(64, 48), gps: bool = True, color=(200, 30, 30)) -> bytes:
    img = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (10.0, 57.0, 0.0), 3: "E", 4: (106.0, 50.0, 0.0)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


def png_bytes(size=(32, 32)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 0, 255)).save(buf, "PNG")
    return buf.getvalue()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def complaint(**over) -> dict:
    data = {"submitter_type": "citizen", "full_name": "Trần Thị Bình", "address": "Xã Long Thành",
            "cccd": "075190001234", "phone": "0987 654 321", "subject": "Khiếu nại quyết định xử phạt",
            "content": "Tôi không đồng ý với quyết định xử phạt.", "complained_decision": "QĐ 123/QĐ-XPHC",
            "request_text": "Huỷ quyết định", "consent": "y", "email": "binh@example.com"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def suggestion(**over) -> dict:
    data = {"submitter_type": "citizen", "anonymous": "y", "subject": "Thêm ghế chờ",
            "content": "Đề nghị bố trí thêm ghế ở bộ phận một cửa."}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def denunciation(**over) -> dict:
    data = {"submitter_type": "citizen", "full_name": "Lê Văn Cường", "address": "Phường Trấn Biên",
            "phone": "0912345678", "subject": "Tố cáo cán bộ", "content": "Cán bộ vòi tiền.", "consent": "y"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}
