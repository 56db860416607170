"""The staff page of the import: who may use it, upload → guessed mapping → dry run → confirm, a
corrected mapping and the office's words, bad files, the background worker (both engines)."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from danvan_feedback.extensions import db
from danvan_feedback.models import Case, ImportJob, ImportMapping
from tests.app.staff_helpers import csrf, login, make_user
from tests.app.test_register_import import small_register, unit_names, write_xlsx

BASE = "/can-bo/nhap-so-cu/"
ROLES = ("admin", "inspector", "unit", "office", "viewer")


@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_and_administrators_may_import(client, app, role):
    assert client.get(BASE).status_code == 302          # anonymous: to the login
    login(client, make_user(app, f"u-{role}", role))
    assert client.get(BASE).status_code == (200 if role in ("admin", "office") else 403)
    resp = client.post(BASE, data={"csrf_token": csrf(client, "/can-bo/")})
    assert resp.status_code == (400 if role in ("admin", "office") else 403)
    for path in ("1", "1/loi.csv"):
        assert client.get(BASE + path).status_code == (404 if role in ("admin", "office") else 403)


def _office(client, app):
    login(client, make_user(app, "vanphong", "office"))


def _upload(client, path, register="letters", name="so.xlsx", mapping=""):
    data = {"csrf_token": csrf(client, BASE), "register": register, "mapping": mapping,
            "file": (open(path, "rb"), name)}
    return client.post(BASE, data=data, content_type="multipart/form-data")


def _job_id(resp) -> int:
    return int(re.search(r"/(\d+)$", resp.headers["Location"]).group(1))


def test_upload_guess_dry_run_then_confirm(client, app, tmp_path):
    _office(client, app)
    path = write_xlsx(tmp_path / "so.xlsx", small_register(unit_names(app)[0]))
    resp = _upload(client, path)
    assert resp.status_code == 303
    jid = _job_id(resp)
    page = client.get(f"{BASE}{jid}").get_data(as_text=True)
    # the guessed mapping is shown, one select per field, the guessed column selected
    assert re.search(r'id="col_received".*?<option value="1" selected>2\. Ngày nhận</option>', page, re.S)
    assert re.search(r'id="col_outcome".*?<option value="11" selected>12\. Kết quả giải quyết</option>', page, re.S)
    form = {f"col_{f}": str(i) for f, i in {"ref": 0, "received": 1, "full_name": 2, "address": 3, "cccd": 4,
                                              "phone": 5, "content": 6, "kind": 7, "unit": 8, "decision": 9,
                                              "decision_date": 10, "outcome": 11, "outcome_date": 12}.items()}
    token = csrf(client, f"{BASE}{jid}")
    resp = client.post(f"{BASE}{jid}/chay-thu", data={"csrf_token": token, **form, "save_as": "so-2024"})
    assert resp.status_code == 303
    page = client.get(f"{BASE}{jid}").get_data(as_text=True)
    assert "Kết quả chạy thử (chưa ghi gì)" in page
    assert re.search(r'id="so-moi">3<', page) and re.search(r'id="so-loai">6<', page)
    assert "Loại đơn không rõ: “Đơn lạ”" in page and "Trùng với dòng 5." in page
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Case)).scalar_one() == 0
        assert db.session.execute(select(ImportMapping.name)).scalar_one() == "so-2024"
    csv_text = client.get(f"{BASE}{jid}/loi.csv").get_data(as_text=True)
    assert csv_text.splitlines()[1] == "9,Loại đơn,Loại đơn không rõ: “Đơn lạ”. Thêm từ này vào bảng đối chiếu loại đơn."
    # the office maps its own word "Đơn lạ" to a kind and the unknown unit to a unit, then runs again
    resp = client.post(f"{BASE}{jid}/chay-thu", data={"csrf_token": token, **form, "word_kind:Đơn lạ": "gop_y",
                                                       "word_unit:Phòng Ma": "VP"})
    page = client.get(f"{BASE}{jid}").get_data(as_text=True)
    assert re.search(r'id="so-moi">5<', page) and re.search(r'id="so-loai">4<', page), page
    resp = client.post(f"{BASE}{jid}/nhap", data={"csrf_token": token})
    assert resp.status_code == 303
    page = client.get(f"{BASE}{jid}").get_data(as_text=True)
    assert "Đã nhập xong" in page and re.search(r'id="so-moi">5<', page)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Case).where(Case.channel == "import")).scalar_one() == 5
        from danvan_feedback.services.register_import_jobs import storage
        key = db.session.get(ImportJob, jid).storage_key
        assert not storage(app.config).path_for(key).exists()      # the uploaded register is not kept
    # confirming twice does nothing more
    assert client.post(f"{BASE}{jid}/nhap", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Case)).scalar_one() == 5


def test_a_saved_mapping_is_offered_for_the_next_file(client, app, tmp_path):
    _office(client, app)
    with app.app_context():
        from danvan_feedback.services.register_import import save_mapping
        save_mapping("so-cu", "letters", ["Ngày", "Việc", "Loại"], {"received": 0, "content": 1, "kind": 2},
                     {}, actor_id=None, now=__import__("datetime").datetime.now(__import__("datetime").timezone.utc))
        db.session.commit()
    assert "so-cu" in client.get(BASE).get_data(as_text=True)
    path = write_xlsx(tmp_path / "x.xlsx", [["Loại", "Ngày", "Việc"], ["KN", "01/02/2024", "a"]])
    jid = _job_id(_upload(client, path, mapping="so-cu"))
    page = client.get(f"{BASE}{jid}").get_data(as_text=True)
    assert re.search(r'id="col_received".*?<option value="1" selected>', page, re.S)


def test_bad_files_on_the_page(client, app, tmp_path):
    _office(client, app)
    p = tmp_path / "hong.xlsx"
    p.write_bytes(b"PK\x03\x04 not really a workbook")
    resp = _upload(client, p)
    assert resp.status_code == 400 and "bị hỏng" in resp.get_data(as_text=True)
    no_head = write_xlsx(tmp_path / "nh.xlsx", small_register(unit_names(app)[0])[4:])
    resp = _upload(client, no_head)
    assert resp.status_code == 400 and "Không tìm thấy dòng tiêu đề" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ImportJob)).scalar_one() == 0


def test_a_60_mb_upload_gets_a_clear_message(client, app):
    _office(client, app)
    big = io.BytesIO(b"Ng\xc3\xa0y nh\xe1\xba\xadn,N\xe1\xbb\x99i dung\n" + b"x" * (60 * 1024 * 1024))
    resp = client.post(BASE, data={"csrf_token": csrf(client, BASE), "register": "letters", "file": (big, "big.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 413
    assert "tối đa 50 MB" in resp.get_data(as_text=True)


@pytest.fixture
def config_overrides():
    return {}


def test_the_worker_runs_queued_jobs_when_the_page_does_not(app, client, runner, tmp_path):
    app.config["IMPORT_JOBS_INLINE"] = False
    _office(client, app)
    jid = _job_id(_upload(client, write_xlsx(tmp_path / "so.xlsx", small_register(unit_names(app)[0]))))
    token = csrf(client, f"{BASE}{jid}")
    client.post(f"{BASE}{jid}/chay-thu", data={"csrf_token": token, "col_received": "1", "col_content": "6",
                                               "col_kind": "7", "col_full_name": "2"})
    page = client.get(f"{BASE}{jid}").get_data(as_text=True)
    assert "Đang chờ xử lý" in page and 'http-equiv="refresh"' in page
    out = runner.invoke(args=["import", "worker"])
    assert f"job {jid} (check): checked" in out.output, out.output
    client.post(f"{BASE}{jid}/nhap", data={"csrf_token": token})
    out = runner.invoke(args=["import", "worker"])
    assert f"job {jid} (import): done" in out.output
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Case)).scalar_one() > 0
