"""Report statistics counted in SQL from the case events, "as they stood" in the period.

No Flask here: every function takes a SQLAlchemy connection or session, the period as UTC instants
``[since, until)`` and the local time zone. Identity tables are never read.

Definitions (the same on SQLite and PostgreSQL):
- a case's status at an instant ``t`` is the ``to_status`` of its last ``CaseEvent`` (highest seq)
  created before ``t``; so a case closed after the period's end counts as open in the period;
- **in scope** (the period's letters): received before the end, and either received in the period
  (*new*) or received earlier and in an open status at the start (*carried over*);
- **processed**: a triage decision (accept, refuse, transfer, guide, store, merge) before the end;
  **eligible**: processed and not stored, refused or merged at the end;
- **resolved**: an outcome recorded (``record_outcome``) in the period and the case resolved or
  closed at the end (a case resolved then reopened within the period is in progress);
- complaints and denunciations **to resolve**: accepted (thụ lý) before the start and open at the
  start (*carried over*), or accepted in the period (*new*);
- **on time / late** and **overdue at the end** compare the day of resolution (or the period's last
  day) with the resolution deadline from the rules table (:func:`deadline_counts`).

Known limits (the history does not record them): the kind is the case's current kind (a
reclassification is not replayed), the outcome code is the case's current outcome (a reopened case
has none), and pauses counted in ``paused_days`` include pauses after the period.
"""
from __future__ import annotations

import re
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, bindparam, text
from sqlalchemy.exc import SQLAlchemyError

OPEN = ("received", "accepted", "in_progress", "waiting_citizen")
DONE = ("resolved", "closed")
DECISIONS = ("accept", "refuse", "transfer", "guide", "store", "merge")
FEEDBACK_KINDS = ("gop_y", "phan_anh", "kien_nghi")


@dataclass(frozen=True)
class Window:
    since: datetime   # UTC, included
    until: datetime   # UTC, excluded
    tz: str
    start: date       # local first day
    end: date         # local last day


def window(start: date, end: date, tz: str) -> Window:
    """Local days ``[start, end]`` as UTC instants."""
    zone = ZoneInfo(tz)
    since = datetime(start.year, start.month, start.day, tzinfo=zone).astimezone(timezone.utc)
    nxt = end + timedelta(days=1)
    until = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone).astimezone(timezone.utc)
    return Window(since, until, tz, start, end)


def _q(items) -> str:
    return ", ".join(f"'{i}'" for i in items)


def _offset_hours(w: Window) -> float:
    return ZoneInfo(w.tz).utcoffset(datetime(w.start.year, w.start.month, w.start.day)).total_seconds() / 3600


def local_day(col: str, dialect: str, w: Window, fmt: str = "day") -> str:
    """SQL for the local calendar day (``YYYY-MM-DD``) or month (``YYYY-MM``) of a UTC column.

    PostgreSQL converts with the real time zone; SQLite with the zone's offset at the period's start
    (Asia/Ho_Chi_Minh has had no daylight saving since 1975)."""
    if dialect == "postgresql":
        return f"to_char(({col}) AT TIME ZONE :tz, '{'YYYY-MM-DD' if fmt == 'day' else 'YYYY-MM'}')"
    mod = f"{_offset_hours(w):+g} hours"
    return f"strftime('{'%Y-%m-%d' if fmt == 'day' else '%Y-%m'}', {col}, '{mod}')"


def _params(w: Window) -> dict:
    return {"s": w.since, "e": w.until, "tz": w.tz}


def _text(sql: str, w: Window):
    """``text(sql)`` with ``:s`` and ``:e`` typed as instants (when the statement uses them)."""
    binds = [bindparam(n, type_=DateTime(timezone=True)) for n in ("s", "e") if re.search(rf":{n}\b", sql)]
    return text(sql).bindparams(*binds)


# One row per in-scope case with its status at the start and at the end, and flags from its events,
# in one pass over the events: each case's last event before the start and last event before the end
# come from one ROW_NUMBER over (case, before the start or not), no join back to the events.
FACTS = f"""
WITH ranked AS (
  SELECT case_id, seq, action, to_status, created_at, kind_code, outcome,
    CASE WHEN created_at < :s THEN 1 ELSE 0 END AS before_s,
    ROW_NUMBER() OVER (PARTITION BY case_id, CASE WHEN created_at < :s THEN 1 ELSE 0 END
                       ORDER BY seq DESC) AS rn
  FROM case_events WHERE created_at < :e
), last_ev AS (
  SELECT case_id,
    MAX(CASE WHEN rn = 1 AND before_s = 1 THEN seq END) AS seq_b,
    MAX(CASE WHEN rn = 1 AND before_s = 1 THEN to_status END) AS status_b,
    MAX(CASE WHEN rn = 1 AND before_s = 0 THEN seq END) AS seq_a,
    MAX(CASE WHEN rn = 1 AND before_s = 0 THEN to_status END) AS status_a,
    MAX(CASE WHEN action = 'accept' AND before_s = 1 THEN 1 ELSE 0 END) AS acc_s,
    MAX(CASE WHEN action = 'accept' AND before_s = 0 THEN 1 ELSE 0 END) AS acc_p,
    MAX(CASE WHEN action = 'accept' THEN 1 ELSE 0 END) AS acc_e,
    MAX(CASE WHEN action IN ({_q(DECISIONS)}) THEN 1 ELSE 0 END) AS decided,
    MAX(CASE WHEN action = 'record_outcome' AND before_s = 0 THEN created_at END) AS resolved_at,
    MAX(CASE WHEN action = 'record_outcome' THEN 1 ELSE 0 END) AS outcome_e,
    SUM(CASE WHEN action = 'public_reply' AND before_s = 0 THEN 1 ELSE 0 END) AS replies,
    SUM(CASE WHEN action = 'urge' AND before_s = 0 THEN 1 ELSE 0 END) AS urges,
    -- the kind and the outcome as they stood at the end: those of the latest event that set them
    -- (a 9-digit seq prefix makes MAX pick the latest; events older than these columns have none)
    MAX(CASE WHEN kind_code IS NOT NULL THEN CAST(seq + 100000000 AS TEXT) || kind_code END) AS kind_tag,
    MAX(CASE WHEN outcome IS NOT NULL THEN CAST(seq + 100000000 AS TEXT) || outcome END) AS outcome_tag
  FROM ranked GROUP BY case_id
), ev AS (
  SELECT last_ev.*, status_b AS status_s,
    CASE WHEN seq_a IS NOT NULL AND (seq_b IS NULL OR seq_a > seq_b) THEN status_a ELSE status_b END AS status_e
  FROM last_ev
), facts AS (
  SELECT c.id, COALESCE(SUBSTR(ev.kind_tag, 10), c.kind_code) AS kind_code,
    CASE WHEN c.is_group THEN 1 ELSE 0 END AS is_group,
    CASE WHEN c.is_anonymous THEN 1 ELSE 0 END AS is_anonymous, c.handling_unit_id, c.received_at,
    COALESCE(SUBSTR(ev.outcome_tag, 10), c.outcome) AS outcome, c.attempt, c.complexity, c.is_remote, c.paused_days, c.accepted_on,
    CASE WHEN c.received_at >= :s THEN 1 ELSE 0 END AS is_new,
    ev.status_s, ev.status_e,
    ev.acc_s, ev.acc_p, ev.acc_e, ev.decided, ev.resolved_at, ev.outcome_e, ev.replies, ev.urges
  FROM cases c
  JOIN ev ON ev.case_id = c.id
  WHERE c.received_at < :e AND (c.received_at >= :s OR ev.status_s IN ({_q(OPEN)}))
)
"""


@contextmanager
def materialised(conn, w: Window) -> Iterator[str]:
    """Compute the period's per-case history (``FACTS``) once into a temporary table and yield its
    name, to pass as ``facts=`` to :func:`summary`, :func:`deadline_rows`, :func:`headline`,
    :func:`by_key` and :func:`by_month`, which then only aggregate it. The table lives on this
    connection (SQLite and PostgreSQL alike) and is dropped on leaving the block."""
    name = f"report_facts_{uuid.uuid4().hex[:16]}"
    conn.execute(_text(f"CREATE TEMPORARY TABLE {name} AS {FACTS} SELECT * FROM facts", w), _params(w))
    if conn.dialect.name == "postgresql":
        # Temporary tables get no statistics from autovacuum: without them PostgreSQL guesses a few
        # hundred thousand groups and sorts the whole table on disk instead of hashing.
        conn.execute(text(f"ANALYZE {name}"))
    try:
        yield name
    finally:
        # In an aborted PostgreSQL transaction the DROP fails; its rollback removes the table anyway.
        with suppress(SQLAlchemyError):
            conn.execute(text(f"DROP TABLE IF EXISTS {name}"))


def _source(facts: str | None) -> tuple[str, str]:
    """(SQL prefix, table name) to read the facts from: the ``FACTS`` CTE, or a table made by
    :func:`materialised`."""
    if facts is None:
        return FACTS, "facts"
    if not facts.replace("_", "").isalnum():
        raise ValueError(facts)
    return "", facts


# Boolean SQL conditions on ``facts`` rows, reused by the tables.
RESOLVED = f"(resolved_at IS NOT NULL AND status_e IN ({_q(DONE)}))"
TO_RESOLVE_CARRIED = f"(acc_s = 1 AND status_s IN ({_q(OPEN)}))"
TO_RESOLVE_NEW = "(acc_p = 1)"
WITHDRAWN = "(outcome = 'rut_don')"


def _sum(cond: str) -> str:
    return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"


def _xld_columns() -> dict[str, str]:
    kn, tc = "kind_code = 'khieu_nai'", "kind_code = 'to_cao'"
    fb = f"kind_code IN ({_q(FEEDBACK_KINDS)})"
    eligible = "decided = 1 AND status_e NOT IN ('stored', 'rejected', 'merged')"
    in_progress = ("(status_e IN ('accepted', 'in_progress') OR "
                   "(status_e = 'waiting_citizen' AND acc_e = 1))")
    not_yet = "(status_e = 'received' OR (status_e = 'waiting_citizen' AND acc_e = 0))"
    return {
        "carried": _sum("is_new = 0"),
        "new": _sum("is_new = 1"),
        "total": "COUNT(*)",
        "group": _sum("is_group = 1"),
        "single": _sum("is_group = 0 AND is_anonymous = 0"),
        "other": _sum("is_group = 0 AND is_anonymous = 1"),
        "processed": _sum("decided = 1"),
        "eligible": _sum(eligible),
        "eligible_kn": _sum(f"{eligible} AND {kn}"),
        "eligible_tc": _sum(f"{eligible} AND {tc}"),
        "eligible_pakn": _sum(f"{eligible} AND {fb}"),
        "state_resolved": _sum(f"outcome_e = 1 AND status_e IN ({_q(DONE)})"),
        "state_in_progress": _sum(in_progress),
        "state_not_yet": _sum(not_yet),
        "state_ended": _sum(f"NOT (outcome_e = 1 AND status_e IN ({_q(DONE)})) AND NOT {in_progress} "
                            f"AND NOT {not_yet}"),
        "jur_kn": _sum(f"acc_e = 1 AND {kn}"),
        "jur_tc": _sum(f"acc_e = 1 AND {tc}"),
        "jur_pakn": _sum(f"acc_e = 1 AND {fb}"),
        "guided": _sum("status_e = 'guided'"),
        "transferred": _sum("status_e = 'transferred'"),
        "urged": "COALESCE(SUM(urges), 0)",  # đôn đốc: urge events in the period
        "replies": "COALESCE(SUM(replies), 0)",
    }


def _resolution_columns(kind: str, prefix: str) -> dict[str, str]:
    k = f"kind_code = '{kind}'"
    scope = f"{k} AND ({TO_RESOLVE_CARRIED} OR {TO_RESOLVE_NEW})"
    res = f"{scope} AND {RESOLVED}"
    cols = {
        "carried": _sum(f"{k} AND {TO_RESOLVE_CARRIED}"),
        "new": _sum(f"{k} AND {TO_RESOLVE_NEW} AND NOT {TO_RESOLVE_CARRIED}"),
        "total": _sum(scope),
        "resolved": _sum(res),
        "by_decision": _sum(f"{res} AND COALESCE(outcome, '') <> 'rut_don'"),
        "withdrawn": _sum(f"{res} AND {WITHDRAWN}"),
        "dung": _sum(f"{res} AND outcome = 'dung'"),
        "sai": _sum(f"{res} AND outcome = 'sai'"),
        "dung_mot_phan": _sum(f"{res} AND outcome = 'dung_mot_phan'"),
        "open_end": _sum(f"{scope} AND status_e IN ({_q(OPEN)})"),
    }
    if kind == "khieu_nai":
        cols["giu_nguyen"] = _sum(f"{res} AND outcome = 'giu_nguyen'")
        cols["huy_sua"] = _sum(f"{res} AND outcome = 'huy_sua'")
    return {f"{prefix}.{k}": v for k, v in cols.items()}


def summary(conn, w: Window, facts: str | None = None) -> dict[str, int]:
    """Every count of tables 02/XLD, 03/GQKN and 04/GQTC in one pass over the period's cases:
    keys ``xld.*``, ``kn.*``, ``tc.*`` (on-time/late/overdue are added by :func:`deadline_counts`)."""
    cols = {f"xld.{k}": v for k, v in _xld_columns().items()}
    cols.update(_resolution_columns("khieu_nai", "kn"))
    cols.update(_resolution_columns("to_cao", "tc"))
    names = list(cols)
    # The conditions are evaluated once per combination of the facts they read (a few hundred
    # groups), not once per case: each count becomes a sum of the groups' sizes ``n``.
    select_list = ",\n  ".join(
        f"{sql.replace('COUNT(*)', 'SUM(n)').replace(' THEN 1 ELSE 0 END)', ' THEN n ELSE 0 END)')} AS c{i}"
        for i, sql in enumerate(cols.values()))
    keys = ("kind_code, is_new, is_group, is_anonymous, decided, status_s, status_e, acc_s, acc_p, acc_e, "
            "outcome_e, outcome")
    pre, src = _source(facts)
    sql = pre + f"""
SELECT {select_list} FROM (
  SELECT {keys}, CASE WHEN resolved_at IS NOT NULL THEN 1 END AS resolved_at, COUNT(*) AS n,
    SUM(replies) AS replies, SUM(urges) AS urges
  FROM {src} GROUP BY {keys}, CASE WHEN resolved_at IS NOT NULL THEN 1 END
) g"""
    row = conn.execute(_text(sql, w), _params(w)).one()
    return {name: int(row[i] or 0) for i, name in enumerate(names)}


def deadline_rows(conn, w: Window, dialect: str, facts: str | None = None) -> list[dict]:
    """Accepted cases to resolve in the period, grouped by what decides their deadline, with the
    local day of resolution (None when not resolved in the period) and whether open at the end."""
    day = local_day("resolved_at", dialect, w)
    pre, src = _source(facts)
    sql = pre + f"""
SELECT kind_code, accepted_on, attempt, complexity, is_remote, paused_days,
  CASE WHEN {RESOLVED} THEN {day} END AS resolved_day,
  CASE WHEN status_e IN ({_q(OPEN)}) THEN 1 ELSE 0 END AS open_end,
  COUNT(*) AS n
FROM {src}
WHERE accepted_on IS NOT NULL AND ({TO_RESOLVE_CARRIED} OR {TO_RESOLVE_NEW})
GROUP BY kind_code, accepted_on, attempt, complexity, is_remote, paused_days,
  CASE WHEN {RESOLVED} THEN {day} END, CASE WHEN status_e IN ({_q(OPEN)}) THEN 1 ELSE 0 END
"""
    out = []
    for r in conn.execute(_text(sql, w), _params(w)):
        m = dict(r._mapping)
        if isinstance(m["accepted_on"], str):
            m["accepted_on"] = date.fromisoformat(m["accepted_on"])
        out.append(m)
    return out


def deadline_counts(rows: list[dict], w: Window, due: Callable[[dict], date | None]) -> dict[str, int]:
    """On time / late among the resolved and overdue among the open at the end, per kind prefix
    (``kn``, ``tc``, ``fb`` for feedback kinds, ``all``). ``due(row)`` is the resolution deadline of
    a row (None when no rule applies: not counted)."""
    out: dict[str, int] = {}
    cache: dict[tuple, date | None] = {}
    for r in rows:
        key = (r["kind_code"], r["accepted_on"], r["attempt"], r["complexity"], bool(r["is_remote"]),
               r["paused_days"])
        if key not in cache:
            cache[key] = due(r)
        deadline = cache[key]
        if deadline is None:
            continue
        prefix = {"khieu_nai": "kn", "to_cao": "tc"}.get(r["kind_code"], "fb")
        n = int(r["n"])
        if r["resolved_day"]:
            field = "on_time" if date.fromisoformat(r["resolved_day"]) <= deadline else "late"
        elif r["open_end"] and deadline < w.end:
            field = "overdue_end"
        else:
            continue
        for p in (prefix, "all"):
            out[f"{p}.{field}"] = out.get(f"{p}.{field}", 0) + n
    return out


def reception(conn, w: Window) -> dict[str, int]:
    """Table 01/TCD from the reception log and the dialogue sessions (dates are local days)."""
    head = "reception_type IN ('periodic', 'unscheduled')"
    cols = {
        "visits": "COUNT(*)",
        "people": "COALESCE(SUM(people_count), 0)",
        "first": _sum("NOT is_repeat"),
        "repeat": _sum("is_repeat"),
        "groups": _sum("is_group"),
        "group_people": "COALESCE(SUM(CASE WHEN is_group THEN people_count ELSE 0 END), 0)",
        "regular": _sum("reception_type = 'regular'"),
        "head_in_person": _sum(f"{head} AND head_mode = 'in_person'"),
        "head_delegated": _sum(f"{head} AND COALESCE(head_mode, 'delegated') = 'delegated'"),
        "periodic": _sum("reception_type = 'periodic'"),
        "unscheduled": _sum("reception_type = 'unscheduled'"),
        "kn": _sum("kind_code = 'khieu_nai'"),
        "tc": _sum("kind_code = 'to_cao'"),
        "pakn": _sum(f"kind_code IN ({_q(FEEDBACK_KINDS)})"),
        "accepted": _sum("handling = 'accepted'"),
        "guided": _sum("handling = 'guided'"),
        "transferred": _sum("handling = 'transferred'"),
    }
    names = list(cols)
    sl = ", ".join(f"{v} AS c{i}" for i, v in enumerate(cols.values()))
    row = conn.execute(text(f"SELECT {sl} FROM reception_visits WHERE visit_date >= :a AND visit_date <= :b"),
                       {"a": w.start, "b": w.end}).one()
    out = {f"tcd.{n}": int(row[i] or 0) for i, n in enumerate(names)}
    d = conn.execute(text(
        "SELECT COUNT(*), (SELECT COUNT(*) FROM dialogue_cases dc JOIN dialogue_sessions s2 "
        "ON s2.id = dc.dialogue_id WHERE s2.held_on >= :a AND s2.held_on <= :b) "
        "FROM dialogue_sessions WHERE held_on >= :a AND held_on <= :b"), {"a": w.start, "b": w.end}).one()
    out["tcd.dialogues"], out["tcd.dialogue_cases"] = int(d[0]), int(d[1])
    return out


def by_month(conn, w: Window, dialect: str, facts: str | None = None) -> list[dict]:
    """Received (by the day of receipt) and resolved (by the day of the outcome) per local month."""
    rm = local_day("received_at", dialect, w, "month")
    sm = local_day("resolved_at", dialect, w, "month")
    pre, src = _source(facts)
    sql = pre + f"""
SELECT month, SUM(received) AS received, SUM(resolved) AS resolved FROM (
  SELECT {rm} AS month, 1 AS received, 0 AS resolved FROM {src} WHERE is_new = 1
  UNION ALL
  SELECT {sm} AS month, 0, 1 FROM {src} WHERE {RESOLVED}
) t GROUP BY month ORDER BY month"""
    return [dict(r._mapping) for r in conn.execute(_text(sql, w), _params(w))]


def by_key(conn, w: Window, key: str, facts: str | None = None) -> list[dict]:
    """Received in the period and resolved in it, per ``kind_code`` or ``handling_unit_id``."""
    if key not in ("kind_code", "handling_unit_id"):
        raise ValueError(key)
    pre, src = _source(facts)
    sql = pre + f"""
SELECT {key} AS k, {_sum('is_new = 1')} AS received, {_sum(RESOLVED)} AS resolved,
  {_sum(f"status_e IN ({_q(OPEN)})")} AS open_end
FROM {src} GROUP BY {key} ORDER BY {key}"""
    return [dict(r._mapping) for r in conn.execute(_text(sql, w), _params(w))]


def headline(conn, w: Window, facts: str | None = None) -> dict[str, int]:
    """Received, accepted and resolved in the period (all kinds)."""
    pre, src = _source(facts)
    sql = pre + f"""
SELECT {_sum('is_new = 1')} AS received, {_sum('acc_p = 1')} AS accepted, {_sum(RESOLVED)} AS resolved,
  {_sum(f"status_e IN ({_q(OPEN)})")} AS open_end
FROM {src}"""
    r = conn.execute(_text(sql, w), _params(w)).one()
    return {k: int(v or 0) for k, v in r._mapping.items()}


CASE_LIST_COLUMNS = ("id", "kind_code", "received_day", "handling_unit_id", "status_start", "status_end",
                     "accepted_on", "resolved_day", "outcome", "is_group", "group_size", "is_anonymous",
                     "channel", "submitter_type")


def case_list(conn, w: Window, dialect: str, chunk: int = 5000) -> Iterator[list[tuple]]:
    """The period's cases, anonymised (no identity, no subject or content: those may name people),
    in chunks of ``chunk`` rows, streamed from the server."""
    rd = local_day("f.received_at", dialect, w)
    sd = local_day("f.resolved_at", dialect, w)
    sql = FACTS + f"""
SELECT f.id, f.kind_code, {rd} AS received_day, f.handling_unit_id, f.status_s, f.status_e,
  f.accepted_on, CASE WHEN {RESOLVED.replace('resolved_at', 'f.resolved_at').replace('status_e', 'f.status_e')}
  THEN {sd} END AS resolved_day, f.outcome, f.is_group, c.group_size, f.is_anonymous, c.channel,
  c.submitter_type
FROM facts f JOIN cases c ON c.id = f.id ORDER BY f.id"""
    result = conn.execute(_text(sql, w), _params(w),
                          execution_options={"stream_results": True, "yield_per": chunk})
    while True:
        rows = result.fetchmany(chunk)
        if not rows:
            break
        yield [tuple(r) for r in rows]


def plain_group_by(conn, w: Window) -> list[tuple]:
    """The benchmark's yardstick: a plain GROUP BY over the same cases (current status, no history)."""
    return list(conn.execute(_text(
        "SELECT kind_code, status, COUNT(*) FROM cases WHERE received_at >= :s AND received_at < :e "
        "GROUP BY kind_code, status", w), _params(w)))
