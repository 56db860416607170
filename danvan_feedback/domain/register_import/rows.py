"""Rows: which lines are records, their stable key and fingerprint, merged cells, the history a letter stands for."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Sequence

import pandas as pd

from .cells import CellError
from .fields import DATE_FIELDS
from .text import fold, is_blank

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
