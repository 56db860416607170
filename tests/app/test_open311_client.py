"""An independent Open311 client from PyPI, and raw HTTP, against a real server on loopback.

``georeport`` (PyPI, Python 3) reads services, definitions, request lists and single requests in
both formats (it parses XML with xmltodict). It has no call for filing, tokens, discovery or
updates, so those go through raw ``requests`` calls, in XML and JSON. (The other Open311 clients on
PyPI, ``open311`` 1.1 and ``three`` 0.8, are Python 2 code and do not import on Python 3.11.)
"""
from __future__ import annotations

import threading

import pytest
import requests
from georeport import GeoReport
from lxml import etree
from werkzeug.serving import make_server

from tests.app.test_open311 import CCCD, FULL_NAME, complaint, key  # noqa: F401 (fixture)

JURISDICTION = "kiemthu.local"  # the host of the tests' PUBLIC_BASE_URL (base_config)


@pytest.fixture
def server(app, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, name="open311-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        thread.join(timeout=10)


def as_list(value) -> list:
    """xmltodict gives one child as a dict, several as a list, none as None."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def xml(resp) -> etree._Element:
    assert resp.headers["Content-Type"].startswith("text/xml"), resp.headers["Content-Type"]
    return etree.fromstring(resp.content)


def test_georeport_client_reads_services_and_definitions(server):
    for fmt in ("json", "xml"):
        client = GeoReport(f"{server}/open311/v2", jurisdiction=JURISDICTION, output_format=fmt)
        services = as_list(client.get_service_list())
        codes = [s["service_code"] for s in services]
        assert codes == ["gop_y", "phan_anh", "kien_nghi", "khieu_nai", "to_cao"], fmt
        assert {str(s["metadata"]).lower() for s in services} == {"true"}
        definition = client.get_service_definition("khieu_nai")
        assert definition["service_code"] == "khieu_nai"
        attrs = definition["attributes"] if fmt == "json" else as_list(definition["attributes"]["attribute"])
        by_code = {a["code"]: a for a in attrs}
        assert {"contact_address", "cccd", "consent", "complained_decision"} <= set(by_code)
        assert str(by_code["cccd"]["required"]).lower() == "true"
    # The client sends jurisdiction_id with every call: another one is refused with a spec error.
    other = GeoReport(f"{server}/open311/v2", jurisdiction="hanoi.gov.vn", output_format="xml")
    with pytest.raises(requests.HTTPError) as err:
        other.get_service_list()
    assert err.value.response.status_code == 404
    assert xml(err.value.response).findtext("error/description").startswith("jurisdiction_id: unknown")


def test_file_then_read_with_the_client_in_both_formats(server, key):
    base = f"{server}/open311/v2"
    # POST (raw, form-encoded as the spec says): a complaint, a point-only report, an address-only one.
    filed = requests.post(f"{base}/requests.xml", data=complaint(key, jurisdiction_id=JURISDICTION), timeout=10)
    assert filed.status_code == 201
    complaint_id = xml(filed).findtext("request/service_request_id")
    point = requests.post(f"{base}/requests.json", timeout=10, data={
        "api_key": key, "jurisdiction_id": JURISDICTION, "service_code": "phan_anh",
        "description": "Ổ gà lớn giữa đường.", "lat": "10.9447", "long": "106.8243"})
    assert point.status_code == 201, point.text
    point_id = point.json()[0]["service_request_id"]
    address = requests.post(f"{base}/requests.xml", timeout=10, data={
        "api_key": key, "service_code": "kien_nghi", "description": "Thêm bãi đỗ xe.",
        "address_string": "Trung tâm hành chính công tỉnh"})
    assert address.status_code == 201, address.text
    address_id = xml(address).findtext("request/service_request_id")

    for fmt in ("json", "xml"):
        client = GeoReport(base, jurisdiction=JURISDICTION, output_format=fmt)
        listed = as_list(client.get_service_requests(start_date="2000-01-01T00:00:00Z"))
        assert {r["service_request_id"] for r in listed} == {complaint_id, point_id, address_id}, fmt
        only = as_list(client.get_service_requests(service_request_id=f"{point_id},{address_id}"))
        assert {r["service_request_id"] for r in only} == {point_id, address_id}
        a = client.get_service_request(point_id)
        b = client.get_service_request(address_id)
        if fmt == "xml":  # xmltodict: a list of one <request> is a dict
            a, b = as_list(a)[0], as_list(b)[0]
        assert (float(a["lat"]), float(a["long"]), a["address"]) == (10.9447, 106.8243, None), fmt
        assert (b["lat"], b["long"], b["address"]) == (None, None, "Trung tâm hành chính công tỉnh"), fmt
        assert a["status"] == "open" and a["service_code"] == "phan_anh"
        text = str(listed)
        assert FULL_NAME not in text and CCCD not in text

    # tokens, discovery and updates (raw): both formats.
    for fmt in ("json", "xml"):
        tok = requests.get(f"{base}/tokens/{point_id}.{fmt}", params={"jurisdiction_id": JURISDICTION}, timeout=10)
        assert tok.status_code == 200
        got = tok.json()[0] if fmt == "json" else {c.tag: c.text for c in xml(tok).find("request")}
        assert got == {"service_request_id": point_id, "token": point_id}
        disc = requests.get(f"{server}/open311/discovery.{fmt}", timeout=10)
        assert disc.status_code == 200
        url = disc.json()["endpoints"][0]["url"] if fmt == "json" else xml(disc).findtext("endpoints/endpoint/url")
        assert url.endswith("/open311/v2")
        ups = requests.get(f"{base}/servicerequestupdates.{fmt}", timeout=10)
        assert ups.status_code == 200
        ids = ([u["service_request_id"] for u in ups.json()] if fmt == "json"
               else [u.findtext("service_request_id") for u in xml(ups).findall("request_update")])
        assert sorted(ids) == sorted([complaint_id, point_id, address_id])


def test_bad_input_over_http_never_500(server, key):
    base = f"{server}/open311/v2"
    cases = [
        ("get", f"{base}/services.html", {}, 400, "json"),
        ("post", f"{base}/requests.xml", {"data": b"<service_request><oops>", "headers": {"Content-Type": "text/xml"}}, 400, "xml"),
        ("post", f"{base}/requests.json", {"data": b"{oops", "headers": {"Content-Type": "application/json"}}, 400, "json"),
        ("post", f"{base}/requests.xml", {"data": {"api_key": key, "service_code": "gop_y", "description": "x",
                                                   "lat": "95", "long": "10"}}, 400, "xml"),
        ("get", f"{base}/requests.json?jurisdiction_id=nowhere", {}, 404, "json"),
        ("get", f"{base}/servicerequestupdates.xml?jurisdiction_id=nowhere", {}, 404, "xml"),
    ]
    for method, url, kwargs, status, fmt in cases:
        resp = getattr(requests, method)(url, timeout=10, **kwargs)
        assert resp.status_code == status, (url, resp.text)
        if fmt == "json":
            body = resp.json()
            assert body and all(set(e) == {"code", "description"} and e["code"] == status for e in body)
        else:
            root = xml(resp)
            assert root.tag == "errors" and int(root.findtext("error/code")) == status
