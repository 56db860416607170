"""The SQL the report tables share: the period (``Window``) and its local days, the bound parameters,
and ``FACTS``, one row per case with what the tables need from its events (see ``report_queries``
for the definitions they count). No Flask here; the same SQL runs on SQLite and PostgreSQL."""
from __future__ import annotations

import re
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, bindparam, text
from sqlalchemy.exc import SQLAlchemyError

from .status import ALL
from .status import OPEN as OPEN_STATUSES
from .vocabulary import Kind, MatterState, Status



OPEN = tuple(s for s in ALL if s in OPEN_STATUSES)
DONE = (Status.RESOLVED, Status.CLOSED)
# The processing decisions of a letter (domain brief §6; TT 06/2025 form 02/XLD).
DECISIONS = ("accept", "refuse", "transfer", "guide", "store", "merge")
FEEDBACK_KINDS = (Kind.GOP_Y, Kind.PHAN_ANH, Kind.KIEN_NGHI)
# The instant an event takes effect. When decisions carry an effective date of their own, this is
# the one place to read it from.
EVENT_AT = "created_at"


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


def sql_list(items) -> str:
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


def bind_params(w: Window) -> dict:
    return {"s": w.since, "e": w.until, "tz": w.tz}


def period_text(sql: str, w: Window):
    """``text(sql)`` with ``:s`` and ``:e`` typed as instants (when the statement uses them)."""
    binds = [bindparam(n, type_=DateTime(timezone=True)) for n in ("s", "e") if re.search(rf":{n}\b", sql)]
    return text(sql).bindparams(*binds)


def sql_tag(value: str) -> str:
    """``seq`` as 9 digits followed by ``value``: ``MAX``/``MIN`` of it picks the value of the
    latest/earliest event (``SUBSTR(…, 10)`` reads it back), in one GROUP BY without a window."""
    return f"CAST(seq + 100000000 AS TEXT) || {value}"


IN_PERIOD = f"{EVENT_AT} >= :s AND {EVENT_AT} < :e"    # dated in the period
_BEFORE_S, _BEFORE_E = f"{EVENT_AT} < :s", f"{EVENT_AT} < :e"

# One row per case with what the report needs from its events, in one GROUP BY over the events:
# - status_s / status_e: its status at the period's start / end; kind_e: its kind at the end;
# - decided_at / decision: the first processing decision (each letter is processed once);
# - acc_s / acc_p: accepted (thụ lý) before the start / in the period; reopened_p: reopened in it;
# - resolved_at / outcome_p: the last resolution (record_outcome) in the period and its outcome;
# - urged: urged (đôn đốc) in the period; agency_replies: replies received from the agency the
#   letter was transferred to (action ``agency_reply``) in the period;
# - ext_e: extensions of the resolution deadline decided before the end; paused_e: a pause (request
#   for the citizen's documents) before the end; grp_before/grp_after: marked as a group before /
#   after the end.
FACTS = f"""
WITH ev AS (
  SELECT case_id,
    SUBSTR(MAX(CASE WHEN {_BEFORE_S} THEN {sql_tag('to_status')} END), 10) AS status_s,
    SUBSTR(MAX(CASE WHEN {_BEFORE_E} THEN {sql_tag('to_status')} END), 10) AS status_e,
    SUBSTR(MAX(CASE WHEN {_BEFORE_E} AND kind_code IS NOT NULL THEN {sql_tag('kind_code')} END), 10) AS kind_e,
    MIN(CASE WHEN action IN ({{decisions}}) THEN {EVENT_AT} END) AS decided_at,
    SUBSTR(MIN(CASE WHEN action IN ({{decisions}}) THEN {sql_tag('action')} END), 10) AS decision,
    MAX(CASE WHEN action = 'accept' AND {_BEFORE_S} THEN 1 ELSE 0 END) AS acc_s,
    MAX(CASE WHEN action = 'accept' AND {IN_PERIOD} THEN 1 ELSE 0 END) AS acc_p,
    MAX(CASE WHEN action = 'reopen' AND {IN_PERIOD} THEN 1 ELSE 0 END) AS reopened_p,
    MAX(CASE WHEN action = 'record_outcome' AND {IN_PERIOD} THEN {EVENT_AT} END) AS resolved_at,
    SUBSTR(MAX(CASE WHEN action = 'record_outcome' AND {IN_PERIOD} THEN {sql_tag("COALESCE(outcome, '')")} END), 10)
      AS outcome_p,
    MAX(CASE WHEN action = 'urge' AND {IN_PERIOD} THEN 1 ELSE 0 END) AS urged,
    SUM(CASE WHEN action = 'agency_reply' AND {IN_PERIOD} THEN 1 ELSE 0 END) AS agency_replies,
    SUM(CASE WHEN action = 'extend' AND {_BEFORE_E} AND from_status <> '{Status.RECEIVED}' THEN 1 ELSE 0 END) AS ext_e,
    MAX(CASE WHEN action = 'request_info' AND {_BEFORE_E} THEN 1 ELSE 0 END) AS paused_e,
    MAX(CASE WHEN action = 'mark_group' AND {_BEFORE_E} THEN 1 ELSE 0 END) AS grp_before,
    MAX(CASE WHEN action = 'mark_group' AND {EVENT_AT} >= :e THEN 1 ELSE 0 END) AS grp_after
  FROM case_events GROUP BY case_id
), facts AS (
  SELECT c.id, COALESCE(ev.kind_e, c.kind_code) AS kind_code,
    CASE WHEN c.is_group AND (ev.grp_before = 1 OR ev.grp_after = 0) THEN 1 ELSE 0 END AS is_group,
    CASE WHEN c.is_anonymous THEN 1 ELSE 0 END AS is_anonymous, c.handling_unit_id, c.received_at,
    c.attempt, c.is_remote, c.accepted_on,
    COALESCE(c.matter_state, CASE WHEN c.kind_code = '{Kind.KHIEU_NAI}' AND c.attempt = 2
      THEN '{MatterState.RESOLVED_ONCE}' ELSE '{MatterState.NOT_YET}' END) AS matter_state,
    CASE WHEN c.received_at >= :s AND c.received_at < :e THEN 1 ELSE 0 END AS is_new,
    CASE WHEN c.received_at < :e AND (c.received_at >= :s OR ev.decided_at IS NULL OR ev.decided_at >= :s)
      THEN 1 ELSE 0 END AS in_xld,
    CASE WHEN ev.decided_at >= :s AND ev.decided_at < :e THEN 1 ELSE 0 END AS processed,
    ev.decision, ev.status_s, ev.status_e,
    CASE WHEN ev.status_s IN ({{open_}}) THEN 1 ELSE 0 END AS open_s,
    CASE WHEN ev.status_e IN ({{open_}}) THEN 1 ELSE 0 END AS open_e, ev.acc_s, ev.acc_p,
    CASE WHEN ev.acc_s = 1 OR ev.acc_p = 1 THEN 1 ELSE 0 END AS acc_e, ev.reopened_p,
    ev.resolved_at,
    -- events written before they recorded an outcome: the case's outcome stands in
    CASE WHEN ev.resolved_at IS NOT NULL THEN COALESCE(NULLIF(ev.outcome_p, ''), c.outcome) END AS outcome,
    ev.urged, ev.agency_replies, ev.ext_e, ev.paused_e
  FROM cases c
  JOIN ev ON ev.case_id = c.id
  WHERE (c.received_at < :e AND (c.received_at >= :s OR ev.decided_at IS NULL OR ev.decided_at >= :s
                                 OR ev.status_s IN ({{open_}}) OR ev.reopened_p = 1))
     OR ev.urged = 1 OR ev.agency_replies > 0
)
""".replace("{decisions}", ", ".join(f"'{d}'" for d in DECISIONS)).replace(
    "{open_}", ", ".join(f"'{o}'" for o in OPEN))


@contextmanager
def materialised(conn, w: Window) -> Iterator[str]:
    """Compute the period's per-case history (``FACTS``) once into a temporary table and yield its
    name, to pass as ``facts=`` to :func:`summary`, :func:`deadline_rows`, :func:`headline`,
    :func:`by_key` and :func:`by_month`, which then only aggregate it. The table lives on this
    connection (SQLite and PostgreSQL alike) and is dropped on leaving the block."""
    name = f"report_facts_{uuid.uuid4().hex[:16]}"
    conn.execute(period_text(f"CREATE TEMPORARY TABLE {name} AS {FACTS} SELECT * FROM facts", w), bind_params(w))
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


def facts_source(facts: str | None) -> tuple[str, str]:
    """(SQL prefix, table name) to read the facts from: the ``FACTS`` CTE, or a table made by
    :func:`materialised`."""
    if facts is None:
        return FACTS, "facts"
    if not facts.replace("_", "").isalnum():
        raise ValueError(facts)
    return "", facts
