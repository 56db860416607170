"""Words for statuses and events, in the user's language."""
from flask_babel import lazy_gettext as _l

STATUS = {
    "received": _l("Đã tiếp nhận, đang chờ phân loại"),
    "accepted": _l("Đã thụ lý, đang giải quyết"),
    "in_progress": _l("Đang xử lý"),
    "waiting_citizen": _l("Đang chờ bạn bổ sung thông tin"),
    "resolved": _l("Đã có kết quả giải quyết"),
    "closed": _l("Đã kết thúc"),
    "transferred": _l("Đã chuyển đến cơ quan có thẩm quyền"),
    "guided": _l("Đã hướng dẫn bạn gửi đến nơi có thẩm quyền"),
    "stored": _l("Đã lưu đơn, không xử lý tiếp"),
    "merged": _l("Đã gộp vào hồ sơ khác"),
    "rejected": _l("Không thụ lý"),
}

EVENT = {
    "submitted": _l("Đơn đã được gửi và ghi nhận"),
    "citizen_added": _l("Bạn đã bổ sung thông tin"),
    "public_reply": _l("Trả lời của cơ quan"),
    "status_changed": _l("Cập nhật trạng thái"),
    "accept": _l("Đơn đã được thụ lý"),
    "refuse": _l("Đơn không được thụ lý"),
    "transfer": _l("Đơn đã được chuyển đến cơ quan có thẩm quyền"),
    "guide": _l("Hướng dẫn gửi đơn đến nơi có thẩm quyền"),
    "store": _l("Đơn được lưu, không xử lý tiếp"),
    "merge": _l("Đơn được gộp vào hồ sơ khác"),
    "request_info": _l("Cơ quan đề nghị bạn bổ sung thông tin"),
    "resume": _l("Tiếp tục giải quyết"),
    "extend": _l("Gia hạn giải quyết"),
    "record_outcome": _l("Kết quả giải quyết"),
    "close": _l("Hồ sơ đã kết thúc"),
    "reopen": _l("Hồ sơ được mở lại"),
    "reclassify": _l("Phân loại lại đơn"),
    "assign": _l("Giao xử lý"),
    "note": _l("Ghi chú nội bộ"),
    "mark_group": _l("Đánh dấu đơn đông người"),
    "reception_visit": _l("Tiếp công dân"),
    "urge": _l("Cơ quan đã đôn đốc nơi được chuyển đơn"),
    "issue_document": _l("Ban hành văn bản"),
    "agency_reply": _l("Văn bản phúc đáp của cơ quan được chuyển đơn"),
}


def status_label(code: str) -> str:
    return str(STATUS.get(code, code))


def event_label(code: str) -> str:
    return str(EVENT.get(code, STATUS.get(code, code)))


# The same statuses in the staff console's words (the citizen's wording says "you").
STAFF_STATUS = {
    "waiting_citizen": _l("Đang chờ công dân bổ sung thông tin"),
    "guided": _l("Đã hướng dẫn công dân gửi đến nơi có thẩm quyền"),
}


def staff_status_label(code: str) -> str:
    return str(STAFF_STATUS[code]) if code in STAFF_STATUS else status_label(code)


ACTOR = {
    "citizen": _l("Công dân"),
    "system": _l("Hệ thống"),
    "staff": _l("Cán bộ"),
    "api": _l("Hệ thống đối tác (Open311)"),
    "import": _l("Nhập từ sổ cũ"),
}


def actor_words(actor_type: str, name: str | None = None, role: str | None = None) -> str:
    """Who did something, in words: "Nguyễn Văn A (Thanh tra viên)", "Công dân", "Hệ thống"."""
    if name:
        if role:
            return f"{name} ({role_label(role)})"
        return name
    return str(ACTOR.get(actor_type, ACTOR["staff"] if actor_type else ""))


ROLE_LABELS = {
    "admin": _l("Quản trị hệ thống"), "inspector": _l("Thanh tra, xử lý đơn"),
    "unit": _l("Cán bộ đơn vị"), "office": _l("Văn phòng, thống kê"), "viewer": _l("Lãnh đạo (chỉ xem)"),
}


def role_label(role: str) -> str:
    """A role in words; the triage role may carry the organisation's own name (admin settings)."""
    from .models import OrgSetting
    from .policy import RESOLVER_ROLES
    if role in RESOLVER_ROLES:
        name = OrgSetting.get("triage_role_name", "")
        if name:
            return name
    return str(ROLE_LABELS.get(role, role))
