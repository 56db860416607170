"""Reading old registers: header guessing, cells in mixed formats, lines that are not records."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

import pytest

from danvan_feedback.domain import register_import as ri

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize("header, field", [
    ("Ngày nhận", "received"), ("ngay nhan don", "received"), ("Ngày tiếp nhận", "received"),
    ("NGÀY NHẬN ĐƠN", "received"), ("Ngày  nhận\nđơn", "received"), ("Họ và tên", "full_name"),
    ("Số CCCD/CMND", "cccd"), ("SĐT", "phone"), ("Nội dung đơn", "content"), ("Phân loại", "kind"),
    ("Đơn vị xử lý", "unit"), ("Hình thức xử lý", "decision"), ("Kết quả xử lý", "decision"),
    ("Kết quả giải quyết", "outcome"), ("Ngày giải quyết", "outcome_date"), ("STT", "ref"),
])
def test_headers_are_recognised_with_or_without_diacritics(header, field):
    assert ri.guess_mapping([header], "letters") == {field: 0}


def test_each_column_serves_one_field_the_best_match_first():
    headers = ["STT", "Kết quả xử lý", "Kết quả", "Ngày nhận", "Ghi chú", None, "Nội dung", "Loại đơn"]
    assert ri.guess_mapping(headers, "letters") == {"ref": 0, "decision": 1, "outcome": 2, "received": 3,
                                                    "content": 6, "kind": 7}


def test_the_header_row_is_found_below_the_title_lines():
    rows = [["SỔ THEO DÕI ĐƠN THƯ"], ["Năm 2024", None], [],
            ["TT", "Ngày nhận", "Nội dung", "Loại đơn"], [1, "01/01/2024", "x", "KN"]]
    idx, mapping = ri.find_header(rows, "letters")
    assert idx == 3 and mapping == {"ref": 0, "received": 1, "content": 2, "kind": 3}


def test_no_header_row_names_the_missing_columns():
    with pytest.raises(ri.ImportProblem) as exc:
        ri.find_header([[1, "01/01/2024", "Nguyễn A", "Khiếu nại"]] * 5, "letters")
    assert exc.value.code == "no_header"
    assert exc.value.params["missing"] == ["received", "kind"]


@pytest.mark.parametrize("cell, expected", [
    ("05/03/2024", date(2024, 3, 5)), ("5/3/2024", date(2024, 3, 5)), ("05-03-2024", date(2024, 3, 5)),
    ("05.03.2024", date(2024, 3, 5)), ("05/03/24", date(2024, 3, 5)), ("2024-03-05", date(2024, 3, 5)),
    ("2024-03-05 14:30:00", date(2024, 3, 5)), ("05/03/2024 14:30", date(2024, 3, 5)),
    (45356, date(2024, 3, 5)), (45356.75, date(2024, 3, 5)), ("45356", date(2024, 3, 5)),
    ("ngày 5 tháng 3 năm 2024", date(2024, 3, 5)), ("Ngày 05 tháng 03 năm 2024", date(2024, 3, 5)),
    ("5 tháng 3, 2024", date(2024, 3, 5)), (datetime(2024, 3, 5, 9, 0), date(2024, 3, 5)),
    (date(2024, 3, 5), date(2024, 3, 5)), ("", None), (None, None), (float("nan"), None),
])
def test_dates_in_every_format_a_register_holds(cell, expected):
    assert ri.parse_date(cell) == expected


@pytest.mark.parametrize("cell, code", [
    ("31/02/2024", "date_impossible"), ("hôm qua", "date_format"), ("12", "date_format"), (True, "date_format"),
    ("01/01/1960", "date_too_old"), (2024, "date_too_old"),
])
def test_wrong_dates(cell, code):
    with pytest.raises(ri.CellError) as exc:
        ri.parse_date(cell)
    assert exc.value.code == code


@pytest.mark.parametrize("cell, expected", [
    (75190001234, "075190001234"), (75190001234.0, "075190001234"), ("75190001234", "075190001234"),
    ("075190001234", "075190001234"), ("7.5190001234E+10", "075190001234"), ("075 190 001 234", "075190001234"),
    (23456789, "023456789"), ("123456789", "123456789"), ("", None),
])
def test_id_numbers_get_their_leading_zero_back(cell, expected):
    assert ri.repair_cccd(cell) == expected


@pytest.mark.parametrize("cell", ["12345", "999190001234", "abc", 1.5])
def test_wrong_id_numbers(cell):
    with pytest.raises(ri.CellError):
        ri.repair_cccd(cell)


@pytest.mark.parametrize("cell, expected", [
    (912345678, "+84912345678"), ("912345678", "+84912345678"), ("0912 345 678", "+84912345678"),
    ("84912345678", "+84912345678"), ("+84 912 345 678", "+84912345678"), (912345678.0, "+84912345678"),
    ("02513822222", "+842513822222"),
])
def test_phone_numbers_get_their_leading_zero_back(cell, expected):
    assert ri.repair_phone(cell) == expected


def test_blank_totals_and_signature_lines_are_not_records():
    m = {"received": 1, "content": 2, "kind": 3}
    assert ri.row_role([None, None, "", None], m, "letters") == "blank"
    assert ri.row_role(["Tổng cộng", None, "125 đơn"], m, "letters") == "totals"
    assert ri.row_role(["TỔNG SỐ", "", ""], m, "letters") == "totals"
    assert ri.row_role(["", "", "Người lập biểu"], m, "letters") == "footer"
    assert ri.row_role([1, "01/01/2024", "x", "KN"], m, "letters") == "record"
    assert ri.row_role([1, "", "nội dung nhưng thiếu ngày", "KN"], m, "letters") == "record"


def test_merged_cells_fill_down_across_rows():
    filler = ri.MergeFiller([(2, 1, 4, 1), (2, 2, 2, 3)])
    assert filler.apply(1, ["h1", "h2", "h3"]) == ["h1", "h2", "h3"]
    assert filler.apply(2, ["03/06/2024", "KN", None]) == ["03/06/2024", "KN", "KN"]
    assert filler.apply(3, [None, "TC"]) == ["03/06/2024", "TC"]
    assert filler.apply(4, []) == ["03/06/2024"]
    assert filler.apply(5, [None]) == [None]


def vocab(extra=None):
    return ri.Vocabulary.build([("khieu_nai", "Khiếu nại", "Complaint"), ("to_cao", "Tố cáo", "Denunciation"),
                                ("kien_nghi", "Kiến nghị", "Recommendation")],
                               [(1, "VP", "Văn phòng Sở"), (2, "TT", "Thanh tra Sở")], extra)


HEAD = ["Số", "Ngày nhận", "Họ tên", "Nội dung", "Loại đơn", "Đơn vị", "Hình thức xử lý", "Ngày xử lý",
        "Kết quả", "Ngày giải quyết"]


def validate(rows, extra=None):
    _idx, mapping = ri.find_header([HEAD], "letters")
    v = ri.RowValidator("letters", mapping, HEAD, vocab(extra), TODAY)
    return v.validate(enumerate(rows, start=2))


def test_a_full_row_becomes_a_record_with_its_history():
    recs, problems = validate([[7, "05/03/2024", "Trần B", "Khiếu nại QĐ 12", "KN", "Thanh tra Sở", "Thụ lý",
                                "12/03/2024", "Đúng một phần", "30/04/2024"]])
    assert problems == []
    r = recs[0]
    assert (r["kind_code"], r["unit_id"], r["decision"], r["outcome"]) == ("khieu_nai", 2, "accept", "dung_mot_phan")
    assert [(s.action, s.day, s.to_status) for s in ri.letter_history(r)] == [
        ("submitted", date(2024, 3, 5), "received"), ("accept", date(2024, 3, 12), "accepted"),
        ("assign", date(2024, 3, 12), "in_progress"), ("record_outcome", date(2024, 4, 30), "resolved")]


@pytest.mark.parametrize("row, column, code", [
    (["1", "05/07/2026", "A", "x", "KN", "", "", "", "", ""], "Ngày nhận", "date_future"),
    (["1", "05/03/2024", "A", "x", "KN", "", "Thụ lý", "01/03/2024", "", ""], "Ngày xử lý", "date_before"),
    (["1", "05/03/2024", "A", "x", "KN", "", "Thụ lý", "06/03/2024", "Sai", "01/03/2024"], "Ngày giải quyết",
     "date_before"),
    (["1", "05/03/2024", "A", "x", "Đơn lạ", "", "", "", "", ""], "Loại đơn", "unknown_kind"),
    (["1", "05/03/2024", "A", "x", "KN", "Phòng X", "", "", "", ""], "Đơn vị", "unknown_unit"),
    (["1", "05/03/2024", "A", "x", "KN", "", "Xé bỏ", "06/03/2024", "", ""], "Hình thức xử lý", "unknown_decision"),
    (["1", "05/03/2024", "A", "x", "KN", "", "Chuyển đơn", "06/03/2024", "Sai", "07/03/2024"], "Kết quả",
     "outcome_without_accept"),
    (["1", "05/03/2024", "A", "x", "KN", "", "Thụ lý", "06/03/2024", "Đã trả lời", "07/03/2024"], "Kết quả",
     "wrong_outcome"),
    (["1", "05/03/2024", "", "x", "KN", "", "Thụ lý", "06/03/2024", "", ""], "Hình thức xử lý",
     "anonymous_not_accepted"),
    (["1", "", "A", "x", "KN", "", "", "", "", ""], "Ngày nhận", "required"),
    (["1", "05/03/2024", "A", "", "KN", "", "", "", "", ""], "Nội dung", "required"),
    (["1", "05/03/2024", "A", "x", "KN", "", "", "06/03/2024", "", ""], "Hình thức xử lý", "decision_missing"),
])
def test_each_problem_names_its_line_and_column(row, column, code):
    recs, problems = validate([row])
    assert recs == []
    assert (problems[0].line, problems[0].column, problems[0].code) == (2, column, code)


def test_the_offices_own_words_and_duplicates():
    rows = [["9", "05/03/2024", "A", "x", "Đơn đề nghị", "P.TT", "", "", "", ""],
            ["9", "06/03/2024", "B", "y", "Kiến nghị", "", "", "", "", ""]]
    recs, problems = validate(rows, {"kind": {"đơn đề nghị": "kien_nghi"}, "unit": {"P.TT": "TT"}})
    assert [(r["kind_code"], r["unit_id"]) for r in recs] == [("kien_nghi", 2)]
    assert [(p.line, p.code, p.params) for p in problems] == [(3, "duplicate", {"first": 2})]


def test_the_row_key_is_stable_and_the_digest_follows_the_values():
    row = ["9", "05/03/2024", "A", "x", "KN", "", "", "", "", ""]
    a, _ = validate([row])
    b, _ = validate([row[:3] + ["x đã sửa"] + row[4:]])
    assert a[0]["key"] == b[0]["key"] and a[0]["digest"] != b[0]["digest"]
    no_ref, _ = validate([[""] + row[1:]])
    assert no_ref[0]["key"] != a[0]["key"] and len(no_ref[0]["key"]) == 40


def test_a_wrong_cell_seen_again_raises_a_fresh_problem_and_keeps_no_exception():
    """The per-cell cache keeps the problem's code, not the exception: a raised exception holds its
    traceback, and with it the frames (and the chunks of rows) it went through; on a big register
    that kept hundreds of MB alive."""
    cache: dict = {}
    errors = []
    for _ in range(3):
        with pytest.raises(ri.CellError) as info:
            ri._cached(ri.parse_date, cache, "32/13/2024")
        errors.append(info.value)
    assert {e.code for e in errors} == {"date_impossible"} and len({id(e) for e in errors}) == 3
    assert not any(isinstance(v, BaseException) for _ok, out in cache.values()
                   for v in (out if isinstance(out, tuple) else (out,)))


def test_folding_and_cell_text_take_the_short_way_for_plain_ascii_with_the_same_result():
    for text in ("Ngay nhan DON", "  ngày  nhận\nđơn ", "İstanbul", "STT", "so-cccd/cmnd", "a\tb"):
        nfd = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
        slow = " ".join(re.sub(r"[^a-z0-9]+", " ", "".join(ch for ch in nfd if not unicodedata.combining(ch))
                               .lower()).split())
        assert ri.fold(text) == slow
    assert ri.text_of("  Đơn số 1 ") == "Đơn số 1" and ri.text_of("a\x07b ") == "ab" and ri.text_of("x\ty") == "x\ty"
