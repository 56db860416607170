"""Report pages, files, sign-off, command line and the public page, on the hand-counted fixture."""
from __future__ import annotations

import csv
import io
import re

import pytest
from docx import Document
from openpyxl import load_workbook

from danvan_feedback.extensions import db
from danvan_feedback.models import Case
from danvan_feedback.services.reports.exports import safe_cell
from tests.app.staff_helpers import csrf, login, make_user
from tests.app.test_reports import GQKN, SECRET_NAME, XLD, build_fixture

Q1 = "/can-bo/bao-cao/?ky=Q1&nam=2026&cach=calendar"


def export_file(client, fmt: str, query: dict):
    """An XLSX/DOCX export goes through a job (run at once: REPORT_JOBS_INLINE is on in testing)."""
    resp = client.post(f"/can-bo/bao-cao/tai-ve.{fmt}", data={"csrf_token": csrf(client, Q1), **query})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/can-bo/bao-cao/tac-vu/\d+/tai-ve)"', html).group(1)
    resp = client.get(link)
    resp.direct_passthrough = False  # read the streamed file
    return resp


Q1_FORM = {"ky": "Q1", "nam": "2026", "cach": "calendar"}


@pytest.fixture
def office(app, client):
    build_fixture(app)
    user = make_user(app, "vanphong", "office", totp=False)
    login(client, user)
    return user


def test_dashboard_shows_figures_charts_and_downloads(client, office):
    resp = client.get(Q1)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Quý I 2026 (01/01/2026 – 31/03/2026)" in html
    assert html.count("<svg") == 4 and "<script" not in html
    assert "tai-ve.xlsx" in html and "Chốt số liệu" in html
    assert SECRET_NAME not in html
    h1 = client.get("/can-bo/bao-cao/?ky=H1&nam=2026&cach=cutoff").get_data(as_text=True)
    assert "6 tháng đầu năm 2026 (15/12/2025 – 14/06/2026)" in h1


@pytest.mark.parametrize("query, message", [
    ("ky=Q9&nam=2026", "Kỳ báo cáo không hợp lệ"),
    ("ky=Q1&nam=2031", "Năm báo cáo chưa đến"),
    ("ky=Q1&nam=abc", "Năm báo cáo không hợp lệ"),
    ("ky=Q1&nam=2026&cach=lunar", "Cách tính kỳ không hợp lệ"),
    ("ky=tuy_chon&tu=2026-05-01&den=2026-04-01", "Ngày kết thúc kỳ phải sau ngày bắt đầu"),
    ("ky=tuy_chon&tu=2024-01-01&den=2026-01-01", "tối đa 400 ngày"),
    ("ky=tuy_chon&tu=2026-13-01&den=2026-12-01", "Ngày không hợp lệ"),
    ("ky=tuy_chon&tu=&den=", "Ngày không hợp lệ"),
])
def test_bad_periods_get_a_clear_message(client, office, query, message):
    resp = client.get("/can-bo/bao-cao/?" + query)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    resp = client.get("/can-bo/bao-cao/tai-ve.xlsx?" + query)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)


@pytest.mark.parametrize("role, view, export", [("viewer", 200, 403), ("inspector", 200, 403),
                                                 ("unit", 403, 403), ("admin", 200, 200), ("office", 200, 200)])
def test_access_by_role(app, client, role, view, export):
    user = make_user(app, f"u_{role}", role, totp=role in ("admin", "inspector"))
    login(client, user)
    assert client.get(Q1).status_code == view
    assert client.get("/can-bo/bao-cao/da-chot").status_code == view
    resp = client.get("/can-bo/bao-cao/tai-ve.csv?ky=Q1&nam=2026")
    assert resp.status_code == export
    if export == 403:
        assert "Chỉ Văn phòng và quản trị viên được tải tệp báo cáo" in resp.get_data(as_text=True)
    if view == 200 and role != "office":  # a CSRF token from a page this role may open
        resp = client.post("/can-bo/bao-cao/chot", data={"csrf_token": csrf(client, "/can-bo/bao-cao/da-chot"),
                                                         "ky": "Q1", "nam": "2026"})
        assert resp.status_code == 403 and "Chỉ Văn phòng được chốt số liệu" in resp.get_data(as_text=True)


def test_anonymous_is_sent_to_login(client):
    resp = client.get(Q1)
    assert resp.status_code == 302 and "/dang-nhap" in resp.headers["Location"]


def test_xlsx_has_the_sheets_headings_numbers_and_a_chart(client, office):
    resp = export_file(client, "xlsx", Q1_FORM)
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames == ["01-TCD", "02-XLD", "03-GQKN", "04-GQTC", "HL-DV", "HL-HS", "Theo tháng",
                             "Theo loại đơn", "Danh sách hồ sơ", "Định nghĩa"]
    ws = wb["02-XLD"]
    assert ws["A1"].value == "Biểu 02/XLD — Tổng hợp kết quả xử lý đơn"
    assert ws["B4"].value == "Tổng số đơn" and ws["B5"].value == "Kỳ trước chuyển sang"
    assert [c.value for c in ws[6]][1:] == list(XLD.values()) and ws["A6"].value == "Toàn Sở"
    assert ws.freeze_panes == "B6"
    assert [c.value for c in wb["03-GQKN"][6]][1:] == list(GQKN.values())
    assert len(wb["Theo tháng"]._charts) == 1
    assert [[c.value for c in r] for r in wb["Theo tháng"].iter_rows(min_row=2)] == [
        ["01/2026", 4, 2], ["02/2026", 3, 2], ["03/2026", 3, 2]]
    cases = wb["Danh sách hồ sơ"]
    assert cases.max_row == 15 and cases["A1"].value == "Số hồ sơ (nội bộ)"
    text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value)
    assert SECRET_NAME not in text and "0912345678" not in text


def test_xlsx_explains_every_column_in_a_definitions_sheet(client, office):
    """Sheet "Định nghĩa": one row per column of each form, in plain Vietnamese, with its legal basis
    and the data it is counted from."""
    from danvan_feedback import report_labels as labels
    wb = load_workbook(io.BytesIO(export_file(client, "xlsx", Q1_FORM).data))
    rows = [[c.value for c in r] for r in wb["Định nghĩa"].iter_rows()]
    assert rows[0] == ["Biểu", "Cột", "Cách tính", "Căn cứ", "Nguồn số liệu"]
    by_column = {(r[0], r[1]): r for r in rows[1:]}
    for code, _title, cols in labels.TABLES:
        for _key, group, head in cols:
            row = by_column[(code, f"{group} — {head}")]
            assert len(row[2]) > 20 and row[3].startswith("TT 06/2025/TT-TTCP") and row[4]
    carried = by_column[("02-XLD", "Tổng số đơn — Kỳ trước chuyển sang")]
    assert "chưa có quyết định xử lý" in carried[2]
    assert any(r[1] == "Số lượt đánh giá" and "Số phiếu" in r[2] for r in rows)


def test_docx_draft(client, office):
    resp = export_file(client, "docx", Q1_FORM)
    doc = Document(io.BytesIO(resp.data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "1. Công tác tiếp công dân, đối thoại" in text
    assert "2. Công tác xử lý đơn, giải quyết khiếu nại, tố cáo" in text
    assert "đã tiếp 3 lượt với 8 người" in text
    assert "Tổng số đơn phải xử lý 12 đơn (kỳ trước chuyển sang 2, tiếp nhận trong kỳ 10)" in text
    assert "Giải quyết khiếu nại: phải giải quyết 4 vụ việc" in text and "Đúng hạn 2, quá hạn 1" in text
    assert len(doc.tables) == 4 and doc.tables[1].rows[3].cells[2].text == "12"
    assert doc.styles["Normal"].font.name == "Times New Roman" and doc.styles["Normal"].font.size.pt == 14
    sec = doc.sections[0]
    assert round(sec.page_width.cm, 1) == 21.0 and round(sec.page_height.cm, 1) == 29.7
    assert SECRET_NAME not in text


def test_csv_is_streamed_with_bom_and_anonymised(client, office):
    resp = client.get("/can-bo/bao-cao/tai-ve.csv?ky=Q1&nam=2026&cach=calendar")
    assert resp.is_streamed if hasattr(resp, "is_streamed") else True
    body = resp.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "Số hồ sơ (nội bộ)" and len(rows) == 15
    assert SECRET_NAME not in body.decode() and "0912345678" not in body.decode()
    # statuses in the staff's words (case P waits for the citizen, case J was guided), never "bạn"
    text = body.decode("utf-8-sig")
    assert "Đang chờ công dân bổ sung thông tin" in text and "Đã hướng dẫn công dân" in text
    assert "bạn" not in text


def test_cells_are_neutralised():
    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    for s in ("+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(s).startswith("'")
    assert safe_cell("a\x00b\x1fc\x07") == "abc" and safe_cell(5) == 5 and safe_cell(None) is None


def test_sign_off_freezes_figures_and_shows_what_changed(app, client, office):
    token = csrf(client, Q1)
    resp = client.post("/can-bo/bao-cao/chot", data={"csrf_token": token, "ky": "Q1", "nam": "2026",
                                                     "cach": "calendar", "note": "Báo cáo quý I"})
    assert resp.status_code == 302
    url = resp.headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert "Mã băm khớp" in html and "Không có khác biệt" in html
    # a later reclassification (report O becomes a complaint) changes the live figures only
    with app.app_context():
        case = db.session.execute(db.select(Case).where(Case.subject.like("Việc O %"))).scalar_one()
        case.kind_code = "khieu_nai"
        db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "Mã băm khớp" in html and "Khác biệt giữa số liệu đã chốt" in html
    assert "Thuộc thẩm quyền — Khiếu nại" in html
    frozen_xlsx = client.get(url + "/xlsx")
    wb = load_workbook(io.BytesIO(frozen_xlsx.data))
    assert [c.value for c in wb["02-XLD"][6]][1:] == list(XLD.values())
    # a closed period never changes: the page, the downloads and the CSV serve the signed-off figures
    assert export_file(client, "xlsx", Q1_FORM).data == frozen_xlsx.data
    assert export_file(client, "docx", Q1_FORM).data == client.get(url + "/docx").data
    assert client.get("/can-bo/bao-cao/tai-ve.csv?ky=Q1&nam=2026&cach=calendar").get_data() == client.get(url + "/csv").data
    page = client.get(Q1).get_data(as_text=True)
    assert "số liệu đã chốt" in page
    again = client.post("/can-bo/bao-cao/chot", data={"csrf_token": token, "ky": "Q1", "nam": "2026", "cach": "calendar"},
                        follow_redirects=True)
    assert "đã được chốt trước đó" in again.get_data(as_text=True)
    assert client.get("/can-bo/bao-cao/da-chot").status_code == 200
    # ... except through an explicit correction with a reason, which is audited and keeps the old one
    snap_id = int(url.rsplit("/", 1)[1])
    short = client.post(f"{url}/dieu-chinh", data={"csrf_token": token, "reason": "sai"}, follow_redirects=True)
    assert "Cần ghi rõ lý do điều chỉnh" in short.get_data(as_text=True)
    assert export_file(client, "xlsx", Q1_FORM).data == frozen_xlsx.data
    resp = client.post(f"{url}/dieu-chinh", data={"csrf_token": token, "reason": "Phân loại lại đơn O (văn bản 12/TTr)"})
    assert resp.status_code == 302
    new_url = resp.headers["Location"]
    assert new_url != url
    live = load_workbook(io.BytesIO(export_file(client, "xlsx", Q1_FORM).data))
    assert live["02-XLD"]["Q6"].value == XLD["jur_kn"] + 1
    assert "Không có khác biệt" in client.get(new_url).get_data(as_text=True)
    old = client.get(url).get_data(as_text=True)
    assert "Bản này đã được thay bằng một bản điều chỉnh" in old
    assert load_workbook(io.BytesIO(client.get(url + "/xlsx").data))["02-XLD"]["Q6"].value == XLD["jur_kn"]
    from danvan_feedback.models import AuditRecord
    with app.app_context():
        rec = db.session.execute(db.select(AuditRecord).where(AuditRecord.action == "report.correct")).scalar_one()
        assert rec.reason == "Phân loại lại đơn O (văn bản 12/TTr)" and f'"superseded": {snap_id}' in rec.detail
        assert rec.actor_id == office["id"]


def test_public_page_has_quarters_and_no_personal_data(app, client):
    build_fixture(app)
    html = client.get("/so-lieu?nam=2026").get_data(as_text=True)
    assert "Quý I" in html and "Quý IV" in html and SECRET_NAME not in html
    assert "Mức độ hài lòng theo đơn vị" in html
    assert client.get("/so-lieu?nam=abc").status_code == 200


def test_cli_export(app, runner, tmp_path):
    build_fixture(app)
    out = tmp_path / "q1.xlsx"
    res = runner.invoke(args=["report", "export", "--year", "2026", "--period", "Q1", "--format", "xlsx",
                              "--output", str(out)])
    assert res.exit_code == 0, res.output
    assert [c.value for c in load_workbook(out)["02-XLD"][6]][1:] == list(XLD.values())
    for fmt in ("csv", "docx"):
        res = runner.invoke(args=["report", "export", "--period", "2026-01-01:2026-03-31", "--format", fmt,
                                  "--output", str(tmp_path / f"q1.{fmt}")])
        assert res.exit_code == 0, res.output
    assert (tmp_path / "q1.csv").read_bytes().startswith("\ufeff".encode())
    res = runner.invoke(args=["report", "export", "--year", "2026", "--period", "Q7", "--format", "csv",
                              "--output", str(tmp_path / "x.csv")])
    assert res.exit_code == 2 and "Kỳ báo cáo không hợp lệ" in res.output
