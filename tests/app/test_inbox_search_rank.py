"""Inbox search (issue 14, item 4): whole words without diacritics, ranked code > name > subject >
content, each row saying where it matched; never a denouncer by name. Both engines."""
from __future__ import annotations

import re

from danvan_feedback.staff.inbox_query import SEARCH_LIMIT
from tests.app.test_inbox import codes, fetch, inspector, seed, today  # noqa: F401 (a fixture)

_MATCH = re.compile(r'class="case-code"[^>]*>([^<]+)<.*?(?:data-match>([^<]+)<|</tr>)', re.S)


def matched(resp) -> list[tuple[str, str]]:
    return [(c, m) for c, m in _MATCH.findall(resp.get_data(as_text=True))]


def test_pham_thi_hong_finds_her_case_first_and_not_vi_pham_khong(app, client, inspector):
    hong = seed(app, subject="Đề nghị cấp lại giấy phép", content="Giấy phép bị mất khi chuyển nhà",
                identity={"full_name": "Phạm Thị Hồng", "phone": "0911222333"})
    binh = seed(app, subject="Phản ánh vi phạm trật tự", content="Hàng xóm vi phạm giờ giấc, thì không ai xử lý",
                identity={"full_name": "Trần Thị Bình"}, due_on=today())
    # all three words in the content only, and an earlier deadline: still after the name match
    told = seed(app, subject="Phản ánh ô nhiễm", content="Bà Phạm Thị Hồng cho biết nước thải chảy ra đường",
                due_on=today())
    in_subject = seed(app, subject="Đơn của bà Phạm Thị Hồng", content="Xin xem xét")
    secret = seed(app, kind="to_cao", subject="Tố cáo cán bộ", content="Cán bộ nhận tiền",
                  identity={"full_name": "Phạm Thị Hồng", "phone": "0944555666"})
    for q in ("pham thi hong", "Phạm Thị Hồng", "PHAM THI HONG"):
        resp = fetch(client, {"q": q})
        assert codes(resp) == [hong, in_subject, told], q
        assert matched(resp) == [(hong, "Khớp: tên"), (in_subject, "Khớp: tiêu đề"), (told, "Khớp: nội dung")]
    # whole words only: "hong" is not "không", "pham" alone does find "vi phạm"
    assert binh not in codes(fetch(client, {"q": "pham thi hong"}))
    assert codes(fetch(client, {"q": "vi pham"})) == [binh]
    assert codes(fetch(client, {"q": "hon"})) == []
    # a denunciation is never found by its denouncer's name or phone
    assert secret not in codes(fetch(client, {"q": "pham thi hong"}))
    assert codes(fetch(client, {"q": "0944555666"})) == []
    assert codes(fetch(client, {"q": "nhan tien"})) == [secret]
    # by phone: the name field
    assert matched(fetch(client, {"q": "0911 222 333"})) == [(hong, "Khớp: tên")]
    # a list without a search has no match labels
    assert "data-match" not in client.get("/can-bo/hop-thu?xem=tat-ca").get_data(as_text=True)


def test_words_in_different_fields_rank_by_the_best_field(app, client, inspector):
    a = seed(app, subject="Cây xanh gãy đổ", content="Ở phường Hòa Bình", due_on=today())
    # a business's name is searchable word by word; a person's name only whole, by its blind index
    b = seed(app, subject="Đường hư hỏng", content="Xanh che khuất ở phường 2", identity={"company_name": "Công ty Cây Việt"})
    resp = fetch(client, {"q": "cay xanh"})
    # all words in the subject beat one in the name and one in the content
    assert matched(resp) == [(a, "Khớp: tiêu đề"), (b, "Khớp: tên")]
    resp = fetch(client, {"q": "cay phuong"})  # spread over fields in both: the best field wins
    assert matched(resp) == [(b, "Khớp: tên"), (a, "Khớp: tiêu đề")]


def test_a_broad_search_shows_the_best_matches_and_asks_to_refine(app, client, inspector):
    for i in range(SEARCH_LIMIT + 2):
        seed(app, subject=f"Góp ý số {i}", content="chung chung")
    resp = fetch(client, {"q": "chung"})
    assert len(codes(resp)) == SEARCH_LIMIT
    text = resp.get_data(as_text=True)
    assert "hãy thu hẹp tìm kiếm" in text and 'rel="next"' not in text and 'data-rel="next"' not in text
    # the list without a search still pages by keyset
    listed = client.get("/can-bo/hop-thu?xem=tat-ca")
    assert 'rel="next"' in listed.get_data(as_text=True)


def test_a_changed_subject_is_found_by_its_new_words_and_no_longer_by_the_old(app, client, inspector):
    """SQLite's full-text index follows every write of ``search_text`` (triggers), like the LIKE does."""
    from sqlalchemy import select

    from danvan_feedback.extensions import db
    from danvan_feedback.models import Case
    from danvan_feedback.services.intake import search_text
    code = seed(app, subject="Kênh mương bị bồi lấp", content="Đề nghị nạo vét")
    assert codes(fetch(client, {"q": "kenh muong"})) == [code]
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        case.subject = "Đê bao sạt lở"
        case.search_text = search_text(case.tracking_code, case.subject, case.content, {})
        db.session.commit()
    assert codes(fetch(client, {"q": "kenh muong"})) == []
    assert codes(fetch(client, {"q": "de bao sat lo"})) == [code]
    assert codes(fetch(client, {"q": "nao vet"})) == [code]
