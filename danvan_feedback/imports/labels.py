"""Words for the import: field names, problems with a file or a row (Vietnamese first)."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

REGISTERS = {"letters": _l("Sổ theo dõi đơn thư"), "visits": _l("Sổ tiếp công dân")}

FIELD_LABELS = {
    "letters": {
        "ref": _l("Số vào sổ"), "received": _l("Ngày nhận đơn"), "full_name": _l("Họ tên người gửi"),
        "address": _l("Địa chỉ"), "cccd": _l("Số CCCD/CMND"), "phone": _l("Số điện thoại"),
        "subject": _l("Trích yếu"), "content": _l("Nội dung"), "kind": _l("Loại đơn"),
        "unit": _l("Đơn vị xử lý"), "decision": _l("Hình thức xử lý"), "decision_date": _l("Ngày xử lý"),
        "assigned_date": _l("Ngày giao xử lý"), "outcome": _l("Kết quả giải quyết"),
        "outcome_date": _l("Ngày có kết quả"), "group_size": _l("Số người đứng tên"),
        "anonymous": _l("Ẩn danh"), "attempt": _l("Giải quyết lần"), "complexity": _l("Tính chất vụ việc"),
    },
    "visits": {
        "ref": _l("Số thứ tự"), "visit_date": _l("Ngày tiếp"), "reception_type": _l("Hình thức tiếp"),
        "head_mode": _l("Người đứng đầu tiếp"), "citizen_name": _l("Họ và tên"), "citizen_address": _l("Địa chỉ"),
        "cccd": _l("Số CCCD/CMND"), "content": _l("Tóm tắt nội dung"), "kind": _l("Phân loại đơn"),
        "people_count": _l("Số người"), "is_group": _l("Đoàn đông người"), "is_repeat": _l("Lần đầu / tái diễn"),
        "previous_agency": _l("Cơ quan đã giải quyết"), "handling": _l("Hướng xử lý"),
        "handling_agency": _l("Cơ quan chuyển đến, hướng dẫn"), "follow_up": _l("Theo dõi kết quả"),
        "notes": _l("Ghi chú"),
    },
}

FILE_PROBLEMS = {
    "too_big": _l("Tệp quá lớn (%(size_mb)s MB); tối đa %(max_mb)s MB. Hãy tách sổ thành nhiều tệp, ví dụ theo năm."),
    "too_big_unpacked": _l("Tệp Excel giải nén ra quá lớn; hãy tách sổ thành nhiều tệp."),
    "empty": _l("Tệp rỗng."),
    "unreadable": _l("Không đọc được tệp."),
    "encrypted_or_xls": _l("Tệp Excel có đặt mật khẩu hoặc ở định dạng .xls cũ: hãy gỡ mật khẩu và lưu lại dạng .xlsx rồi tải lên lại."),
    "corrupt_xlsx": _l("Tệp Excel bị hỏng hoặc không phải tệp .xlsx: hãy mở bằng Excel, lưu lại dạng .xlsx rồi tải lên lại."),
    "csv_encoding": _l("Tệp CSV không ở mã UTF-8 (có thể là Windows-1258 hoặc TCVN3): trong Excel hãy chọn Lưu dạng “CSV UTF-8” rồi tải lên lại."),
    "csv_utf16": _l("Tệp CSV ở mã UTF-16 (“Unicode Text”): trong Excel hãy chọn Lưu dạng “CSV UTF-8” rồi tải lên lại."),
    "csv_ragged": _l("Dòng %(line)s của tệp CSV có nhiều cột hơn dòng tiêu đề (%(width)s cột): kiểm tra dấu phân cách và dấu ngoặc kép."),
    "no_header": _l("Không tìm thấy dòng tiêu đề trong 30 dòng đầu. Thiếu các cột: %(missing)s. Dòng tiêu đề cần ghi tên cột, ví dụ “Ngày nhận”, “Nội dung”, “Loại đơn”."),
    "bad_mapping": _l("Cách ghép cột chưa dùng được: %(problems)s"),
}

ROW_PROBLEMS = {
    "required": _l("Ô bắt buộc đang trống."),
    "date_format": _l("Không đọc được ngày: ghi dạng ngày/tháng/năm (ví dụ 05/03/2024)."),
    "date_impossible": _l("Ngày không tồn tại (ví dụ 31/02)."),
    "date_too_old": _l("Ngày trước năm 1975: kiểm tra lại ô này."),
    "date_future": _l("Ngày %(day)s ở tương lai."),
    "date_before": _l("Ngày %(day)s trước %(other)s (%(other_day)s)."),
    "unknown_kind": _l("Loại đơn không rõ: “%(value)s”. Thêm từ này vào bảng đối chiếu loại đơn."),
    "unknown_unit": _l("Đơn vị không rõ: “%(value)s”. Thêm tên này vào bảng đối chiếu đơn vị."),
    "unknown_decision": _l("Hình thức xử lý không rõ: “%(value)s” (thụ lý, không thụ lý, chuyển đơn, hướng dẫn, lưu đơn)."),
    "unknown_outcome": _l("Kết quả giải quyết không rõ: “%(value)s”."),
    "wrong_outcome": _l("Kết quả “%(value)s” không dùng cho loại đơn này."),
    "unknown_handling": _l("Hướng xử lý không rõ: “%(value)s” (tiếp nhận, hướng dẫn, chuyển đơn)."),
    "unknown_reception_type": _l("Hình thức tiếp không rõ: “%(value)s” (thường xuyên, định kỳ, đột xuất)."),
    "unknown_head_mode": _l("Không rõ người đứng đầu tiếp trực tiếp hay ủy quyền: “%(value)s”."),
    "unknown_complexity": _l("Tính chất vụ việc không rõ: “%(value)s” (bình thường, phức tạp, đặc biệt phức tạp)."),
    "cccd_format": _l("Số CCCD/CMND không hợp lệ (12 hoặc 9 chữ số)."),
    "phone_format": _l("Số điện thoại không hợp lệ."),
    "bool_format": _l("Không hiểu giá trị “%(value)s” (ghi “x”, “có” hoặc để trống)."),
    "int_format": _l("Không phải số: “%(value)s”."),
    "int_range": _l("Số phải từ %(low)s đến %(high)s."),
    "duplicate": _l("Trùng với dòng %(first)s."),
    "decision_missing": _l("Có ngày xử lý nhưng không ghi hình thức xử lý."),
    "decision_date_missing": _l("Có hình thức xử lý nhưng thiếu ngày xử lý."),
    "outcome_without_accept": _l("Có kết quả giải quyết nhưng đơn chưa được thụ lý."),
    "outcome_date_missing": _l("Có kết quả giải quyết nhưng thiếu ngày có kết quả."),
    "outcome_missing": _l("Có ngày có kết quả nhưng không ghi kết quả."),
    "anonymous_not_accepted": _l("Đơn khiếu nại không rõ người gửi không được thụ lý."),
}

SKIPPED = {"blank": _l("dòng trống"), "totals": _l("dòng tổng cộng"), "footer": _l("dòng chữ ký, ghi chú dưới bảng")}


def _fmt(v):
    if isinstance(v, date):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-":
        try:
            return date.fromisoformat(v).strftime("%d/%m/%Y")
        except ValueError:
            return v
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return v


def file_problem(code: str, params: dict | None = None, register: str = "letters") -> str:
    params = dict(params or {})
    if code == "no_header":
        names = FIELD_LABELS.get(register, {})
        params["missing"] = ", ".join(str(names.get(m, m)) for m in params.get("missing", [])) or "—"
    if code == "bad_mapping":
        names = FIELD_LABELS.get(register, {})
        kinds = {"missing": _l("thiếu cột"), "column_twice": _l("một cột ghép hai lần"),
                 "bad_column": _l("cột không có trong tệp"), "unknown_field": _l("trường không có")}
        params["problems"] = "; ".join(f"{kinds.get(k, k)}: {names.get(f, f)}" for k, _sep, f in
                                       (str(p).partition(":") for p in params.get("problems", [])))
    msg = FILE_PROBLEMS.get(code)
    if msg is None:
        return str(_l("Không đọc được tệp (%(code)s).", code=code))
    return str(msg) % {k: _fmt(v) for k, v in params.items()} if params else str(msg).replace("%%", "%")


def row_problem(code: str, params: dict | None = None) -> str:
    msg = ROW_PROBLEMS.get(code)
    if msg is None:
        return code
    params = params or {}
    try:
        return str(msg) % {k: _fmt(v) for k, v in params.items()} if "%(" in str(msg) else str(msg)
    except (KeyError, TypeError, ValueError):
        return str(msg)
