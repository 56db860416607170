"""The public form's optional location: "use my location" (static/js/locate.js fills two hidden
fields) or the commune choice; without JavaScript the form works as before. Staff see the point
with a link that opens it on OpenStreetMap; no map asset is loaded."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import Case, Commune
from tests.app.helpers import post_case, receipt_codes
from tests.app.staff_helpers import login, make_user
from tests.factories import complaint, denunciation

REPORT = {"full_name": "Nguyễn Văn An", "address": "Phường Long Bình", "subject": "Cống vỡ",
          "content": "Cống thoát nước vỡ trước chợ.", "consent": "y", "submitter_type": "citizen"}


def test_form_offers_location_except_for_denunciations(client):
    page = client.get("/gui/phan_anh")
    html = page.get_data(as_text=True)
    assert page.headers["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(self), payment=()"
    assert 'id="locate"' in html and 'class="field locate is-hidden"' in html  # shown by the script only
    assert re.search(r'<input id="latitude" name="latitude" type="hidden" value="">', html)
    assert re.search(r'<script src="/static/js/locate.js" nonce="[^"]+" defer></script>', html)
    assert "Dùng vị trí của tôi" in html and 'name="commune_id"' in html
    assert "openstreetmap" not in html.lower() and "https://" not in html  # nothing loaded from outside
    den = client.get("/gui/to_cao")
    assert "geolocation=()" in den.headers["Permissions-Policy"]
    body = den.get_data(as_text=True)
    assert 'id="locate"' not in body and "locate.js" not in body and 'name="latitude"' not in body
    assert 'name="commune_id"' in body


def test_located_submission_is_stored_and_shown_to_staff(client, app):
    code, _pin = receipt_codes(client, post_case(client, "phan_anh", {
        **REPORT, "latitude": "10.9574123", "longitude": "106.8427"}))
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        assert (case.latitude, case.longitude) == (10.957412, 106.8427)
        cid = case.id
        rid = case.open311_id
    got = client.get(f"/open311/v2/requests/{rid}.json").get_json()[0]
    assert (got["lat"], got["long"]) == (10.957412, 106.8427)
    login(client, make_user(app, "thanhtra", "inspector"))
    page = client.get(f"/can-bo/ho-so/{cid}").get_data(as_text=True)
    assert '<dd id="case-location">10.957412, 106.842700 · <a href="https://www.openstreetmap.org/' \
           '?mlat=10.957412&amp;mlon=106.842700#map=18/10.957412/106.842700" rel="noopener noreferrer">' in page
    assert "<script src=\"http" not in page and "<img src=\"http" not in page


def test_without_javascript_the_commune_does_the_job(client, app):
    with app.app_context():
        commune = db.session.execute(select(Commune).where(Commune.active.is_(True)).limit(1)).scalar_one()
        commune_id, name = commune.id, commune.name
    code, _pin = receipt_codes(client, post_case(client, "phan_anh", {**REPORT, "commune_id": str(commune_id)}))
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        assert (case.latitude, case.longitude, case.commune_id) == (None, None, commune_id)
        rid = case.open311_id
    assert client.get(f"/open311/v2/requests/{rid}.json").get_json()[0]["address"] == name


@pytest.mark.parametrize("lat, lon", [("91", "106"), ("10.9", ""), ("", "106.8"), ("nan", "106"),
                                      ("10.9", "inf"), ("x" * 50, "1")])
def test_a_bad_location_is_explained_and_nothing_stored(client, app, lat, lon):
    resp = post_case(client, "phan_anh", {**REPORT, "latitude": lat, "longitude": lon})
    assert resp.status_code == 422
    assert "Vị trí không hợp lệ" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Case)).first() is None


def test_a_denunciation_ignores_a_location_sent_anyway(client, app):
    code, _pin = receipt_codes(client, post_case(client, "to_cao", {
        **denunciation(), "latitude": "10.9", "longitude": "106.8"}))
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        assert (case.latitude, case.longitude) == (None, None)


def test_a_complaint_can_be_located(client, app):
    code, _pin = receipt_codes(client, post_case(client, "khieu_nai", {
        **complaint(), "latitude": "-33.5", "longitude": "-70.25"}))
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        assert (case.latitude, case.longitude) == (-33.5, -70.25)
