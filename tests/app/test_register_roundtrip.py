"""Round trip: the case list exported from one database (the analysis workbook's case table, and the
reception book's CSV) imported into an empty database gives the same reports, cell by cell; and the
analysis workbook itself (sheets, native charts, definitions, no personal data) — on both engines."""
from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from danvan_feedback import create_app
from danvan_feedback.domain.periods import Period, preset_period
from danvan_feedback.domain.register_sample import letters as sample_letters
from danvan_feedback.extensions import db
from danvan_feedback.models import Unit
from danvan_feedback.labels import HANDLING as HANDLING_LABELS
from danvan_feedback.labels import HEAD_MODE as HEAD_LABELS
from danvan_feedback.labels import RECEPTION_TYPE as TYPE_LABELS
from danvan_feedback.services.reception import VisitFilters, export_visits_csv
from danvan_feedback.services.reports import figures, workbook
from tests.app.test_register_import import today, write_xlsx
from tests.conftest import base_config, drop_pg_database, fresh_pg_database, upgrade

TZ = "Asia/Ho_Chi_Minh"
WHOLE = Period(date(2019, 1, 1), date(2026, 12, 31), None, "calendar", 2026)


@pytest.fixture
def empty_app(engine_name, tmp_path, request):
    """A second, empty database on the same engine."""
    d = tmp_path / "b"
    d.mkdir()
    if engine_name == "sqlite":
        path = d / "b.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = fresh_pg_database(f"roundtrip_{id(request)}")
        upgrade(url, d)
    app = create_app(base_config(d, url))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if engine_name != "sqlite":
        drop_pg_database(url)


VISITS = [["STT", "Ngày tiếp", "Hình thức tiếp", "Người đứng đầu tiếp", "Họ và tên", "Nội dung", "Phân loại", "Số người",
           "Đoàn đông người", "Lần đầu / tái diễn", "Hướng xử lý"]] + [
    [f"{i}/2024", (date(2024, 1, 2) + timedelta(days=7 * i)).strftime("%d/%m/%Y"),
     ["Thường xuyên", "Định kỳ", "Đột xuất"][i % 3], ["", "Trực tiếp", "Ủy quyền"][i % 3], f"Công dân {i}",
     f"Việc {i}", ["Khiếu nại", "Tố cáo", "Kiến nghị", "Phản ánh"][i % 4], 1 + (i % 7) * 2,
     "x" if i % 7 else "", "Tái diễn" if i % 5 == 0 else "Lần đầu", ["Tiếp nhận", "Hướng dẫn", "Chuyển đơn"][i % 3]]
    for i in range(1, 40)]


def _fill_source(app, runner, tmp_path):
    with app.app_context():
        units = list(db.session.execute(select(Unit.name).order_by(Unit.sort_order)).scalars())
    rows, _bad = sample_letters(1500, units=units, today=today(), bad_every=0, start=date(2022, 6, 1))
    assert runner.invoke(args=["import", "letters", write_xlsx(tmp_path / "a.xlsx", rows)]).exit_code == 0
    assert runner.invoke(args=["import", "visits", write_xlsx(tmp_path / "v.xlsx", VISITS)]).exit_code == 0


def _export(app, tmp_path) -> tuple[str, str]:
    with app.app_context():
        data = workbook.build(WHOLE, TZ)
        cases = tmp_path / "danh-sach-ho-so.csv"
        cases.write_text("".join(workbook.case_csv(data)), encoding="utf-8")
        labels = {"type": {k: str(v) for k, v in TYPE_LABELS.items()}, "head": {k: str(v) for k, v in HEAD_LABELS.items()},
                  "handling": {k: str(v) for k, v in HANDLING_LABELS.items()}, "yes": "Có", "first": "Lần đầu",
                  "repeat": "Tái diễn",
                  "header": ["Số thứ tự", "Ngày tiếp", "Hình thức tiếp", "Người đứng đầu tiếp", "Họ và tên", "Địa chỉ",
                             "Tóm tắt nội dung", "Phân loại đơn", "Số người", "Đoàn đông người", "Lần đầu / tái diễn",
                             "Cơ quan đã giải quyết", "Hướng xử lý", "Cơ quan chuyển đến, hướng dẫn", "Mã hồ sơ",
                             "Theo dõi kết quả", "Ghi chú"]}
        from danvan_feedback.models import CaseKind
        kinds = dict(db.session.execute(select(CaseKind.code, CaseKind.name_vi)).all())
        visits = tmp_path / "so-tiep.csv"
        visits.write_text("".join(export_visits_csv(VisitFilters(), labels, kinds)), encoding="utf-8")
    return str(cases), str(visits)


def _reports(app) -> list[dict]:
    out = []
    with app.app_context():
        for year in (2023, 2024, 2025):
            for q in ("Q1", "Q2", "Q3", "Q4", "Y"):
                p = preset_period(year, q, "calendar")
                fig = figures.compute(p, TZ, with_previous=False)
                out.append({"period": p.key, "preset": q, "counts": fig["counts"], "headline": fig["headline"],
                            "by_kind": fig["by_kind"], "by_unit": fig["by_unit"], "by_month": fig["by_month"]})
        db.session.remove()
    return out


def test_export_then_import_into_an_empty_database_gives_the_same_reports(app, runner, empty_app, tmp_path):
    _fill_source(app, runner, tmp_path)
    cases_csv, visits_csv = _export(app, tmp_path)
    r2 = empty_app.test_cli_runner()
    res = r2.invoke(args=["import", "letters", cases_csv])
    assert res.exit_code == 0 and "bị loại: 0" in res.output, res.output
    res = r2.invoke(args=["import", "visits", visits_csv])
    assert res.exit_code == 0 and "bị loại: 0" in res.output, res.output
    a, b = _reports(app), _reports(empty_app)
    assert sum(r["headline"]["received"] for r in a if r["preset"] == "Y") > 500
    for ra, rb in zip(a, b):
        for part in ("counts", "headline", "by_kind", "by_unit", "by_month"):
            assert ra[part] == rb[part], (ra["period"], part,
                                          {k: (v, rb[part].get(k)) for k, v in ra[part].items() if rb[part].get(k) != v}
                                          if isinstance(ra[part], dict) else None)


def test_the_analysis_workbook(app, runner, tmp_path):
    _fill_source(app, runner, tmp_path)
    out = tmp_path / "so-phan-tich.xlsx"
    res = runner.invoke(args=["report", "export", "--year", "2024", "--period", "Y", "--format", "analysis",
                              "--output", str(out)])
    assert res.exit_code == 0, res.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["Xu hướng theo loại", "Xu hướng theo đơn vị", "Xu hướng theo kênh", "Thời gian xử lý",
                             "Thời gian giải quyết", "Tỷ lệ quá hạn", "Hài lòng", "Bảng hồ sơ", "Định nghĩa"]
    trend = wb["Xu hướng theo loại"]
    assert [c.value for c in trend["A"][1:13]] == [f"2024-{m:02d}" for m in range(1, 13)]
    assert len(trend._charts) == 1 and len(wb["Thời gian xử lý"]._charts) == 1
    monthly_total = sum(c.value for row in trend.iter_rows(min_row=2, min_col=2) for c in row)
    table = wb["Bảng hồ sơ"]
    assert table.max_row - 1 == monthly_total
    heads = [c.value for c in table[1]]
    assert "Ngày làm việc đến khi xử lý" in heads and "Họ và tên" not in heads
    text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    assert "Nguyễn Văn" not in text and "075190" not in text      # no names, no ID numbers
    proc = wb["Thời gian xử lý"]
    rows = list(proc.iter_rows(min_row=2, values_only=True))
    assert rows and all(r[3] <= r[4] for r in rows)                 # median ≤ 90th percentile
    # the generated letters are decided 1–9 days after receipt: working days stay within that
    assert all(0 <= r[3] <= 9 for r in rows)
    assert "Trung vị" in " ".join(str(c.value) for c in wb["Định nghĩa"]["A"])
