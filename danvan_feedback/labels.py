"""The one home of the vocabulary's words, in the user's language (``domain.vocabulary`` holds the
codes). Two wordings: the citizen's (public pages, e-mails to the citizen, the Open311 API: "bạn")
and the staff's (the console, exports, digests: "công dân"). A staff label falls back to the
citizen's only where both say the same.
"""
from flask_babel import lazy_gettext as _l

from .domain.vocabulary import Complexity, Handling, MatterState, Outcome, Status

CITIZEN_STATUS = {
    Status.RECEIVED: _l("Đã tiếp nhận, đang chờ phân loại"),
    Status.ACCEPTED: _l("Đã thụ lý, đang giải quyết"),
    Status.IN_PROGRESS: _l("Đang xử lý"),
    Status.WAITING_CITIZEN: _l("Đang chờ bạn bổ sung thông tin"),
    Status.RESOLVED: _l("Đã có kết quả giải quyết"),
    Status.CLOSED: _l("Đã kết thúc"),
    Status.TRANSFERRED: _l("Đã chuyển đến cơ quan có thẩm quyền"),
    Status.GUIDED: _l("Đã hướng dẫn bạn gửi đến nơi có thẩm quyền"),
    Status.STORED: _l("Đã lưu đơn, không xử lý tiếp"),
    Status.MERGED: _l("Đã gộp vào hồ sơ khác"),
    Status.REJECTED: _l("Không thụ lý"),
}
# The same statuses in the staff's words: every status, so no staff page borrows the citizen's "bạn".
STAFF_STATUS = {
    **CITIZEN_STATUS,
    Status.WAITING_CITIZEN: _l("Đang chờ công dân bổ sung thông tin"),
    Status.GUIDED: _l("Đã hướng dẫn công dân gửi đến nơi có thẩm quyền"),
}

CITIZEN_EVENT = {
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
STAFF_EVENT = {
    **CITIZEN_EVENT,
    "citizen_added": _l("Công dân đã bổ sung thông tin"),
    "request_info": _l("Đề nghị công dân bổ sung thông tin"),
}


def status_label(code: str) -> str:
    """A status in the citizen's words."""
    return str(CITIZEN_STATUS.get(code, code))


def staff_status_label(code: str) -> str:
    """A status in the staff's words (console, CSV and XLSX exports, deadline digest)."""
    return str(STAFF_STATUS.get(code, code))


def event_label(code: str) -> str:
    """What happened to a case, in the citizen's words."""
    return str(CITIZEN_EVENT.get(code, CITIZEN_STATUS.get(code, code)))


def staff_event_label(code: str) -> str:
    return str(STAFF_EVENT.get(code, STAFF_STATUS.get(code, code)))


# What staff do to a case (the console's buttons and history).
ACTION = {
    "accept": _l("Thụ lý"), "refuse": _l("Không thụ lý"), "transfer": _l("Chuyển đơn"),
    "guide": _l("Hướng dẫn"), "store": _l("Lưu đơn"), "merge": _l("Gộp hồ sơ"),
    "reclassify": _l("Phân loại lại"), "mark_group": _l("Đánh dấu đơn đông người"),
    "assign": _l("Giao xử lý"), "request_info": _l("Đề nghị bổ sung"), "resume": _l("Tiếp tục tính hạn"),
    "extend": _l("Gia hạn"), "record_outcome": _l("Ghi kết quả"), "close": _l("Kết thúc"),
    "reopen": _l("Mở lại"), "note": _l("Ghi chú nội bộ"), "reply": _l("Trả lời công dân"),
    "urge": _l("Đôn đốc cơ quan được chuyển đơn"),
}
OUTCOME = {
    Outcome.DUNG: _l("Đúng"), Outcome.SAI: _l("Sai"), Outcome.DUNG_MOT_PHAN: _l("Đúng một phần"),
    Outcome.GIU_NGUYEN: _l("Giữ nguyên quyết định lần đầu"), Outcome.HUY_SUA: _l("Huỷ, sửa quyết định lần đầu"),
    Outcome.RUT_DON: _l("Rút đơn"), Outcome.DA_TRA_LOI: _l("Đã trả lời"),
}
MATTER_STATE = {
    MatterState.NOT_YET: _l("Chưa được giải quyết"), MatterState.IN_PROGRESS: _l("Đang được giải quyết"),
    MatterState.RESOLVED_ONCE: _l("Đã được giải quyết lần đầu"),
    MatterState.RESOLVED_MANY: _l("Đã được giải quyết nhiều lần"),
}
COMPLEXITY = {Complexity.NORMAL: _l("Thông thường"), Complexity.COMPLEX: _l("Phức tạp"),
              Complexity.ESPECIALLY_COMPLEX: _l("Đặc biệt phức tạp")}
# How a reception visit was handled (form 01/TCD).
HANDLING = {Handling.ACCEPTED: _l("Tiếp nhận đơn"), Handling.GUIDED: _l("Trả lại đơn, hướng dẫn"),
            Handling.TRANSFERRED: _l("Chuyển đơn đến cơ quan có thẩm quyền")}
# The reception log (form 01/TCD): how citizens were received, and whether the head received them in person.
RECEPTION_TYPE = {"regular": _l("Thường xuyên"), "periodic": _l("Định kỳ"), "unscheduled": _l("Đột xuất")}
HEAD_MODE = {"in_person": _l("Người đứng đầu tiếp trực tiếp"), "delegated": _l("Ủy quyền cho cấp phó")}
# How a case came in (cases.channel).
CHANNEL = {
    "web": _l("Cổng trực tuyến"), "api": _l("Kết nối (API)"), "reception": _l("Tiếp công dân"),
    "post": _l("Bưu điện"), "email": _l("Thư điện tử"), "phone": _l("Điện thoại"),
    "import": _l("Nhập từ sổ cũ"), "direct": _l("Nộp trực tiếp"),
}


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
