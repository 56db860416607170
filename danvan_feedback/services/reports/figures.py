"""Build a period's report: figures counted in SQL (``domain.report_queries``), the deadlines from the
rules table, satisfaction from the survey module, shaped into tables. ``figures`` is plain JSON so a
signed-off report can be stored and its tables rebuilt unchanged."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from ...domain import deadlines as dl
from ...domain import report_queries as rq
from ...domain import status as st
from ...domain.periods import Period, previous
from ...extensions import db
from ...models import Case, CaseKind, OrgSetting, Unit
from ... import report_labels as L

FIGURES_VERSION = 2  # 2: the definitions of issue 13 (02/XLD once per letter, resolutions per period, …)


@dataclass
class Table:
    code: str
    title: str
    columns: list[tuple[str, str, str]]   # (key, group, heading)
    rows: list[tuple[str, dict]]          # (row label, {key: value})


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _due_function(period: Period):
    """The resolution deadline of a ``deadline_rows`` row as it stood at the period's end (its
    complexity and paused days then), from the rules table and the working-day calendar; and a
    function giving the days a case was paused, in the unit of its resolution rule."""
    from ..intake import load_calendar
    from ..triage import load_rules
    rules = load_rules()
    cal = load_calendar(period.start - timedelta(days=800), 1600)

    def rule(r: dict) -> dl.Rule:
        return dl.find_rule(rules, r["kind_code"], "resolve",
                            dl.resolution_variant(r["kind_code"], r["attempt"] or 1, r["complexity"],
                                                  bool(r["is_remote"])))

    def due(r: dict) -> date | None:
        try:
            return dl.resolution_clock(cal, rules, r["kind_code"], r["accepted_on"], attempt=r["attempt"] or 1,
                                       complexity=r["complexity"] or "normal", is_remote=bool(r["is_remote"]),
                                       paused_days=r["paused_days"] or 0).due_on
        except (dl.NoRule, ValueError):
            return None

    def paused(r: dict, spans: list[tuple[date, date]]) -> int:
        try:
            unit = rule(r).unit
        except dl.NoRule:
            return 0
        return sum(dl.paused_length(cal, unit, a, b) for a, b in spans)
    return due, paused


def _deadlines(conn, w: rq.Window, dialect: str, facts: str, period: Period) -> dict[str, int]:
    """On time, late and overdue at the end (``rq.deadline_counts``), each case under the deadline
    in force at the period's end: the extensions decided and the pauses taken before the end."""
    rows = rq.deadline_rows(conn, w, dialect, facts)
    due, paused = _due_function(period)
    spans = rq.pause_spans(conn, w, [r["case_id"] for r in rows if r["case_id"] is not None])
    for r in rows:
        r["complexity"] = rq.complexity_at(r["kind_code"], r["ext_e"])
        r["paused_days"] = paused(r, spans.get(r["case_id"], [])) if r["case_id"] is not None else 0
    return rq.deadline_counts(rows, w, due)


def _satisfaction(period: Period, w: rq.Window, small_sample: int) -> dict:
    """Per unit: service ratings (web and QR) and, apart, the closed-loop ratings of case handling.

    *Số lượt đánh giá* counts responses (one filled-in questionnaire each), not the answers to its
    single questions, and the small-sample flag compares responses with ``small_sample`` (domain
    brief §6, "Satisfaction counts responses"; §7). The mean and the share satisfied are over the
    answers. Spam is left out of both."""
    try:
        from ...domain.survey_stats import count_responses, summarise
        from ..survey_results import answer_rows, response_rows
    except ImportError:  # the survey module is not installed
        return {"service": [], "cases": [], "overall": None, "target": None}
    rows = answer_rows(w.since, w.until, ("channel", "unit"))
    resp = response_rows(w.since, w.until, ("channel", "unit"))
    units = dict(db.session.execute(select(Unit.id, Unit.name)).all())
    target = _target(period.year)

    def shape(sel) -> list[dict]:
        counted = count_responses([r for r in resp if sel(r)], ("unit",))
        out = []
        for f in summarise([r for r in rows if sel(r)], ("unit",), small_sample):
            uid = f.key[0]
            n = counted.get(f.key, {}).get("responses", 0)
            out.append({"unit": units.get(uid, "—") if uid else "—", "responses": n,
                        "mean": f.mean, "share": round(f.share_satisfied * 100, 1) if f.share_satisfied is not None else None,
                        "target": target, "small": n < small_sample})
        return out
    service = [r for r in rows if r["channel"] != "case"]
    overall = summarise(service, (), small_sample)
    return {"service": shape(lambda r: r["channel"] != "case"), "cases": shape(lambda r: r["channel"] == "case"),
            "overall": round(overall[0].share_satisfied * 100, 1) if overall and overall[0].share_satisfied is not None else None,
            "target": target}


def _target(year: int) -> float | None:
    """The year's satisfaction target in percent (org setting ``satisfaction_target_<year>``, else
    ``satisfaction_target``), set by an administrator; None when not set."""
    raw = OrgSetting.get(f"satisfaction_target_{year}", "") or OrgSetting.get("satisfaction_target", "")
    try:
        return float(raw.replace(",", ".").rstrip("%")) if raw.strip() else None
    except ValueError:
        return None


def compute(period: Period, tz: str, *, small_sample: int = 30, with_previous: bool = True) -> dict:
    """All figures of ``period`` as JSON-ready data."""
    conn = db.session.connection()
    dialect = _dialect()
    w = rq.window(period.start, period.end, tz)
    # The per-case history of the period is computed once (a temporary table), then aggregated.
    with rq.materialised(conn, w) as facts:
        counts = rq.summary(conn, w, facts)
        deadline = _deadlines(conn, w, dialect, facts, period)
        head = rq.headline(conn, w, facts)
        by_kind_rows = rq.by_key(conn, w, "kind_code", facts)
        by_unit_rows = rq.by_key(conn, w, "handling_unit_id", facts)
        month_rows = rq.by_month(conn, w, dialect, facts)
    for p in ("kn", "tc"):
        for f in ("on_time", "late", "overdue_end"):
            counts[f"{p}.{f}"] = deadline.get(f"{p}.{f}", 0)
    counts.update(rq.reception(conn, w))
    on_time, late = deadline.get("all.on_time", 0), deadline.get("all.late", 0)
    sat = _satisfaction(period, w, small_sample)
    head.update({"on_time": on_time, "late": late,
                 "on_time_share": round(on_time * 100 / (on_time + late), 1) if on_time + late else None,
                 "overdue": deadline.get("all.overdue_end", 0), "satisfaction": sat["overall"]})
    kinds = {k.code: k.name_vi for k in db.session.execute(select(CaseKind).order_by(CaseKind.sort_order)).scalars()}
    units = dict(db.session.execute(select(Unit.id, Unit.name)).all())
    by_kind = [{"label": kinds.get(r["k"], r["k"]), **_ints(r)} for r in by_kind_rows]
    by_unit = [{"label": units.get(r["k"], "—") if r["k"] else str(L._l("Chưa giao đơn vị")), **_ints(r)}
               for r in by_unit_rows]
    months = {m["month"]: m for m in month_rows}
    by_month = [{"label": f"{mo:02d}/{y}", "received": int((months.get(f"{y}-{mo:02d}") or {}).get("received") or 0),
                 "resolved": int((months.get(f"{y}-{mo:02d}") or {}).get("resolved") or 0)}
                for y, mo in period.months()]
    out = {"version": FIGURES_VERSION, "period": _period_json(period), "tz": tz, "counts": counts,
           "headline": head, "satisfaction": sat, "by_kind": by_kind, "by_unit": by_unit, "by_month": by_month}
    if with_previous:
        prev = previous(period)
        pw = rq.window(prev.start, prev.end, tz)
        with rq.materialised(conn, pw) as pfacts:
            ph = rq.headline(conn, pw, pfacts)
            pd = _deadlines(conn, pw, dialect, pfacts, prev)
        po, pl = pd.get("all.on_time", 0), pd.get("all.late", 0)
        ph.update({"on_time_share": round(po * 100 / (po + pl), 1) if po + pl else None,
                   "overdue": pd.get("all.overdue_end", 0),
                   "satisfaction": _satisfaction(prev, pw, small_sample)["overall"]})
        out["previous"] = {"period": _period_json(prev), "headline": ph}
    return out


def _ints(r) -> dict:
    return {k: int(r[k] or 0) for k in ("received", "resolved", "open_end")}


def _period_json(p: Period) -> dict:
    return {"start": p.start.isoformat(), "end": p.end.isoformat(), "preset": p.preset,
            "convention": p.convention, "year": p.year, "key": p.key}


def overdue_now(today: date) -> int:
    """Cases open now whose running legal clock has passed (live, not of a period)."""
    return db.session.execute(select(func.count()).select_from(Case).where(
        Case.status.in_(st.OPEN), Case.due_on < today)).scalar_one()


def period_title(p: dict) -> str:
    start, end = date.fromisoformat(p["start"]), date.fromisoformat(p["end"])
    span = f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"
    if p.get("preset"):
        return f"{L.PRESET_LABELS[p['preset']]} {p['year']} ({span})"
    return span


def tables(fig: dict) -> list[Table]:
    """The four forms (one row: the whole department) and the two satisfaction tables."""
    c = fig["counts"]
    whole = str(L._l("Toàn Sở"))
    out = [Table(code, str(title), [(k, str(g), str(h)) for k, g, h in cols],
                 [(whole, {k: c.get(k, 0) for k, _g, _h in cols})])
           for code, title, cols in L.TABLES]
    sat_cols = [(k, "", str(h)) for k, h in L.SATISFACTION_COLUMNS]
    for code, title, key in (("HL-DV", L._l("Mức độ hài lòng theo đơn vị (khảo sát dịch vụ)"), "service"),
                             ("HL-HS", L._l("Đánh giá việc giải quyết hồ sơ theo đơn vị"), "cases")):
        rows = [(r["unit"], {"unit": r["unit"], "responses": r["responses"], "mean": r["mean"], "share": r["share"],
                             "target": r["target"],
                             "flag": str(L._l("Mẫu nhỏ, chưa đủ tin cậy")) if r["small"] else ""})
                for r in fig["satisfaction"][key]]
        out.append(Table(code, str(title), sat_cols, rows))
    return out


def flatten(fig: dict) -> dict[str, object]:
    """Every figure under a dotted key, to compare a frozen report with the live one."""
    flat: dict[str, object] = {f"counts.{k}": v for k, v in fig["counts"].items()}
    flat.update({f"headline.{k}": v for k, v in fig["headline"].items()})
    for key in ("service", "cases"):
        for r in fig["satisfaction"][key]:
            for f in ("responses", "mean", "share"):
                flat[f"satisfaction.{key}.{r['unit']}.{f}"] = r[f]
    return flat


def differences(frozen: dict, live: dict) -> list[tuple[str, object, object]]:
    a, b = flatten(frozen), flatten(live)
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def label_for(key: str) -> str:
    for _code, _title, cols in L.TABLES:
        for k, g, h in cols:
            if f"counts.{k}" == key:
                return f"{_code} · {g} — {h}"
    for k, h in L.HEADLINE:
        if key == f"headline.{k}":
            return str(h)
    return key
