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
    ("tcd.unscheduled", _l("Tiếp định kỳ, đột xuất của Thủ trưởng"), _l("Đột xuất")),
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
    ("xld.state_resolved", _l("Theo tình trạng giải quyết"), _l("Đã giải quyết")),
    ("xld.state_in_progress", _l("Theo tình trạng giải quyết"), _l("Đang giải quyết")),
    ("xld.state_not_yet", _l("Theo tình trạng giải quyết"), _l("Chưa giải quyết")),
    ("xld.state_ended", _l("Theo tình trạng giải quyết"), _l("Kết thúc khác (chuyển, hướng dẫn, lưu, gộp, không thụ lý)")),
    ("xld.jur_kn", _l("Thuộc thẩm quyền"), _l("Khiếu nại")),
    ("xld.jur_tc", _l("Thuộc thẩm quyền"), _l("Tố cáo")),
    ("xld.jur_pakn", _l("Thuộc thẩm quyền"), _l("Kiến nghị, phản ánh, góp ý")),
    ("xld.guided", _l("Không thuộc thẩm quyền"), _l("Hướng dẫn")),
    ("xld.transferred", _l("Không thuộc thẩm quyền"), _l("Chuyển đơn")),
    ("xld.urged", _l("Không thuộc thẩm quyền"), _l("Đôn đốc giải quyết")),
    ("xld.replies", _l("Văn bản phúc đáp"), _l("Số văn bản")),
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
OUTCOME_LABELS = {
    "dung": _l("Đúng"), "sai": _l("Sai"), "dung_mot_phan": _l("Có đúng, có sai"),
    "giu_nguyen": _l("Giữ nguyên"), "huy_sua": _l("Hủy, sửa"), "rut_don": _l("Rút đơn"),
    "da_tra_loi": _l("Đã trả lời"),
}
HEADLINE = [
    ("received", _l("Tiếp nhận")), ("accepted", _l("Thụ lý")), ("resolved", _l("Đã giải quyết")),
    ("on_time_share", _l("Tỷ lệ đúng hạn (%)")), ("overdue", _l("Quá hạn cuối kỳ")),
    ("satisfaction", _l("Chỉ số hài lòng (%)")),
]
