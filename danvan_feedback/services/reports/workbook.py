"""The office's analysis workbook: aggregated in SQL (``domain.analysis_queries``), shaped with
pandas, written with openpyxl (write-only, so the case table streams) with native charts.

Sheets: monthly trend by kind, by unit, by channel (line charts); processing and resolution times in
working days (median, 90th percentile) by unit and kind; overdue rate by unit and kind; satisfaction
by unit × factor with response counts and small-sample flags; a flat, pivot-ready case table without
personal data; definitions.
"""
from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Iterator

import numpy as np
import pandas as pd
from sqlalchemy import select

from ...domain import analysis_queries as aq
from ...domain import report_queries as rq
from ...domain.periods import Period
from ...extensions import db
from ...models import CaseKind, Unit
from ...labels import ACTION, CHANNEL, OUTCOME, staff_status_label
from ... import report_labels as L
from .exports import safe_cell
from .figures import _due_function, period_title

NO_UNIT = L._l("Chưa giao đơn vị")


def _names() -> tuple[dict, dict]:
    kinds = dict(db.session.execute(select(CaseKind.code, CaseKind.name_vi).order_by(CaseKind.sort_order)).all())
    units = dict(db.session.execute(select(Unit.id, Unit.name)).all())
    return kinds, units


class WorkingDays:
    """Working days between two dates through a cumulative count over the calendar (one pass over
    the range, then a subtraction per pair), the same days as ``WorkCalendar.working_days_between``."""

    def __init__(self, start: date, end: date):
        from ..intake import load_calendar
        cal = load_calendar(start, (end - start).days + 1)
        days = pd.date_range(start, end, freq="D")
        flags = np.fromiter((cal.is_working_day(d.date()) for d in days), dtype=np.int32, count=len(days))
        self.start = start
        self.cum = np.concatenate([[0], np.cumsum(flags)])   # cum[i] = working days among the first i days

    def between(self, a: pd.Series, b: pd.Series) -> pd.Series:
        """Working days after ``a`` up to and including ``b`` (dates as ``YYYY-MM-DD`` or date)."""
        ia = (pd.to_datetime(a) - pd.Timestamp(self.start)).dt.days.to_numpy()
        ib = (pd.to_datetime(b) - pd.Timestamp(self.start)).dt.days.to_numpy()
        return pd.Series(self.cum[ib + 1] - self.cum[ia + 1], index=a.index)


def _durations(rows: list[dict], wd: WorkingDays, kinds: dict, units: dict) -> pd.DataFrame:
    """Median and 90th percentile of working days by unit and kind, weighted by each group's count."""
    cols = ["unit", "kind", "cases", "median", "p90", "mean"]
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows)
    df["days"] = wd.between(df["start_day"], df["end_day"]).clip(lower=0)
    df["unit"] = df["unit_id"].map(lambda u: units.get(u, str(NO_UNIT)) if pd.notna(u) else str(NO_UNIT))
    df["kind"] = df["kind_code"].map(lambda k: kinds.get(k, k))
    expanded = df.loc[df.index.repeat(df["n"].astype(int)), ["unit", "kind", "days"]]
    g = expanded.groupby(["unit", "kind"])["days"]
    out = pd.DataFrame({"cases": g.size(), "median": g.median(), "p90": g.quantile(0.9, interpolation="higher"),
                        "mean": g.mean().round(1)}).reset_index()
    return out[cols]


def _overdue(rows: list[dict], period: Period, kinds: dict, units: dict) -> pd.DataFrame:
    """By unit and kind: accepted letters whose resolution deadline fell in the period or that were
    resolved in it; overdue = resolved after the deadline, or open at the end past it."""
    cols = ["unit", "kind", "cases", "overdue", "rate"]
    due, _paused = _due_function(period)
    out = []
    for r in rows:
        d = due(r)
        if d is None:
            continue
        resolved = date.fromisoformat(r["resolved_day"]) if r["resolved_day"] else None
        if resolved is None and d > period.end:
            continue   # open and not yet due at the end: not counted
        if resolved is not None and resolved < period.start:
            continue
        late = (resolved > d) if resolved is not None else True
        out.append({"unit": units.get(r["unit_id"], str(NO_UNIT)) if r["unit_id"] else str(NO_UNIT),
                    "kind": kinds.get(r["kind_code"], r["kind_code"]), "cases": int(r["n"]),
                    "overdue": int(r["n"]) if late else 0})
    if not out:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(out).groupby(["unit", "kind"], as_index=False)[["cases", "overdue"]].sum()
    df["rate"] = (df["overdue"] * 100 / df["cases"]).round(1)
    return df[cols]


def _satisfaction(w: rq.Window, units: dict, small_sample: int) -> pd.DataFrame:
    cols = ["unit", "factor", "answers", "responses", "mean", "share", "small"]
    try:
        from ..survey_results import answer_rows, response_counts
        from ...domain.survey_stats import summarise
    except ImportError:
        return pd.DataFrame(columns=cols)
    rows = [r for r in answer_rows(w.since, w.until, ("unit", "factor"))]
    counts = response_counts(w.since, w.until, ("unit",))
    out = []
    for f in summarise(rows, ("unit", "factor"), small_sample):
        uid, factor = f.key
        responses = counts.get((uid,), {}).get("responses", 0)
        out.append({"unit": units.get(uid, "—") if uid else "—", "factor": factor or "—", "answers": f.responses,
                    "responses": responses, "mean": f.mean,
                    "share": round(f.share_satisfied * 100, 1) if f.share_satisfied is not None else None,
                    "small": str(L._l("Mẫu nhỏ, chưa đủ tin cậy")) if responses < small_sample else ""})
    return pd.DataFrame(out, columns=cols)


def build(period: Period, tz: str, *, small_sample: int = 30) -> dict:
    """The workbook's tables (pandas DataFrames) for ``period``."""
    conn = db.session.connection()
    dialect = db.session.get_bind().dialect.name
    w = rq.window(period.start, period.end, tz)
    kinds, units = _names()
    monthly = pd.DataFrame(aq.monthly(conn, w, dialect), columns=["month", "kind_code", "unit_id", "channel", "n"])
    months = [f"{y}-{m:02d}" for y, m in period.months()]
    def trend(col: str, label) -> pd.DataFrame:
        if monthly.empty:
            return pd.DataFrame(index=months)
        t = monthly.assign(key=monthly[col].map(label)).pivot_table(index="month", columns="key", values="n",
                                                                     aggfunc="sum", fill_value=0)
        return t.reindex(months, fill_value=0).astype(int)
    by_kind = trend("kind_code", lambda k: kinds.get(k, k))
    by_unit = trend("unit_id", lambda u: units.get(u, str(NO_UNIT)) if pd.notna(u) else str(NO_UNIT))
    by_channel = trend("channel", lambda c: str(CHANNEL.get(c, c)))
    wd = WorkingDays(period.start - timedelta(days=5 * 366), period.end)
    decisions = [r for r in aq.decisions(conn, w, dialect)]
    outcomes = [r for r in aq.outcomes(conn, w, dialect) if r["start_day"] is not None]
    for r in outcomes:
        if isinstance(r["start_day"], str):
            r["start_day"] = date.fromisoformat(r["start_day"])
    lower = wd.start
    decisions = [r for r in decisions if date.fromisoformat(r["start_day"]) >= lower]
    outcomes = [r for r in outcomes if r["start_day"] >= lower]
    dl_rows = aq.deadlines(conn, w, dialect)
    for r in dl_rows:
        if isinstance(r["accepted_on"], str):
            r["accepted_on"] = date.fromisoformat(r["accepted_on"])
    return {"period": period, "by_kind": by_kind, "by_unit": by_unit, "by_channel": by_channel,
            "processing": _durations(decisions, wd, kinds, units), "resolution": _durations(outcomes, wd, kinds, units),
            "overdue": _overdue(dl_rows, period, kinds, units),
            "satisfaction": _satisfaction(w, units, small_sample), "window": w, "dialect": dialect,
            "kinds": kinds, "units": units, "wd": wd}


def case_table(data: dict, chunk: int = 5000):
    """The flat case table in chunks of rows (already display-ready, no personal data)."""
    kinds, units, wd = data["kinds"], data["units"], data["wd"]
    wd_end = wd.start + timedelta(days=len(wd.cum) - 2)
    outcomes = {k: str(v) for k, v in OUTCOME.items()}
    for rows in aq.cases(db.session.connection(), data["window"], data["dialect"], chunk):
        df = pd.DataFrame(rows, columns=aq.CASE_COLUMNS, dtype=object)
        df = df.where(df.notna(), None)
        acc = df["accepted_on"].map(lambda v: v.isoformat() if isinstance(v, date) else v)
        has_dec = df["decision_day"].notna()
        has_out = df["outcome_day"].notna() & acc.notna()
        proc = pd.Series([None] * len(df), dtype=object)
        res = pd.Series([None] * len(df), dtype=object)
        latest = max([d for d in df["decision_day"].dropna().tolist() + df["outcome_day"].dropna().tolist()],
                     default=wd_end.isoformat())
        if date.fromisoformat(latest) > wd_end:   # decided or resolved after the period: a longer calendar
            wd_end = date.fromisoformat(latest)
            wd = WorkingDays(wd.start, wd_end)
        ok = has_dec & (pd.to_datetime(df["received_day"]) >= pd.Timestamp(wd.start))
        if ok.any():
            proc[ok] = wd.between(df.loc[ok, "received_day"], df.loc[ok, "decision_day"]).astype(int).tolist()
        ok2 = has_out & (pd.to_datetime(acc, errors="coerce") >= pd.Timestamp(wd.start))
        if ok2.any():
            res[ok2] = wd.between(acc[ok2], df.loc[ok2, "outcome_day"]).astype(int).tolist()
        out = []
        for i, r in enumerate(df.itertuples(index=False)):
            out.append((int(r.id), kinds.get(r.kind_code, r.kind_code),
                        units.get(r.unit_id, "") if r.unit_id is not None and not pd.isna(r.unit_id) else "",
                        str(CHANNEL.get(r.channel, r.channel)), r.received_day, r.received_day[:7],
                        int(r.received_day[:4]), str(ACTION.get(r.decision, "")) if r.decision else "",
                        r.decision_day or "", acc.iloc[i] or "",
                        outcomes.get(r.outcome, r.outcome or "") if r.outcome else "", r.outcome_day or "",
                        staff_status_label(r.status), proc.iloc[i], res.iloc[i], int(r.group_size or 0) if r.is_group else None,
                        1 if r.is_anonymous else 0, r.submitter_type, int(r.attempt or 1), r.complexity))
        yield out


def case_csv(data: dict) -> Iterator[str]:
    """The case table as CSV (UTF-8 with a BOM), chunk by chunk; ``flask import letters`` reads it back."""
    import csv
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([str(h) for h in CASE_HEADINGS])
    yield "\ufeff" + buf.getvalue()
    for rows in case_table(data):
        buf.seek(0)
        buf.truncate()
        w.writerows([[safe_cell(v) if v is not None else "" for v in r] for r in rows])
        yield buf.getvalue()


CASE_HEADINGS = (L._l("Mã"), L._l("Loại đơn"), L._l("Đơn vị xử lý"), L._l("Kênh tiếp nhận"), L._l("Ngày nhận"), L._l("Tháng nhận"), L._l("Năm nhận"),
                 L._l("Hình thức xử lý"), L._l("Ngày xử lý"), L._l("Ngày thụ lý"), L._l("Kết quả giải quyết"), L._l("Ngày có kết quả"),
                 L._l("Trạng thái hiện nay"), L._l("Ngày làm việc đến khi xử lý"), L._l("Ngày làm việc đến khi có kết quả"),
                 L._l("Số người đứng tên"), L._l("Ẩn danh"), L._l("Đối tượng gửi"), L._l("Giải quyết lần"), L._l("Tính chất vụ việc"))

DEFINITIONS = [
    (L._l("Xu hướng theo tháng"), L._l("Số đơn nhận trong mỗi tháng (theo ngày nhận, giờ Việt Nam), theo loại đơn hiện nay, đơn vị xử lý và kênh tiếp nhận. Đơn nhập từ sổ cũ có kênh “Nhập từ sổ cũ”.")),
    (L._l("Thời gian xử lý"), L._l("Số ngày làm việc từ ngày nhận đơn đến quyết định xử lý đầu tiên (thụ lý, không thụ lý, chuyển, hướng dẫn, lưu, gộp), với các quyết định trong kỳ. Ngày làm việc: thứ Hai – thứ Sáu trừ ngày lễ, theo lịch làm bù do quản trị viên nhập; ngày nhận không tính (Bộ luật Dân sự 2015, Điều 147).")),
    (L._l("Thời gian giải quyết"), L._l("Số ngày làm việc từ ngày thụ lý đến ngày ghi kết quả giải quyết, với các kết quả ghi trong kỳ.")),
    (L._l("Trung vị, phân vị 90"), L._l("Trung vị: một nửa số đơn xong trong số ngày này trở xuống. Phân vị 90: cứ 10 đơn thì 9 đơn xong trong số ngày này trở xuống.")),
    (L._l("Tỷ lệ quá hạn"), L._l("Trong các đơn đã thụ lý có hạn giải quyết rơi vào kỳ hoặc có kết quả trong kỳ: số đơn có kết quả sau hạn, hoặc đến cuối kỳ vẫn chưa có kết quả khi đã qua hạn, chia cho tổng số. Hạn tính theo bảng thời hạn luật định (kể cả gia hạn, tạm dừng đã ghi).")),
    (L._l("Mức độ hài lòng"), L._l("Theo đơn vị và yếu tố khảo sát (SIPAS): số câu trả lời, số phiếu, điểm trung bình quy về thang 5, tỷ lệ hài lòng (hai mức cao nhất). Phiếu rác không tính. Đánh dấu “mẫu nhỏ” khi số phiếu của đơn vị dưới ngưỡng.")),
    (L._l("Bảng hồ sơ"), L._l("Mỗi dòng một đơn nhận trong kỳ, không có thông tin cá nhân (không họ tên, địa chỉ, số giấy tờ, nội dung). Dùng để lập PivotTable.")),
    (L._l("Nguồn số liệu"), L._l("Số liệu được tổng hợp bằng SQL trên cơ sở dữ liệu tại thời điểm tải; kỳ đã chốt vẫn xem ở trang Báo cáo đã chốt.")),
]


def _style_header(ws, headings, widths=None):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    cells = []
    for h in headings:
        c = WriteOnlyCell(ws, value=safe_cell(str(h)))
        c.font, c.fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")
        cells.append(c)
    ws.append(cells)
    from openpyxl.utils import get_column_letter
    for i, h in enumerate(headings, start=1):
        ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(i, min(max(len(str(h)) + 2, 10), 40))


def _trend_sheet(wb, title: str, table: pd.DataFrame, chart_title: str):
    from openpyxl.chart import LineChart, Reference
    ws = wb.create_sheet(title)
    ws.freeze_panes = "B2"
    cols = list(table.columns)
    _style_header(ws, [str(L._l("Tháng"))] + [str(c) for c in cols], {1: 10})
    for month, row in table.iterrows():
        ws.append([month] + [int(v) for v in row.tolist()])
    if cols and len(table):
        ch = LineChart()
        ch.title, ch.y_axis.title, ch.x_axis.title = chart_title, str(L._l("Số đơn")), str(L._l("Tháng"))
        ch.height, ch.width = 9, 22
        data = Reference(ws, min_col=2, max_col=len(cols) + 1, min_row=1, max_row=len(table) + 1)
        ch.add_data(data, titles_from_data=True)
        ch.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(table) + 1))
        ws.add_chart(ch, f"{_col_letter(len(cols) + 3)}2")


def _col_letter(n: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(n)


def _table_sheet(wb, title: str, df: pd.DataFrame, headings: list[str], chart: tuple | None = None):
    from openpyxl.chart import BarChart, Reference
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    _style_header(ws, headings, {1: 34, 2: 22})
    for row in df.itertuples(index=False):
        ws.append([safe_cell(v.item() if hasattr(v, "item") else v) if not (isinstance(v, float) and np.isnan(v))
                   else None for v in row])
    if chart and len(df):
        col, label = chart
        ch = BarChart()
        ch.type, ch.title = "bar", label
        ch.height, ch.width = max(6, min(20, 0.6 * len(df) + 3)), 18
        ch.add_data(Reference(ws, min_col=col, max_col=col, min_row=1, max_row=len(df) + 1), titles_from_data=True)
        ch.set_categories(Reference(ws, min_col=1, max_col=2, min_row=2, max_row=len(df) + 1))
        ws.add_chart(ch, f"{_col_letter(len(headings) + 2)}2")


def filename(period_key: str) -> str:
    return f"so-phan-tich-{period_key.replace(':', '_')}.xlsx"


def xlsx_bytes(data: dict, org_name: str = "") -> bytes:
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    p = data["period"]
    title = period_title({"start": p.start.isoformat(), "end": p.end.isoformat(), "preset": p.preset,
                          "convention": p.convention, "year": p.year})
    _trend_sheet(wb, str(L._l("Xu hướng theo loại")), data["by_kind"], str(L._l("Đơn nhận theo tháng và loại đơn")))
    _trend_sheet(wb, str(L._l("Xu hướng theo đơn vị")), data["by_unit"], str(L._l("Đơn nhận theo tháng và đơn vị")))
    _trend_sheet(wb, str(L._l("Xu hướng theo kênh")), data["by_channel"], str(L._l("Đơn nhận theo tháng và kênh")))
    dur_heads = [str(L._l("Đơn vị")), str(L._l("Loại đơn")), str(L._l("Số đơn")), str(L._l("Trung vị (ngày làm việc)")),
                 str(L._l("Phân vị 90 (ngày làm việc)")), str(L._l("Trung bình (ngày làm việc)"))]
    _table_sheet(wb, str(L._l("Thời gian xử lý")), data["processing"], dur_heads, (4, str(L._l("Trung vị ngày làm việc đến khi xử lý"))))
    _table_sheet(wb, str(L._l("Thời gian giải quyết")), data["resolution"], dur_heads, (4, str(L._l("Trung vị ngày làm việc đến khi có kết quả"))))
    _table_sheet(wb, str(L._l("Tỷ lệ quá hạn")), data["overdue"],
                 [str(L._l("Đơn vị")), str(L._l("Loại đơn")), str(L._l("Số đơn")), str(L._l("Quá hạn")), str(L._l("Tỷ lệ quá hạn (%)"))],
                 (5, str(L._l("Tỷ lệ quá hạn (%)"))))
    _table_sheet(wb, str(L._l("Hài lòng")), data["satisfaction"],
                 [str(L._l("Đơn vị")), str(L._l("Yếu tố")), str(L._l("Số câu trả lời")), str(L._l("Số phiếu")),
                  str(L._l("Điểm trung bình (thang 5)")), str(L._l("Tỷ lệ hài lòng (%)")), str(L._l("Ghi chú"))],
                 (6, str(L._l("Tỷ lệ hài lòng (%)"))))
    ws = wb.create_sheet(str(L._l("Bảng hồ sơ")))
    ws.freeze_panes = "A2"
    _style_header(ws, [str(h) for h in CASE_HEADINGS])
    for rows in case_table(data):
        for r in rows:
            ws.append([safe_cell(v) for v in r])
    ws = wb.create_sheet(str(L._l("Định nghĩa")))
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 26, 110
    ws.append([safe_cell(org_name)])
    ws.append([str(L._l("Kỳ")), title])
    ws.append([])
    for term, text in DEFINITIONS:
        ws.append([str(term), str(text)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
