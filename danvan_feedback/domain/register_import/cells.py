"""One cell to one value: dates in mixed formats, Excel serial numbers, IDs and phones that lost a zero."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from ..validation import CCCD_PROVINCES, Invalid, clean_phone
from .text import EARLIEST, EXCEL_EPOCH, fold, is_blank, text_of

# -- cells -----------------------------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DMY = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})(?:\s+\d{1,2}[:h]\d{2}(?::\d{2})?)?")
_WORDS = re.compile(r"(?:ngay\s+)?(\d{1,2})\s+thang\s+(\d{1,2})(?:\s+nam)?\s+(\d{4})")
_SERIAL = re.compile(r"\d{4,6}(?:\.\d+)?")


class CellError(ValueError):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def _make_date(y: int, m: int, d: int) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise CellError("date_impossible") from None


def from_serial(n: float) -> date:
    """An Excel serial day number (1900 date system; the day part of a date-time)."""
    if not 1 <= n < 2958466:
        raise CellError("date_format")
    return EXCEL_EPOCH + timedelta(days=int(n))


def parse_date(value: Any) -> date | None:
    """A date from a cell in any of the forms registers hold: a date cell, an Excel serial number
    (also as text), ``dd/mm/yyyy`` (``-`` or ``.`` too, two-digit years, a time after it),
    ``yyyy-mm-dd``, and text such as "ngày 5 tháng 3 năm 2024". Day first, as written in Vietnam.
    None for an empty cell; :class:`CellError` for anything else."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    elif isinstance(value, bool):
        raise CellError("date_format")
    elif isinstance(value, (int, float)):
        d = from_serial(float(value))
    else:
        s = str(value).strip()
        if m := _ISO.fullmatch(s):
            d = _make_date(int(m[1]), int(m[2]), int(m[3]))
        elif m := _DMY.fullmatch(s):
            y = int(m[3])
            if y < 100:
                y += 2000 if y < 70 else 1900
            d = _make_date(y, int(m[2]), int(m[1]))
        elif _SERIAL.fullmatch(s):
            d = from_serial(float(s))
        elif m := _WORDS.search(fold(s)):
            d = _make_date(int(m[3]), int(m[2]), int(m[1]))
        else:
            raise CellError("date_format", value=s[:40])
    if d < EARLIEST:
        raise CellError("date_too_old")
    return d


_EXPONENT = re.compile(r"\d+(?:\.\d+)?[eE]\+?\d+")
_SEPARATORS = re.compile(r"[\s.\-]")


def _digits(value: Any) -> str:
    """The digits of a number cell or text; a float from Excel (7.5e10) loses no digit."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, float):
        if not value.is_integer():
            return ""
        value = int(value)
    if isinstance(value, int):
        return str(value)
    s = str(value).strip().lstrip("'")
    if _EXPONENT.fullmatch(s):  # "7.5190001234E+10" typed back as text
        try:
            return str(int(float(s)))
        except (OverflowError, ValueError):
            return ""
    if s.endswith(".0") and s[:-2].isdigit():
        s = s[:-2]
    return _SEPARATORS.sub("", s)


def repair_cccd(value: Any) -> str | None:
    """A citizen ID (12 digits, CCCD) or an old identity card (9 digits, CMND) whose leading zero a
    spreadsheet dropped when it stored the number as a number: 11 → 12 and 8 → 9 digits. The province
    code of a 12-digit number must exist (Circular 07/2016/TT-BCA)."""
    if is_blank(value):
        return None
    s = _digits(value)
    if not s.isdigit():
        raise CellError("cccd_format")
    if len(s) == 11:
        s = "0" + s
    elif len(s) == 8:
        s = "0" + s
    if len(s) == 12 and s[:3] in CCCD_PROVINCES:
        return s
    if len(s) == 9:
        return s
    raise CellError("cccd_format")


def repair_phone(value: Any) -> str | None:
    """A Vietnamese phone number in E.164, after putting back the leading zero a number cell lost
    (912345678 → 0912345678); "84…" and "+84…" are understood."""
    if is_blank(value):
        return None
    s = _digits(value) if not (isinstance(value, str) and value.strip().startswith("+")) else value.strip()
    s = s.replace(" ", "").replace(".", "").replace("-", "")
    if s.isdigit():
        if s.startswith("84") and len(s) in (11, 12):
            s = "+" + s
        elif not s.startswith("0") and len(s) in (9, 10):
            s = "0" + s
    if s.startswith("+84") and s[1:].isdigit():
        s = "0" + s[3:]
    if s.isdigit() and s.startswith("0"):
        # Vietnamese numbers are valid by their prefix and length: ask phonenumbers once per
        # (first four digits, length), not once per row (100,000 rows cost seconds otherwise)
        k = (s[:4], len(s))
        ok = _PHONE_PREFIX_OK.get(k)
        if ok is None:
            try:
                clean_phone(s)
                ok = True
            except Invalid:
                ok = False
            _PHONE_PREFIX_OK[k] = ok
        if ok:
            return "+84" + s[1:]
        raise CellError("phone_format")
    try:
        return clean_phone(s)
    except Invalid:
        raise CellError("phone_format") from None


_PHONE_PREFIX_OK: dict[tuple[str, int], bool] = {}


_TRUE = {"x", "co", "yes", "true", "1", "v", "dong nguoi", "an danh", "tai dien", "nhieu lan"}
_FALSE = {"", "khong", "no", "false", "0", "lan dau"}


def parse_bool(value: Any) -> bool:
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    f = fold(value)
    if f in _TRUE or f.startswith("co "):
        return True
    if f in _FALSE:
        return False
    raise CellError("bool_format", value=text_of(value)[:40])


def parse_int(value: Any, low: int, high: int) -> int | None:
    if is_blank(value):
        return None
    try:
        n = float(str(value).strip().replace(",", ".")) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise CellError("int_format", value=text_of(value)[:40]) from None
    if not n.is_integer() or not low <= n <= high:
        raise CellError("int_range", low=low, high=high)
    return int(n)
