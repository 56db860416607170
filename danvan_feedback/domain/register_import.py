"""Reading an office's existing registers: the letters register (sổ theo dõi đơn thư) and the
citizen-reception book (sổ tiếp công dân), kept for years in Excel.

Pure rules, no Flask, no database: which column holds what (headers guessed with or without
diacritics), how a cell becomes a value (dates in mixed formats, Excel serial numbers, ID and phone
numbers that lost their leading zero), which lines are not records (blank lines, totals, signature
blocks) and what makes a row unacceptable. Problems are codes with parameters; the web layer and the
command line turn them into sentences (``importing/labels.py``).

The letters register's columns follow the practice of Circular 05/2021/TT-TTCP (sổ tiếp nhận, xử lý
đơn): number, date received, sender, address, ID, content, kind, processing (thụ lý, không thụ lý,
chuyển, hướng dẫn, lưu) and its date, the unit assigned, the outcome and its date. The reception book
follows form 03 of Circular 04/2021/TT-TTCP (Law on Citizen Reception 2013 art. 25).
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Sequence

import pandas as pd

from .triage import outcomes_for
from .validation import CCCD_PROVINCES, Invalid, clean_phone

EXCEL_EPOCH = date(1899, 12, 30)
EARLIEST = date(1975, 1, 1)   # nothing in a register predates this: a smaller "date" is a wrong cell
HEADER_SCAN_ROWS = 30


class ImportProblem(ValueError):
    """A problem with the whole file (not one row): ``code`` and ``params`` for the message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


# -- text ------------------------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[^a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def fold(text: Any) -> str:
    """"Ngày nhận đơn" → "ngay nhan don": no diacritics, lower case, words separated by one space."""
    s = str(text)
    if not s.isascii():   # plain ASCII has nothing to take off (most cells of a big register)
        s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", s.lower()).split())


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    t = type(value)
    if t is str:
        return not value or value.isspace()
    if t is float:
        return math.isnan(value)
    return False


def text_of(value: Any) -> str:
    """A cell as clean text (NFC, no control characters); numbers without a trailing ``.0``."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        return value.strftime("%d/%m/%Y")
    s = str(value)
    if s.isascii() and s.isprintable():   # no control character, already NFC
        return s.strip()
    return unicodedata.normalize("NFC", _CONTROL.sub("", s)).strip()


# -- fields and header guessing --------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    name: str
    synonyms: tuple[str, ...]   # folded header texts
    required: bool = False


LETTER_FIELDS: tuple[Field, ...] = (
    Field("ref", ("so vao so", "so don", "so thu tu", "stt", "so tt", "tt", "ma ho so", "ma so", "so hieu",
                  "so", "id", "ma don", "so ky hieu", "ma")),
    Field("received", ("ngay nhan", "ngay nhan don", "ngay tiep nhan", "ngay tiep nhan don", "ngay vao so",
                       "ngay den", "ngay nhan don thu", "received day", "received", "ngay gui"), True),
    Field("full_name", ("ho ten", "ho va ten", "nguoi gui", "ten nguoi gui", "ho ten nguoi gui",
                        "nguoi dung don", "ho ten nguoi dung don", "nguoi viet don", "full name")),
    Field("address", ("dia chi", "dia chi nguoi gui", "noi cu tru", "address")),
    Field("cccd", ("cccd", "so cccd", "can cuoc", "so can cuoc", "cmnd", "so cmnd", "cmnd cccd", "so dinh danh",
                   "so cccd cmnd", "so cmnd cccd")),
    Field("phone", ("so dien thoai", "dien thoai", "sdt", "dt", "phone")),
    Field("subject", ("tieu de", "trich yeu", "subject")),
    # a register without a content column still comes in (an exported case list has none); when
    # the column is there, an empty cell is a problem
    Field("content", ("noi dung", "noi dung don", "tom tat noi dung", "noi dung tom tat", "content",
                      "noi dung chinh")),
    Field("kind", ("loai don", "phan loai", "phan loai don", "loai", "kind", "loai don thu"), True),
    Field("unit", ("don vi xu ly", "don vi", "don vi giai quyet", "don vi duoc giao", "giao cho", "phong ban",
                   "unit", "don vi chu tri", "co quan don vi xu ly")),
    Field("decision", ("hinh thuc xu ly", "xu ly", "ket qua xu ly", "huong xu ly", "quyet dinh xu ly",
                       "ket qua xu ly don", "decision", "xu ly don")),
    Field("decision_date", ("ngay xu ly", "ngay thu ly", "ngay quyet dinh", "ngay xu ly don",
                            "decision day", "ngay quyet dinh xu ly")),
    Field("assigned_date", ("ngay giao", "ngay giao xu ly", "ngay giao don", "assigned day")),
    Field("outcome", ("ket qua giai quyet", "ket qua", "outcome", "ket luan")),
    Field("outcome_date", ("ngay giai quyet", "ngay ket qua", "ngay co ket qua", "resolved day",
                           "ngay ban hanh quyet dinh giai quyet", "ngay giai quyet xong")),
    Field("group_size", ("so nguoi", "so nguoi dung don", "group size", "so nguoi dung ten")),
    Field("anonymous", ("an danh", "is anonymous", "khong ro nguoi gui")),
    Field("attempt", ("lan giai quyet", "attempt", "giai quyet lan")),
    Field("complexity", ("tinh chat", "complexity", "do phuc tap")),
)

VISIT_FIELDS: tuple[Field, ...] = (
    Field("ref", ("so thu tu", "stt", "so tt", "tt", "so", "so vao so")),
    Field("visit_date", ("ngay tiep", "ngay tiep cong dan", "ngay", "thoi gian tiep", "ngay den",
                         "visit date"), True),
    Field("reception_type", ("hinh thuc tiep", "loai tiep", "hinh thuc")),
    Field("head_mode", ("nguoi dung dau tiep", "lanh dao tiep", "thu truong tiep")),
    Field("citizen_name", ("ho ten", "ho va ten", "ten cong dan", "nguoi den", "ho ten cong dan",
                           "nguoi dai dien"), True),
    Field("citizen_address", ("dia chi", "noi cu tru")),
    Field("cccd", ("cccd", "so cccd", "can cuoc", "cmnd", "so cmnd", "so dinh danh")),
    Field("content", ("noi dung", "tom tat noi dung", "noi dung vu viec", "noi dung tiep"), True),
    Field("kind", ("phan loai don", "phan loai", "loai don", "loai", "loai vu viec"), True),
    Field("people_count", ("so nguoi", "so luong nguoi")),
    Field("is_group", ("doan dong nguoi", "dong nguoi", "doan")),
    Field("is_repeat", ("lan dau tai dien", "lan dau", "tai dien", "lan tiep", "tiep lan")),
    Field("previous_agency", ("co quan da giai quyet", "noi da giai quyet", "co quan da giai quyet truoc")),
    Field("handling", ("huong xu ly", "xu ly", "ket qua tiep", "ket qua xu ly"), True),
    Field("handling_agency", ("co quan chuyen den huong dan", "co quan chuyen den", "noi huong dan",
                              "noi chuyen den")),
    Field("follow_up", ("theo doi ket qua", "theo doi ket qua giai quyet", "ket qua giai quyet")),
    Field("notes", ("ghi chu",)),
)

FIELDS = {"letters": LETTER_FIELDS, "visits": VISIT_FIELDS}
DATE_FIELDS = {"letters": ("received", "decision_date", "assigned_date", "outcome_date"),
               "visits": ("visit_date",)}


def _score(header: str, fld: Field) -> int:
    """How well a folded header names a field: 100 exact, less for a synonym inside it, 0 for none."""
    if not header:
        return 0
    best = 0
    for syn in fld.synonyms:
        if header == syn:
            return 100
        if len(syn) >= 3 and (header.startswith(syn + " ") or f" {syn} " in f" {header} "):
            best = max(best, 40 + len(syn))
    return best


def guess_mapping(headers: Sequence[Any], kind: str) -> dict[str, int]:
    """``{field: column index}`` guessed from the header cells; each column serves one field, the best
    scores first (so "Kết quả xử lý" goes to the processing decision, "Kết quả" to the outcome)."""
    folded = [fold(h) if not is_blank(h) else "" for h in headers]
    pairs = sorted(((_score(h, f), -i, f.name, i) for i, h in enumerate(folded) for f in FIELDS[kind]),
                   reverse=True)
    out: dict[str, int] = {}
    used: set[int] = set()
    for score, _neg, name, i in pairs:
        if score <= 0:
            break
        if name in out or i in used:
            continue
        out[name] = i
        used.add(i)
    return out


def find_header(rows: Sequence[Sequence[Any]], kind: str) -> tuple[int, dict[str, int]]:
    """The index (in ``rows``, the file's first lines) of the header row and its mapping: the row
    naming the most fields, which must name every required one. Raises ``no_header`` otherwise."""
    best: tuple[int, int, dict[str, int]] | None = None
    for idx, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if sum(1 for v in row if isinstance(v, str) and v.strip()) < 2:
            continue
        mapping = guess_mapping(row, kind)
        if best is None or len(mapping) > best[1]:
            best = (idx, len(mapping), mapping)
    required = [f.name for f in FIELDS[kind] if f.required]
    if best is None or any(r not in best[2] for r in required):
        found = best[2] if best else {}
        raise ImportProblem("no_header", missing=[r for r in required if r not in found])
    return best[0], best[2]


def find_header_by_texts(rows: Sequence[Sequence[Any]], texts: dict[str, str]) -> tuple[int, dict[str, int]] | None:
    """With a saved mapping (field → header text): the first row holding every saved header text
    (folded), and the mapping on it; None when no row does."""
    wanted = {f: fold(t) for f, t in texts.items() if t}
    for idx, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        by_text = {fold(v): i for i, v in enumerate(row) if not is_blank(v)}
        if wanted and all(t in by_text for t in wanted.values()):
            return idx, {f: by_text[t] for f, t in wanted.items()}
    return None


def check_mapping(mapping: dict[str, int], kind: str, width: int) -> list[str]:
    """Problems of a mapping chosen by a person: unknown fields, columns out of range, a column used
    twice, a required field missing. Empty when usable."""
    names = {f.name for f in FIELDS[kind]}
    problems = [f"unknown_field:{k}" for k in mapping if k not in names]
    problems += [f"bad_column:{k}" for k, v in mapping.items() if not 0 <= v < width]
    seen: dict[int, str] = {}
    for k, v in mapping.items():
        if v in seen:
            problems.append(f"column_twice:{k}")
        seen[v] = k
    problems += [f"missing:{f.name}" for f in FIELDS[kind] if f.required and f.name not in mapping]
    return problems


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


# -- vocabularies: the office's words for kinds, units, decisions, outcomes --------------------------

KIND_WORDS = {
    "khieu nai": "khieu_nai", "kn": "khieu_nai", "don khieu nai": "khieu_nai", "khieu nai lan 2": "khieu_nai",
    "to cao": "to_cao", "tc": "to_cao", "don to cao": "to_cao",
    "kien nghi": "kien_nghi", "kng": "kien_nghi", "don kien nghi": "kien_nghi", "de nghi": "kien_nghi",
    "kien nghi phan anh": "kien_nghi",
    "phan anh": "phan_anh", "pa": "phan_anh", "don phan anh": "phan_anh",
    "gop y": "gop_y", "gy": "gop_y",
}
DECISION_WORDS = {
    "thu ly": "accept", "da thu ly": "accept", "thu ly giai quyet": "accept", "accept": "accept",
    "khong thu ly": "refuse", "tra lai don": "refuse", "refuse": "refuse", "tu choi": "refuse",
    "chuyen": "transfer", "chuyen don": "transfer", "da chuyen": "transfer", "chuyen co quan co tham quyen": "transfer",
    "chuyen don den co quan co tham quyen": "transfer", "transfer": "transfer",
    "huong dan": "guide", "tra loi huong dan": "guide", "da huong dan": "guide", "guide": "guide",
    "luu": "store", "luu don": "store", "luu ho so": "store", "store": "store", "luu don khong xu ly": "store",
}
OUTCOME_WORDS = {
    "dung": "dung", "dung toan bo": "dung", "to cao dung": "dung", "khieu nai dung": "dung",
    "sai": "sai", "sai toan bo": "sai", "to cao sai": "sai", "khieu nai sai": "sai",
    "dung mot phan": "dung_mot_phan", "co dung co sai": "dung_mot_phan", "dung 1 phan": "dung_mot_phan",
    "rut don": "rut_don", "rut": "rut_don", "cong dan rut don": "rut_don",
    "giu nguyen": "giu_nguyen", "cong nhan": "giu_nguyen", "giu nguyen quyet dinh": "giu_nguyen",
    "huy sua": "huy_sua", "huy": "huy_sua", "sua": "huy_sua", "huy bo": "huy_sua", "sua doi": "huy_sua",
    "da tra loi": "da_tra_loi", "tra loi": "da_tra_loi", "da giai quyet": "da_tra_loi",
    "da co van ban tra loi": "da_tra_loi",
}
RECEPTION_TYPE_WORDS = {"thuong xuyen": "regular", "dinh ky": "periodic", "dot xuat": "unscheduled",
                        "regular": "regular", "periodic": "periodic", "unscheduled": "unscheduled"}
HEAD_WORDS = {"truc tiep": "in_person", "nguoi dung dau tiep truc tiep": "in_person", "in person": "in_person",
              "uy quyen": "delegated", "uy quyen cho cap pho": "delegated", "delegated": "delegated"}
HANDLING_WORDS = {"tiep nhan": "accepted", "tiep nhan don": "accepted", "nhan don": "accepted",
                  "accepted": "accepted", "huong dan": "guided", "tra lai don huong dan": "guided",
                  "tra lai don": "guided", "guided": "guided", "chuyen": "transferred",
                  "chuyen don": "transferred", "chuyen don den co quan co tham quyen": "transferred",
                  "transferred": "transferred"}
COMPLEXITY_WORDS = {"": "normal", "binh thuong": "normal", "normal": "normal", "phuc tap": "complex",
                    "complex": "complex", "dac biet phuc tap": "especially_complex",
                    "especially complex": "especially_complex"}


@dataclass
class Vocabulary:
    """Words the office writes, folded, mapped to codes. ``kinds`` and ``units`` start from the
    reference data (names, codes) and the defaults above; ``extra`` holds the office's own words saved
    with a mapping (``{"kind": {"đơn đề nghị": "kien_nghi"}, "unit": {"P.TH": "VP"}}``)."""

    kinds: dict[str, str]
    units: dict[str, int]
    unit_codes: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, kinds: Iterable[tuple[str, str, str]], units: Iterable[tuple[int, str, str]],
              extra: dict | None = None) -> "Vocabulary":
        """``kinds``: (code, name_vi, name_en); ``units``: (id, code, name)."""
        kmap = dict(KIND_WORDS)
        known_kinds = set()
        for code, vi, en in kinds:
            known_kinds.add(code)
            for w in (code, vi, en, f"don {vi}"):
                kmap[fold(w)] = code
        umap, ucodes = {}, {}
        for uid, code, name in units:
            ucodes[code] = uid
            for w in (code, name):
                umap[fold(w)] = uid
        extra = extra or {}
        for word, code in (extra.get("kind") or {}).items():
            if code in known_kinds:
                kmap[fold(word)] = code
        for word, code in (extra.get("unit") or {}).items():
            if code in ucodes:
                umap[fold(word)] = ucodes[code]
        return cls({k: v for k, v in kmap.items() if v in known_kinds}, umap, ucodes)


def _lookup(words: dict[str, Any], value: Any, code: str) -> Any:
    f = fold(value)
    if f in words:
        return words[f]
    raise CellError(code, value=text_of(value)[:60])


# -- rows ------------------------------------------------------------------------------------------

@dataclass
class Problem:
    line: int
    column: str       # the header text of the column (or the field's name when unmapped)
    code: str
    params: dict = field(default_factory=dict)


_TOTALS = re.compile(r"^(tong cong|tong so|tong|cong|cong so|total)\b")
_FOOTER = re.compile(r"^(nguoi lap|nguoi ghi so|thu truong|lanh dao|xac nhan|ky ten|ghi chu)\b")


def row_role(cells: Sequence[Any], mapping: dict[str, int], kind: str) -> str:
    """``record``, or why the line is skipped: ``blank``, ``totals`` (Tổng cộng…), ``footer`` (the
    signature block under the table; a line with no date, no kind and at most two cells filled)."""
    date_field = DATE_FIELDS[kind][0]
    date_cell = cells[mapping[date_field]] if date_field in mapping and mapping[date_field] < len(cells) else None
    kind_cell = cells[mapping["kind"]] if "kind" in mapping and mapping["kind"] < len(cells) else None
    if not is_blank(date_cell) and not is_blank(kind_cell) and not (
            isinstance(date_cell, str) and not date_cell[:1].isdigit() and _TOTALS.match(fold(date_cell[:12]))):
        return "record"   # the common case, decided cheaply
    filled = [v for v in cells if not is_blank(v)]
    if not filled:
        return "blank"
    first_text = next((fold(v) for v in filled if isinstance(v, str)), "")
    if _TOTALS.match(first_text) and (is_blank(date_cell) or _TOTALS.match(fold(date_cell))):
        return "totals"
    if is_blank(date_cell) and is_blank(kind_cell) and (len(filled) <= 2 or _FOOTER.match(first_text)):
        return "footer"
    return "record"


def row_key(kind: str, ref: str, day: date | None, *parts: str) -> str:
    """A stable key for a register row: its number in the register and the year (numbers restart
    each year); without a number, the date and the folded words that identify the letter."""
    if ref:
        basis = f"{kind}|ref|{fold(ref)}|{day.year if day else ''}"
    else:
        basis = f"{kind}|{day.isoformat() if day else ''}|" + "|".join(fold(p)[:200] for p in parts)
    return hashlib.sha256(basis.encode()).hexdigest()[:40]


_DIGEST_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))   # what json.dumps(…) used


def digest(record: dict) -> str:
    """A fingerprint of a row's values, to tell an unchanged row from a corrected one."""
    payload = _DIGEST_JSON.encode({k: (v.isoformat() if isinstance(v, date) else v)
                                   for k, v in sorted(record.items()) if k not in ("line", "key", "digest")})
    return hashlib.sha256(payload.encode()).hexdigest()


def _cached(fn, cache: dict, value: Any):
    """``fn(value)`` remembered per distinct cell (registers repeat dates, kinds and units a lot)."""
    try:
        k = (type(value), value)
        hash(k)
    except TypeError:
        return fn(value)
    hit = cache.get(k)
    if hit is None:
        try:
            hit = cache[k] = (True, fn(value))
        except CellError as exc:
            # the problem, not the exception: a raised exception keeps its traceback, whose frames
            # keep every chunk of rows it was raised through alive (hundreds of MB on a big file)
            hit = cache[k] = (False, (exc.code, exc.params))
    ok, out = hit
    if not ok:
        raise CellError(out[0], **out[1])
    return out


NO_CONTENT = "(Sổ cũ không ghi nội dung)"
UNCACHED = frozenset({"cccd", "phone"})


class RowValidator:
    """Turns the records of a register, chunk by chunk, into clean values and problems. Keeps what
    spans chunks: the keys seen (duplicates), counts of skipped lines, and per-cell caches."""

    def __init__(self, kind: str, mapping: dict[str, int], headers: Sequence[Any], vocab: Vocabulary,
                 today: date):
        self.kind, self.mapping, self.vocab, self.today = kind, dict(mapping), vocab, today
        self.headers = {name: (text_of(headers[i]) if i < len(headers) else "") or name
                        for name, i in mapping.items()}
        self.seen: dict[str, int] = {}
        self.skipped = {"blank": 0, "totals": 0, "footer": 0}
        self.caches: dict[str, dict] = {}

    def _col(self, name: str) -> str:
        return self.headers.get(name, name)

    def validate(self, rows: Iterable[tuple[int, Sequence[Any]]]) -> tuple[list[dict], list[Problem]]:
        """``rows``: (line number as the spreadsheet shows it, cells). Returns the accepted records
        (with ``line``, ``key`` and ``digest``) and the problems (one or more per rejected row)."""
        records, problems = [], []
        fn = self._letter if self.kind == "letters" else self._visit
        for line, cells in rows:
            role = row_role(cells, self.mapping, self.kind)
            if role != "record":
                self.skipped[role] += 1
                continue
            got = {name: (cells[i] if i < len(cells) else None) for name, i in self.mapping.items()}
            errs: list[Problem] = []
            rec = fn(line, got, errs)
            if errs:
                problems.extend(errs)
                continue
            first = self.seen.get(rec["key"])
            if first is not None:
                problems.append(Problem(line, self._col("ref") if "ref" in self.mapping else "",
                                        "duplicate", {"first": first}))
                continue
            self.seen[rec["key"]] = line
            rec["line"] = line
            rec["digest"] = digest(rec)
            records.append(rec)
        return records, problems

    # each helper appends a Problem and returns None when the cell is wrong
    def _cell(self, line, got, name, fn, errs):
        value = got.get(name)
        if value is None or value == "":
            return None
        try:
            if name in UNCACHED:   # a different value on nearly every row: remembering costs memory
                return fn(value)
            return _cached(fn, self.caches.setdefault(name, {}), value)
        except CellError as exc:
            errs.append(Problem(line, self._col(name), exc.code, exc.params))
            return None

    def _date(self, line, got, name, errs, *, required=False, not_before: tuple[date | None, str] = (None, "")):
        d = self._cell(line, got, name, parse_date, errs)
        if d is None:
            if required and not any(e.line == line and e.column == self._col(name) for e in errs):
                errs.append(Problem(line, self._col(name), "required"))
            return None
        if d > self.today:
            errs.append(Problem(line, self._col(name), "date_future", {"day": d}))
            return None
        lower, lower_name = not_before
        if lower is not None and d < lower:
            errs.append(Problem(line, self._col(name), "date_before", {"day": d, "other": self._col(lower_name),
                                                                      "other_day": lower}))
            return None
        return d

    def _text(self, got, name, limit: int) -> str:
        return text_of(got.get(name))[:limit]

    def _required_text(self, line, got, name, limit, errs) -> str:
        s = self._text(got, name, limit)
        if not s:
            errs.append(Problem(line, self._col(name), "required"))
        return s

    def _identity(self, line, got, errs) -> dict:
        ident = {"full_name": self._text(got, "full_name", 200) or None,
                 "address": self._text(got, "address", 300) or None,
                 "cccd": self._cell(line, got, "cccd", repair_cccd, errs),
                 "phone": self._cell(line, got, "phone", repair_phone, errs)}
        return {k: v for k, v in ident.items() if v}

    def _history_problems(self, line: int, got: dict, errs: list[Problem], *, kind, anonymous, attempt, decision,
                          decision_date, outcome, outcome_date) -> None:
        """The consistency of a letter's history: a decision with its date, an outcome only after an
        acceptance and with its date, an outcome the kind allows."""
        if decision and decision_date is None and "decision_date" in self.mapping and not errs:
            errs.append(Problem(line, self._col("decision_date"), "decision_date_missing"))
        if decision_date and not decision:
            errs.append(Problem(line, self._col("decision"), "decision_missing"))
        if outcome and decision != "accept" and decision is not None:
            errs.append(Problem(line, self._col("outcome"), "outcome_without_accept"))
        if outcome and decision is None and not errs:
            errs.append(Problem(line, self._col("outcome"), "outcome_without_accept"))
        if outcome and outcome_date is None and not errs:
            errs.append(Problem(line, self._col("outcome_date"), "outcome_date_missing"))
        if outcome_date and not outcome and not errs:
            errs.append(Problem(line, self._col("outcome"), "outcome_missing"))
        if kind and outcome and outcome not in outcomes_for(kind, attempt):
            errs.append(Problem(line, self._col("outcome"), "wrong_outcome", {"value": text_of(got.get("outcome"))}))
        if kind == "khieu_nai" and anonymous and decision == "accept":
            errs.append(Problem(line, self._col("decision"), "anonymous_not_accepted"))

    def _letter(self, line: int, got: dict, errs: list[Problem]) -> dict:
        received = self._date(line, got, "received", errs, required=True)
        kind = self._cell(line, got, "kind", lambda v: _lookup(self.vocab.kinds, v, "unknown_kind"), errs) \
            if not is_blank(got.get("kind")) else None
        if kind is None and not any(e.column == self._col("kind") for e in errs):
            errs.append(Problem(line, self._col("kind"), "required"))
        if "content" in self.mapping:
            content = self._required_text(line, got, "content", 20000, errs)
        else:
            content = NO_CONTENT
        subject = self._text(got, "subject", 200) or (content.splitlines()[0][:200] if content else "")
        unit_id = None
        if not is_blank(got.get("unit")):
            unit_id = self._cell(line, got, "unit", lambda v: _lookup(self.vocab.units, v, "unknown_unit"), errs)
        decision = None
        if not is_blank(got.get("decision")):
            decision = self._cell(line, got, "decision", lambda v: _lookup(DECISION_WORDS, v, "unknown_decision"), errs)
        decision_date = self._date(line, got, "decision_date", errs, not_before=(received, "received"))
        assigned_date = self._date(line, got, "assigned_date", errs,
                                   not_before=(decision_date or received, "decision_date" if decision_date else "received"))
        outcome = None
        if not is_blank(got.get("outcome")):
            outcome = self._cell(line, got, "outcome", lambda v: _lookup(OUTCOME_WORDS, v, "unknown_outcome"), errs)
        outcome_date = self._date(line, got, "outcome_date", errs,
                                  not_before=(decision_date or received, "decision_date" if decision_date else "received"))
        group_size = self._cell(line, got, "group_size", lambda v: parse_int(v, 1, 100000), errs)
        anonymous = bool(self._cell(line, got, "anonymous", parse_bool, errs))
        attempt = self._cell(line, got, "attempt", lambda v: parse_int(v, 1, 2), errs) or 1
        complexity = self._cell(line, got, "complexity", lambda v: _lookup(COMPLEXITY_WORDS, v, "unknown_complexity"),
                                errs) or "normal"
        identity = {} if anonymous else self._identity(line, got, errs)
        if not identity and "anonymous" not in self.mapping:
            anonymous = True   # nobody named: an anonymous letter (unless the file says otherwise)
        self._history_problems(line, got, errs, kind=kind, anonymous=anonymous, attempt=attempt, decision=decision,
                               decision_date=decision_date, outcome=outcome, outcome_date=outcome_date)
        if errs:
            return {}
        ref = self._text(got, "ref", 60)
        rec = {"kind_code": kind, "received": received, "subject": subject, "content": content,
               "unit_id": unit_id, "decision": decision, "decision_date": decision_date,
               "assigned_date": assigned_date if decision == "accept" else None,
               "outcome": outcome, "outcome_date": outcome_date,
               "group_size": group_size if group_size and group_size >= 2 else None,
               "anonymous": anonymous, "identity": identity,
               "attempt": attempt if kind == "khieu_nai" else 1, "complexity": complexity, "ref": ref}
        rec["key"] = row_key("letters", ref, received, identity.get("full_name", ""), content)
        return rec

    def _visit(self, line: int, got: dict, errs: list[Problem]) -> dict:
        day = self._date(line, got, "visit_date", errs, required=True)
        name = self._required_text(line, got, "citizen_name", 200, errs)
        content = self._required_text(line, got, "content", 20000, errs)
        kind = None
        if is_blank(got.get("kind")):
            errs.append(Problem(line, self._col("kind"), "required"))
        else:
            kind = self._cell(line, got, "kind", lambda v: _lookup(self.vocab.kinds, v, "unknown_kind"), errs)
        handling = None
        if is_blank(got.get("handling")):
            errs.append(Problem(line, self._col("handling"), "required"))
        else:
            handling = self._cell(line, got, "handling", lambda v: _lookup(HANDLING_WORDS, v, "unknown_handling"), errs)
        rtype = "regular"
        if not is_blank(got.get("reception_type")):
            rtype = self._cell(line, got, "reception_type",
                               lambda v: _lookup(RECEPTION_TYPE_WORDS, v, "unknown_reception_type"), errs)
        head = None
        if not is_blank(got.get("head_mode")):
            head = self._cell(line, got, "head_mode", lambda v: _lookup(HEAD_WORDS, v, "unknown_head_mode"), errs)
        people = self._cell(line, got, "people_count", lambda v: parse_int(v, 1, 100000), errs) or 1
        is_group = bool(self._cell(line, got, "is_group", parse_bool, errs))
        is_repeat = bool(self._cell(line, got, "is_repeat", parse_bool, errs))
        cccd = self._cell(line, got, "cccd", repair_cccd, errs)
        if errs:
            return {}
        ref = self._text(got, "ref", 30)
        serial = None
        if m := re.fullmatch(r"(\d{1,7})(?:\s*/\s*(\d{4}))?", ref):
            serial = int(m[1])
        rec = {"visit_date": day, "reception_type": rtype, "head_mode": head if rtype != "regular" else None,
               "citizen_name": name, "citizen_address": self._text(got, "citizen_address", 300) or None,
               "cccd": cccd, "content": content, "kind_code": kind, "people_count": people,
               "is_group": is_group, "is_repeat": is_repeat,
               "previous_agency": self._text(got, "previous_agency", 300) or None, "handling": handling,
               "handling_agency": (self._text(got, "handling_agency", 300) or None) if handling != "accepted" else None,
               "follow_up": self._text(got, "follow_up", 5000) or None, "notes": self._text(got, "notes", 5000) or None,
               "serial": serial, "ref": ref}
        rec["key"] = row_key("visits", ref, day, name, content)
        return rec


class MergeFiller:
    """Gives every cell of a merged range the value of its top-left cell, as rows stream by (a
    spreadsheet keeps the value in the top-left cell only). Ranges are (min_row, min_col, max_row,
    max_col), 1-based as in the sheet; rows must come in sheet order."""

    def __init__(self, merges: Sequence[tuple[int, int, int, int]]):
        self.by_start: dict[int, list[tuple[int, int, int, int]]] = {}
        for m in merges:
            if (m[2], m[3]) != (m[0], m[1]):
                self.by_start.setdefault(m[0], []).append(m)
        self.active: list[tuple[tuple[int, int, int, int], Any]] = []

    def apply(self, row_number: int, cells: list[Any]) -> list[Any]:
        for m in self.by_start.pop(row_number, ()):
            top = cells[m[1] - 1] if m[1] - 1 < len(cells) else None
            self.active.append((m, top))
        self.active = [(m, top) for m, top in self.active if m[2] >= row_number]
        for (r0, c0, _r1, c1), top in self.active:
            if len(cells) < c1:
                cells.extend([None] * (c1 - len(cells)))
            for c in range(c0, c1 + 1):
                if (row_number, c) != (r0, c0):
                    cells[c - 1] = top
        return cells


def summary_frame(records: Iterable[dict], kind: str) -> pd.DataFrame:
    """Counts of accepted rows per kind and per year (of receipt or visit), for the dry run."""
    day = "received" if kind == "letters" else "visit_date"
    df = pd.DataFrame([{"kind_code": r["kind_code"], "year": r[day].year, "action": r.get("action", "new")}
                       for r in records], columns=["kind_code", "year", "action"])
    if df.empty:
        return pd.DataFrame(columns=["kind_code", "year", "action", "rows"])
    return df.groupby(["kind_code", "year", "action"]).size().reset_index(name="rows")


@dataclass
class HistoryStep:
    action: str
    day: date
    to_status: str
    outcome: str | None = None


def letter_history(rec: dict) -> list[HistoryStep]:
    """The case events a register row stands for, in order, with their real dates: received; the
    processing decision; the assignment (an accepted letter given to a unit); the outcome."""
    steps = [HistoryStep("submitted", rec["received"], "received")]
    target = {"accept": "accepted", "refuse": "rejected", "transfer": "transferred", "guide": "guided",
              "store": "stored"}
    if rec.get("decision"):
        steps.append(HistoryStep(rec["decision"], rec["decision_date"], target[rec["decision"]]))
        if rec["decision"] == "accept" and rec.get("unit_id"):
            steps.append(HistoryStep("assign", rec.get("assigned_date") or rec["decision_date"], "in_progress"))
        if rec["decision"] == "accept" and rec.get("outcome"):
            steps.append(HistoryStep("record_outcome", rec["outcome_date"], "resolved", rec["outcome"]))
    return steps
