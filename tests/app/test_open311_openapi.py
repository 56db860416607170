"""The served OpenAPI 3.1 document is in step with the code: every route of the API is described
and every described path is routed; schemathesis then sends generated requests (valid and invalid,
a bounded number, derandomized) through WSGI and checks the answers against the document: no
server error, status codes, content types and bodies as described."""
from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.app.test_open311 import make_key

EXAMPLES = 25  # per operation and mode: ~10 operations × 2 modes, a few hundred requests in all


def documented_routes(app) -> set[tuple[str, str]]:
    doc = app.test_client().get("/open311/v2/openapi.json").get_json()
    return {(method.upper(), "/open311" + path) for path, ops in doc["paths"].items() for method in ops}


def routed(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("api.unknown", "api.root_v2") or not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule).replace("{fmt}", "{format}")
        out |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return out


def test_document_is_openapi_31_and_matches_the_routes(app):
    resp = app.test_client().get("/open311/v2/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    doc = resp.get_json()
    assert doc["openapi"] == "3.1.0" and doc["servers"] == [{"url": app.config["PUBLIC_BASE_URL"] + "/open311"}]
    assert routed(app) == documented_routes(app)
    # Every field a JSON answer carries is described (additionalProperties is false for requests).
    schemas = doc["components"]["schemas"]
    assert set(schemas["ServiceRequest"]["required"]) == set(schemas["ServiceRequest"]["properties"])


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_schemathesis_finds_no_server_error(app, runner):
    key = make_key(runner)
    schema = schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every described operation but the document itself, which schemathesis leaves out.
    assert {f"{o.method.upper()} /open311{o.path}" for o in operations} == {
        f"{m} {p}" for m, p in documented_routes(app) if not p.endswith("openapi.json")}
    calls = 0

    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                nonlocal calls
                calls += 1
                response = case.call(headers={"X-Api-Key": key})
                assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
                # What a schema cannot say: a filing's rules depend on its service (required fields,
                # consent, ...), and a window's start must not follow its end. Those 400s are right.
                cross_field = case.method == "POST" or {"start_date", "end_date"} <= set(case.query or {})
                case.validate_response(response, headers={"X-Api-Key": key},
                                       excluded_checks=[positive_data_acceptance] if cross_field else None)

            check()
    print(f"schemathesis: {calls} requests over {len(operations)} operations, no server error")
    assert calls >= len(operations) * 2
