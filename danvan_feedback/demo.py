"""Demo data for ``make run`` and ``flask seed-demo``: services and a few cases in different states."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

import secrets

from .domain.vocabulary import Kind, Status
from .extensions import db, file_stores
from .models import Case, CaseKind, Service, Unit, User
from .services.events import append_event
from .services.intake import Submission, submit_case

DEMO_SERVICES = [
    ("VP", "DV-VP-01", "Tiếp nhận và trả kết quả hồ sơ hành chính (một cửa)"),
    ("CCTT", "DV-TT-01", "Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm"),
    ("CCTT", "DV-TT-02", "Cấp giấy phép vận chuyển thuốc bảo vệ thực vật"),
    ("CCCNTY", "DV-TY-01", "Cấp giấy chứng nhận kiểm dịch động vật"),
    ("CCKL", "DV-KL-01", "Phê duyệt phương án khai thác rừng trồng"),
    ("CCTL", "DV-TL-01", "Cấp phép hoạt động trong phạm vi bảo vệ công trình thuỷ lợi"),
]

DEMO_CASES = [
    # kind, subject, content, identity, anonymous, final status, public reply
    (Kind.GOP_Y, "Đề nghị có thêm chỗ ngồi chờ tại bộ phận một cửa",
     "Buổi sáng thứ Hai đông người, nhiều người phải đứng chờ lâu. Đề nghị bố trí thêm ghế.",
     {}, True, None, None),
    (Kind.PHAN_ANH, "Cán bộ hẹn trả kết quả trễ hai lần",
     "Hồ sơ cấp giấy chứng nhận an toàn thực phẩm nộp ngày 02/10 được hẹn trả ngày 16/10 nhưng đến nay chưa có kết quả.",
     {"full_name": "Nguyễn Văn An", "address": "Phường Trấn Biên, Đồng Nai", "phone": "+84912345678"},
     False, Status.ACCEPTED, None),
    (Kind.KIEN_NGHI, "Kiến nghị hướng dẫn thủ tục kiểm dịch trực tuyến",
     "Đề nghị Sở đăng hướng dẫn chi tiết thủ tục kiểm dịch động vật trên cổng dịch vụ công.",
     {"full_name": "Công ty TNHH Chăn nuôi Xanh", "address": "Xã Trảng Bom, Đồng Nai",
      "email": "lienhe@example.com", "company_name": "Công ty TNHH Chăn nuôi Xanh", "tax_code": "0300588569"},
     False, Status.RESOLVED, "Sở đã đăng hướng dẫn tại mục Thủ tục hành chính; cảm ơn doanh nghiệp đã kiến nghị."),
    (Kind.KHIEU_NAI, "Khiếu nại quyết định xử phạt vi phạm hành chính",
     "Tôi không đồng ý với quyết định xử phạt vì đã nộp đủ hồ sơ đúng hạn.",
     {"full_name": "Trần Thị Bình", "address": "Xã Long Thành, Đồng Nai", "cccd": "075190001234",
      "phone": "0987654321"}, False, Status.RECEIVED, None),
    (Kind.TO_CAO, "Tố cáo hành vi vòi vĩnh khi cấp giấy phép",
     "Một cán bộ gợi ý nộp thêm tiền ngoài lệ phí để được giải quyết nhanh.",
     {}, True, Status.STORED, None),
]


def seed(cfg: dict, now: datetime) -> int:
    """Idempotent: services by code; demo cases only when no case exists yet."""
    units = {u.code: u for u in db.session.execute(select(Unit)).scalars()}
    for unit_code, code, name in DEMO_SERVICES:
        if unit_code in units and not db.session.execute(
                select(Service).where(Service.code == code)).scalar_one_or_none():
            db.session.add(Service(unit_id=units[unit_code].id, code=code, name=name, active=True))
    db.session.commit()
    if db.session.execute(select(func.count()).select_from(Case)).scalar_one():
        return 0
    storage = file_stores.attachments
    for i, (kind, subject, content, identity, anonymous, status, reply) in enumerate(DEMO_CASES):
        when = now - timedelta(days=10 - 2 * i)
        consent = bool(identity)
        receipt = submit_case(
            Submission(kind_code=kind, kind_anonymous=db.session.get(CaseKind, kind).anonymous, subject=subject, content=content, token=f"demo{i:04d}seed",
                       identity=identity, anonymous=anonymous, consent=consent,
                       submitter_type="business" if identity.get("company_name") else "citizen",
                       unit_id=units["CCTT"].id if "CCTT" in units and kind == Kind.PHAN_ANH else None,
                       request_text="Huỷ quyết định xử phạt." if kind == Kind.KHIEU_NAI else None,
                       complained_decision="Quyết định số 123/QĐ-XPHC ngày 01/10/2026." if kind == Kind.KHIEU_NAI else None),
            [], storage=storage, pin_key=cfg["PIN_HMAC_KEY"], now=when, tz=cfg["BABEL_DEFAULT_TIMEZONE"])
        case = db.session.execute(select(Case).where(Case.tracking_code == receipt.code)).scalar_one()
        if status:
            append_event(case, action="status_changed", now=when + timedelta(days=1), actor_type="system",
                         to_status=status, is_public=True)
        if reply:
            append_event(case, action="public_reply", now=when + timedelta(days=2), actor_type="system",
                         note=reply, is_public=True)
        db.session.commit()
    return len(DEMO_CASES)


DEMO_STAFF = [  # username, role, unit code, full name
    ("demo.quantri", "admin", None, "Quản trị (demo)"),
    ("demo.thanhtra", "inspector", None, "Thanh tra viên (demo)"),
    ("demo.chicuc", "unit", "CCTT", "Cán bộ Chi cục Trồng trọt (demo)"),
    ("demo.vanphong", "office", None, "Văn phòng Sở (demo)"),
]


def seed_staff(now: datetime) -> list[tuple[str, str, str]]:
    """Demo staff accounts for development (the CLI refuses them in production): the ones created
    now, each with a random password returned once (only its hash is stored)."""
    from .passwords import hash_password
    created = []
    units = {u.code: u.id for u in db.session.execute(select(Unit)).scalars()}
    for username, role, unit_code, full_name in DEMO_STAFF:
        if db.session.execute(select(User.id).where(User.username == username)).first():
            continue
        password = "-".join(secrets.token_hex(3) for _ in range(3))  # 20 characters, easy to type
        db.session.add(User(username=username, role=role, unit_id=units.get(unit_code), full_name=full_name,
                            password_hash=hash_password(password), password_changed_at=now, active=True))
        created.append((username, role, password))
    db.session.commit()
    return created
