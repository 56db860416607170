"""Report statistics counted in SQL from the case events, "as they stood" in the period.

No Flask here: every function takes a SQLAlchemy connection, the period as UTC instants
``[since, until)`` (local days in the organisation's time zone) and the time zone. Identity tables
are never read. The same SQL runs on SQLite and PostgreSQL.

The definitions (Government Inspectorate circular TT 06/2025/TT-TTCP, forms 01/TCD – 04/GQTC, read
with the columns of the earlier forms of TT 02/2021/TT-TTCP; domain brief §6 "Counting rules"). An
event counts at its instant (``created_at``); a case's state at an instant is the ``to_status`` of its
last event (highest seq) before that instant; its kind at an instant is the kind set by its last
event that set one (filing, reclassification). Each definition's function or SQL fragment below
cites its source:

- 02/XLD (:func:`_xld_columns`): each letter is processed once, by its first processing decision
  (thụ lý, không thụ lý, chuyển, hướng dẫn, lưu, gộp);
- 03/GQKN and 04/GQTC (:func:`_resolution_columns`): matters accepted (thụ lý) and still to
  resolve; every resolution counts in the period (and the month) of its decision;
- overdue (:func:`deadline_counts`): as it stood at the period's end, under the deadline in force
  then, replayed from the events: the extensions decided (:func:`complexity_at`) and the pauses
  taken (:func:`pause_spans`) before the end; nothing decided later rewrites it;
- 01/TCD (:func:`reception`): visits, reception sessions of the head, dialogues on distinct matters.

A period's figures depend only on events dated before its end, so a past period reads the same
whatever happens later (signed-off periods are frozen besides: ``services.reports.signoff``).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import text

from .report_sql import (EVENT_AT, FACTS, FEEDBACK_KINDS, IN_PERIOD, Window, bind_params, facts_source, local_day,
                         materialised, period_text, sql_list, window)  # noqa: F401  (reports call rq.window, rq.materialised)
from .triage import MATTER_STATES
from .vocabulary import Complexity, Handling, Kind, Outcome, Status


# Boolean SQL conditions on ``facts`` rows, reused by the tables.
# A resolution (record_outcome) dated in the period counts there, whatever happens later: a case
# resolved, reopened and resolved again counts each resolution in its own period (domain brief §6).
RESOLVED = "(resolved_at IS NOT NULL)"
# To resolve (03/GQKN, 04/GQTC "Số vụ việc phải giải quyết"): accepted before the start and open at
# the start (or reopened in the period) is carried over; accepted in the period is new.
TO_RESOLVE_CARRIED = "(acc_s = 1 AND (open_s = 1 OR reopened_p = 1))"
TO_RESOLVE_NEW = "(acc_p = 1)"
WITHDRAWN = "(outcome = 'rut_don')"
# Open at the end: accepted and not resolved at the period's end (letters not yet accepted are not
# matters being resolved; "Đang giải quyết cuối kỳ").
OPEN_END = "(acc_e = 1 AND open_e = 1)"


def _sum(cond: str) -> str:
    return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"


def _xld_columns() -> dict[str, str]:
    """Form 02/XLD, "Tổng hợp kết quả xử lý đơn" (TT 06/2025/TT-TTCP; columns of TT 02/2021 form
    02/XLD; domain brief §6). Each letter is counted once, by its first processing decision (thụ
    lý, không thụ lý, chuyển, hướng dẫn, lưu, gộp):

    - *kỳ trước chuyển sang*: received before the period with no processing decision at its start;
      *tiếp nhận trong kỳ*: received in the period, split by signatories (nhiều người / một người /
      khác = sender unknown);
    - *đã xử lý*: the processing decision is dated in the period;
    - *đủ điều kiện xử lý*: processed, except stored (lưu: does not meet the conditions) and merged
      (gộp); a refusal (không thụ lý) is a decision on an eligible letter within jurisdiction;
    - content and jurisdiction columns: the eligible letters by their kind at the period's end;
      *thuộc thẩm quyền* = accepted or refused; *hướng dẫn* / *chuyển đơn* = the decision in the
      period, whatever happens to the letter later;
    - *theo tình trạng giải quyết*: the state of the matter when the letter came in, recorded when
      the letter is classified (``cases.matter_state``; a second-time complaint is "already
      resolved once");
    - *đôn đốc*: letters urged in the period, even if transferred in an earlier one;
    - *văn bản phúc đáp*: replies received in the period from the agencies letters were
      transferred to (events ``agency_reply``).
    """
    kn, tc = "kind_code = 'khieu_nai'", "kind_code = 'to_cao'"
    fb = f"kind_code IN ({sql_list(FEEDBACK_KINDS)})"
    new = "in_xld = 1 AND is_new = 1"
    eligible = "processed = 1 AND decision NOT IN ('store', 'merge')"
    jur = f"{eligible} AND decision IN ('accept', 'refuse')"
    return {
        "carried": _sum("in_xld = 1 AND is_new = 0"),
        "new": _sum(new),
        "total": _sum("in_xld = 1"),
        "group": _sum(f"{new} AND is_group = 1"),
        "single": _sum(f"{new} AND is_group = 0 AND is_anonymous = 0"),
        "other": _sum(f"{new} AND is_group = 0 AND is_anonymous = 1"),
        "processed": _sum("processed = 1"),
        "eligible": _sum(eligible),
        "eligible_kn": _sum(f"{eligible} AND {kn}"),
        "eligible_tc": _sum(f"{eligible} AND {tc}"),
        "eligible_pakn": _sum(f"{eligible} AND {fb}"),
        **{f"state_{m}": _sum(f"{eligible} AND matter_state = '{m}'") for m in MATTER_STATES},
        "jur_kn": _sum(f"{jur} AND {kn}"),
        "jur_tc": _sum(f"{jur} AND {tc}"),
        "jur_pakn": _sum(f"{jur} AND {fb}"),
        Status.GUIDED: _sum("processed = 1 AND decision = 'guide'"),
        Status.TRANSFERRED: _sum("processed = 1 AND decision = 'transfer'"),
        "urged": _sum("urged = 1"),
        "replies": "COALESCE(SUM(agency_replies), 0)",
    }


def _resolution_columns(kind: str, prefix: str) -> dict[str, str]:
    """Forms 03/GQKN and 04/GQTC (TT 06/2025/TT-TTCP; TT 02/2021 forms 03/GQKN, 04/GQTC), by the kind
    at the period's end: matters to resolve (carried over: accepted before the start and open at it
    or reopened in the period; new: accepted in the period), resolved (a resolution dated in the
    period, by decision or withdrawal, with the outcome of its last resolution in the period), and
    those accepted and open at the end. On time / late / overdue come from :func:`deadline_counts`."""
    k = f"kind_code = '{kind}'"
    scope = f"{k} AND ({TO_RESOLVE_CARRIED} OR {TO_RESOLVE_NEW})"
    res = f"{scope} AND {RESOLVED}"
    cols = {
        "carried": _sum(f"{k} AND {TO_RESOLVE_CARRIED}"),
        "new": _sum(f"{k} AND {TO_RESOLVE_NEW} AND NOT {TO_RESOLVE_CARRIED}"),
        "total": _sum(scope),
        Status.RESOLVED: _sum(res),
        "by_decision": _sum(f"{res} AND COALESCE(outcome, '') <> 'rut_don'"),
        "withdrawn": _sum(f"{res} AND {WITHDRAWN}"),
        **{o: _sum(f"{res} AND outcome = '{o}'") for o in (Outcome.DUNG, Outcome.SAI, Outcome.DUNG_MOT_PHAN)},
        "open_end": _sum(f"{scope} AND {OPEN_END}"),
    }
    if kind == Kind.KHIEU_NAI:
        cols.update({o: _sum(f"{res} AND outcome = '{o}'") for o in (Outcome.GIU_NGUYEN, Outcome.HUY_SUA)})
    return {f"{prefix}.{k}": v for k, v in cols.items()}


def summary(conn, w: Window, facts: str | None = None) -> dict[str, int]:
    """Every count of tables 02/XLD, 03/GQKN and 04/GQTC in one pass over the period's cases:
    keys ``xld.*``, ``kn.*``, ``tc.*`` (on-time/late/overdue are added by :func:`deadline_counts`)."""
    cols = {f"xld.{k}": v for k, v in _xld_columns().items()}
    cols.update(_resolution_columns(Kind.KHIEU_NAI, "kn"))
    cols.update(_resolution_columns(Kind.TO_CAO, "tc"))
    names = list(cols)
    # The conditions are evaluated once per combination of the facts they read (a few hundred
    # groups), not once per case: each count becomes a sum of the groups' sizes ``n``.
    select_list = ",\n  ".join(
        f"{sql.replace(' THEN 1 ELSE 0 END)', ' THEN n ELSE 0 END)')} AS c{i}"
        for i, sql in enumerate(cols.values()))
    keys = ("kind_code, is_new, in_xld, processed, decision, is_group, is_anonymous, matter_state, "
            "open_s, open_e, acc_s, acc_p, acc_e, reopened_p, urged, outcome")
    pre, src = facts_source(facts)
    sql = pre + f"""
SELECT {select_list} FROM (
  SELECT {keys}, CASE WHEN resolved_at IS NOT NULL THEN 1 END AS resolved_at, COUNT(*) AS n,
    SUM(agency_replies) AS agency_replies
  FROM {src} GROUP BY {keys}, CASE WHEN resolved_at IS NOT NULL THEN 1 END
) g"""
    row = conn.execute(period_text(sql, w), bind_params(w)).one()
    return {name: int(row[i] or 0) for i, name in enumerate(names)}


def deadline_rows(conn, w: Window, dialect: str, facts: str | None = None) -> list[dict]:
    """Accepted cases to resolve in the period, grouped by what decides their deadline as it stood
    at the period's end (kind, day of acceptance, attempt, remote area, extensions decided before
    the end), with the local day of the last resolution in the period (None when none) and whether
    open at the end. A case paused before the end is a row of its own (``case_id``): the days it
    was paused up to the end are counted by :func:`paused_days_at_end`."""
    day = local_day("resolved_at", dialect, w)
    pre, src = facts_source(facts)
    sql = pre + f"""
SELECT kind_code, accepted_on, attempt, ext_e, is_remote, CASE WHEN paused_e = 1 THEN id END AS case_id,
  CASE WHEN {RESOLVED} THEN {day} END AS resolved_day,
  CASE WHEN {OPEN_END} THEN 1 ELSE 0 END AS open_end,
  COUNT(*) AS n
FROM {src}
WHERE accepted_on IS NOT NULL AND ({TO_RESOLVE_CARRIED} OR {TO_RESOLVE_NEW})
GROUP BY kind_code, accepted_on, attempt, ext_e, is_remote, CASE WHEN paused_e = 1 THEN id END,
  CASE WHEN {RESOLVED} THEN {day} END, CASE WHEN {OPEN_END} THEN 1 ELSE 0 END
"""
    out = []
    for r in conn.execute(period_text(sql, w), bind_params(w)):
        m = dict(r._mapping)
        if isinstance(m["accepted_on"], str):
            m["accepted_on"] = date.fromisoformat(m["accepted_on"])
        out.append(m)
    return out


def pause_spans(conn, w: Window, case_ids: list[int]) -> dict[int, list[tuple[date, date]]]:
    """Per case, the pauses of its resolution clock before the period's end, as local days
    ``(paused on, resumed on)``: from a move to ``waiting_citizen`` after its last acceptance to the
    next event that leaves it; a pause still running at the end runs to the day after the end.
    A pause moves the deadline by the days paused, counted in the rule's unit (domain brief §3:
    pauses are events on the case, never silent edits of a date)."""
    out: dict[int, list[tuple[date, date]]] = {}
    if not case_ids:
        return out
    zone = ZoneInfo(w.tz)
    after_end = w.end + timedelta(days=1)
    for i in range(0, len(case_ids), 500):
        chunk = case_ids[i:i + 500]
        rows = conn.execute(period_text(
            f"SELECT case_id, action, to_status, {EVENT_AT} AS at FROM case_events "
            f"WHERE case_id IN ({', '.join(str(int(c)) for c in chunk)}) AND {EVENT_AT} < :e "
            "ORDER BY case_id, seq", w), bind_params(w)).all()
        by_case: dict[int, list] = {}
        for r in rows:
            by_case.setdefault(r.case_id, []).append(r)
        for cid, evs in by_case.items():
            spans, since = [], None
            for ev in evs:
                at = ev.at if isinstance(ev.at, datetime) else datetime.fromisoformat(str(ev.at))
                if at.tzinfo is None:
                    at = at.replace(tzinfo=timezone.utc)
                day = at.astimezone(zone).date()
                if ev.action == "accept":
                    spans, since = [], None   # acceptance starts the resolution clock afresh
                elif ev.to_status == Status.WAITING_CITIZEN and since is None:
                    since = day
                elif ev.to_status != Status.WAITING_CITIZEN and since is not None:
                    spans.append((since, day))
                    since = None
            if since is not None:
                spans.append((since, after_end))
            out[cid] = spans
    return out


def complexity_at(kind_code: str, extensions: int) -> str:
    """The complexity a case had after ``extensions`` extensions of its resolution deadline: each
    extension by written decision is one step up the kind's ladder (Law on Complaints 2011 arts. 28,
    37; Law on Denunciations 2018 art. 30; Decree 31/2019)."""
    from .deadlines import EXTENSION_STEPS
    ladder = EXTENSION_STEPS.get(kind_code, (Complexity.NORMAL,))
    return ladder[min(int(extensions or 0), len(ladder) - 1)]


def deadline_counts(rows: list[dict], w: Window, due: Callable[[dict], date | None]) -> dict[str, int]:
    """On time / late among the resolved and overdue among the open at the end, per kind prefix
    (``kn``, ``tc``, ``fb`` for feedback kinds, ``all``). ``due(row)`` is the resolution deadline in
    force at the period's end (None when no rule applies: not counted); rows carry ``complexity``
    and ``paused_days`` as they stood at the end.

    Overdue (03/GQKN, 04/GQTC "quá hạn"; domain brief §6): open at the period's end and its deadline
    then in force passed before the end's day. An extension or pause decided after the end does not
    rewrite it."""
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
        prefix = {Kind.KHIEU_NAI: "kn", Kind.TO_CAO: "tc"}.get(r["kind_code"], "fb")
        n = int(r["n"])
        fields = []
        if r["resolved_day"]:
            fields.append("on_time" if date.fromisoformat(r["resolved_day"]) <= deadline else "late")
        if r["open_end"] and deadline < w.end:  # also a case resolved, then reopened in the period
            fields.append("overdue_end")
        for field in fields:
            for p in (prefix, "all"):
                out[f"{p}.{field}"] = out.get(f"{p}.{field}", 0) + n
    return out


def _loose_days(reception_type: str) -> str:
    """Days with a visit of the head's ``reception_type`` reception logged outside any session, on
    which no session of that type was recorded: each such day is one session."""
    return (f"COUNT(DISTINCT CASE WHEN reception_type = '{reception_type}' AND session_id IS NULL AND NOT EXISTS ("
            f"SELECT 1 FROM reception_sessions rs WHERE rs.held_on = reception_visits.visit_date "
            f"AND rs.reception_type = '{reception_type}') THEN visit_date END)")


def reception(conn, w: Window) -> dict[str, int]:
    """Table 01/TCD, "Tổng hợp kết quả tiếp công dân" (TT 06/2025/TT-TTCP; TT 02/2021 form 01/TCD;
    Law on Citizen Reception 2013 arts. 12, 18, 25), from the reception log and the dialogue
    sessions; dates are local days.

    - visits (lượt), people, matters first time / repeated, groups: one row of the log each;
    - periodic and unscheduled receptions by the head are counted as visits and, besides, as
      sessions (kỳ tiếp): the sessions recorded in ``reception_sessions`` held in the period, plus,
      for visits of the head's reception logged without a session, one session per day and type
      on which no session of that type was recorded;
    - dialogues: sessions held in the period; *số vụ việc*: distinct matters (cases) discussed in
      them (a matter discussed twice is one)."""
    head = "reception_type IN ('periodic', 'unscheduled')"
    cols = {
        "visits": "COUNT(*)",
        "people": "COALESCE(SUM(people_count), 0)",
        "first": _sum("NOT is_repeat"),
        "repeat": _sum("is_repeat"),
        "groups": _sum("is_group"),
        "group_people": "COALESCE(SUM(CASE WHEN is_group THEN people_count ELSE 0 END), 0)",
        "regular": _sum("reception_type = 'regular'"),
        "periodic": _sum("reception_type = 'periodic'"),
        "periodic_sessions": _loose_days("periodic"),
        "unscheduled": _sum("reception_type = 'unscheduled'"),
        "unscheduled_sessions": _loose_days("unscheduled"),
        "head_in_person": _sum(f"{head} AND head_mode = 'in_person'"),
        "head_delegated": _sum(f"{head} AND COALESCE(head_mode, 'delegated') = 'delegated'"),
        "kn": _sum(f"kind_code = '{Kind.KHIEU_NAI}'"),
        "tc": _sum(f"kind_code = '{Kind.TO_CAO}'"),
        "pakn": _sum(f"kind_code IN ({sql_list(FEEDBACK_KINDS)})"),
        **{h: _sum(f"handling = '{h}'") for h in Handling},
    }
    names = list(cols)
    sl = ", ".join(f"{v} AS c{i}" for i, v in enumerate(cols.values()))
    row = conn.execute(text(f"SELECT {sl} FROM reception_visits WHERE visit_date >= :a AND visit_date <= :b"),
                       {"a": w.start, "b": w.end}).one()
    out = {f"tcd.{n}": int(row[i] or 0) for i, n in enumerate(names)}
    recorded = dict(conn.execute(text(
        "SELECT reception_type, COUNT(*) FROM reception_sessions WHERE held_on >= :a AND held_on <= :b "
        "GROUP BY reception_type"), {"a": w.start, "b": w.end}).all())
    for t in ("periodic", "unscheduled"):
        out[f"tcd.{t}_sessions"] += int(recorded.get(t, 0))
    d = conn.execute(text(
        "SELECT COUNT(*), (SELECT COUNT(DISTINCT dc.case_id) FROM dialogue_cases dc JOIN dialogue_sessions s2 "
        "ON s2.id = dc.dialogue_id WHERE s2.held_on >= :a AND s2.held_on <= :b) "
        "FROM dialogue_sessions WHERE held_on >= :a AND held_on <= :b"), {"a": w.start, "b": w.end}).one()
    out["tcd.dialogues"], out["tcd.dialogue_cases"] = int(d[0]), int(d[1])
    return out


def by_month(conn, w: Window, dialect: str, facts: str | None = None) -> list[dict]:
    """Per local month: letters received (by the day of receipt) and resolutions (by the day of each
    decision: a case resolved, reopened and resolved again counts once in each month it was
    resolved), so a month reads the same in the quarter's and in the year's report (domain brief §6,
    "Each resolution counts in its own month"; periods of Decree 09/2019/NĐ-CP art. 12)."""
    rm = local_day("received_at", dialect, w, "month")
    sm = local_day(EVENT_AT, dialect, w, "month")
    pre, src = facts_source(facts)
    sql = pre + f"""
SELECT month, SUM(received) AS received, SUM(resolved) AS resolved FROM (
  SELECT {rm} AS month, 1 AS received, 0 AS resolved FROM {src} WHERE is_new = 1
  UNION ALL
  SELECT {sm} AS month, 0, 1 FROM case_events WHERE action = 'record_outcome' AND {IN_PERIOD}
) t GROUP BY month ORDER BY month"""
    return [dict(r._mapping) for r in conn.execute(period_text(sql, w), bind_params(w))]


def by_key(conn, w: Window, key: str, facts: str | None = None) -> list[dict]:
    """Per kind (at the period's end) or handling unit: letters received in the period, matters
    resolved in it (a resolution dated in the period) and matters being resolved at its end
    (accepted and not resolved; letters not yet accepted are not counted: "đang giải quyết" of
    forms 03/GQKN and 04/GQTC, TT 06/2025/TT-TTCP, applied to every kind)."""
    if key not in ("kind_code", "handling_unit_id"):
        raise ValueError(key)
    pre, src = facts_source(facts)
    sql = pre + f"""
SELECT {key} AS k, {_sum('is_new = 1')} AS received, {_sum(RESOLVED)} AS resolved,
  {_sum(OPEN_END)} AS open_end
FROM {src} GROUP BY {key} ORDER BY {key}"""
    return [dict(r._mapping) for r in conn.execute(period_text(sql, w), bind_params(w))]


def headline(conn, w: Window, facts: str | None = None) -> dict[str, int]:
    """Received, accepted and resolved in the period, and being resolved at its end (all kinds)."""
    pre, src = facts_source(facts)
    sql = pre + f"""
SELECT {_sum('is_new = 1')} AS received, {_sum('acc_p = 1')} AS accepted, {_sum(RESOLVED)} AS resolved,
  {_sum(OPEN_END)} AS open_end
FROM {src}"""
    r = conn.execute(period_text(sql, w), bind_params(w)).one()
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
  CASE WHEN f.acc_e = 1 THEN f.accepted_on END AS accepted_on,
  CASE WHEN f.resolved_at IS NOT NULL THEN {sd} END AS resolved_day, f.outcome, f.is_group,
  CASE WHEN f.is_group = 1 THEN c.group_size END AS group_size, f.is_anonymous, c.channel, c.submitter_type
FROM facts f JOIN cases c ON c.id = f.id
WHERE f.in_xld = 1 OR (f.acc_s = 1 AND (f.open_s = 1 OR f.reopened_p = 1))
ORDER BY f.id"""
    result = conn.execute(period_text(sql, w), bind_params(w),
                          execution_options={"stream_results": True, "yield_per": chunk})
    while True:
        rows = result.fetchmany(chunk)
        if not rows:
            break
        yield [tuple(r) for r in rows]


def plain_group_by(conn, w: Window) -> list[tuple]:
    """The benchmark's yardstick: a plain GROUP BY over the same cases (current status, no history)."""
    return list(conn.execute(period_text(
        "SELECT kind_code, status, COUNT(*) FROM cases WHERE received_at >= :s AND received_at < :e "
        "GROUP BY kind_code, status", w), bind_params(w)))
