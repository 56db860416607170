"""The fields of each register and the guessing of its header row (with or without diacritics)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from .text import HEADER_SCAN_ROWS, ImportProblem, fold, is_blank

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
