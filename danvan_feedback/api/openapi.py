"""The OpenAPI 3.1 description of the Open311 API, served at /open311/v2/openapi.json.

Kept in step with the code by tests/app/test_open311_openapi.py: every route of the blueprint is
described here and every path here is routed, and schemathesis checks the answers against it.
The JSON schemas below describe the ``.json`` answers; ``.xml`` answers carry the same fields as
the spec's XML documents.
"""
from __future__ import annotations

from copy import deepcopy

from ..domain.limits import CASE_TEXT_MAX
from .definitions import IDEMPOTENCY_KEY_MAX, LIST_MAX, MAX_IDS

_S = {"type": "string"}
_S_NULL = {"type": ["string", "null"]}
_DT = {"type": "string", "format": "date-time"}
_DT_NULL = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS = {
    "Errors": {
        "type": "array", "minItems": 1,
        "items": {"type": "object", "required": ["code", "description"], "additionalProperties": False,
                  "properties": {"code": {"type": "integer"}, "description": _S}},
    },
    "Discovery": {
        "type": "object", "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {
            "changeset": _DT, "contact": _S, "key_service": _S,
            "endpoints": {"type": "array", "items": {
                "type": "object", "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {"specification": _S, "url": _S, "changeset": _DT,
                               "type": {"enum": ["production", "test"]},
                               "formats": {"type": "array", "items": _S}}}},
        },
    },
    "Service": {
        "type": "object",
        "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
        "properties": {"service_code": _S, "service_name": _S, "description": _S,
                       "metadata": {"type": "boolean"}, "type": {"enum": ["realtime", "batch", "blackbox"]},
                       "keywords": _S, "group": _S},
    },
    "ServiceDefinition": {
        "type": "object", "required": ["service_code", "attributes"],
        "properties": {
            "service_code": _S,
            "attributes": {"type": "array", "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "datatype_description", "order",
                             "description", "values"],
                "properties": {
                    "variable": {"type": "boolean"}, "code": _S,
                    "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist",
                                          "multivaluelist"]},
                    "required": {"type": "boolean"}, "datatype_description": _S_NULL,
                    "order": {"type": "integer"}, "description": _S,
                    "values": {"type": "array", "items": {"type": "object", "required": ["key", "name"],
                                                          "properties": {"key": _S, "name": _S}}}}}},
        },
    },
    "ServiceRequest": {
        "type": "object",
        "required": ["service_request_id", "status", "status_notes", "service_name", "service_code",
                     "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime",
                     "address", "address_id", "lat", "long", "media_url"],
        "additionalProperties": False,
        "properties": {
            "service_request_id": _S, "status": {"enum": ["open", "closed"]}, "status_notes": _S,
            "service_name": _S, "service_code": _S, "agency_responsible": _S_NULL,
            "requested_datetime": _DT, "updated_datetime": _DT, "expected_datetime": _DT_NULL,
            "address": _S_NULL, "address_id": _S_NULL,
            "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
            "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
            "media_url": _S_NULL,
        },
    },
    "Filed": {
        "type": "object",
        "required": ["service_request_id", "token", "service_notice", "account_id", "tracking_code", "pin"],
        "properties": {
            "service_request_id": {**_S_NULL, "description": "null for a denunciation, which the API never shows"},
            "token": _S_NULL, "service_notice": _S, "account_id": {"type": "null"},
            "tracking_code": {**_S, "description": "for the citizen's receipt only"},
            "pin": {**_S_NULL, "description": "given once; null when the same idempotency key was seen"},
        },
    },
    "Token": {
        "type": "object", "required": ["service_request_id", "token"],
        "properties": {"service_request_id": _S, "token": _S},
    },
    "Update": {
        "type": "object",
        "required": ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"],
        "properties": {"update_id": _S, "service_request_id": _S, "status": {"enum": ["OPEN", "CLOSED"]},
                       "updated_datetime": _DT, "description": _S, "media_url": _S_NULL},
    },
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(name: str) -> dict:
    return {"type": "array", "items": _ref(name)}


_XML = {"text/xml": {"schema": {"type": "string", "description": "the same fields as the spec's XML"}}}


def _ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}, **_XML}}


def _err(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Errors")}, **_XML}}


FORMAT = {"name": "format", "in": "path", "required": True, "schema": {"enum": ["xml", "json"]},
          "description": "the answer's format; XML is the spec's required one"}
JURISDICTION = {"name": "jurisdiction_id", "in": "query", "required": False, "schema": _S,
                "description": "optional; another jurisdiction than this endpoint's gets a 404"}
LOCALE = {"name": "locale", "in": "query", "required": False, "schema": _S,
          "description": "names and status notes in English when it starts with en, else Vietnamese"}
# ISO 8601 (W3C) date or date-time, years 1970 to 2999; a time without an offset is local time.
_W3C = {"type": "string", "description": "empty: not given",
        "pattern": (r"^((19[7-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
                    r"(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?)?)?$")}
DATE_PARAMS = [
    {"name": "start_date", "in": "query", "required": False, "schema": _W3C},
    {"name": "end_date", "in": "query", "required": False, "schema": _W3C,
     "description": "not before start_date"},
]
COMMON_ERRORS = {"400": _err("bad parameters or an unsupported format"),
                 "404": _err("not found, or an unknown jurisdiction"),
                 "429": _err("rate limit exceeded")}

# The POSTed fields (form-encoded, JSON or XML): the spec's names plus ``attribute[code]``.
_POST_FIELDS = {
    "api_key": {**_S, "description": "or the X-Api-Key header"},
    "jurisdiction_id": _S,
    "service_code": _S,
    "description": {**_S, "maxLength": CASE_TEXT_MAX["content"]},
    "lat": {"type": ["number", "string"], "description": "WGS84 degrees, -90..90; with long"},
    "long": {"type": ["number", "string"], "description": "WGS84 degrees, -180..180; with lat"},
    "address_string": {**_S, "maxLength": CASE_TEXT_MAX["incident_place"], "description": "where the matter is"},
    "address_id": {**_S, "maxLength": 100},
    "email": _S, "phone": _S, "first_name": _S, "last_name": _S,
    "device_id": _S, "account_id": _S,
    "media_url": {**_S, "description": "accepted and not fetched: photos come through the web form"},
    "locale": {"enum": ["vi", "en"]},
}
_POST_SCHEMA = {
    "type": "object", "required": ["service_code"], "properties": _POST_FIELDS,
    "additionalProperties": {"type": ["string", "number", "boolean"],
                             "description": "attribute[code] values of the service definition"},
}


_LIST_PARAMS = [FORMAT, JURISDICTION, LOCALE,
               {"name": "service_request_id", "in": "query", "required": False,
                "schema": {"type": "string", "pattern": r"[^,\s]", "maxLength": 25 * MAX_IDS},
                "description": f"comma-separated, at most {MAX_IDS}; overrides the other filters"},
               {"name": "service_code", "in": "query", "required": False, "schema": _S},
               *DATE_PARAMS,
               {"name": "status", "in": "query", "required": False,
                "schema": {"type": "string", "pattern": "^(open|closed)(,(open|closed))?$"},
                "description": "open, closed or open,closed"}]
# The operations, by path (the document's ``paths``).
_PATHS = {
    "/discovery.{format}": {"get": {
        "summary": "Service discovery", "operationId": "discovery",
        "parameters": [FORMAT, JURISDICTION],
        "responses": {"200": _ok(_ref("Discovery")), **COMMON_ERRORS}}},
    "/v2/services.{format}": {"get": {
        "summary": "Service list (the kinds of submission)", "operationId": "services",
        "parameters": [FORMAT, JURISDICTION, LOCALE],
        "responses": {"200": _ok(_array("Service")), **COMMON_ERRORS}}},
    "/v2/services/{service_code}.{format}": {"get": {
        "summary": "Service definition", "operationId": "service_definition",
        "parameters": [{"name": "service_code", "in": "path", "required": True, "schema": _S},
                       FORMAT, JURISDICTION, LOCALE],
        "responses": {"200": _ok(_ref("ServiceDefinition")), **COMMON_ERRORS}}},
    "/v2/requests.{format}": {
        "get": {
            "summary": f"Service requests (newest first, at most {LIST_MAX}; default the last 90 days)",
            "operationId": "requests", "parameters": _LIST_PARAMS,
            "responses": {"200": _ok(_array("ServiceRequest")), **COMMON_ERRORS}},
        "post": {
            "summary": "File a service request (needs an API key)", "operationId": "create_request",
            "parameters": [FORMAT, JURISDICTION,
                           {"name": "api_key", "in": "query", "required": False, "schema": _S,
                            "description": "as some clients send it; the body's api_key comes first"},
                           {"name": "Idempotency-Key", "in": "header", "required": False,
                            "schema": {**_S, "maxLength": IDEMPOTENCY_KEY_MAX}}],
            "requestBody": {"required": True, "content": {
                "application/x-www-form-urlencoded": {"schema": _POST_SCHEMA},
                "application/json": {"schema": _POST_SCHEMA},
                "text/xml": {"schema": {"type": "string",
                                        "description": "<service_request> with one child per field "
                                                       "and <attribute><code>value</code></attribute>"}},
            }},
            "responses": {"201": _ok(_array("Filed"), "filed"),
                          "200": _ok(_array("Filed"), "already filed with this idempotency key"),
                          "400": _err("invalid request"), "403": _err("missing or invalid api_key"),
                          "404": _err("unknown jurisdiction"), "413": _err("body too large"),
                          "429": _err("rate limit exceeded")}},
    },
    "/v2/requests/{service_request_id}.{format}": {"get": {
        "summary": "One service request", "operationId": "request",
        "parameters": [{"name": "service_request_id", "in": "path", "required": True, "schema": _S},
                       FORMAT, JURISDICTION, LOCALE],
        "responses": {"200": _ok(_array("ServiceRequest")), **COMMON_ERRORS}}},
    "/v2/tokens/{token}.{format}": {"get": {
        "summary": "The service_request_id of a token (ours: the token is the id)", "operationId": "token",
        "parameters": [{"name": "token", "in": "path", "required": True, "schema": _S},
                       FORMAT, JURISDICTION],
        "responses": {"200": _ok(_array("Token")), **COMMON_ERRORS}}},
    "/v2/servicerequestupdates.{format}": {"get": {
        "summary": "Public status changes, oldest first (mySociety extension)",
        "operationId": "updates", "parameters": [FORMAT, JURISDICTION, LOCALE, *DATE_PARAMS],
        "responses": {"200": _ok(_array("Update")), **COMMON_ERRORS}}},
    "/v2/media/{ref}.{ext}": {"get": {
        "summary": "A public photo (never a complaint's or a denunciation's; no EXIF)",
        "operationId": "media",
        "parameters": [{"name": "ref", "in": "path", "required": True, "schema": _S},
                       {"name": "ext", "in": "path", "required": True,
                        "schema": {"enum": ["jpg", "png", "webp"]}}],
        "responses": {
            "200": {"description": "the photo", "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/webp": {"schema": {"type": "string", "format": "binary"}}}},
            "404": {"description": "not found or not public",
                    "content": {"application/json": {"schema": _ref("Errors")}}},
            "429": {"description": "rate limit exceeded",
                    "content": {"application/json": {"schema": _ref("Errors")}}}}}},
    "/v2/openapi.json": {"get": {
        "summary": "This document", "operationId": "openapi",
        "responses": {"200": {"description": "OpenAPI 3.1",
                              "content": {"application/json": {"schema": {"type": "object"}}}},
                      "429": {"description": "rate limit exceeded",
                              "content": {"application/json": {"schema": _ref("Errors")}}}}}},
}


def openapi_document(base_url: str) -> dict:
    """The document; ``base_url`` is this endpoint's /open311/v2 address."""
    root = base_url.rsplit("/v2", 1)[0]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Open311 GeoReport v2", "version": "2",
                 "description": ("GeoReport v2 with service discovery, mySociety's servicerequestupdates "
                                 "and public photos. XML (the spec's required format) or JSON, chosen by "
                                 "the extension; errors are the spec's list of {code, description}.")},
        "servers": [{"url": root}],
        "paths": deepcopy(_PATHS),
        "components": {"schemas": deepcopy(SCHEMAS)},
    }
