"""Pass 1, the check (the dry run): the plan of an import, the saved mappings, the spool."""
from __future__ import annotations

import json
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Callable, Iterator

import pandas as pd
from sqlalchemy import ARRAY, String, any_, bindparam, select

from ...domain import register_import as ri
from ...extensions import db
from ...models import Case, CaseKind, ImportMapping, Unit
from ...models.reception import ReceptionVisit
from ...policy import SECRET_IDENTITY_KINDS
from ...register_files import open_register

CHANNEL = "import"        # "nhập từ sổ cũ"
ACTOR = "import"
BATCH = 2000
MAX_PROBLEMS = 100_000    # kept in the plan; beyond this only counted
EVENT_HOUR = time(8, 0)   # an event of a day in the register is put at 08:00 local time
SECRET_KINDS = SECRET_IDENTITY_KINDS

Progress = Callable[[float], None]


@dataclass
class Plan:
    register: str
    fmt: str = ""
    header_line: int = 0
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    accepted: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    problems: list[ri.Problem] = field(default_factory=list)
    rejected_rows: int = 0
    by_kind_year: list[dict] = field(default_factory=list)
    spool: str | None = None

    def as_json(self, max_problems: int = 500) -> dict:
        return {"register": self.register, "fmt": self.fmt, "header_line": self.header_line,
                "headers": self.headers, "mapping": self.mapping, "rows": self.rows,
                "accepted": self.accepted, "new": self.new, "changed": self.changed,
                "unchanged": self.unchanged, "skipped": self.skipped, "rejected_rows": self.rejected_rows,
                "problems": [problem_json(p) for p in self.problems[:max_problems]],
                "problem_count": len(self.problems), "by_kind_year": self.by_kind_year}


def problem_json(p: ri.Problem) -> dict:
    return {"line": p.line, "column": p.column, "code": p.code,
            "params": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in p.params.items()}}


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    events: int = 0


# -- reference data --------------------------------------------------------------------------------

def vocabulary(words: dict | None = None) -> ri.Vocabulary:
    kinds = db.session.execute(select(CaseKind.code, CaseKind.name_vi, CaseKind.name_en)).all()
    units = db.session.execute(select(Unit.id, Unit.code, Unit.name)).all()
    return ri.Vocabulary.build([tuple(k) for k in kinds], [tuple(u) for u in units], words)


def saved_mapping(name: str) -> ImportMapping | None:
    return db.session.execute(select(ImportMapping).where(ImportMapping.name == name)).scalar_one_or_none()


def save_mapping(name: str, register: str, headers: list[str], mapping: dict[str, int], words: dict,
                 *, actor_id: int | None, now: datetime) -> ImportMapping:
    """Keep a confirmed mapping by name: each field with the header text of its column (the next
    file's columns may be in another order), and the office's words (flushed, not committed)."""
    row = saved_mapping(name) or ImportMapping(name=name, register=register)
    row.register = register
    row.fields_json = json.dumps({f: headers[i] if i < len(headers) else "" for f, i in mapping.items()},
                                 ensure_ascii=False)
    row.words_json = json.dumps(words or {}, ensure_ascii=False)
    row.updated_by_id, row.updated_at = actor_id, now
    db.session.add(row)
    db.session.flush()
    return row


def mapping_from_saved(saved: ImportMapping, headers: list) -> dict[str, int]:
    """The saved mapping applied to this file's header row, matched by folded header text."""
    by_text = {ri.fold(h): i for i, h in enumerate(headers) if not ri.is_blank(h)}
    fields = json.loads(saved.fields_json or "{}")
    return {f: by_text[ri.fold(t)] for f, t in fields.items() if ri.fold(t) in by_text}


# -- pass 1: check (the dry run) -------------------------------------------------------------------

def read_header(path: str, register: str, *, max_bytes: int, filename: str | None = None,
                saved: ImportMapping | None = None, header_line: int | None = None):
    """(reader, header line, header cells, mapping): the row holding a saved mapping's header texts
    and that mapping, else the guessed header row and mapping. Raises ``ImportProblem``."""
    reader = open_register(path, max_bytes=max_bytes, filename=filename)
    head = reader.head(ri.HEADER_SCAN_ROWS)
    rows = [cells for _line, cells in head]
    found = ri.find_header_by_texts(rows, json.loads(saved.fields_json or "{}")) if saved is not None else None
    if header_line is not None:   # a person confirmed this line as the header
        idx = next((i for i, (ln, _c) in enumerate(head) if ln == header_line), None)
        if idx is None:
            raise ri.ImportProblem("no_header", missing=[])
        found = (idx, ri.guess_mapping(rows[idx], register))
    idx, guessed = found or ri.find_header(rows, register)
    line, cells = head[idx]
    return reader, line, [ri.text_of(c) for c in cells], guessed


def among(column, values: list[str]) -> Iterator:
    """Conditions "``column`` is one of ``values``", one per slice: ``= ANY(array)`` of 10,000 on
    PostgreSQL (psycopg converts a statement with hundreds of placeholders slower than the server
    runs it), ``IN`` lists of 900 on SQLite (its limit of parameters per statement)."""
    if db.engine.dialect.name == "postgresql":
        for i in range(0, len(values), 10_000):
            yield column == any_(bindparam(None, values[i:i + 10_000], type_=ARRAY(String)))
    else:
        for i in range(0, len(values), 900):
            yield column.in_(values[i:i + 900])


def _existing(model, keys: list[str]) -> dict[str, tuple[int, str | None]]:
    out = {}
    for cond in among(model.import_key, keys):
        for r in db.session.execute(select(model.import_key, model.id, model.import_digest).where(cond)):
            out[r[0]] = (r[1], r[2])
    return out


def _classify(records: list[dict], known: dict, register: str, counts: dict[tuple, int]) -> list[dict]:
    """Mark each accepted row new, unchanged or changed (against the rows already imported, by key and
    digest), count it by (kind, year, action), and return the rows to write."""
    keep = []
    for r in records:
        hit = known.get(r["key"])
        if hit is None:
            r["action"] = "new"
        elif hit[1] == r["digest"]:
            r["action"] = "unchanged"
        else:
            r["action"], r["id"] = "changed", hit[0]
        year = (r["received"] if register == "letters" else r["visit_date"]).year
        k = (r["kind_code"], year, r["action"])
        counts[k] = counts.get(k, 0) + 1
        if r["action"] != "unchanged":
            keep.append(r)
    return keep


def _count(plan: Plan, counts: dict[tuple, int]) -> None:
    """The plan's totals by action, and by kind and year."""
    for (_kind, _year, action), n in sorted(counts.items()):
        setattr(plan, action, getattr(plan, action) + n)
    frame = pd.DataFrame([{"kind_code": k, "year": y, "action": a, "rows": n} for (k, y, a), n in counts.items()],
                         columns=["kind_code", "year", "action", "rows"])
    if not frame.empty:
        pivot = frame.pivot_table(index=["kind_code", "year"], columns="action", values="rows", aggfunc="sum",
                                  fill_value=0).reset_index()
        for col in ("new", "changed", "unchanged"):
            if col not in pivot:
                pivot[col] = 0
        plan.by_kind_year = [{"kind_code": r.kind_code, "year": int(r.year), "new": int(r.new),
                              "changed": int(r.changed), "unchanged": int(r.unchanged)}
                             for r in pivot.itertuples(index=False)]


def check(path: str, register: str, *, today: date, max_bytes: int, filename: str | None = None,
          mapping: dict[str, int] | None = None, words: dict | None = None, spool: bool = False,
          progress: Progress | None = None, saved: ImportMapping | None = None,
          header_line: int | None = None) -> Plan:
    """Read and validate the whole file; write nothing to the database. With ``spool`` the accepted
    rows that are new or changed are kept in a temporary file for :func:`apply` (the caller removes
    it with :func:`discard`)."""
    if register not in ri.FIELDS:
        raise ValueError(register)
    reader, line, headers, guessed = read_header(path, register, max_bytes=max_bytes, filename=filename,
                                                 saved=saved, header_line=header_line)
    mapping = dict(mapping) if mapping is not None else guessed
    problems = ri.check_mapping(mapping, register, max(len(headers), 1 + max(mapping.values(), default=0)))
    if problems:
        raise ri.ImportProblem("bad_mapping", problems=problems)
    plan = Plan(register, reader.fmt, line, headers, mapping)
    validator = ri.RowValidator(register, mapping, headers, vocabulary(words), today)
    model = Case if register == "letters" else ReceptionVisit
    counts: dict[tuple, int] = {}
    rejected_lines: set[int] = set()
    fh = tempfile.NamedTemporaryFile(prefix="danvan-import-", suffix=".spool", delete=False) if spool else None
    try:
        for rows in reader.batches(line):
            plan.rows += len(rows)
            records, problems = validator.validate(rows)
            for p in problems:
                rejected_lines.add(p.line)
                if len(plan.problems) < MAX_PROBLEMS:
                    plan.problems.append(p)
            keep = _classify(records, _existing(model, [r["key"] for r in records]), register, counts)
            plan.accepted += len(records)
            if fh is not None and keep:
                pickle.dump(keep, fh, protocol=pickle.HIGHEST_PROTOCOL)
            if progress:
                progress(reader.fraction())
    except BaseException:
        if fh is not None:
            fh.close()
            os.unlink(fh.name)
        raise
    db.session.rollback()  # end the read transaction: nothing was written
    if fh is not None:
        fh.close()
        plan.spool = fh.name
    plan.skipped = dict(validator.skipped)
    plan.rejected_rows = len(rejected_lines)
    plan.problems.sort(key=lambda p: p.line)
    _count(plan, counts)
    return plan


def discard(plan: Plan) -> None:
    if plan.spool and os.path.exists(plan.spool):
        os.unlink(plan.spool)
    plan.spool = None


def _spooled(plan: Plan) -> Iterator[list[dict]]:
    with open(plan.spool, "rb") as fh:
        while True:
            try:
                yield pickle.load(fh)  # our own temporary file, written by check() just before
            except EOFError:
                return
