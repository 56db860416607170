"""Secrecy follows the history: reclassification, the reception desk and the guarded reveal."""
from __future__ import annotations

from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import AuditRecord, Case, OutboxMessage, User
from danvan_feedback.models.reception import ReceptionVisit
from tests.app.helpers import post_case, receipt_codes
from tests.app.staff_helpers import PASSWORD, csrf, login, make_user, totp_code
from tests.factories import denunciation

NAME, PHONE = "Lê Văn Cường", "0912345678"
INBOX = "/can-bo/hop-thu"


def case_of(app, code):
    with app.app_context():
        c = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        db.session.expunge(c)
        return c


def act(client, cid, action, **data):
    return client.post(f"/can-bo/ho-so/{cid}/thao-tac/{action}",
                       data={"csrf_token": csrf(client, f"/can-bo/ho-so/{cid}"), **data})


def audits(app):
    with app.app_context():
        return [(r.action, r.actor_id, r.case_id) for r in
                db.session.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars()]


def inbox_search(client, q):
    from tests.app.test_inbox import codes
    return codes(client.post(INBOX, data={"csrf_token": csrf(client, INBOX), "q": q}))


def test_reclassification_does_not_lift_protection(app, client):
    resolver = make_user(app, "giaiquyet", "inspector")
    other = make_user(app, "khac", "inspector")
    login(client, resolver)
    oc = app.test_client()
    login(oc, other)
    code, _pin = file_denunciation(app)
    c = case_of(app, code)
    assert c.protected
    # any inspector may not reclassify a denunciation: only its resolver (or a leader)
    assert "reclassify-kind" not in oc.get(f"/can-bo/ho-so/{c.id}").get_data(as_text=True)
    assert act(oc, c.id, "reclassify", kind="phan_anh", reason="Thực chất là phản ánh").status_code == 422
    assert act(client, c.id, "accept").status_code == 303  # the accepting inspector resolves it
    no_reason = act(client, c.id, "reclassify", kind="phan_anh")
    assert no_reason.status_code == 422 and "lý do phân loại lại" in no_reason.get_data(as_text=True)
    assert act(client, c.id, "reclassify", kind="phan_anh", reason="Nội dung là phản ánh").status_code == 303
    c = case_of(app, code)
    assert c.kind_code == "phan_anh" and c.protected and c.open311_id is None
    assert ("reclassify_protected", resolver["id"], c.id) in audits(app)
    # after the reclassification: still hidden from the other inspector, and not found by phone
    page = oc.get(f"/can-bo/ho-so/{c.id}").get_data(as_text=True)
    assert NAME not in page and PHONE not in page and "được bảo mật" in page
    assert inbox_search(oc, PHONE) == [] and inbox_search(oc, NAME) == []
    # the resolver still sees it only through the audited reveal
    assert NAME not in client.get(f"/can-bo/ho-so/{c.id}").get_data(as_text=True)
    # and reclassifying back and forth never lifts it
    assert act(client, c.id, "reclassify", kind="kien_nghi", reason="Phân loại lại lần nữa").status_code == 303
    assert case_of(app, code).protected
    assert NAME not in oc.get(f"/can-bo/ho-so/{c.id}").get_data(as_text=True)


def file_denunciation(app):
    pub = app.test_client()
    return receipt_codes(pub, post_case(pub, "to_cao", denunciation()))


def visit_data(client, url, **over):
    from tests.app.test_reception import visit_form
    return visit_form(client, url, **over)


def test_reception_denunciation_is_protected_with_an_audited_reveal(app, client):
    recorder = make_user(app, "tiepdan", "inspector")
    resolver = make_user(app, "giaiquyet", "inspector")
    login(client, recorder)
    base = "/can-bo/tiep-cong-dan"
    resp = client.post(f"{base}/moi", data=visit_data(
        client, f"{base}/moi", citizen_name=NAME, citizen_address="Ấp 3", cccd="079200001111", phone=PHONE,
        content="Tố cáo cán bộ vòi tiền", kind_code="to_cao", case_action="create"))
    assert resp.status_code == 303
    # the recorder is shown the new code and PIN once, to hand them to the citizen
    assert "Mã PIN" in client.get(resp.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        visit = db.session.execute(select(ReceptionVisit)).scalar_one()
        vid, cid, protected = visit.id, visit.case_id, visit.protected
        code = visit.case.tracking_code
        assert visit.case.protected
    assert protected and cid is not None
    rc = app.test_client()
    login(rc, resolver)
    office = app.test_client()
    login(office, make_user(app, "vanphong", "office"))
    for c in (client, rc, office):
        for url in (f"{base}/", f"{base}/{vid}", f"{base}/xuat.csv"):
            page = c.get(url).get_data(as_text=True)
            assert NAME not in page and "079200001111" not in page and "Ấp 3" not in page, url
            assert code not in page, url  # nobody may see the case yet: it has no resolver
    assert client.get(f"{base}/{vid}/sua").status_code == 403
    # the resolver of the case may reveal, with a reason and the password: one audit record
    assert act(rc, cid, "accept").status_code == 303
    page = rc.get(f"{base}/{vid}").get_data(as_text=True)
    assert "form-reveal" in page and code in page and NAME not in page
    token = csrf(rc, f"{base}/{vid}")
    ok = rc.post(f"{base}/{vid}/danh-tinh", data={"csrf_token": token, "reason": "Xác minh người tố cáo",
                                                  "password": PASSWORD, "code": totp_code(resolver)})
    html = ok.get_data(as_text=True)
    assert ok.status_code == 200 and NAME in html and "079200001111" in html
    assert [a for a in audits(app) if a[0].startswith("reveal")] == [("reveal_reception_identity", resolver["id"], cid)]
    # others still cannot reveal
    refused = client.post(f"{base}/{vid}/danh-tinh", data={"csrf_token": csrf(client, f"{base}/{vid}"),
                                                           "reason": "tò mò thôi", "password": PASSWORD})
    assert refused.status_code == 403 and NAME not in refused.get_data(as_text=True)
    # the edit form never shows the identity, and leaving it blank keeps it
    form = rc.get(f"{base}/{vid}/sua").get_data(as_text=True)
    assert NAME not in form and "079200001111" not in form
    data = visit_data(rc, f"{base}/{vid}/sua", citizen_name="", citizen_address="", cccd="",
                      content="Tố cáo cán bộ vòi tiền (bổ sung)", kind_code="to_cao", case_action="link",
                      tracking_code=code)
    assert rc.post(f"{base}/{vid}/sua", data=data).status_code == 303
    with app.app_context():
        v = db.session.get(ReceptionVisit, vid)
        assert v.citizen_name == NAME and v.cccd == "079200001111" and v.citizen_address == "Ấp 3"


def test_reveal_is_throttled_audited_and_alerts_the_administrators(app, client):
    resolver = make_user(app, "giaiquyet", "inspector")
    with app.app_context():
        admin = make_user(app, "quantri", "admin")
        db.session.get(User, admin["id"]).email = "quantri@so.example"
        db.session.commit()
    login(client, resolver)
    code, _pin = file_denunciation(app)
    cid = case_of(app, code).id
    assert act(client, cid, "accept").status_code == 303
    url = f"/can-bo/ho-so/{cid}/danh-tinh"
    token = csrf(client, f"/can-bo/ho-so/{cid}")
    answers = [client.post(url, data={"csrf_token": token, "reason": "Xác minh người tố cáo",
                                      "password": f"sai {i}", "code": "000000"}) for i in range(3)]
    assert [r.status_code for r in answers] == [422, 422, 303]  # the third locks and signs out
    assert all(NAME not in r.get_data(as_text=True) for r in answers)
    assert [a[0] for a in audits(app)] == ["reveal_auth_failed", "reveal_auth_failed", "reveal_locked"]
    with app.app_context():
        u = db.session.get(User, resolver["id"])
        assert u.locked_until is not None
        mails = db.session.execute(select(OutboxMessage)).scalars().all()
        alert = [m for m in mails if m.to_addr == "quantri@so.example"]
        assert len(alert) == 1 and "giaiquyet" in alert[0].body_text and code not in alert[0].body_text
    # the session ended; even the right password does not reveal while locked
    assert client.get(f"/can-bo/ho-so/{cid}").status_code in (302, 303)
