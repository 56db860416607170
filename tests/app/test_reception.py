"""Reception log and dialogue sessions: who may, what is recorded, listed, exported, downloaded."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseEvent
from danvan_feedback.models.reception import DialogueSession, ReceptionVisit
from danvan_feedback.services import reception as service
from danvan_feedback.extensions import file_stores
from danvan_feedback.storage import CleanFile
from tests.app.staff_helpers import csrf, login, make_user
from tests.factories import pdf_bytes

BASE = "/can-bo/tiep-cong-dan"


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def visit_form(client, url=f"{BASE}/moi", **over) -> dict:
    html = client.get(url).get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1),
            "token": re.search(r'name="token"[^>]*value="([^"]*)"', html).group(1),
            "visit_date": today().isoformat(), "reception_type": "regular", "citizen_name": "Nguyễn Văn An",
            "citizen_address": "Xã Long Thành", "cccd": "075190001234", "content": "Đề nghị giải quyết tranh chấp đất đai.",
            "kind_code": "kien_nghi", "people_count": "1", "is_repeat": "first", "handling": "accepted",
            "case_action": "none"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def inspector(client, app):
    user = make_user(app, "thanhtra", "inspector")
    login(client, user)
    return user


def seed(app) -> dict:
    """A visit and a dialogue with minutes, recorded through the services."""
    with app.app_context():
        actor = make_user(app, "nguoighi", "inspector")["id"]
        now = datetime.now(UTC)
        v = {"visit_date": today(), "reception_type": "periodic", "head_mode": "in_person",
             "citizen_name": "Trần Thị Bình", "citizen_address": "Phường Trấn Biên", "cccd": "075190001234",
             "content": "Khiếu nại việc thu hồi đất", "kind_code": "khieu_nai", "people_count": 1,
             "is_group": False, "is_repeat": False, "handling": "accepted", "case_action": "none"}
        saved = service.record_visit(v, actor_id=actor, now=now, token="seedvisit01")
        minutes = CleanFile("bien-ban.pdf", "application/pdf", pdf_bytes())
        did, _dup = service.save_dialogue(
            {"held_on": today(), "chair": "Giám đốc Sở", "participants": "Các hộ dân", "issues": "Bồi thường"},
            {}, minutes, storage=file_stores.minutes, actor_id=actor, now=now, token="seeddialogue1")
        return {"visit": saved.visit_id, "dialogue": did}


READ = ["/", "/xuat.csv", "/{visit}", "/doi-thoai", "/doi-thoai/{dialogue}", "/doi-thoai/{dialogue}/bien-ban", "/buoi-tiep"]
WRITE = ["/moi", "/{visit}/sua", "/doi-thoai/moi", "/doi-thoai/{dialogue}/sua", "/buoi-tiep/moi"]


def test_anonymous_is_sent_to_login(client, app):
    ids = seed(app)
    for path in READ + WRITE:
        url = BASE + path.format(**ids)
        resp = client.get(url)
        assert resp.status_code == 302 and "/dang-nhap" in resp.headers["Location"], url
    resp = client.post(f"{BASE}/moi", data={"citizen_name": "X"})
    assert resp.status_code in (302, 400) and count(app, ReceptionVisit) == 1


@pytest.mark.parametrize("role, may_read, may_write", [
    ("inspector", True, True),
    ("admin", True, False),
    ("office", True, False),
    ("viewer", True, False),
    ("unit", False, False),
])
def test_who_may_read_and_who_may_write(client, app, role, may_read, may_write):
    ids = seed(app)
    login(client, make_user(app, "nguoidung", role))
    for path in READ:
        resp = client.get(BASE + path.format(**ids))
        assert resp.status_code == (200 if may_read else 403), (role, path)
    for path in WRITE:
        url = BASE + path.format(**ids)
        assert client.get(url).status_code == (200 if may_write else 403), (role, path)
        if not may_write:
            token = csrf(client, "/can-bo/")
            assert client.post(url, data={"csrf_token": token, "citizen_name": "X"}).status_code == 403
    assert count(app, ReceptionVisit) == 1 and count(app, DialogueSession) == 1


def test_menu_entries_follow_the_policy(client, app):
    login(client, make_user(app, "vanphong", "office"))
    home = client.get("/can-bo/").get_data(as_text=True)
    assert "Sổ tiếp công dân" in home and "Đối thoại" in home
    other = app.test_client()
    login(other, make_user(app, "donvi", "unit"))
    assert "Sổ tiếp công dân" not in other.get("/can-bo/").get_data(as_text=True)


def test_inspector_records_visits_numbered_per_year(client, app):
    inspector(client, app)
    resp = client.post(f"{BASE}/moi", data=visit_form(client))
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    year = today().year
    assert f"số thứ tự 1/{year}" in page and "Nguyễn Văn An" in page and "075190001234" in page
    client.post(f"{BASE}/moi", data=visit_form(client, reception_type="unscheduled", head_mode="delegated",
                                               is_group="y", people_count="12", is_repeat="repeat"))
    last_year = date(year - 1, 12, 30).isoformat()
    client.post(f"{BASE}/moi", data=visit_form(client, visit_date=last_year))
    with app.app_context():
        rows = db.session.execute(select(ReceptionVisit.year, ReceptionVisit.serial, ReceptionVisit.head_mode,
                                         ReceptionVisit.is_group, ReceptionVisit.people_count, ReceptionVisit.is_repeat)
                                  .order_by(ReceptionVisit.id)).all()
    assert [(r.year, r.serial) for r in rows] == [(year, 1), (year, 2), (year - 1, 1)]
    assert rows[0].head_mode is None and (rows[1].head_mode, rows[1].is_group, rows[1].people_count, rows[1].is_repeat) == (
        "delegated", True, 12, True)


def test_the_same_form_sent_twice_records_one_visit(client, app):
    inspector(client, app)
    data = visit_form(client)
    first = client.post(f"{BASE}/moi", data=data)
    second = client.post(f"{BASE}/moi", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, ReceptionVisit) == 1
    assert "đã được ghi trước đó" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_a_visit_creates_a_case(client, app):
    user = inspector(client, app)
    resp = client.post(f"{BASE}/moi", data=visit_form(client, kind_code="phan_anh", case_action="create",
                                                      phone="0912 345 678", is_group="y", people_count="6"))
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    code = re.search(r"Đã tạo hồ sơ (DV-[0-9A-Z]{4}-[0-9A-Z]{4})\. Mã PIN để công dân tra cứu: (\d{6})", page)
    assert code, page
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code.group(1))).scalar_one()
        assert (case.channel, case.kind_code, case.status, case.is_group, case.group_size) == ("reception", "phan_anh", "received", True, 6)
        assert case.identity.full_name == "Nguyễn Văn An" and case.identity.phone == "+84912345678"
        assert case.due_on is not None  # the acceptance clock runs from the visit
        visit = db.session.execute(select(ReceptionVisit)).scalar_one()
        assert visit.case_id == case.id
        actions = [e.action for e in case.events]
        assert actions == ["submitted", "reception_visit"]
        assert case.events[1].actor_id == user["id"] and not case.events[1].is_public
    # the citizen follows it with the code and PIN
    track = app.test_client().get("/tra-cuu")
    assert track.status_code == 200


def test_a_complaint_case_needs_the_id_number(client, app):
    inspector(client, app)
    resp = client.post(f"{BASE}/moi", data=visit_form(client, kind_code="khieu_nai", case_action="create", cccd=""))
    assert resp.status_code == 422
    assert "Loại đơn này cần mục này để tạo hồ sơ." in resp.get_data(as_text=True)
    assert count(app, ReceptionVisit) == 0 and count(app, Case) == 0


def test_a_visit_links_to_an_existing_case(client, app):
    inspector(client, app)
    client.post(f"{BASE}/moi", data=visit_form(client, case_action="create", kind_code="gop_y"))
    with app.app_context():
        code = db.session.execute(select(Case.tracking_code)).scalar_one()
    typed = code.replace("-", " ").lower()
    resp = client.post(f"{BASE}/moi", data=visit_form(client, case_action="link", tracking_code=typed, is_repeat="repeat"))
    assert resp.status_code == 303
    with app.app_context():
        visits = db.session.execute(select(ReceptionVisit).order_by(ReceptionVisit.id)).scalars().all()
        assert visits[0].case_id == visits[1].case_id is not None
        events = db.session.execute(select(CaseEvent.action).order_by(CaseEvent.seq)).scalars().all()
        assert events == ["submitted", "reception_visit", "reception_visit"]
    assert code in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_edit_a_visit(client, app):
    inspector(client, app)
    loc = client.post(f"{BASE}/moi", data=visit_form(client)).headers["Location"]
    client.post(f"{BASE}/moi", data=visit_form(client, visit_date=date(today().year - 1, 5, 5).isoformat()))
    vid = int(loc.rstrip("/").rsplit("/", 1)[1])
    edit = f"{BASE}/{vid}/sua"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="Nguyễn Văn An"' in page and 'value="075190001234"' in page
    resp = client.post(edit, data=visit_form(client, url=edit, visit_date=date(today().year - 1, 6, 1).isoformat(),
                                             handling="transferred", handling_agency="UBND xã Long Thành",
                                             follow_up="Đã có văn bản trả lời"))
    assert resp.status_code == 303
    with app.app_context():
        v = db.session.get(ReceptionVisit, vid)
        assert (v.year, v.serial, v.handling, v.handling_agency) == (today().year - 1, 2, "transferred", "UBND xã Long Thành")
        assert v.follow_up == "Đã có văn bản trả lời"


def make_visits(client, app):
    inspector(client, app)
    y = today() - timedelta(days=1)
    client.post(f"{BASE}/moi", data=visit_form(client, content="Khiếu nại về đất đai", kind_code="khieu_nai",
                                               visit_date=(today() - timedelta(days=40)).isoformat()))
    client.post(f"{BASE}/moi", data=visit_form(client, content="=HYPERLINK(\"http://x\",\"bấm\")", reception_type="periodic",
                                               head_mode="in_person", visit_date=y.isoformat(), handling="guided"))
    client.post(f"{BASE}/moi", data=visit_form(client, citizen_name="Lê Văn Cường", citizen_address="Ấp 3",
                                               cccd="079200001111", content="Tố cáo cán bộ vòi tiền",
                                               kind_code="to_cao", is_group="y", people_count="7"))
    assert count(app, ReceptionVisit) == 3


def rows_of(html: str) -> int:
    return html.count('<tr>') - 1 if "<tbody>" in html else 0


def test_list_filters_and_search(client, app):
    make_visits(client, app)
    get = lambda q: client.get(f"{BASE}/{q}").get_data(as_text=True)
    assert rows_of(get("")) == 3
    assert rows_of(get("?reception_type=periodic")) == 1
    assert rows_of(get("?handling=guided")) == 1
    assert rows_of(get("?group=yes")) == 1 and rows_of(get("?group=no")) == 2
    assert rows_of(get(f"?date_from={(today() - timedelta(days=2)).isoformat()}")) == 2
    assert rows_of(get(f"?date_to={(today() - timedelta(days=30)).isoformat()}")) == 1
    search = lambda q: client.post(f"{BASE}/", data={"q": q}).get_data(as_text=True)
    assert rows_of(search("khieu nai dat")) == 1  # without diacritics, in a POST body
    assert rows_of(search("Cường")) == 0  # a denouncer's name is not searchable
    assert rows_of(get("?q=khieu+nai+dat")) == 3  # never from the address
    bad = client.get(f"{BASE}/?date_from=khong-phai-ngay&trang=abc")
    assert bad.status_code == 200 and "Ngày không hợp lệ" in bad.get_data(as_text=True)


def test_readers_never_see_id_numbers_nor_a_denouncer(client, app):
    make_visits(client, app)
    office = app.test_client()
    login(office, make_user(app, "vanphong", "office"))
    page = office.get(f"{BASE}/").get_data(as_text=True)
    assert "075190001234" not in page and "Lê Văn Cường" not in page and "Nguyễn Văn An" in page
    assert "Ghi lượt tiếp mới" not in page
    with app.app_context():
        ids = db.session.execute(select(ReceptionVisit.id, ReceptionVisit.kind_code)).all()
    for vid, kind in ids:
        detail = office.get(f"{BASE}/{vid}").get_data(as_text=True)
        assert "075190001234" not in detail and "079200001111" not in detail and "Số CCCD" not in detail
        if kind == "to_cao":
            assert "Lê Văn Cường" not in detail and "Ấp 3" not in detail and "giữ bí mật" in detail
    insp = client.get(f"{BASE}/").get_data(as_text=True)
    # a denouncer stays off the list for the inspectors too: only the audited reveal shows them
    assert "Lê Văn Cường" not in insp and "Nguyễn Văn An" in insp


def test_csv_export(client, app):
    make_visits(client, app)
    viewer = app.test_client()
    login(viewer, make_user(app, "lanhdao", "viewer"))
    resp = viewer.get(f"{BASE}/xuat.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")
    assert "075190001234" not in text and "079200001111" not in text and "Lê Văn Cường" not in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "Số thứ tự" and "Số CCCD" not in rows[0] and len(rows) == 4
    assert any(r[6] == "'=HYPERLINK(\"http://x\",\"bấm\")" for r in rows[1:])
    assert any(r[4] == "(giữ bí mật)" for r in rows[1:])
    only = viewer.get(f"{BASE}/xuat.csv?handling=guided").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(only.lstrip("\ufeff"))))) == 2


def dialogue_form(client, url=f"{BASE}/doi-thoai/moi", **over) -> dict:
    html = client.get(url).get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1),
            "token": re.search(r'name="token"[^>]*value="([^"]*)"', html).group(1),
            "held_on": today().isoformat(), "location": "Hội trường Sở", "chair": "Phó Giám đốc Sở",
            "participants": "Đại diện 15 hộ dân ấp 3", "issues": "Giá bồi thường đất nông nghiệp",
            "answers": "Giải thích khung giá", "commitments": "Rà soát lại trong 30 ngày",
            "follow_ups": "Văn phòng theo dõi"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_dialogue_with_linked_case_and_minutes(client, app):
    inspector(client, app)
    client.post(f"{BASE}/moi", data=visit_form(client, case_action="create", kind_code="gop_y"))
    with app.app_context():
        code = db.session.execute(select(Case.tracking_code)).scalar_one()
    data = dialogue_form(client, case_codes=code.lower())
    data["minutes"] = (io.BytesIO(pdf_bytes()), "biên bản.pdf")
    resp = client.post(f"{BASE}/doi-thoai/moi", data=data, content_type="multipart/form-data")
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    detail = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert code in detail and "Rà soát lại trong 30 ngày" in detail and "biên bản.pdf" in detail
    with app.app_context():
        d = db.session.execute(select(DialogueSession)).scalar_one()
        assert [c.tracking_code for c in d.cases] == [code]
        did, key = d.id, d.minutes_key
    office = app.test_client()
    login(office, make_user(app, "vanphong", "office"))
    dl = office.get(f"{BASE}/doi-thoai/{did}/bien-ban")
    assert dl.status_code == 200 and dl.data.startswith(b"%PDF-")
    assert dl.headers["Content-Security-Policy"] == "sandbox" and dl.headers["Content-Disposition"].startswith("attachment")
    search = lambda q: office.post(f"{BASE}/doi-thoai", data={"q": q}).get_data(as_text=True)
    assert rows_of(search("boi thuong")) == 1
    assert rows_of(search(code)) == 1
    assert rows_of(search("khong co gi")) == 0
    # edit: replace the minutes; the old file goes
    edit = f"{BASE}/doi-thoai/{did}/sua"
    data = dialogue_form(client, url=edit, case_codes="", chair="Giám đốc Sở")
    data["minutes"] = (io.BytesIO(pdf_bytes()), "ban-ky.pdf")
    assert client.post(edit, data=data, content_type="multipart/form-data").status_code == 303
    with app.app_context():
        d = db.session.get(DialogueSession, did)
        assert d.chair == "Giám đốc Sở" and d.cases == [] and d.minutes_name == "ban-ky.pdf"
        assert not file_stores.minutes.path_for(key).exists() and file_stores.minutes.path_for(d.minutes_key).exists()


def test_a_dialogue_without_minutes_has_no_download(client, app):
    inspector(client, app)
    resp = client.post(f"{BASE}/doi-thoai/moi", data=dialogue_form(client))
    did = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert client.get(f"{BASE}/doi-thoai/{did}/bien-ban").status_code == 404
    assert client.get(f"{BASE}/doi-thoai/999999").status_code == 404
    assert client.get(f"{BASE}/999999").status_code == 404
