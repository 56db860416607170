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


# ---------------------------------------------------------------- model factories
# Rows for service tests that call the services directly (no HTTP). Each takes an open app context,
# adds to the session and flushes; the caller commits when the service under test expects it.

TZ = "Asia/Ho_Chi_Minh"
_seq = iter(range(1, 10**9))


def user(role: str = "inspector", *, unit_code: str | None = None, **over):
    """A staff member; a unit officer gets the unit ``CCTT`` unless told otherwise."""
    from sqlalchemy import select

    from danvan_feedback.extensions import db
    from danvan_feedback.models import Unit, User
    from tests.app.staff_helpers import password_hash
    code = unit_code or ("CCTT" if role == "unit" else None)
    unit_id = db.session.execute(select(Unit.id).where(Unit.code == code)).scalar_one() if code else None
    n = next(_seq)
    row = User(**{"username": f"{role}{n}", "role": role, "unit_id": unit_id, "password_hash": password_hash(),
                  "full_name": f"{role.title()} {n}", **over})
    db.session.add(row)
    db.session.flush()
    return row


def submission(kind_code: str = "phan_anh", *, kind_anonymous: str = "allowed", **over):
    """An ``intake.Submission`` as the form or the API hands it over (already cleaned)."""
    from danvan_feedback.services.intake import Submission
    n = next(_seq)
    values = {"kind_code": kind_code, "kind_anonymous": kind_anonymous, "subject": f"Việc số {n}",
              "content": "Đường ngập nước sau mưa.", "token": f"tok{n:012d}",
              "identity": {"full_name": "Trần Thị Bình", "phone": "0987654321"}}
    values.update(over)
    return Submission(**values)


def case(kind_code: str = "phan_anh", *, received_at=None, anonymous: bool = False, email: str | None = None,
         **over):
    """A case as filed (status received, its first event sealed), without the intake's receipt
    mail or clock: set ``due_on`` through ``over`` or let a triage action recompute it."""
    from datetime import datetime, timezone

    from danvan_feedback.domain.codes import new_tracking_code
    from danvan_feedback.domain.vocabulary import Kind, Status
    from danvan_feedback.extensions import db
    from danvan_feedback.models import Case, CaseIdentity
    from danvan_feedback.services.events import append_event
    n = next(_seq)
    at = received_at or datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    row = Case(**{"tracking_code": new_tracking_code(), "pin_hash": "0" * 64, "submission_token": f"case{n:012d}",
                  "kind_code": kind_code, "status": Status.RECEIVED, "subject": f"Hồ sơ số {n}",
                  "content": "Nội dung đơn.", "is_anonymous": anonymous, "received_at": at, "updated_at": at,
                  "protected": kind_code == Kind.TO_CAO, "lookup_failures": 0, **over})
    db.session.add(row)
    db.session.flush()
    if not anonymous:
        db.session.add(CaseIdentity(case_id=row.id, full_name="Trần Thị Bình", phone="0987654321", email=email))
    db.session.flush()
    append_event(row, action="submitted", now=at, actor_type="citizen", to_status=Status.RECEIVED,
                 is_public=True, first=True, kind_code=kind_code)
    db.session.flush()
    return row


def visit_values(**over) -> dict:
    """A reception visit's cleaned values, as the reception form hands them to the service."""
    from datetime import date

    from danvan_feedback.domain.vocabulary import Handling
    values = {"visit_date": date(2026, 3, 2), "reception_type": "regular", "head_mode": None,
              "citizen_name": "Lê Văn Cường", "citizen_address": "Phường Trấn Biên", "cccd": "075190001234",
              "phone": "0912345678", "content": "Đề nghị sửa đường liên xã bị sạt lở.", "kind_code": "kien_nghi",
              "people_count": 1, "is_group": False, "is_repeat": False, "previous_agency": None,
              "handling": Handling.ACCEPTED, "handling_agency": None, "follow_up": None, "notes": None,
              "session_id": None, "case_action": "none"}
    values.update(over)
    return values
