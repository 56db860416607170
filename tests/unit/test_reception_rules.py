"""Rules of the reception log and dialogues: pure functions, no app."""
from __future__ import annotations

from datetime import date

import pytest

from danvan_feedback.domain.reception import (
    csv_cell,
    dialogue_errors,
    parse_codes,
    search_terms,
    subject_from,
    visit_errors,
    visit_search_text,
)

TODAY = date(2026, 3, 10)


def visit(**over) -> dict:
    v = {"visit_date": date(2026, 3, 9), "reception_type": "regular", "head_mode": None,
         "citizen_name": "Nguyễn Văn An", "citizen_address": "Xã Long Thành", "cccd": None,
         "content": "Đề nghị cấp lại giấy chứng nhận.", "kind_code": "kien_nghi", "people_count": 1,
         "is_group": False, "handling": "accepted", "handling_agency": None, "case_action": "none",
         "tracking_code": ""}
    v.update(over)
    return v


def test_a_complete_visit_has_no_errors():
    assert visit_errors(visit(), TODAY) == {}


@pytest.mark.parametrize("over, field, code", [
    ({"visit_date": None}, "visit_date", "date_required"),
    ({"visit_date": date(2026, 3, 11)}, "visit_date", "date_future"),
    ({"reception_type": "weekly"}, "reception_type", "choice_required"),
    ({"reception_type": "periodic"}, "head_mode", "head_mode_required"),
    ({"reception_type": "unscheduled", "head_mode": "someone"}, "head_mode", "head_mode_required"),
    ({"citizen_name": ""}, "citizen_name", "required"),
    ({"content": ""}, "content", "required"),
    ({"kind_code": ""}, "kind_code", "choice_required"),
    ({"people_count": None}, "people_count", "people_required"),
    ({"people_count": 0}, "people_count", "people_min"),
    ({"people_count": -3}, "people_count", "people_min"),
    ({"people_count": 1, "is_group": True}, "people_count", "group_people"),
    ({"handling": None}, "handling", "choice_required"),
    ({"handling": "transferred"}, "handling_agency", "agency_required"),
    ({"case_action": "link"}, "tracking_code", "code_required"),
    ({"case_action": "link", "tracking_code": "ABC"}, "tracking_code", "code_format"),
    ({"case_action": "delete"}, "case_action", "choice_required"),
])
def test_visit_errors(over, field, code):
    assert visit_errors(visit(**over), TODAY)[field] == code


def test_today_is_allowed_and_head_mode_is_ignored_for_regular_reception():
    assert visit_errors(visit(visit_date=TODAY, head_mode=None), TODAY) == {}
    assert visit_errors(visit(reception_type="periodic", head_mode="delegated"), TODAY) == {}


def test_creating_a_case_checks_the_identity_the_kind_requires():
    required = ("full_name", "address", "cccd", "complained_decision")
    errors = visit_errors(visit(case_action="create", citizen_address=None), TODAY, required)
    assert errors == {"citizen_address": "required_for_case", "cccd": "required_for_case"}
    assert visit_errors(visit(case_action="none", citizen_address=None), TODAY, required) == {}
    assert visit_errors(visit(case_action="create"), TODAY, ("contact",)) == {"phone": "required_for_case"}


def test_dialogue_errors():
    ok = {"held_on": TODAY, "chair": "Giám đốc Sở", "participants": "Hộ dân", "issues": "Bồi thường"}
    assert dialogue_errors(ok, TODAY) == {}
    assert dialogue_errors({**ok, "held_on": None}, TODAY) == {"held_on": "date_required"}
    assert dialogue_errors({**ok, "held_on": date(2026, 3, 11)}, TODAY) == {"held_on": "date_future"}
    assert set(dialogue_errors({"held_on": TODAY}, TODAY)) == {"chair", "participants", "issues"}


@pytest.mark.parametrize("raw, good, bad", [
    ("", [], []),
    ("dv 7k4m x9qp", ["DV-7K4M-X9QP"], []),
    ("DV-7K4M-X9QP, 7k4mx9qp\nDV-AAAA-BBBB", ["DV-7K4M-X9QP", "DV-AAAA-BBBB"], []),
    ("DV-7K4M-X9QP; xyz", ["DV-7K4M-X9QP"], ["xyz"]),
])
def test_parse_codes(raw, good, bad):
    assert parse_codes(raw) == (good, bad)


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+84912345678", "'+84912345678"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    ("Khiếu nại = đất", "Khiếu nại = đất"),
    (None, ""),
    (3, "3"),
    (True, "x"),
    (False, ""),
])
def test_csv_cell_neutralises_formulas(value, expected):
    assert csv_cell(value) == expected


def test_search_text_never_holds_the_id_number_nor_a_denouncers_name():
    v = visit(cccd="075190001234", content="Cán bộ vòi tiền")
    plain = visit_search_text(v, "3/2026", "DV-7K4M-X9QP", secret_identity=False)
    assert "nguyen van an" in plain and "075190001234" not in plain and "dv-7k4m-x9qp" in plain
    secret = visit_search_text(v, "3/2026", None, secret_identity=True)
    assert "nguyen" not in secret and "long thanh" not in secret and "can bo voi tien" in secret


def test_search_terms_fold_diacritics():
    assert search_terms("  Khiếu nại ĐẤT ") == ["khieu", "nai", "dat"]


def test_subject_from_the_first_line():
    assert subject_from("Dòng đầu\nDòng hai") == "Dòng đầu"
    long = "x" * 300
    assert len(subject_from(long)) == 120 and subject_from(long).endswith("…")
