"""XLSX/DOCX exports as background jobs: queued by the page, run by ``flask report worker`` (or at
once when REPORT_JOBS_INLINE), followed on a self-refreshing page, downloaded by their owner."""
from __future__ import annotations

import io
import re

import pytest
from docx import Document
from openpyxl import load_workbook

from danvan_feedback.extensions import db
from danvan_feedback.models.report import ReportJob
from danvan_feedback.services.reports import exports
from tests.app.staff_helpers import csrf, login, make_user
from tests.app.test_reports import XLD, build_fixture

Q1 = "/can-bo/bao-cao/?ky=Q1&nam=2026&cach=calendar"
PERIOD = {"ky": "Q1", "nam": "2026", "cach": "calendar"}


@pytest.fixture
def config_overrides():
    return {"REPORT_JOBS_INLINE": False}


@pytest.fixture
def office(app, client):
    build_fixture(app)
    user = make_user(app, "vp", "office", totp=False)
    login(client, user)
    return user


def queue(client, fmt: str) -> str:
    resp = client.post(f"/can-bo/bao-cao/tai-ve.{fmt}", data={"csrf_token": csrf(client, Q1), **PERIOD})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    assert re.search(r"/can-bo/bao-cao/tac-vu/\d+$", resp.headers["Location"])
    return resp.headers["Location"]


def download_link(html: str) -> str:
    return re.search(r'href="(/can-bo/bao-cao/tac-vu/\d+/tai-ve)"', html).group(1)


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_queued_job_runs_in_the_worker_and_is_downloaded(app, client, runner, office, fmt):
    url = queue(client, fmt)
    with app.app_context():
        job = db.session.execute(db.select(ReportJob)).scalar_one()
        assert (job.status, job.progress, job.fmt, job.requested_by_id) == ("queued", 0, fmt, office["id"])
        assert job.period_key == "2026-Q1-calendar"
    html = client.get(url).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "<progress" in html and "Đang chờ xử lý" in html and "0% hoàn thành" in html and "/tai-ve\"" not in html

    res = runner.invoke(args=["report", "worker", "--max-jobs", "1"])
    assert res.exit_code == 0, res.output
    assert "done" in res.output
    with app.app_context():
        job = db.session.execute(db.select(ReportJob)).scalar_one()
        assert (job.status, job.progress) == ("done", 100)
        assert job.size > 0 and len(job.sha256) == 64 and job.started_at and job.finished_at
    html = client.get(url).get_data(as_text=True)
    assert "http-equiv" not in html and "Đã xong" in html and "100% hoàn thành" in html
    resp = client.get(download_link(html))
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    assert f"bao-cao-2026-Q1-calendar.{fmt}" in resp.headers["Content-Disposition"]
    data = resp.get_data()
    resp.close()
    if fmt == "xlsx":
        wb = load_workbook(io.BytesIO(data))
        assert [c.value for c in wb["02-XLD"][6]][1:] == list(XLD.values())
    else:
        assert "2. Công tác xử lý đơn" in "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)

    # a viewer may neither follow nor download the job; a GET does not queue anything
    viewer = make_user(app, "xem", "viewer", totp=False)
    other = app.test_client()
    login(other, viewer)
    assert other.get(url).status_code in (403, 404)
    assert other.get(url + "/tai-ve").status_code in (403, 404)
    assert other.post(f"/can-bo/bao-cao/tai-ve.{fmt}",
                      data={"csrf_token": csrf(other, Q1), **PERIOD}).status_code == 403
    assert client.get(f"/can-bo/bao-cao/tai-ve.{fmt}?ky=Q1&nam=2026").status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(ReportJob.id))).scalar_one() == 1


def test_worker_with_nothing_to_do(app, runner):
    res = runner.invoke(args=["report", "worker"])
    assert res.exit_code == 0 and "0 job(s) run" in res.output


def test_post_needs_the_csrf_token(client, office):
    assert client.post("/can-bo/bao-cao/tai-ve.xlsx", data=PERIOD).status_code == 400


def test_a_failing_export_leaves_the_job_failed_with_its_message(app, client, runner, office, monkeypatch):
    def broken(fig, max_rows=1_000_000):
        raise RuntimeError("đĩa đầy")
    monkeypatch.setattr(exports, "xlsx_bytes", broken)
    url = queue(client, "xlsx")
    res = runner.invoke(args=["report", "worker", "--max-jobs", "1"])
    assert res.exit_code == 0 and "failed" in res.output
    with app.app_context():
        job = db.session.execute(db.select(ReportJob)).scalar_one()
        assert job.status == "failed" and "đĩa đầy" in job.message and job.finished_at
    html = client.get(url).get_data(as_text=True)
    assert "Không tạo được tệp" in html and "đĩa đầy" in html and "http-equiv" not in html
    assert client.get(url + "/tai-ve").status_code == 404


def test_inline_jobs_are_done_when_the_page_opens(app, client, office):
    app.config["REPORT_JOBS_INLINE"] = True
    url = queue(client, "xlsx")
    html = client.get(url).get_data(as_text=True)
    assert "Đã xong" in html and "http-equiv" not in html
    resp = client.get(download_link(html))
    assert load_workbook(io.BytesIO(resp.get_data()))["02-XLD"]["A1"].value.startswith("Biểu 02/XLD")
    resp.close()


def test_bad_period_is_refused_before_queueing(app, client, office):
    resp = client.post("/can-bo/bao-cao/tai-ve.docx", data={"csrf_token": csrf(client, Q1), "ky": "Q9", "nam": "2026"})
    assert resp.status_code == 400 and "Kỳ báo cáo không hợp lệ" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(ReportJob.id))).scalar_one() == 0
