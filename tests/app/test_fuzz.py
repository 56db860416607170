"""Hostile input: random and malformed values to every public form and to the Open311 API never get
an answer of 500 or more (issue 10).

Hypothesis runs with a fixed seed (``derandomize``) so CI is reproducible. The bulk runs on SQLite
through the test client (fast); NUL bytes, which only PostgreSQL refuses, also run on PostgreSQL.
``FUZZ_SCALE`` multiplies the number of examples (``FUZZ_SCALE=10`` for a long local run).
The number of requests made is printed at the end of the module (``-s`` or the ``-rA`` summary).
"""
from __future__ import annotations

import json
import os
import shutil
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from danvan_feedback import create_app
from danvan_feedback.extensions import db
from tests.conftest import base_config, pg_reason, skip_or_fail

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
KINDS = ["gop_y", "phan_anh", "kien_nghi", "khieu_nai", "to_cao"]
COUNT = {"requests": 0, "5xx": 0}


def fuzz_settings(n: int):
    return settings(max_examples=max(1, int(n * SCALE)), derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)


# ------------------------------------------------------------------------------- values

NASTY = [
    "", " ", "0", "-1", "1", "2", "²", "٣", "𝟙", "1e5", "0x10", "1.5", "+1", " 7 ", "١٢",
    "9" * 20, "1" * 25, str(2**31), str(2**31 - 1), str(2**63), str(10**24), "-" + "9" * 30,
    "\x00", "ab\x00c", "%00", "\r\n", "a\rb\nc", "/%09/evil.example/x", "/\t/evil.example", "//evil.example",
    "\\\\evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "/ok?a=1",
    "NaN", "Infinity", "true", "null", "[]", "{}", "'; DROP TABLE cases;--", "<script>x</script>",
    "\ud7ff", "\ufeff", "\u202e", "a" * 5000, "ĐƠN 123", "x" * 300,
]
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Nd", "No", "Cc", "Zs"]), max_size=12),
)
id_values = st.one_of(st.sampled_from(NASTY), st.integers(min_value=-(10**25), max_value=10**25).map(str),
                      st.text(alphabet="0123456789²٣\x00 ", max_size=24))

CASE_FIELDS = ["submitter_type", "anonymous", "info_only_ack", "full_name", "company_name", "tax_code", "address",
               "cccd", "phone", "email", "commune_id", "unit_id", "service_id", "subject", "content",
               "incident_date", "incident_place", "complained_decision", "request_text", "is_group",
               "group_size", "representative", "consent", "token", "website"]
SURVEY_FIELDS = ["unit_id", "service_id", "point", "version", "token", "comment", "respondent_type", "age_band",
                 "consent", "website", "q_access", "q_procedure", "q_staff", "q_result", "q_feedback",
                 "q_overall", "q_x"]


def form_of(fields: list[str]):
    """A form: some known fields with hostile values (ids and counts get number-like values)."""
    numeric = {"commune_id", "unit_id", "service_id", "group_size", "version"}
    pairs = st.one_of(*[st.tuples(st.just(f), id_values if f in numeric or f.startswith("q_") else values)
                        for f in fields],
                      st.tuples(st.text(max_size=10), values))
    return st.lists(pairs, max_size=len(fields))


def path_segment():
    return st.one_of(st.sampled_from(NASTY), st.text(max_size=30)).map(lambda s: quote(s, safe=""))


def nested_json(depth_max: int = 6):
    scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
                        st.floats(allow_nan=False, allow_infinity=False), values)
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                        max_leaves=depth_max * 3)


# ------------------------------------------------------------------------------- the app

def _make_app(tmp_path, db_url):
    cfg = {**base_config(tmp_path, db_url), "WTF_CSRF_ENABLED": False}
    return create_app(cfg)


@pytest.fixture(scope="module")
def fuzz_app(sqlite_template, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    path = tmp / "db.sqlite3"
    shutil.copy(sqlite_template, path)
    app = _make_app(tmp, f"sqlite:///{path}")
    with app.app_context():
        from danvan_feedback.models import ApiKey
        import hashlib
        db.session.add(ApiKey(name="fuzz", key_hash=hashlib.sha256(b"fuzz-key").hexdigest(), prefix="fuzz"))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    print(f"\nfuzz: {COUNT['requests']} requests, {COUNT['5xx']} answers of 5xx")


def send(client, method: str, url: str, **kw):
    if isinstance(kw.get("data"), list):
        kw["data"] = MultiDict(kw["data"])
    resp = client.open(url, method=method, **kw)
    COUNT["requests"] += 1
    if resp.status_code >= 500:
        COUNT["5xx"] += 1
    body = resp.get_data(as_text=True)[:300]
    assert resp.status_code < 500, (method, url, kw, resp.status_code, body)
    if resp.status_code in (301, 302, 303, 307, 308):
        location = resp.headers["Location"]
        if location.startswith("http://localhost/"):  # Werkzeug's own canonical-URL redirects
            location = location[len("http://localhost"):]
        assert location.startswith("/") and not location.startswith("//") and "\\" not in location, location
        assert not any(ch in location for ch in "\r\n\t\x00"), location
    return resp


# ------------------------------------------------------------------------------- public forms
# Each example is one request (the strategy picks the endpoint too), so the example counts below
# are request counts: 10,100 in all on SQLite, plus 150 examples (11 requests each) on PostgreSQL.

def req(method: str, url: str, **kw):
    return (method, url, kw)


@fuzz_settings(1600)
@given(kind=st.one_of(st.sampled_from(KINDS), path_segment()), form=form_of(CASE_FIELDS))
def test_filing_forms_never_answer_5xx(fuzz_app, kind, form):
    send(fuzz_app.test_client(), "POST", f"/gui/{kind}", data=form)


@fuzz_settings(1500)
@given(r=st.one_of(
    st.builds(lambda form: req("POST", "/khao-sat", data=form), form_of(SURVEY_FIELDS)),
    st.builds(lambda args: req("GET", "/khao-sat", query_string=args),
              st.dictionaries(st.sampled_from(["don-vi", "dich-vu", "x"]), values, max_size=3)),
    st.builds(lambda slug: req("GET", f"/ks/{slug}"), path_segment()),
    st.builds(lambda seg, form: req("POST", f"/ho-so/{seg}/danh-gia", data=form), path_segment(),
              form_of(SURVEY_FIELDS))))
def test_survey_never_answers_5xx(fuzz_app, r):
    method, url, kw = r
    send(fuzz_app.test_client(), method, url, **kw)


@fuzz_settings(2000)
@given(r=st.one_of(
    st.builds(lambda code, secret: req("POST", "/tra-cuu", data={"code": code, "secret": secret}), values, values),
    st.builds(lambda form: req("POST", "/tra-cuu", data=form), form_of(["code", "secret", "csrf_token"])),
    st.builds(lambda code: req("GET", "/tra-cuu", query_string={"ma": code}), values),
    st.builds(lambda seg: req("GET", f"/ho-so/{seg}"), path_segment()),
    st.builds(lambda seg, fid: req("GET", f"/ho-so/{seg}/tep/{quote(fid, safe='')}"), path_segment(), id_values),
    st.builds(lambda seg, form: req("POST", f"/ho-so/{seg}/bo-sung", data=form), path_segment(),
              form_of(["text", "website"]))))
def test_lookup_never_answers_5xx(fuzz_app, r):
    method, url, kw = r
    send(fuzz_app.test_client(), method, url, **kw)


@fuzz_settings(1000)
@given(r=st.one_of(
    st.builds(lambda lang, nxt: req("GET", f"/ngon-ngu/{lang}", query_string={"next": nxt}),
              st.one_of(st.sampled_from(["vi", "en"]), path_segment()), values),
    st.builds(lambda args: req("GET", "/so-lieu", query_string=args),
              st.dictionaries(st.sampled_from(["nam", "ky", "quy", "cach"]), values, max_size=3)),
    st.builds(lambda nxt: req("GET", "/dang-nhap", query_string={"next": nxt}), values)))
def test_language_switch_and_public_figures_never_answer_5xx(fuzz_app, r):
    method, url, kw = r
    send(fuzz_app.test_client(), method, url, **kw)


# ------------------------------------------------------------------------------- Open311

API = "/open311/v2"
DATES = st.sampled_from(["9999-12-31", "0001-01-01", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
                         "2026-02-30", "2026-01-01T00:00:00+07:00", "2026-13-01"])
LIST_ARGS = st.dictionaries(st.sampled_from(["service_request_id", "service_code", "start_date", "end_date",
                                             "status", "locale", "page"]), st.one_of(values, DATES), max_size=4)


@fuzz_settings(2000)
@given(r=st.one_of(
    st.builds(lambda fmt, args: req("GET", f"{API}/services.{fmt}", query_string=args),
              st.sampled_from(["json", "xml", "%00", "JSON"]), LIST_ARGS),
    st.builds(lambda code: req("GET", f"{API}/services/{code}.json"), path_segment()),
    st.builds(lambda args: req("GET", f"{API}/requests.json", query_string=args), LIST_ARGS),
    st.builds(lambda rid: req("GET", f"{API}/requests/{rid}.json"), path_segment()),
    st.builds(lambda rest, method: req(method, f"{API}/{rest}"), path_segment(),
              st.sampled_from(["GET", "POST", "PUT", "DELETE"]))))
def test_open311_reading_never_answers_5xx(fuzz_app, r):
    method, url, kw = r
    send(fuzz_app.test_client(), method, url, **kw)


API_KEYS = ["service_code", "api_key", "description", "first_name", "last_name", "email", "phone",
            "address_string", "locale", "attribute", "attribute[group_size]", "attribute[is_group]",
            "attribute[consent]", "attribute[cccd]", "attribute[idempotency_key]", "lat", "long"]


@fuzz_settings(2000)
@given(r=st.one_of(
    st.builds(lambda body: req("POST", f"{API}/requests.json", data=json.dumps(body),
                               content_type="application/json"), nested_json()),
    st.builds(lambda body: req("POST", f"{API}/requests.json", data=json.dumps(body),
                               content_type="application/json"),
              st.builds(lambda d, kind: {**d, "api_key": "fuzz-key", "service_code": kind},
                        st.dictionaries(st.sampled_from(API_KEYS[2:]), st.one_of(nested_json(2), values), max_size=8),
                        st.sampled_from(KINDS))),
    st.builds(lambda raw: req("POST", f"{API}/requests.json", data=raw, content_type="application/json"),
              st.one_of(st.binary(max_size=200), st.text(alphabet='[]{}",:0123456789\\ae', max_size=200))),
    st.builds(lambda form: req("POST", f"{API}/requests.json", data=[*form, ("api_key", "fuzz-key")]),
              form_of(API_KEYS))))
def test_open311_filing_never_answers_5xx(fuzz_app, r):
    method, url, kw = r
    send(fuzz_app.test_client(), method, url, **kw)


@pytest.mark.parametrize("depth", [1000, 50000])
def test_open311_deeply_nested_json_is_refused_not_a_crash(fuzz_app, depth):
    client = fuzz_app.test_client()
    for body in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth,
                 '{"api_key":"fuzz-key","service_code":"gop_y","attribute":' + "[" * depth + "]" * depth + "}"):
        resp = send(client, "POST", f"{API}/requests.json", data=body, content_type="application/json")
        assert resp.status_code in (400, 413)  # 413 when the nesting alone is above the size bound
        assert ("nested" if resp.status_code == 400 else "bytes") in resp.get_json()[0]["description"]


def test_open311_oversized_json_is_refused(fuzz_app):
    client = fuzz_app.test_client()
    body = json.dumps({"api_key": "fuzz-key", "service_code": "gop_y", "description": "x" * 300_000})
    resp = send(client, "POST", f"{API}/requests.json", data=body, content_type="application/json")
    assert resp.status_code == 413


# ------------------------------------------------------------------------------- PostgreSQL: NUL bytes

@pytest.fixture(scope="module")
def pg_fuzz_app(tmp_path_factory, request):
    if pg_reason():
        skip_or_fail(pg_reason(), "REQUIRE_PG")
    url = request.getfixturevalue("pg_database")
    app = _make_app(tmp_path_factory.mktemp("fuzz-pg"), url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


nul_text = st.text(max_size=12).map(lambda s: s[: len(s) // 2] + "\x00" + s[len(s) // 2:])


@pytest.mark.pg
@fuzz_settings(150)
@given(s=nul_text, kind=st.sampled_from(KINDS))
def test_nul_bytes_on_postgresql_are_refused_not_a_database_error(pg_fuzz_app, s, kind):
    client = pg_fuzz_app.test_client()
    q = quote(s, safe="")
    for method, url, kw in [
        ("GET", f"/ks/{q}", {}), ("GET", f"/ho-so/{q}", {}), ("GET", f"{API}/requests/{q}.json", {}),
        ("GET", f"{API}/services/{q}.json", {}), ("GET", f"{API}/requests.json", {"query_string": {"service_code": s}}),
        ("GET", f"{API}/requests.json", {"query_string": {"service_request_id": s}}),
        ("POST", "/tra-cuu", {"data": {"code": s, "secret": s}}),
        ("POST", f"/gui/{kind}", {"data": {"content": s, "subject": s, "full_name": s}}),
        ("POST", "/khao-sat", {"data": {"point": s, "comment": s}}),
        ("POST", f"{API}/requests.json", {"data": json.dumps({"api_key": s, "service_code": s, "description": s}),
                                          "content_type": "application/json"}),
        ("POST", "/dang-nhap", {"data": {"username": s, "password": s}}),
    ]:
        resp = send(client, method, url, **kw)
        assert resp.status_code != 503, (method, url)


# ------------------------------------------------------------------------------- the cases measured in issue 10

@pytest.mark.parametrize("field,value", [
    ("unit_id", "9" * 20), ("service_id", "1" * 25), ("commune_id", "²"), ("commune_id", "٣"),
    ("unit_id", str(2**31)), ("group_size", str(10**24)), ("group_size", "²")])
def test_out_of_range_numbers_get_a_message_not_an_error(app, field, value):
    from tests.conftest import form_tokens
    client = app.test_client()
    data = {**form_tokens(client, "/gui/gop_y"), "content": "Nội dung", "subject": "Tiêu đề", field: value,
            "is_group": "y"}
    resp = client.post("/gui/gop_y", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Lựa chọn không hợp lệ" in html or "Số người" in html


@pytest.mark.parametrize("target", ["/%09/evil.example/phish", "/\t/evil.example", "/\r\n/evil.example",
                                    "/\\evil.example", "\\\\evil.example", "//evil.example", "https://evil.example/",
                                    " //evil.example"])
def test_language_switch_never_leaves_the_site(client, target):
    from urllib.parse import unquote
    resp = client.get("/ngon-ngu/en", query_string={"next": unquote(target)})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_language_switch_keeps_a_local_next(client):
    resp = client.get("/ngon-ngu/en", query_string={"next": "/tra-cuu?ma=AB"})
    assert resp.headers["Location"] == "/tra-cuu?ma=AB"
    resp = client.get("/ngon-ngu/en", query_string={"next": "/ok\r\nSet-Cookie: x=1"})  # no header injection
    assert resp.status_code == 302 and "Set-Cookie: x" not in str(resp.headers)


def test_nul_in_a_path_or_a_form_is_refused_with_a_message(app):
    client = app.test_client()
    for resp in (client.get("/ks/ab%00c"), client.post("/tra-cuu", data={"code": "a\x00", "secret": "1"}),
                 client.get("/khao-sat?don-vi=%00")):
        assert resp.status_code == 400
        assert "NUL" in resp.get_data(as_text=True)
    api = client.get("/open311/v2/requests/ab%00c.json")
    assert api.status_code == 400 and api.get_json()[0]["code"] == 400
    api = client.post("/open311/v2/requests.json", json={"api_key": "k", "service_code": "gop_y\x00"})
    assert api.status_code == 400 and "NUL" in api.get_json()[0]["description"]


def test_ids_in_urls_beyond_the_column_are_not_found(app):
    client = app.test_client()
    assert client.get("/ho-so/AB/tep/" + "9" * 30).status_code in (302, 404)
    assert client.get("/can-bo/ho-so/" + "9" * 30).status_code in (302, 404)


def test_a_file_under_a_text_fields_name_is_left_out_not_a_500(app, client):
    """No browser sends a file under a text field's name; a script can. The public forms answer
    as if the field were empty (their usual message), never 500."""
    import io
    from datetime import datetime, timezone

    from danvan_feedback.services import survey
    from tests.app.helpers import post_case, receipt_codes
    from tests.conftest import form_tokens
    from tests.factories import complaint
    with app.app_context():  # the questionnaire, as the migration seeds it (a test may have truncated it)
        survey.seed_defaults(datetime.now(timezone.utc))
        db.session.commit()
    code, _pin = receipt_codes(client, post_case(client, "khieu_nai", complaint()))

    def post(url, page, data, name):
        payload = {**form_tokens(client, page), **data, name: (io.BytesIO(b"%PDF-1.4 x"), "x.pdf")}
        return client.post(url, data=payload, content_type="multipart/form-data")

    answers = {}
    for name in ("text", "token", "website"):
        answers[f"bo-sung {name}"] = post(f"/ho-so/{code}/bo-sung", f"/ho-so/{code}", {"text": "abc"}, name).status_code
    for name in ("code", "secret"):
        answers[f"tra-cuu {name}"] = post("/tra-cuu", "/tra-cuu", {"code": code, "secret": "1"}, name).status_code
    for name in ("comment", "token", "website"):
        answers[f"khao-sat {name}"] = post("/khao-sat", "/khao-sat", {}, name).status_code
    # the file replaces the field's value: no text to add is said; without a token nothing is held
    assert answers == {"bo-sung text": 422, "bo-sung token": 303, "bo-sung website": 303,
                       "tra-cuu code": 422, "tra-cuu secret": 422,
                       "khao-sat comment": 422, "khao-sat token": 422, "khao-sat website": 422}
