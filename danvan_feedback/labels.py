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
}


def status_label(code: str) -> str:
    return str(STATUS.get(code, code))


def event_label(code: str) -> str:
    return str(EVENT.get(code, STATUS.get(code, code)))
