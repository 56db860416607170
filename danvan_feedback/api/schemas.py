"""Open311 GeoReport v2: reading a POSTed request. What a submission requires is decided by
``domain.validation`` (the web form's rules); this module maps Open311 names to ours, reads loosely
typed form or JSON bodies strictly, and turns the domain's error codes into English descriptions for
partner developers. Nothing here writes. (Service definitions: ``definitions``; lists: ``listing``.)"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email

from ..domain.limits import CASE_NUMBER_RANGE, CASE_TEXT_MAX
from ..domain.validation import (IDENTITY_FIELDS, Invalid, KindPolicy, clean_cccd, clean_phone,
                                 clean_tax_code, clean_text, submission_errors)
from ..domain.vocabulary import AnonymousPolicy
from .definitions import ATTRIBUTES, IDEMPOTENCY_KEY_MAX, kind_attributes
from .formats import XML_BODY_MAX, XmlBodyError, read_xml_body


class ApiBadRequest(Exception):
    """One or more problems with what the client sent; each becomes one spec error entry."""

    def __init__(self, *descriptions: str):
        super().__init__("; ".join(descriptions))
        self.descriptions = list(descriptions)


# The web form's limits (``domain.limits``): the API enforces the same ones.
MAX_LEN, RANGES = CASE_TEXT_MAX, CASE_NUMBER_RANGE

# Domain field name -> the Open311 parameter a partner sends (error descriptions use these).
API_NAME = {"content": "description", "full_name": "first_name", "address": "contact_address",
            "incident_place": "address_string"}
ADDRESS_ID_MAX = 100

MESSAGES_EN = {
    "required": "required",
    "contact_required": "give a phone number or an email address so the department can reach the citizen",
    "anonymous_refused": ("a complaint cannot be anonymous (Circular 05/2021/TT-TTCP, art. 6): give the "
                          "complainant's name, address and CCCD"),
    "info_only_ack_required": ("an anonymous denunciation is kept as information only and is not handled "
                               "under the Law on Denunciations (art. 25); set info_only_ack to true to "
                               "acknowledge this"),
    "consent_required": ("personal data was given: set consent to true once the citizen has agreed to "
                         "the personal data notice"),
    "group_size": "a submission by a group needs group_size, 2 or more",
    "cccd_format": "must be exactly 12 digits",
    "cccd_province": "the first 3 digits are not a province code",
    "cccd_birth_year": "the birth year in the number is in the future",
    "tax_format": "must be 10 digits, or 10 digits, a hyphen and 3 digits for a branch",
    "tax_checksum": "the check digit does not match",
    "phone_format": "not a phone number (e.g. 0912 345 678)",
    "phone_invalid": "not a valid Vietnamese phone number",
    "email": "not a valid email address",
    "string": "must be a string",
    "boolean": "must be true or false",
    "integer": "must be a whole number",
    "submitter_type": "must be citizen or business",
}


def describe(name: str, code: str) -> str:
    return f"{API_NAME.get(name, name)}: {MESSAGES_EN.get(code, code)}"



# ---------------------------------------------------------------- reading a POST

JSON_MAX_BYTES = 256 * 1024  # a request is at most ~40,000 characters of text; escapes take 6 bytes
JSON_MAX_DEPTH = 8  # the deepest valid body is 2 ({"attribute": {...}}); the rest is slack


class ApiTooLarge(ApiBadRequest):
    """A JSON body above JSON_MAX_BYTES: answered 413."""


def _json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """True when brackets outside strings nest deeper than ``limit``: checked on the bytes before
    parsing, so a body nested 50,000 deep never reaches the recursive parser."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _read_json(req):
    """The JSON body, bounded in size and depth; NUL characters refused (no text column takes them)."""
    if req.content_length is not None and req.content_length > JSON_MAX_BYTES:
        raise ApiTooLarge(f"body: at most {JSON_MAX_BYTES} bytes of JSON")
    raw = req.get_data(cache=True)
    if len(raw) > JSON_MAX_BYTES:
        raise ApiTooLarge(f"body: at most {JSON_MAX_BYTES} bytes of JSON")
    if _json_depth_exceeds(raw, JSON_MAX_DEPTH):
        raise ApiBadRequest(f"body: JSON nested deeper than {JSON_MAX_DEPTH} levels")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiBadRequest("body: malformed JSON") from None
    if _has_nul(body):
        raise ApiBadRequest("body: NUL characters are not allowed")
    return body


def read_body(req) -> dict:
    """The POSTed fields as a flat dict (``attribute[x]`` keys), from a form or a JSON object.

    JSON may carry attributes flat (``"attribute[cccd]": "..."``) or nested (``"attribute": {...}``).
    A name given twice is refused rather than guessed.
    """
    out: dict = {}

    def put(key: str, value) -> None:
        if key in out:
            raise ApiBadRequest(f"{key[:60]}: given more than once")
        out[key] = value

    if req.mimetype in ("application/xml", "text/xml"):
        try:
            return read_xml_body(req.stream.read(XML_BODY_MAX + 1))
        except XmlBodyError as exc:
            raise ApiBadRequest(exc.description) from None
    if req.is_json:
        body = _read_json(req)
        if not isinstance(body, dict):
            raise ApiBadRequest("body: must be a JSON object")
        try:  # "\ud800" is valid JSON but no text: it could be neither stored nor answered
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ApiBadRequest("body: text must be valid Unicode (a lone surrogate escape was sent)") from None
        for key, value in body.items():
            if key == "attribute":
                if not isinstance(value, dict):
                    raise ApiBadRequest("attribute: must be a JSON object")
                for code, v in value.items():
                    put(f"attribute[{code}]", v)
            else:
                put(key, value)
        return out
    for key in req.form.keys():
        values = req.form.getlist(key)
        if len(values) > 1:
            raise ApiBadRequest(f"{key[:60]}: given more than once")
        put(key, values[0])
    return out


_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off", ""}


@dataclass
class Parsed:
    """A POSTed request read and checked: ``data`` uses the web form's field names."""

    data: dict
    idempotency_key: str | None
    locale: str
    errors: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, fields: dict):
        self.fields = fields
        self.errors: dict[str, str] = {}  # our field name -> description

    def fail(self, name: str, code: str) -> None:
        self.errors.setdefault(name, describe(name, code))

    def text(self, key: str, name: str) -> str:
        raw = self.fields.get(key)
        if raw is None:
            return ""
        if not isinstance(raw, str):
            self.fail(name, "string")
            return ""
        value = clean_text(raw)
        limit = MAX_LEN.get(name)
        if limit and len(value) > limit:
            self.errors.setdefault(name, f"{API_NAME.get(name, name)}: at most {limit} characters")
        return value

    def boolean(self, key: str, name: str) -> bool:
        raw = self.fields.get(key)
        if raw is None or isinstance(raw, bool):
            return bool(raw)
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        self.fail(name, "boolean")
        return False

    def integer(self, key: str, name: str) -> int | None:
        raw = self.fields.get(key)
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool):
            self.fail(name, "integer")
            return None
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
            raw = int(raw.strip())
        if not isinstance(raw, int):
            self.fail(name, "integer")
            return None
        low, high = RANGES.get(name, (None, None))
        if (low is not None and raw < low) or (high is not None and raw > high):
            self.errors.setdefault(name, f"{name}: must be between {low} and {high}")
            return None
        return raw

    def coordinate(self, key: str, low: float, high: float) -> float | None:
        """A WGS84 degree: a number or a decimal string, finite, within [low, high]."""
        raw = self.fields.get(key)
        if raw is None or raw == "":
            return None
        value = None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            value = float(raw)
        elif isinstance(raw, str) and len(raw) <= 40:
            try:
                value = float(raw.strip())
            except ValueError:
                value = None
        if value is None or not math.isfinite(value):
            self.errors.setdefault(key, f"{key}: must be a number of degrees (WGS84), e.g. 10.9574")
            return None
        if not low <= value <= high:
            self.errors.setdefault(key, f"{key}: must be between {low:g} and {high:g}")
            return None
        return value

    def cleaned(self, name: str, value: str, fn) -> str:
        """Apply a domain cleaner; on failure keep the raw value (as the web form does) and note it."""
        if not value:
            return value
        try:
            return fn(value)
        except Invalid as exc:
            self.fail(name, exc.code)
            return value


def _attr(code: str) -> str:
    return f"attribute[{code}]"


def _reader_for(fields: dict, kind) -> _Reader:
    """A reader of ``fields`` without the attributes ``kind`` does not have (each one an error)."""
    # ``anonymous`` is read for every kind so that an anonymous complaint gets the legal answer
    # from the domain rules rather than "unknown attribute".
    allowed = set(kind_attributes(kind)) | {"anonymous"}
    refused: dict[str, str] = {}
    for key in fields:
        if key.startswith("attribute"):
            code = key[len("attribute["):-1] if key.startswith("attribute[") and key.endswith("]") else key
            if code not in allowed:
                refused[key] = f"{code[:60]}: not an attribute of service {kind.code}"
    r = _Reader({k: v for k, v in fields.items() if k not in refused})
    r.errors.update({f"attr:{k}": d for k, d in refused.items()})
    return r


def _read_place_and_name(r: _Reader, fields: dict) -> tuple[str, str, str, float | None, float | None, str]:
    """(full name, content, subject, lat, long, address_id), with their own errors."""
    last, first = r.text("last_name", "full_name"), r.text("first_name", "full_name")
    full_name = " ".join(p for p in (last, first) if p)
    if MAX_LEN.get("full_name") and len(full_name) > MAX_LEN["full_name"]:
        r.errors.setdefault("full_name", f"first_name: last_name and first_name together at most "
                                         f"{MAX_LEN['full_name']} characters")
    content = r.text("description", "content")
    subject = r.text(_attr("subject"), "subject") or " ".join(content.split())[:100].strip()
    # Where the matter is (the spec's location): public, not personal data.
    lat, lon = r.coordinate("lat", -90, 90), r.coordinate("long", -180, 180)
    if (fields.get("lat") in (None, "")) != (fields.get("long") in (None, "")) and not (
            {"lat", "long"} & set(r.errors)):
        r.errors["lat"] = "lat, long: give both or neither"
    address_id = r.text("address_id", "address_id")
    if len(address_id) > ADDRESS_ID_MAX:
        r.errors.setdefault("address_id", f"address_id: at most {ADDRESS_ID_MAX} characters")
    media_url = fields.get("media_url")
    if media_url is not None and not isinstance(media_url, str):
        r.fail("media_url", "string")
    return full_name, content, subject, lat, lon, address_id


def _read_data(r: _Reader, fields: dict, *, today: date, anonymous_given: bool) -> dict:
    """The submission in the domain's names, as the web form would give it."""
    full_name, content, subject, lat, lon, address_id = _read_place_and_name(r, fields)
    return {
        "full_name": full_name,
        "address": r.text(_attr("contact_address"), "address"),
        "incident_place": r.text("address_string", "incident_place"),
        "address_id": address_id,
        "latitude": lat, "longitude": lon,
        "phone": r.cleaned("phone", r.text("phone", "phone"), clean_phone),
        "email": r.text("email", "email"),
        "cccd": r.cleaned("cccd", r.text(_attr("cccd"), "cccd"), lambda v: clean_cccd(v, today)),
        "company_name": r.text(_attr("company_name"), "company_name"),
        "tax_code": r.cleaned("tax_code", r.text(_attr("tax_code"), "tax_code"), clean_tax_code),
        "representative": r.text(_attr("representative"), "representative"),
        "subject": subject,
        "content": content,
        "complained_decision": r.text(_attr("complained_decision"), "complained_decision"),
        "request_text": r.text(_attr("request_text"), "request_text"),
        "submitter_type": r.text(_attr("submitter_type"), "submitter_type") or "citizen",
        "anonymous": r.boolean(_attr("anonymous"), "anonymous") if anonymous_given else False,
        "info_only_ack": r.boolean(_attr("info_only_ack"), "info_only_ack"),
        "consent": r.boolean(_attr("consent"), "consent"),
        "is_group": r.boolean(_attr("is_group"), "is_group"),
        "group_size": r.integer(_attr("group_size"), "group_size"),
    }


def _check_sender(r: _Reader, data: dict, kind, *, anonymous_given: bool) -> None:
    """Anonymity, e-mail and submitter type."""
    # A kind that may be anonymous is anonymous when the client gives no name and no personal data:
    # clients of the spec do not know our ``anonymous`` attribute.
    personal = any(data.get(f) for f in IDENTITY_FIELDS)
    implicit_anonymous = kind.anonymous == AnonymousPolicy.ALLOWED and not anonymous_given
    if implicit_anonymous and not personal:
        data["anonymous"] = True
    elif implicit_anonymous and not data["full_name"] and "full_name" in kind.required_fields:
        r.errors.setdefault("full_name", "first_name: required when personal data is given (a request "
                                         "with no name and no personal data is filed anonymously)")
    if data["email"] and "email" not in r.errors:
        try:
            validate_email(data["email"], check_deliverability=False)
        except EmailNotValidError:
            r.fail("email", "email")
    if data["submitter_type"] not in ("citizen", "business"):
        r.fail("submitter_type", "submitter_type")
        data["submitter_type"] = "citizen"


def parse_request(fields: dict, kind, *, today: date) -> Parsed:
    """Check a POSTed request for ``kind`` with the web form's rules; problems are in ``errors``."""
    r = _reader_for(fields, kind)
    anonymous_given = fields.get(_attr("anonymous")) not in (None, "")
    data = _read_data(r, fields, today=today, anonymous_given=anonymous_given)
    _check_sender(r, data, kind, anonymous_given=anonymous_given)

    idem = fields.get(_attr("idempotency_key"))
    if idem is not None and not (isinstance(idem, str) and 0 < len(idem) <= IDEMPOTENCY_KEY_MAX
                                 and idem.isascii() and idem.isprintable()):
        r.errors.setdefault("idempotency_key", f"idempotency_key: {ATTRIBUTES['idempotency_key'][1]}")
        idem = None

    locale_raw = fields.get("locale")
    locale = "en" if isinstance(locale_raw, str) and locale_raw.lower().startswith("en") else "vi"

    policy = KindPolicy(kind.code, kind.anonymous, tuple(kind.required_fields))
    for name, code in submission_errors(policy, data).items():
        if name == "subject" and not fields.get(_attr("subject")) and not data["content"]:
            continue  # the subject comes from the description, whose error says it all
        if name not in r.errors:
            r.fail(name, code)
    return Parsed(data=data, idempotency_key=idem or None, locale=locale, errors=list(r.errors.values()))
