"""Validators for what citizens type, and what each kind of submission requires.

Each validator returns the normalised value or raises :class:`Invalid` with an error code; the web
layer turns codes into messages in the user's language.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import phonenumbers

from .vocabulary import AnonymousPolicy


class Invalid(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# Province codes of the CCCD (Circular 07/2016/TT-BCA, annex), for the 63 provinces before 2025.
CCCD_PROVINCES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036"
    " 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074"
    " 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split())


def _digits_only(raw: str) -> str:
    return "".join(ch for ch in raw if not ch.isspace() and ch not in ".-")


def clean_cccd(raw: str, today: date) -> str:
    """A citizen identity card number: 12 digits = province (3), century+sex (1), birth year (2), serial (6)."""
    s = _digits_only(raw or "")
    if not s.isascii() or not s.isdigit() or len(s) != 12:
        raise Invalid("cccd_format")
    if s[:3] not in CCCD_PROVINCES:
        raise Invalid("cccd_province")
    century = 1900 + 100 * (int(s[3]) // 2)
    if century + int(s[4:6]) > today.year:
        raise Invalid("cccd_birth_year")
    return s


_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def clean_tax_code(raw: str) -> str:
    """An enterprise tax code: 10 digits with a check digit, or 10 digits + "-" + 3 for a branch.

    Check digit: N10 = 10 − (Σ wᵢ·Nᵢ mod 11) with weights 31, 29, 23, 19, 17, 13, 7, 5, 3.
    """
    s = (raw or "").strip().replace(" ", "")
    m = re.fullmatch(r"(\d{10})(?:-?(\d{3}))?", s)
    if not m or not s.isascii():
        raise Invalid("tax_format")
    head = m.group(1)
    check = 10 - sum(w * int(d) for w, d in zip(_TAX_WEIGHTS, head)) % 11
    if check != int(head[9]):
        raise Invalid("tax_checksum")
    return head + (f"-{m.group(2)}" if m.group(2) else "")


def clean_phone(raw: str) -> str:
    """A Vietnamese phone number (mobile or landline), returned in E.164 (+84...)."""
    s = (raw or "").strip()
    if not s:
        raise Invalid("phone_format")
    try:
        num = phonenumbers.parse(s, "VN")
    except phonenumbers.NumberParseException as exc:
        raise Invalid("phone_format") from exc
    if num.country_code != 84 or not phonenumbers.is_valid_number(num):
        raise Invalid("phone_invalid")
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def same_phone(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    try:
        return clean_phone(a) == clean_phone(b)
    except Invalid:
        return False


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 and C1, but tab and line breaks


INT32_MAX = 2**31 - 1  # the range of an Integer column (PostgreSQL ``integer``)


def parse_int(raw: str | None, low: int = 1, high: int = INT32_MAX) -> int | None:
    """A whole number typed or sent as text, or None: ASCII digits only (``²`` and ``٣`` pass
    ``str.isdigit`` but are no number here), no sign, and within ``low``..``high`` so it always fits
    the column it is compared with (a 20-digit id must not reach the database driver)."""
    if not isinstance(raw, str):
        return None
    s = raw.strip()
    if not s or len(s) > 12 or not s.isascii() or not s.isdigit():
        return None
    value = int(s)
    return value if low <= value <= high else None


def clean_text(raw: str | None) -> str:
    """Trim, normalise to NFC (Vietnamese typed on phones arrives decomposed), drop control characters.

    Controls go first: removed after normalising, one between a letter and its accent would leave
    the pair decomposed."""
    return unicodedata.normalize("NFC", _CONTROL.sub("", raw or "")).strip()


class _FoldTable(dict):
    """Character → the character without its marks (đ → d), filled as characters are met, for
    ``str.translate``: decomposing a character alone and dropping its combining marks gives what
    decomposing the whole string gives, at C speed (imports fold 100,000 letters)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        base = unicodedata.normalize("NFD", "d" if ch == "đ" else "D" if ch == "Đ" else ch)
        out = "".join(c for c in base if not unicodedata.combining(c))
        self[code] = out
        return out


_FOLD = _FoldTable()


def fold_diacritics(text: str) -> str:
    """"Khiếu nại đất" → "khieu nai dat", for search insensitive to Vietnamese diacritics."""
    return text.translate(_FOLD).lower()


def clean_coordinates(lat_raw: str | None, lon_raw: str | None) -> tuple[float | None, float | None]:
    """A point in WGS84 degrees from two decimal strings: both or neither, finite, latitude within
    ±90 and longitude within ±180; rounded to 6 decimals (about 10 cm). Raises ``Invalid("location")``."""
    lat_s, lon_s = (lat_raw or "").strip(), (lon_raw or "").strip()
    if not lat_s and not lon_s:
        return None, None
    if not lat_s or not lon_s or len(lat_s) > 40 or len(lon_s) > 40:
        raise Invalid("location")
    try:
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise Invalid("location") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid("location")
    return round(lat, 6), round(lon, 6)


IDENTITY_FIELDS = ("full_name", "address", "cccd", "phone", "email", "company_name", "tax_code",
                   "representative")


@dataclass(frozen=True)
class KindPolicy:
    """What a kind of submission requires; mirrors a ``case_kinds`` row."""

    code: str
    anonymous: str  # allowed | refused | info_only
    required: tuple[str, ...]


def submission_errors(policy: KindPolicy, data: dict) -> dict[str, str]:
    """Which fields are missing for this kind. ``data`` holds already-cleaned values.

    Rules (domain brief §2): a complaint cannot be anonymous (TT 05/2021/TT-TTCP art. 6); an
    anonymous denunciation needs the citizen's acknowledgement that it is kept as information only
    (Law on Denunciations 2018 art. 25); a business names itself and its tax code; a group names its
    size and representative; whoever gives personal data must consent to the notice.
    """
    errors: dict[str, str] = {}
    anonymous = bool(data.get("anonymous"))
    if anonymous:
        if policy.anonymous == AnonymousPolicy.REFUSED:
            errors["anonymous"] = "anonymous_refused"
        elif policy.anonymous == AnonymousPolicy.INFO_ONLY and not data.get("info_only_ack"):
            errors["info_only_ack"] = "info_only_ack_required"
    else:
        for name in policy.required:
            if name == "contact":
                if not (data.get("phone") or data.get("email")):
                    errors["phone"] = "contact_required"
            elif not data.get(name):
                errors[name] = "required"
        if data.get("submitter_type") == "business":
            for name in ("company_name", "tax_code"):
                if not data.get(name):
                    errors.setdefault(name, "required")
        if any(data.get(f) for f in IDENTITY_FIELDS) and not data.get("consent"):
            errors["consent"] = "consent_required"
    if not data.get("subject"):
        errors["subject"] = "required"
    if not data.get("content"):
        errors["content"] = "required"
    if data.get("is_group"):
        size = data.get("group_size")
        if not size or size < 2:
            errors["group_size"] = "group_size"
        if not anonymous and not data.get("representative"):
            errors["representative"] = "required"
    return errors
