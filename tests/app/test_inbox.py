"""The inspectors' inbox: access, saved views, filters, search insensitive to diacritics, privacy,
deadline badges, keyset pagination and bad input."""
from __future__ import annotations

import html
import itertools
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from danvan_feedback.domain.calendar import WorkCalendar
from danvan_feedback.domain.codes import new_tracking_code
from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseIdentity, OrgSetting, Unit
from danvan_feedback.services.intake import search_text
from tests.app.helpers import post_case, receipt_codes
from tests.app.staff_helpers import csrf, login, make_user
from tests.factories import complaint, denunciation

URL = "/can-bo/hop-thu"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_CODE = re.compile(r'class="case-code"[^>]*>([^<]+)<')
_SEQ = itertools.count(1)


def fetch(client, query: dict):
    """The inbox with these parameters: search words go in a POST body, never in the address."""
    if "q" in query:
        return client.post(URL, data={"csrf_token": csrf(client, URL), **query})
    return client.get(URL, query_string=query)


def today() -> date:
    return datetime.now(TZ).date()


def unit_id(app, code: str) -> int:
    with app.app_context():
        return db.session.execute(select(Unit.id).where(Unit.code == code)).scalar_one()


def seed(app, *, subject="Đơn thử", content="Nội dung thử", kind="gop_y", status="received",
         due_on=None, unit=None, assignee_id=None, resolver_id=None, channel="web", is_group=False,
         group_size=None, received_at=None, identity=None) -> str:
    """Insert one case directly (no outbox, no files); returns its tracking code."""
    n = next(_SEQ)
    code = new_tracking_code()
    with app.app_context():
        hu = db.session.execute(select(Unit.id).where(Unit.code == unit)).scalar_one() if unit else None
        now = received_at or datetime.now(timezone.utc) - timedelta(minutes=n)
        ident = identity or {}
        case = Case(tracking_code=code, pin_hash="0" * 64, submission_token=f"tok-{n}-{code}",
                    kind_code=kind, status=status, channel=channel, subject=subject, content=content,
                    received_at=now, updated_at=now, due_on=due_on, handling_unit_id=hu,
                    assignee_id=assignee_id, resolver_id=resolver_id, is_group=is_group,
                    group_size=group_size, lookup_failures=0,
                    search_text=search_text(code, subject, content, ident if kind != "to_cao" else {}))
        if ident:
            case.identity = CaseIdentity(**ident)
        db.session.add(case)
        db.session.commit()
    return code


def codes(resp) -> list[str]:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return _CODE.findall(resp.get_data(as_text=True))


def link(resp, rel: str) -> str | None:
    m = re.search(rf'<a rel="{rel}" href="([^"]+)"', resp.get_data(as_text=True))
    return html.unescape(m.group(1)) if m else None


@pytest.fixture
def inspector(app, client):
    user = make_user(app, "tt", "inspector")
    login(client, user)
    return user


# -- access ------------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client):
    resp = client.get(URL)
    assert resp.status_code == 302 and "/dang-nhap" in resp.headers["Location"]


@pytest.mark.parametrize("role", ["office", "viewer", "admin"])
def test_other_roles_are_refused(app, client, role):
    login(client, make_user(app, f"u_{role}", role))
    assert client.get(URL).status_code == 403
    assert "Hộp thư đơn" not in client.get("/can-bo/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["inspector", "unit"])
def test_inbox_roles_see_it_in_the_menu(app, client, role):
    login(client, make_user(app, f"u_{role}", role))
    home = client.get("/can-bo/").get_data(as_text=True)
    assert "Hộp thư đơn" in home and URL in home
    resp = client.get(URL)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"


# -- views and filters -------------------------------------------------------------------------

def test_saved_views(app, client, inspector):
    t = today()
    cal = WorkCalendar()
    soon = cal.add_working_days(t, 1)
    far = cal.add_working_days(t, 15)
    me = inspector["id"]
    c_new = seed(app, subject="Mới nhận", due_on=far)
    c_soon = seed(app, subject="Sắp hạn", status="accepted", due_on=soon, unit="CCTT")
    c_over = seed(app, subject="Quá hạn rồi", status="in_progress", due_on=t - timedelta(days=10), assignee_id=me)
    c_wait = seed(app, subject="Chờ bổ sung", status="waiting_citizen", due_on=far, resolver_id=me)
    c_closed = seed(app, subject="Đã xong", status="closed", due_on=t - timedelta(days=20))
    c_stored = seed(app, subject="Lưu đơn", status="stored")
    expect = {
        "moi": {c_new}, "cua-toi": {c_over, c_wait}, "sap-den-han": {c_soon}, "qua-han": {c_over},
        "cho-cong-dan": {c_wait}, "da-dong": {c_closed, c_stored},
        "dang-mo": {c_new, c_soon, c_over, c_wait},
        "tat-ca": {c_new, c_soon, c_over, c_wait, c_closed, c_stored},
    }
    for view, want in expect.items():
        assert set(codes(fetch(client, {"xem": view}))) == want, view
    # the default view is the open cases, by deadline: overdue first, no deadline last
    assert codes(client.get(URL)) == [c_over, c_soon, c_new, c_wait]
    page = client.get(URL).get_data(as_text=True)
    assert 'aria-current="page">Đang mở' in page


def test_filters(app, client, inspector):
    t = today()
    other = make_user(app, "dv2", "unit", unit_code="CCKL")
    base = datetime(t.year, t.month, t.day, 3, tzinfo=timezone.utc)
    a = seed(app, kind="khieu_nai", unit="CCTT", received_at=base - timedelta(days=40), channel="api")
    b = seed(app, kind="phan_anh", unit="CCKL", assignee_id=other["id"], is_group=True, group_size=12,
             received_at=base - timedelta(days=5))
    c = seed(app, kind="phan_anh", status="accepted", received_at=base - timedelta(days=1))
    cctt, cckl = unit_id(app, "CCTT"), unit_id(app, "CCKL")
    all_ = {"xem": "tat-ca"}
    assert set(codes(fetch(client, {**all_, "loai": "phan_anh"}))) == {b, c}
    assert set(codes(fetch(client, {**all_, "trang_thai": "accepted"}))) == {c}
    assert set(codes(fetch(client, {**all_, "don_vi": cctt}))) == {a}
    assert set(codes(fetch(client, {**all_, "don_vi": cckl}))) == {b}
    assert set(codes(fetch(client, {**all_, "don_vi": 0}))) == {c}
    assert set(codes(fetch(client, {**all_, "can_bo": other["id"]}))) == {b}
    assert set(codes(fetch(client, {**all_, "can_bo": 0}))) == {a, c}
    assert set(codes(fetch(client, {**all_, "kenh": "api"}))) == {a}
    assert set(codes(fetch(client, {**all_, "dong_nguoi": "1"}))) == {b}
    assert set(codes(fetch(client, {**all_, "dong_nguoi": "0"}))) == {a, c}
    frm = (t - timedelta(days=10)).isoformat()
    assert set(codes(fetch(client, {**all_, "tu": frm}))) == {b, c}
    assert set(codes(fetch(client, {**all_, "tu": frm, "den": (t - timedelta(days=2)).isoformat()}))) == {b}
    # combined with a view; the group badge shows; filters survive in the tab links
    resp = fetch(client, {"xem": "moi", "loai": "phan_anh"})
    assert codes(resp) == [b]
    page = resp.get_data(as_text=True)
    assert "Đông người (12)" in page and "Phòng Tổ chức" not in page.split("<table")[1]
    assert "loai=phan_anh" in html.unescape(page.split('class="inbox-tabs"')[1].split("</nav>")[0])


def test_sort_by_received_newest_first(app, client, inspector):
    now = datetime.now(timezone.utc)
    old = seed(app, received_at=now - timedelta(days=3), due_on=today())
    new = seed(app, received_at=now - timedelta(hours=1), due_on=today() + timedelta(days=30))
    assert codes(fetch(client, {"sap_xep": "moi-nhan"})) == [new, old]
    assert codes(client.get(URL)) == [old, new]


# -- search ------------------------------------------------------------------------------------

def test_search_ignores_diacritics_and_finds_code_phone_and_name(app, client, inspector):
    public = app.test_client()
    land, _pin = receipt_codes(public, post_case(public, "khieu_nai", complaint(
        subject="Khiếu nại về đất đai", content="Khiếu nại đất nông nghiệp bị thu hồi", phone="0987 654 321")))
    other, _pin = receipt_codes(public, post_case(public, "khieu_nai", complaint(
        full_name="Đỗ Thị Hoa", subject="Khiếu nại xử phạt", content="Mức phạt quá cao", phone="0903 111 222")))
    seed(app, subject="Góp ý ĐẤT trồng", content="thêm cây xanh")
    for q in ("khieu nai dat", "KHIẾU NẠI ĐẤT", "Khieu Nai Dat", "đất đai"):
        assert codes(fetch(client, {"q": q})) == [land], q
    assert codes(fetch(client, {"q": "dat trong"})) != []  # upper-case Đ folds too
    # by tracking code, typed loosely
    assert codes(fetch(client, {"q": other.lower().replace("-", " ")})) == [other]
    assert codes(fetch(client, {"q": other})) == [other]
    # by phone, however typed, and by the sender's name (not a denunciation)
    for q in ("0903111222", "0903 111 222", "+84 903 111 222"):
        assert codes(fetch(client, {"q": q})) == [other], q
    assert codes(fetch(client, {"q": "do thi hoa"})) == [other]
    # the row shows the subject, never the sender
    page = fetch(client, {"q": "do thi hoa"}).get_data(as_text=True)
    assert "Khiếu nại xử phạt" in page and "Đỗ Thị Hoa" not in page and "0903" not in page.split('class="inbox-count"')[1]
    # LIKE wildcards are plain characters
    assert codes(fetch(client, {"q": "%"})) == []
    assert codes(fetch(client, {"q": "_"})) == []
    # filters apply to search results too
    assert codes(fetch(client, {"q": "khieu nai", "loai": "gop_y"})) == []


def test_denouncer_never_appears_and_cannot_be_searched(app, client, inspector):
    public = app.test_client()
    code, _pin = receipt_codes(public, post_case(public, "to_cao", denunciation(
        full_name="Lê Văn Cường", phone="0912345678", subject="Tố cáo cán bộ vòi tiền")))
    with app.app_context():
        assert db.session.execute(select(CaseIdentity.full_name)).scalar_one() == "Lê Văn Cường"
    listed = client.get(URL)
    assert codes(listed) == [code]
    text = listed.get_data(as_text=True)
    assert "Cường" not in text and "0912345678" not in text
    for q in ("Lê Văn Cường", "le van cuong", "0912345678", "0912 345 678"):
        resp = fetch(client, {"q": q})
        assert codes(resp) == [], q
        assert "Cường" not in resp.get_data(as_text=True).split('class="inbox-count"')[1]
    assert codes(fetch(client, {"q": "vòi tiền"})) == [code]


# -- unit officers -----------------------------------------------------------------------------

def test_unit_officer_sees_only_the_unit_cases(app, client):
    mine = seed(app, subject="Việc của Chi cục Trồng trọt", unit="CCTT")
    theirs = seed(app, subject="Việc của Chi cục Kiểm lâm", unit="CCKL")
    nobody = seed(app, subject="Chưa phân công")
    login(client, make_user(app, "dv", "unit"))
    for q in ({}, {"xem": "tat-ca"}, {"xem": "don-vi"}, {"xem": "da-dong"}, {"q": "viec cua chi cuc"},
              {"q": theirs}, {"q": nobody}, {"xem": "tat-ca", "don_vi": unit_id(app, "CCKL")}):
        got = codes(fetch(client, q))
        assert theirs not in got and nobody not in got, q
    assert codes(fetch(client, {"xem": "tat-ca"})) == [mine]
    resp = fetch(client, {"xem": "tat-ca", "don_vi": unit_id(app, "CCKL")})
    assert "Đơn vị không hợp lệ" in resp.get_data(as_text=True)
    page = client.get(URL).get_data(as_text=True)
    assert "Kiểm lâm" not in page
    with app.app_context():
        other_id = db.session.execute(select(Case.id).where(Case.tracking_code == theirs)).scalar_one()
    assert client.get(f"/can-bo/ho-so/{other_id}").status_code in (403, 404)


# -- deadlines ---------------------------------------------------------------------------------

def test_due_soon_and_overdue_badges(app, client, inspector):
    t = today()
    cal = WorkCalendar()
    soon = seed(app, subject="Sắp đến hạn đây", status="accepted", due_on=cal.add_working_days(t, 2))
    over = seed(app, subject="Trễ rồi", status="accepted", due_on=cal.add_working_days(t - timedelta(days=20), 1))
    fine = seed(app, subject="Còn lâu", status="accepted", due_on=cal.add_working_days(t, 12))
    closed = seed(app, subject="Đã đóng quá hạn", status="closed", due_on=t - timedelta(days=30))
    page = fetch(client, {"xem": "tat-ca"}).get_data(as_text=True)
    rows = {c: page.split(c)[1].split("</tr>")[0] for c in (soon, over, fine, closed)}
    start_row = {c: page.split(c)[0].rsplit("<tr", 1)[1] for c in (soon, over, fine, closed)}
    assert "Sắp đến hạn" in rows[soon] and "còn 2 ngày làm việc" in rows[soon] and "due-soon" in start_row[soon]
    n_over = -cal.working_days_between(t, cal.add_working_days(t - timedelta(days=20), 1))
    assert f"Quá hạn {n_over} ngày làm việc" in rows[over] and "overdue" in start_row[over]
    assert "còn 12 ngày làm việc" in rows[fine] and "badge" not in rows[fine]
    assert "Quá hạn" not in rows[closed] and "overdue" not in start_row[closed]  # closed: no alarm


def test_due_soon_window_is_a_setting(app, client, inspector):
    t = today()
    cal = WorkCalendar()
    c = seed(app, status="accepted", due_on=cal.add_working_days(t, 5))
    assert codes(fetch(client, {"xem": "sap-den-han"})) == []
    with app.app_context():
        db.session.merge(OrgSetting(key="due_soon_days", value="5"))
        db.session.commit()
    assert codes(fetch(client, {"xem": "sap-den-han"})) == [c]


# -- pagination --------------------------------------------------------------------------------

@pytest.mark.parametrize("sort", ["han", "moi-nhan"])
def test_pagination_has_no_duplicates_or_gaps(app, client, inspector, sort):
    t = today()
    now = datetime.now(timezone.utc)
    made = []
    for i in range(62):
        # few distinct deadlines (ties), some cases without one, received times with ties too
        due = None if i % 7 == 0 else t + timedelta(days=i % 5 - 2)
        made.append(seed(app, subject=f"Hồ sơ số {i}", due_on=due, received_at=now - timedelta(hours=i // 3)))
    seen, pages = [], []
    resp = fetch(client, {"xem": "tat-ca", "sap_xep": sort, "loai": "gop_y"})
    for _ in range(10):
        got = codes(resp)
        pages.append(got)
        seen += got
        nxt = link(resp, "next")
        if not nxt:
            break
        assert "loai=gop_y" in nxt and (sort == "han" or f"sap_xep={sort}" in nxt)  # filters kept
        resp = client.get(nxt)
    assert [len(p) for p in pages] == [25, 25, 12]
    assert len(seen) == len(set(seen)) == 62 and set(seen) == set(made)
    # walking back gives the same pages
    for expected in reversed(pages[:-1]):
        prev = link(resp, "prev")
        assert prev
        resp = client.get(prev)
        assert codes(resp) == expected
    assert link(resp, "prev") is None


def test_pagination_order_by_deadline(app, client, inspector):
    t = today()
    late = seed(app, due_on=t + timedelta(days=9))
    none = seed(app, due_on=None)
    early = seed(app, due_on=t - timedelta(days=1))
    assert codes(fetch(client, {"xem": "tat-ca"})) == [early, late, none]


# -- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("query, message", [
    ({"xem": "bi-mat"}, "Không có chế độ xem"),
    ({"loai": "khong_co"}, "Loại đơn không hợp lệ"),
    ({"trang_thai": "deleted"}, "Trạng thái không hợp lệ"),
    ({"don_vi": "abc"}, "Đơn vị không hợp lệ"),
    ({"don_vi": "999999"}, "Đơn vị không hợp lệ"),
    ({"can_bo": "-1"}, "Cán bộ không hợp lệ"),
    ({"kenh": "fax"}, "Kênh tiếp nhận không hợp lệ"),
    ({"tu": "2026-02-30"}, "không hợp lệ"),
    ({"den": "hôm qua"}, "không hợp lệ"),
    ({"tu": "9999-12-31"}, "không hợp lệ"),
    ({"tu": "2026-05-01", "den": "2026-04-01"}, "đã bỏ lọc theo ngày nhận"),
    ({"dong_nguoi": "có"}, "đông người không hợp lệ"),
    ({"sap_xep": "id desc"}, "Cách sắp xếp không hợp lệ"),
    ({"sau": "d.2026-13-01.5"}, "Liên kết trang không hợp lệ"),
    ({"sau": "n.-5"}, "Liên kết trang không hợp lệ"),
    ({"truoc": "r.garbage.1"}, "Liên kết trang không hợp lệ"),
    ({"sau": "d.2026-01-01.1", "sap_xep": "moi-nhan"}, "Liên kết trang không hợp lệ"),
    ({"sau": "x" * 500}, "Liên kết trang không hợp lệ"),
    ({"sau": "n.99999999999999999999"}, "Liên kết trang không hợp lệ"),
    ({"q": "đất " * 70}, "Từ khóa tìm kiếm quá dài"),
    ({"xem": "don-vi"}, "Không có chế độ xem"),  # an inspector without a unit
])
def test_bad_input_gets_a_message_not_an_error(app, client, inspector, query, message):
    code = seed(app, subject="Vẫn hiện", due_on=today())
    resp = fetch(client, query)
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert message in text
    if "q" not in query and "xem" not in query and "trang_thai" not in query:
        assert code in codes(resp)  # the bad filter is dropped, the list still shows


def test_search_words_never_travel_in_the_address(app, client, inspector):
    code = seed(app, subject="Đất trồng lúa")
    resp = client.get(URL, query_string={"q": "dat trong lua"})
    assert resp.status_code == 200 and "không được gửi trong địa chỉ" in resp.get_data(as_text=True)
    page = fetch(client, {"q": "dat trong lua"}).get_data(as_text=True)
    assert code in page and 'method="post"' in page
    # no link on the page carries the words
    assert not re.search(r'href="[^"]*q=', page)


def test_odd_but_valid_input(app, client, inspector):
    seed(app, subject="Một đơn")
    for q in ({"q": "   "}, {"q": "!!!"}, {"loai": ""}, {"xem": ""}, {"tu": "01/01/2026"},
              {"sau": "d.2000-01-01.1"}, {"truoc": "n.1"}, {"q": "a" * 200}):
        assert fetch(client, q).status_code == 200, q
    # a NUL character is refused for every page, with a message (issue 10), never a database error
    resp = fetch(client, {"q": "\x00"})
    assert resp.status_code == 400 and "NUL" in resp.get_data(as_text=True)
