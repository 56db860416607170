"""The row validator: a register's records, chunk by chunk, into clean values and problems."""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable, Sequence

from ..triage import outcomes_for
from .cells import CellError, parse_bool, parse_date, parse_int, repair_cccd, repair_phone
from .rows import NO_CONTENT, UNCACHED, Problem, _cached, digest, row_key, row_role
from .text import is_blank, text_of
from .vocab import (
    COMPLEXITY_WORDS,
    DECISION_WORDS,
    HANDLING_WORDS,
    HEAD_WORDS,
    OUTCOME_WORDS,
    RECEPTION_TYPE_WORDS,
    Vocabulary,
    _lookup,
)


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
