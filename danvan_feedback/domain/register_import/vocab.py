"""The office's words for kinds, units, decisions and outcomes, folded, mapped to codes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from .cells import CellError
from .text import fold, text_of

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
