"""Every staff URL, and who may use it. A new staff endpoint must be added to ACCESS, so none is
left without a test of who may and who may not."""
from __future__ import annotations

import pytest

from danvan_feedback import create_app
from tests.app.helpers import post_case, receipt_codes
from tests.app.staff_helpers import login, make_user
from tests.conftest import TEST_SECRET
from tests.factories import complaint

ROLES = ("admin", "inspector", "unit", "office", "viewer")
EVERYONE = set(ROLES)

# endpoint: roles that get 200 on GET (others 403 or 404); None = not a page (POST, or a file)
ACCESS: dict[str, set[str] | None] = {
    "staff.home": EVERYONE,
    "staff.case_detail": {"inspector"},  # a unit officer only for the unit's cases (tested in test_triage)
    "staff.case_action": None,
    "staff.action_page": {"inspector"},  # the page of one action (issue 14), like the case page
    "staff.action_review": None,  # its confirmation step (POST)
    "staff.reveal_identity": None,
    "staff.case_file": None,
    "auth.change_password": EVERYONE,
}
# Areas whose own test module checks every URL against every role.
COVERED_ELSEWHERE = {
    "admin.": "test_admin.py", "reception.": "test_reception.py", "survey_staff.": "test_survey_staff.py",
    "staff.inbox": "test_inbox.py",
    "reports.": "test_reports_web.py",  # reports (issue 5)
    "letters.": "test_letters.py",  # letters on paper, issued documents (issue 12)
    "imports.": "test_register_import_web.py",  # old registers (issue 16)
}


def staff_endpoints():
    app = create_app({"APP_ENV": "testing", "SKIP_DOTENV": True, "SECRET_KEY": TEST_SECRET})
    out = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/can-bo"):
            out[rule.endpoint] = rule
    return out


def test_every_staff_endpoint_is_in_the_access_table():
    import pathlib
    here = pathlib.Path(__file__).parent
    missing = []
    for endpoint in staff_endpoints():
        if endpoint in ACCESS or endpoint.endswith(".static"):
            continue
        owner = next((f for prefix, f in COVERED_ELSEWHERE.items() if endpoint.startswith(prefix)), None)
        if owner is None or not any(here.glob(owner.replace(".py", "*.py"))):
            missing.append(endpoint)
    assert missing == [], f"add these endpoints to ACCESS (or to their area's access test): {missing}"


@pytest.fixture
def case_id(app):
    client = app.test_client()
    code, _ = receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    from sqlalchemy import select
    from danvan_feedback.extensions import db
    from danvan_feedback.models import Case
    with app.app_context():
        return db.session.execute(select(Case.id).where(Case.tracking_code == code)).scalar_one()


def _url(endpoint: str, case_id: int) -> str:
    rule = staff_endpoints()[endpoint]
    values = {name: (case_id if name == "case_id" else "accept" if name == "action" else 1) for name in rule.arguments}
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    return path


GET_PAGES = sorted(e for e, roles in ACCESS.items() if roles is not None)


@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_anonymous_is_sent_to_login(client, case_id, endpoint):
    url = _url(endpoint, case_id)
    resp = client.get(url) if endpoint == "staff.case_file" or ACCESS[endpoint] is not None else client.post(url, data={})
    assert resp.status_code in (302, 400) and (resp.status_code == 400 or "/dang-nhap" in resp.headers["Location"])


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_only_its_pages(app, client, case_id, role):
    user = make_user(app, f"u_{role}", role)
    login(client, user)
    for endpoint in GET_PAGES:
        resp = client.get(_url(endpoint, case_id))
        if role in ACCESS[endpoint]:
            assert resp.status_code == 200, (endpoint, role)
        else:
            assert resp.status_code in (403, 404), (endpoint, role, resp.status_code)
