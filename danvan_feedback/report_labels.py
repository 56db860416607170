"""Vietnamese headings of the report tables (TT 06/2025/TT-TTCP forms, earlier forms' columns) and
messages for period errors, translatable."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PRESET_LABELS = {
    "Q1": _l("Quý I"), "Q2": _l("Quý II"), "Q3": _l("Quý III"), "Q4": _l("Quý IV"),
    "H1": _l("6 tháng đầu năm"), "9M": _l("9 tháng"), "Y": _l("Cả năm"),
}
CONVENTION_LABELS = {
    "calendar": _l("Theo năm dương lịch (1/1 – 31/12)"),
    "cutoff": _l("Theo kỳ chốt số liệu (15/12 năm trước – 14/12, Nghị định 09/2019)"),
}
PERIOD_ERRORS = {
    "unknown_preset": _l("Kỳ báo cáo không hợp lệ. Chọn Quý I–IV, 6 tháng, 9 tháng, cả năm hoặc nhập khoảng ngày."),
    "unknown_convention": _l("Cách tính kỳ không hợp lệ."),
    "bad_year": _l("Năm báo cáo không hợp lệ."),
    "future_year": _l("Năm báo cáo chưa đến: chọn năm hiện tại hoặc năm trước."),
    "bad_date": _l("Ngày không hợp lệ: nhập theo dạng năm-tháng-ngày (ví dụ 2026-01-31)."),
    "end_before_start": _l("Ngày kết thúc kỳ phải sau ngày bắt đầu."),
    "future_start": _l("Kỳ báo cáo bắt đầu sau ngày hôm nay."),
    "too_long": _l("Khoảng thời gian quá dài (%(days)s ngày); tối đa %(max_days)s ngày."),
}

# (column code, group heading, column heading)
TCD = [
    ("tcd.visits", _l("Tiếp công dân"), _l("Lượt tiếp")),
    ("tcd.people", _l("Tiếp công dân"), _l("Số người")),
    ("tcd.first", _l("Số vụ việc"), _l("Tiếp lần đầu")),
    ("tcd.repeat", _l("Số vụ việc"), _l("Tiếp nhiều lần")),
    ("tcd.groups", _l("Đoàn đông người"), _l("Số đoàn")),
    ("tcd.group_people", _l("Đoàn đông người"), _l("Số người")),
    ("tcd.regular", _l("Tiếp thường xuyên"), _l("Lượt")),
    ("tcd.periodic", _l("Tiếp định kỳ, đột xuất của Thủ trưởng"), _l("Định kỳ")),
    ("tcd.periodic_sessions", _l("Tiếp định kỳ, đột xuất của Thủ trưởng"), _l("Định kỳ: số kỳ tiếp")),
    ("tcd.unscheduled", _l("Tiếp định kỳ, đột xuất của Thủ trưởng"), _l("Đột xuất")),
    ("tcd.unscheduled_sessions", _l("Tiếp định kỳ, đột xuất của Thủ trưởng"), _l("Đột xuất: số kỳ tiếp")),
    ("tcd.head_in_person", _l("Tiếp định kỳ, đột xuất của Thủ trưởng"), _l("Trực tiếp")),
    ("tcd.head_delegated", _l("Tiếp định kỳ, đột xuất của Thủ trưởng"), _l("Ủy quyền")),
    ("tcd.kn", _l("Nội dung"), _l("Khiếu nại")),
    ("tcd.tc", _l("Nội dung"), _l("Tố cáo")),
    ("tcd.pakn", _l("Nội dung"), _l("Kiến nghị, phản ánh")),
    ("tcd.accepted", _l("Kết quả tiếp"), _l("Tiếp nhận")),
    ("tcd.guided", _l("Kết quả tiếp"), _l("Hướng dẫn")),
    ("tcd.transferred", _l("Kết quả tiếp"), _l("Chuyển đơn")),
    ("tcd.dialogues", _l("Đối thoại"), _l("Số cuộc")),
    ("tcd.dialogue_cases", _l("Đối thoại"), _l("Số vụ việc")),
]
XLD = [
    ("xld.carried", _l("Tổng số đơn"), _l("Kỳ trước chuyển sang")),
    ("xld.new", _l("Tổng số đơn"), _l("Tiếp nhận trong kỳ")),
    ("xld.total", _l("Tổng số đơn"), _l("Tổng")),
    ("xld.group", _l("Tổng số đơn"), _l("Đơn có nhiều người đứng tên")),
    ("xld.single", _l("Tổng số đơn"), _l("Đơn một người đứng tên")),
    ("xld.other", _l("Tổng số đơn"), _l("Đơn khác (không rõ người gửi)")),
    ("xld.processed", _l("Đã xử lý"), _l("Số đơn")),
    ("xld.eligible", _l("Đơn đủ điều kiện xử lý"), _l("Số đơn")),
    ("xld.eligible_kn", _l("Phân loại theo nội dung"), _l("Khiếu nại")),
    ("xld.eligible_tc", _l("Phân loại theo nội dung"), _l("Tố cáo")),
    ("xld.eligible_pakn", _l("Phân loại theo nội dung"), _l("Kiến nghị, phản ánh, góp ý")),
    ("xld.state_resolved_once", _l("Theo tình trạng giải quyết"), _l("Đã được giải quyết lần đầu")),
    ("xld.state_resolved_many", _l("Theo tình trạng giải quyết"), _l("Đã được giải quyết nhiều lần")),
    ("xld.state_in_progress", _l("Theo tình trạng giải quyết"), _l("Đang giải quyết")),
    ("xld.state_not_yet", _l("Theo tình trạng giải quyết"), _l("Chưa được giải quyết")),
    ("xld.jur_kn", _l("Thuộc thẩm quyền"), _l("Khiếu nại")),
    ("xld.jur_tc", _l("Thuộc thẩm quyền"), _l("Tố cáo")),
    ("xld.jur_pakn", _l("Thuộc thẩm quyền"), _l("Kiến nghị, phản ánh, góp ý")),
    ("xld.guided", _l("Không thuộc thẩm quyền"), _l("Hướng dẫn")),
    ("xld.transferred", _l("Không thuộc thẩm quyền"), _l("Chuyển đơn")),
    ("xld.urged", _l("Không thuộc thẩm quyền"), _l("Đôn đốc giải quyết")),
    ("xld.replies", _l("Văn bản phúc đáp"), _l("Số văn bản nhận được")),
]


def _resolution(prefix: str, second_time: bool) -> list:
    cols = [
        (f"{prefix}.carried", _l("Số vụ việc phải giải quyết"), _l("Kỳ trước chuyển sang")),
        (f"{prefix}.new", _l("Số vụ việc phải giải quyết"), _l("Thụ lý mới")),
        (f"{prefix}.total", _l("Số vụ việc phải giải quyết"), _l("Tổng")),
        (f"{prefix}.resolved", _l("Đã giải quyết"), _l("Tổng")),
        (f"{prefix}.by_decision", _l("Đã giải quyết"), _l("Bằng quyết định, kết luận")),
        (f"{prefix}.withdrawn", _l("Đã giải quyết"), _l("Rút đơn")),
        (f"{prefix}.dung", _l("Kết quả (lần đầu)"), _l("Đúng")),
        (f"{prefix}.sai", _l("Kết quả (lần đầu)"), _l("Sai")),
        (f"{prefix}.dung_mot_phan", _l("Kết quả (lần đầu)"), _l("Có đúng, có sai")),
    ]
    if second_time:
        cols += [(f"{prefix}.giu_nguyen", _l("Kết quả (lần hai)"), _l("Giữ nguyên")),
                 (f"{prefix}.huy_sua", _l("Kết quả (lần hai)"), _l("Hủy, sửa"))]
    cols += [
        (f"{prefix}.on_time", _l("Thời hạn giải quyết"), _l("Đúng hạn")),
        (f"{prefix}.late", _l("Thời hạn giải quyết"), _l("Quá hạn")),
        (f"{prefix}.open_end", _l("Cuối kỳ"), _l("Đang giải quyết")),
        (f"{prefix}.overdue_end", _l("Cuối kỳ"), _l("Trong đó quá hạn")),
    ]
    return cols


GQKN = _resolution("kn", True)
GQTC = _resolution("tc", False)

TABLES = [
    ("01-TCD", _l("Biểu 01/TCD — Tổng hợp kết quả tiếp công dân"), TCD),
    ("02-XLD", _l("Biểu 02/XLD — Tổng hợp kết quả xử lý đơn"), XLD),
    ("03-GQKN", _l("Biểu 03/GQKN — Tổng hợp kết quả giải quyết khiếu nại"), GQKN),
    ("04-GQTC", _l("Biểu 04/GQTC — Tổng hợp kết quả giải quyết tố cáo"), GQTC),
]

SATISFACTION_COLUMNS = [
    ("unit", _l("Đơn vị")), ("responses", _l("Số lượt đánh giá")), ("mean", _l("Điểm trung bình (1–5)")),
    ("share", _l("Tỷ lệ hài lòng (%)")), ("target", _l("Chỉ tiêu (%)")), ("flag", _l("Ghi chú")),
]
CASE_LIST_HEADINGS = {
    "id": _l("Số hồ sơ (nội bộ)"), "kind": _l("Loại đơn"), "received_day": _l("Ngày tiếp nhận"),
    "unit": _l("Đơn vị xử lý"), "status_start": _l("Tình trạng đầu kỳ"), "status_end": _l("Tình trạng cuối kỳ"),
    "accepted_on": _l("Ngày thụ lý"), "resolved_day": _l("Ngày có kết quả"), "outcome": _l("Kết quả"),
    "is_group": _l("Đông người"), "group_size": _l("Số người"), "is_anonymous": _l("Không rõ người gửi"),
    "channel": _l("Kênh tiếp nhận"), "submitter_type": _l("Người gửi"),
}
HEADLINE = [
    ("received", _l("Tiếp nhận")), ("accepted", _l("Thụ lý")), ("resolved", _l("Đã giải quyết")),
    ("on_time_share", _l("Tỷ lệ đúng hạn (%)")), ("overdue", _l("Quá hạn cuối kỳ")),
    ("satisfaction", _l("Chỉ số hài lòng (%)")),
]

# The sheet "Định nghĩa" of the XLSX: for each column, what it counts in plain words, the legal
# basis and where the figure comes from (domain brief §6; ``domain.report_queries``).
_SRC_TCD = _l("TT 06/2025/TT-TTCP, Biểu 01/TCD; Luật Tiếp công dân 2013")
_SRC_XLD = _l("TT 06/2025/TT-TTCP, Biểu 02/XLD")
_SRC_KN = _l("TT 06/2025/TT-TTCP, Biểu 03/GQKN; Luật Khiếu nại 2011")
_SRC_TC = _l("TT 06/2025/TT-TTCP, Biểu 04/GQTC; Luật Tố cáo 2018")
_SRC_SIPAS = _l("Khảo sát hài lòng (SIPAS, Bộ Nội vụ 2017)")
_DATA_LOG = _l("Sổ tiếp công dân (ngày tiếp)")
_DATA_SESSIONS = _l("Sổ tiếp công dân: buổi tiếp của Thủ trưởng và lượt tiếp")
_DATA_DLG = _l("Sổ đối thoại (ngày đối thoại, hồ sơ liên quan)")
_DATA_EVENTS = _l("Lịch sử xử lý hồ sơ (ngày có hiệu lực của từng thao tác)")
_DATA_CASES = _l("Hồ sơ: ngày tiếp nhận, người đứng tên")
_DATA_CLASSIFY = _l("Hồ sơ: tình trạng vụ việc ghi khi phân loại, thụ lý")
_DATA_RULES = _l("Lịch sử xử lý hồ sơ và bảng thời hạn theo luật")
_DATA_SURVEY = _l("Phiếu khảo sát (trừ phiếu rác)")

DEFINITIONS = {
    "tcd.visits": (_l("Số lượt tiếp công dân trong kỳ: mỗi dòng của sổ tiếp công dân có ngày tiếp trong kỳ là một lượt."), _SRC_TCD, _DATA_LOG),
    "tcd.people": (_l("Tổng số người đến trong các lượt tiếp của kỳ."), _SRC_TCD, _DATA_LOG),
    "tcd.first": (_l("Lượt tiếp về vụ việc được tiếp lần đầu."), _SRC_TCD, _DATA_LOG),
    "tcd.repeat": (_l("Lượt tiếp về vụ việc đã được tiếp trước đó (tiếp nhiều lần)."), _SRC_TCD, _DATA_LOG),
    "tcd.groups": (_l("Số đoàn đông người được tiếp trong kỳ."), _SRC_TCD, _DATA_LOG),
    "tcd.group_people": (_l("Tổng số người trong các đoàn đông người."), _SRC_TCD, _DATA_LOG),
    "tcd.regular": (_l("Lượt tiếp thường xuyên tại trụ sở tiếp công dân."), _SRC_TCD, _DATA_LOG),
    "tcd.periodic": (_l("Lượt tiếp trong các buổi Thủ trưởng tiếp định kỳ."), _SRC_TCD, _DATA_LOG),
    "tcd.periodic_sessions": (_l("Số kỳ Thủ trưởng tiếp định kỳ: các buổi tiếp định kỳ đã ghi trong kỳ; ngày có lượt tiếp định kỳ chưa gắn với buổi tiếp nào tính là một kỳ."), _SRC_TCD, _DATA_SESSIONS),
    "tcd.unscheduled": (_l("Lượt tiếp trong các buổi Thủ trưởng tiếp đột xuất."), _SRC_TCD, _DATA_LOG),
    "tcd.unscheduled_sessions": (_l("Số kỳ Thủ trưởng tiếp đột xuất: các buổi tiếp đột xuất đã ghi trong kỳ; ngày có lượt tiếp đột xuất chưa gắn với buổi tiếp nào tính là một kỳ."), _SRC_TCD, _DATA_SESSIONS),
    "tcd.head_in_person": (_l("Lượt tiếp định kỳ, đột xuất do Thủ trưởng trực tiếp tiếp."), _SRC_TCD, _DATA_LOG),
    "tcd.head_delegated": (_l("Lượt tiếp định kỳ, đột xuất do người được Thủ trưởng ủy quyền tiếp."), _SRC_TCD, _DATA_LOG),
    "tcd.kn": (_l("Lượt tiếp có nội dung khiếu nại."), _SRC_TCD, _DATA_LOG),
    "tcd.tc": (_l("Lượt tiếp có nội dung tố cáo."), _SRC_TCD, _DATA_LOG),
    "tcd.pakn": (_l("Lượt tiếp có nội dung kiến nghị, phản ánh, góp ý."), _SRC_TCD, _DATA_LOG),
    "tcd.accepted": (_l("Lượt tiếp mà đơn, ý kiến được tiếp nhận để xử lý."), _SRC_TCD, _DATA_LOG),
    "tcd.guided": (_l("Lượt tiếp mà công dân được hướng dẫn đến nơi có thẩm quyền."), _SRC_TCD, _DATA_LOG),
    "tcd.transferred": (_l("Lượt tiếp mà đơn được chuyển đến cơ quan có thẩm quyền."), _SRC_TCD, _DATA_LOG),
    "tcd.dialogues": (_l("Số cuộc đối thoại tổ chức trong kỳ."), _SRC_TCD, _DATA_DLG),
    "tcd.dialogue_cases": (_l("Số vụ việc khác nhau được đối thoại trong kỳ: một vụ việc đối thoại nhiều lần chỉ tính một."), _SRC_TCD, _DATA_DLG),
    "xld.carried": (_l("Đơn nhận trước kỳ mà đến ngày đầu kỳ chưa có quyết định xử lý (thụ lý, không thụ lý, chuyển, hướng dẫn, lưu, gộp). Đơn đã xử lý ở kỳ trước không chuyển sang, dù hồ sơ còn mở."), _SRC_XLD, _DATA_EVENTS),
    "xld.new": (_l("Đơn có ngày tiếp nhận trong kỳ (giờ Việt Nam)."), _SRC_XLD, _DATA_CASES),
    "xld.total": (_l("Kỳ trước chuyển sang cộng tiếp nhận trong kỳ; mỗi đơn tính một lần."), _SRC_XLD, _DATA_EVENTS),
    "xld.group": (_l("Trong số đơn tiếp nhận trong kỳ: đơn có nhiều người cùng đứng tên."), _SRC_XLD, _DATA_CASES),
    "xld.single": (_l("Trong số đơn tiếp nhận trong kỳ: đơn có một người đứng tên."), _SRC_XLD, _DATA_CASES),
    "xld.other": (_l("Trong số đơn tiếp nhận trong kỳ: đơn không rõ người gửi (nặc danh)."), _SRC_XLD, _DATA_CASES),
    "xld.processed": (_l("Đơn có quyết định xử lý đầu tiên (thụ lý, không thụ lý, chuyển, hướng dẫn, lưu, gộp) ghi ngày trong kỳ. Mỗi đơn chỉ được xử lý một lần."), _SRC_XLD, _DATA_EVENTS),
    "xld.eligible": (_l("Đơn đã xử lý trong kỳ, trừ đơn lưu (không đủ điều kiện) và đơn gộp. Đơn không thụ lý vẫn là đơn đủ điều kiện, thuộc thẩm quyền."), _SRC_XLD, _DATA_EVENTS),
    "xld.eligible_kn": (_l("Đơn đủ điều kiện xử lý là khiếu nại (theo phân loại tại ngày cuối kỳ)."), _SRC_XLD, _DATA_EVENTS),
    "xld.eligible_tc": (_l("Đơn đủ điều kiện xử lý là tố cáo (theo phân loại tại ngày cuối kỳ)."), _SRC_XLD, _DATA_EVENTS),
    "xld.eligible_pakn": (_l("Đơn đủ điều kiện xử lý là kiến nghị, phản ánh, góp ý (theo phân loại tại ngày cuối kỳ)."), _SRC_XLD, _DATA_EVENTS),
    "xld.state_resolved_once": (_l("Đơn đủ điều kiện về vụ việc đã được giải quyết một lần khi nhận đơn (khiếu nại lần hai thuộc nhóm này)."), _SRC_XLD, _DATA_CLASSIFY),
    "xld.state_resolved_many": (_l("Đơn đủ điều kiện về vụ việc đã được giải quyết nhiều lần khi nhận đơn."), _SRC_XLD, _DATA_CLASSIFY),
    "xld.state_in_progress": (_l("Đơn đủ điều kiện về vụ việc đang được giải quyết khi nhận đơn."), _SRC_XLD, _DATA_CLASSIFY),
    "xld.state_not_yet": (_l("Đơn đủ điều kiện về vụ việc chưa được giải quyết khi nhận đơn."), _SRC_XLD, _DATA_CLASSIFY),
    "xld.jur_kn": (_l("Đơn khiếu nại đủ điều kiện được thụ lý hoặc không thụ lý trong kỳ (thuộc thẩm quyền)."), _SRC_XLD, _DATA_EVENTS),
    "xld.jur_tc": (_l("Đơn tố cáo đủ điều kiện được thụ lý hoặc không thụ lý trong kỳ (thuộc thẩm quyền)."), _SRC_XLD, _DATA_EVENTS),
    "xld.jur_pakn": (_l("Đơn kiến nghị, phản ánh, góp ý được thụ lý hoặc không thụ lý trong kỳ (thuộc thẩm quyền)."), _SRC_XLD, _DATA_EVENTS),
    "xld.guided": (_l("Đơn có quyết định xử lý trong kỳ là hướng dẫn công dân, dù sau đó hồ sơ ra sao."), _SRC_XLD, _DATA_EVENTS),
    "xld.transferred": (_l("Đơn có quyết định xử lý trong kỳ là chuyển đến cơ quan có thẩm quyền, dù sau đó hồ sơ ra sao."), _SRC_XLD, _DATA_EVENTS),
    "xld.urged": (_l("Số đơn được đôn đốc cơ quan nhận đơn chuyển trong kỳ, kể cả đơn đã chuyển ở kỳ trước."), _SRC_XLD, _DATA_EVENTS),
    "xld.replies": (_l("Số văn bản phúc đáp nhận được trong kỳ từ cơ quan đã nhận đơn chuyển."), _SRC_XLD, _DATA_EVENTS),
}


def _resolution_definitions(prefix: str, src) -> dict:
    return {
        f"{prefix}.carried": (_l("Vụ việc đã thụ lý trước kỳ, đến đầu kỳ chưa giải quyết xong (hoặc mở lại trong kỳ)."), src, _DATA_EVENTS),
        f"{prefix}.new": (_l("Vụ việc thụ lý trong kỳ."), src, _DATA_EVENTS),
        f"{prefix}.total": (_l("Kỳ trước chuyển sang cộng thụ lý mới."), src, _DATA_EVENTS),
        f"{prefix}.resolved": (_l("Vụ việc có kết quả giải quyết ghi ngày trong kỳ; vụ việc mở lại rồi giải quyết lại tính ở kỳ của từng lần giải quyết."), src, _DATA_EVENTS),
        f"{prefix}.by_decision": (_l("Đã giải quyết bằng quyết định, kết luận (không phải rút đơn)."), src, _DATA_EVENTS),
        f"{prefix}.withdrawn": (_l("Đã giải quyết do người gửi rút đơn."), src, _DATA_EVENTS),
        f"{prefix}.dung": (_l("Kết quả lần giải quyết cuối trong kỳ: đúng."), src, _DATA_EVENTS),
        f"{prefix}.sai": (_l("Kết quả lần giải quyết cuối trong kỳ: sai."), src, _DATA_EVENTS),
        f"{prefix}.dung_mot_phan": (_l("Kết quả lần giải quyết cuối trong kỳ: có đúng, có sai."), src, _DATA_EVENTS),
        f"{prefix}.giu_nguyen": (_l("Giải quyết lần hai: giữ nguyên quyết định lần đầu."), src, _DATA_EVENTS),
        f"{prefix}.huy_sua": (_l("Giải quyết lần hai: hủy, sửa quyết định lần đầu."), src, _DATA_EVENTS),
        f"{prefix}.on_time": (_l("Đã giải quyết trong kỳ, ngày giải quyết không muộn hơn thời hạn đang áp dụng (kể cả gia hạn, tạm dừng trước đó)."), src, _DATA_RULES),
        f"{prefix}.late": (_l("Đã giải quyết trong kỳ, sau thời hạn đang áp dụng."), src, _DATA_RULES),
        f"{prefix}.open_end": (_l("Vụ việc đã thụ lý, đến ngày cuối kỳ chưa giải quyết xong."), src, _DATA_EVENTS),
        f"{prefix}.overdue_end": (_l("Trong số đang giải quyết cuối kỳ: đã quá thời hạn có hiệu lực tại ngày cuối kỳ. Gia hạn, tạm dừng quyết định sau kỳ không làm thay đổi."), src, _DATA_RULES),
    }


DEFINITIONS.update(_resolution_definitions("kn", _SRC_KN))
DEFINITIONS.update(_resolution_definitions("tc", _SRC_TC))
SATISFACTION_DEFINITIONS = [
    (_l("Số lượt đánh giá"), _l("Số phiếu khảo sát (mỗi lượt một phiếu, không tính theo từng câu hỏi); dưới ngưỡng mẫu nhỏ thì ghi chú chưa đủ tin cậy."), _SRC_SIPAS, _DATA_SURVEY),
    (_l("Điểm trung bình (1–5)"), _l("Trung bình điểm các câu trả lời, quy về thang 5."), _SRC_SIPAS, _DATA_SURVEY),
    (_l("Tỷ lệ hài lòng (%)"), _l("Tỷ lệ câu trả lời ở hai mức cao nhất của thang."), _SRC_SIPAS, _DATA_SURVEY),
]
EXTRA_DEFINITIONS = [
    (_l("Theo tháng"), _l("Tiếp nhận: đơn có ngày tiếp nhận trong tháng. Đã giải quyết: số lần giải quyết ghi ngày trong tháng; tháng của một quý bằng tháng đó trong báo cáo năm."), _l("Nghị định 09/2019/NĐ-CP (kỳ báo cáo)"), _DATA_EVENTS),
    (_l("Theo loại đơn"), _l("Loại đơn tại ngày cuối kỳ. Đang giải quyết cuối kỳ: đơn đã thụ lý, chưa giải quyết xong; đơn chưa thụ lý không tính."), _SRC_XLD, _DATA_EVENTS),
]
