"""SQL aggregates for the office's analysis workbook (``services/reports/workbook.py`` shapes them with pandas).

No Flask here: each function takes a connection, the period as a ``report_queries.Window`` and the
dialect, and returns small grouped rows. Identity tables are never read; subject and content neither.

- **monthly**: letters received per local month × kind × handling unit × channel;
- **decisions**: the first processing decision of each letter (accept, refuse, transfer, guide,
  store, merge) made in the period, grouped by kind, unit, day received and day decided;
- **outcomes**: the last outcome recorded in the period, grouped by kind, unit, day of acceptance and
  day of the outcome;
- **deadlines**: accepted letters with what decides their resolution deadline and the day of their
  outcome before the period's end (none when still open at the end), grouped;
- **cases**: the flat case table, streamed in chunks.
"""
from __future__ import annotations

from typing import Iterator

from .report_sql import DECISIONS, Window, bind_params, local_day, period_text, sql_list


def monthly(conn, w: Window, dialect: str) -> list[dict]:
    m = local_day("received_at", dialect, w, "month")
    sql = f"""
SELECT {m} AS month, kind_code, handling_unit_id AS unit_id, channel, COUNT(*) AS n
FROM cases WHERE received_at >= :s AND received_at < :e
GROUP BY {m}, kind_code, handling_unit_id, channel"""
    return [dict(r._mapping) for r in conn.execute(period_text(sql, w), bind_params(w))]


def decisions(conn, w: Window, dialect: str) -> list[dict]:
    rd = local_day("c.received_at", dialect, w)
    dd = local_day("d.first_at", dialect, w)
    sql = f"""
SELECT c.kind_code, c.handling_unit_id AS unit_id, {rd} AS start_day, {dd} AS end_day, COUNT(*) AS n
FROM (SELECT case_id, MIN(created_at) AS first_at FROM case_events
      WHERE action IN ({sql_list(DECISIONS)}) GROUP BY case_id) d
JOIN cases c ON c.id = d.case_id
WHERE d.first_at >= :s AND d.first_at < :e
GROUP BY c.kind_code, c.handling_unit_id, {rd}, {dd}"""
    return [dict(r._mapping) for r in conn.execute(period_text(sql, w), bind_params(w))]


def outcomes(conn, w: Window, dialect: str) -> list[dict]:
    od = local_day("o.done_at", dialect, w)
    sql = f"""
SELECT c.kind_code, c.handling_unit_id AS unit_id, c.accepted_on AS start_day, {od} AS end_day, COUNT(*) AS n
FROM (SELECT case_id, MAX(created_at) AS done_at FROM case_events
      WHERE action = 'record_outcome' AND created_at < :e GROUP BY case_id) o
JOIN cases c ON c.id = o.case_id
WHERE o.done_at >= :s AND c.accepted_on IS NOT NULL
GROUP BY c.kind_code, c.handling_unit_id, c.accepted_on, {od}"""
    return [dict(r._mapping) for r in conn.execute(period_text(sql, w), bind_params(w))]


def deadlines(conn, w: Window, dialect: str) -> list[dict]:
    od = local_day("o.done_at", dialect, w)
    sql = f"""
SELECT c.kind_code, c.handling_unit_id AS unit_id, c.accepted_on, c.attempt, c.complexity, c.is_remote,
  c.paused_days, {od} AS resolved_day, COUNT(*) AS n
FROM cases c
LEFT JOIN (SELECT case_id, MAX(created_at) AS done_at FROM case_events
           WHERE action = 'record_outcome' AND created_at < :e GROUP BY case_id) o ON o.case_id = c.id
WHERE c.accepted_on IS NOT NULL AND c.accepted_on <= :last AND (o.done_at IS NULL OR o.done_at >= :s)
GROUP BY c.kind_code, c.handling_unit_id, c.accepted_on, c.attempt, c.complexity, c.is_remote, c.paused_days, {od}"""
    return [dict(r._mapping) for r in conn.execute(period_text(sql, w), {**bind_params(w), "last": w.end})]


CASE_COLUMNS = ("id", "kind_code", "unit_id", "channel", "received_day", "decision", "decision_day", "accepted_on",
                "outcome", "outcome_day", "status", "is_group", "group_size", "is_anonymous", "submitter_type",
                "attempt", "complexity")


def cases(conn, w: Window, dialect: str, chunk: int = 5000) -> Iterator[list[tuple]]:
    """One row per letter received in the period (no identity, no subject, no content), oldest first."""
    rd = local_day("c.received_at", dialect, w)
    dd = local_day("d.first_at", dialect, w)
    od = local_day("o.done_at", dialect, w)
    sql = f"""
SELECT c.id, c.kind_code, c.handling_unit_id, c.channel, {rd} AS received_day,
  (SELECT e.action FROM case_events e WHERE e.case_id = c.id AND e.created_at = d.first_at
     AND e.action IN ({sql_list(DECISIONS)}) ORDER BY e.seq LIMIT 1) AS decision,
  {dd} AS decision_day, c.accepted_on, c.outcome, {od} AS outcome_day, c.status,
  c.is_group, c.group_size, c.is_anonymous, c.submitter_type, c.attempt, c.complexity
FROM cases c
LEFT JOIN (SELECT case_id, MIN(created_at) AS first_at FROM case_events
           WHERE action IN ({sql_list(DECISIONS)}) GROUP BY case_id) d ON d.case_id = c.id
LEFT JOIN (SELECT case_id, MAX(created_at) AS done_at FROM case_events
           WHERE action = 'record_outcome' GROUP BY case_id) o ON o.case_id = c.id
WHERE c.received_at >= :s AND c.received_at < :e
ORDER BY c.received_at, c.id"""
    result = conn.execute(period_text(sql, w), bind_params(w), execution_options={"stream_results": True, "yield_per": chunk})
    while True:
        rows = result.fetchmany(chunk)
        if not rows:
            break
        yield [tuple(r) for r in rows]
