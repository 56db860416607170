"""Report pages: the period picker and dashboard, downloads, sign-off (staff), and the public
transparency page. Views parse the period, call ``services.reports``, render."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   send_file, stream_with_context, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import clock, policy
from ..domain.periods import CONVENTIONS, PRESETS, Period, PeriodError, quarters, resolve
from ..extensions import db
from ..models import OrgSetting
from .. import console
from ..console import guard_staff
from ..services import uow
from .. import report_labels as labels
from ..models.report import ReportFile, ReportJob, ReportSnapshot
from ..services.reports import exports, figures, jobs, signoff
from . import charts

bp = Blueprint("reports", __name__)
bp.before_request(guard_staff)
public_bp = Blueprint("transparency", __name__)

console.register("reports.index", _l("Báo cáo, thống kê"), policy.can_view_reports,
              _l("Số liệu theo kỳ, biểu đồ, tải Excel/CSV/Word, chốt số liệu."), order=60)


def _settings() -> dict:
    cfg = current_app.config
    return {"tz": cfg.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"),
            "max_days": int(cfg["REPORT_MAX_DAYS"]),
            "convention": cfg["REPORT_CONVENTION"],
            "small": int(cfg.get("SURVEY_SMALL_SAMPLE", 30))}


def _today() -> date:
    """The organisation's local date (the injected clock), for default periods and "future" checks."""
    return clock.today(_settings()["tz"])


def _forbidden(text):
    return render_template("errors/error.html", code=403, title=_("Không có quyền"), text=text,
                           back=url_for("reports.index") if policy.can_view_reports(current_user) else None), 403


def period_error(exc: PeriodError) -> str:
    msg = labels.PERIOD_ERRORS.get(exc.code, _l("Kỳ báo cáo không hợp lệ."))
    return str(msg) % {k: v for k, v in exc.params.items()} if "%(" in str(msg) else str(msg)


def _parse_period(args) -> tuple[Period | None, str | None, dict]:
    """The period from the query string: ``ky`` (preset or ``tuy_chon``), ``nam``, ``cach``,
    ``tu``/``den`` for a custom range. Returns (period, error message, form values)."""
    s, today = _settings(), _today()
    default_q = f"Q{(today.month - 1) // 3 + 1}"
    form = {"ky": args.get("ky", default_q), "nam": args.get("nam", str(today.year)),
            "cach": args.get("cach", s["convention"]), "tu": args.get("tu", ""), "den": args.get("den", "")}
    if form["cach"] not in CONVENTIONS:
        return None, period_error(PeriodError("unknown_convention")), form
    if form["ky"] == "tuy_chon":
        spec = f"{form['tu']}:{form['den']}"
        if not form["tu"] or not form["den"]:
            return None, str(labels.PERIOD_ERRORS["bad_date"]), form
    else:
        spec = form["ky"]
    try:
        year = int(form["nam"])
    except ValueError:
        year = None
    try:
        return resolve(spec, year=year, convention=form["cach"], today=today, max_days=s["max_days"]), None, form
    except PeriodError as exc:
        return None, period_error(exc), form


def _query_string(form: dict) -> dict:
    return {k: v for k, v in form.items() if v}


def _charts(fig: dict) -> list[charts.Chart]:
    rec, res = str(_l("Tiếp nhận")), str(_l("Đã giải quyết"))
    out = [
        charts.bar_chart("c-month", _("Tiếp nhận và giải quyết theo tháng"), [rec, res],
                         [(m["label"], [m["received"], m["resolved"]]) for m in fig["by_month"]]),
        charts.bar_chart("c-kind", _("Theo loại đơn"), [rec, res],
                         [(k["label"], [k["received"], k["resolved"]]) for k in fig["by_kind"]]),
        charts.bar_chart("c-unit", _("Theo đơn vị xử lý"), [rec, res],
                         [(u["label"], [u["received"], u["resolved"]]) for u in fig["by_unit"]]),
    ]
    sat = fig["satisfaction"]["service"]
    if sat:
        out.append(charts.bar_chart("c-sat", _("Tỷ lệ hài lòng theo đơn vị (%)"), [_("Hài lòng (%)")],
                                    [(r["unit"], [r["share"]]) for r in sat], scale_max=100, suffix="%"))
    return out


@bp.get("/")
def index():
    if not policy.can_view_reports(current_user):
        return _forbidden(_("Vai trò của bạn không được xem báo cáo thống kê."))
    period, error, form = _parse_period(request.args)
    s = _settings()
    fig = snap = None
    if period is not None:
        snap = signoff.find(period.key)
        # a closed period shows its signed-off figures; the live ones only beside them (frozen page)
        fig = signoff.figures(snap) if snap else figures.compute(period, s["tz"], small_sample=s["small"])
    return render_template(
        "reports/index.html", form=form, error=error, fig=fig, snap=snap, presets=PRESETS,
        preset_labels=labels.PRESET_LABELS, conventions=labels.CONVENTION_LABELS,
        headline=labels.HEADLINE, charts=_charts(fig) if fig else [], tables=figures.tables(fig) if fig else [],
        title=figures.period_title(fig["period"]) if fig else "",
        prev_title=figures.period_title(fig["previous"]["period"]) if fig else "",
        overdue_now=figures.overdue_now(_today()), qs=_query_string(form),
        can_export=policy.can_export_reports(current_user), can_sign=policy.can_sign_off_reports(current_user),
        years=list(range(_today().year, _today().year - 6, -1))), 200 if error is None else 400


@bp.route("/tai-ve.<fmt>", methods=["GET", "POST"])
def export(fmt: str):
    """CSV is streamed at once. XLSX and DOCX are made by a background job: a POST queues it (run
    at once when ``REPORT_JOBS_INLINE``) and leads to its page; a GET (an old link) leads back to
    the dashboard of the period, where the export buttons are."""
    if fmt not in ("xlsx", "csv", "docx", "analysis"):
        abort(404)
    if not policy.can_export_reports(current_user):
        return _forbidden(_("Chỉ Văn phòng và quản trị viên được tải tệp báo cáo. Vai trò của bạn chỉ được xem số liệu."))
    args = request.form if request.method == "POST" else request.args
    period, error, form = _parse_period(args)
    if period is None:
        return render_template("errors/error.html", code=400, title=_("Kỳ báo cáo không hợp lệ"), text=error,
                               back=url_for("reports.index")), 400
    if fmt in jobs.FORMATS:
        if request.method != "POST":
            return redirect(url_for("reports.index", **_query_string(form)))
        now = clock.now()
        job = jobs.queue(period, fmt, current_user.id, now)
        db.session.commit()
        job_id = job.id
        if current_app.config.get("REPORT_JOBS_INLINE"):
            jobs.run_next_job(current_app.config, now, job_id=job_id)
        return redirect(url_for("reports.job", job_id=job_id), code=303)
    frozen = signoff.frozen_file(period.key, "csv")
    if frozen is not None:  # a closed period: the signed-off file, unchanged
        return Response(frozen[0], mimetype="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{frozen[1]}"', "Cache-Control": "no-store"})
    s = _settings()
    fig = figures.compute(period, s["tz"], small_sample=s["small"], with_previous=False)
    headers = {"Content-Disposition": f'attachment; filename="{exports.filename(fig, fmt)}"',
               "Cache-Control": "no-store"}
    # streamed in chunks: memory stays bounded whatever the number of cases
    return Response(stream_with_context(exports.csv_chunks(fig)), mimetype="text/csv; charset=utf-8",
                    headers=headers)


JOB_STATUS = {"queued": _l("Đang chờ xử lý"), "running": _l("Đang tạo tệp"), "done": _l("Đã xong"),
              "failed": _l("Không tạo được tệp")}


def _own_job(job_id: int) -> ReportJob:
    """The job, for the user who asked for it or the office and administrators; else 404."""
    job = db.session.get(ReportJob, job_id)
    if job is None or not (job.requested_by_id == current_user.id or policy.can_export_reports(current_user)):
        abort(404)
    return job


@bp.get("/tac-vu/<int:job_id>")
def job(job_id: int):
    if not policy.can_export_reports(current_user):
        return _forbidden(_("Chỉ Văn phòng và quản trị viên được tải tệp báo cáo. Vai trò của bạn chỉ được xem số liệu."))
    job = _own_job(job_id)
    period = jobs.period_of(job)
    title = figures.period_title({"start": period.start.isoformat(), "end": period.end.isoformat(),
                                  "preset": period.preset, "convention": period.convention, "year": period.year,
                                  "key": period.key})
    qs = {"ky": period.preset or "tuy_chon", "nam": str(period.year), "cach": period.convention}
    if not period.preset:
        qs = {"ky": "tuy_chon", "tu": period.start.isoformat(), "den": period.end.isoformat()}
    resp = current_app.make_response(render_template(
        "reports/job.html", job=job, title=title, status=JOB_STATUS.get(job.status, job.status),
        active=job.status in ("queued", "running"), back_qs=qs))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/tac-vu/<int:job_id>/tai-ve")
def job_file(job_id: int):
    if not policy.can_export_reports(current_user):
        return _forbidden(_("Chỉ Văn phòng và quản trị viên được tải tệp báo cáo. Vai trò của bạn chỉ được xem số liệu."))
    job = _own_job(job_id)
    if job.status != "done" or not job.storage_key:
        abort(404)
    try:
        fh = jobs.storage(current_app.config).open(job.storage_key)
    except FileNotFoundError:
        abort(404)
    resp = send_file(fh, mimetype=jobs.MIMES[job.fmt], as_attachment=True, download_name=job.filename,
                     max_age=0)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/chot")
def sign_off():
    if not policy.can_sign_off_reports(current_user):
        return _forbidden(_("Chỉ Văn phòng được chốt số liệu báo cáo."))
    period, error, form = _parse_period(request.form)
    if period is None:
        flash(error, "warn")
        return redirect(url_for("reports.index"))
    s = _settings()
    fig = figures.compute(period, s["tz"], small_sample=s["small"])  # a long read, before the lock
    # One rule for writes: whether the period is signed off is read under the period's lock, so two
    # office users signing off at once make one snapshot and the other gets the 409 page.
    uow.lock_name(f"report-sign-off:{period.key}")
    try:
        snap = signoff.sign_off(fig, actor_id=current_user.id, now=clock.now(),
                                org_name=OrgSetting.get("org_name", ""), note=request.form.get("note", "")[:1000])
    except signoff.SignOffError:
        db.session.rollback()
        return _already_signed(period.key)
    db.session.commit()
    flash(_("Đã chốt số liệu kỳ báo cáo."), "success")
    return redirect(url_for("reports.frozen", snapshot_id=snap.id))


def _already_signed(period_key: str):
    """409: the period was signed off already (perhaps a moment ago, by someone else): who, when,
    and a link to the signed-off figures."""
    snap = signoff.find(period_key)
    who = (snap.signed_by.full_name or snap.signed_by.username) if snap else ""
    at = snap.signed_at.astimezone(ZoneInfo(_settings()["tz"])).strftime("%d/%m/%Y %H:%M:%S") if snap else ""
    return render_template("errors/error.html", code=409, title=_("Kỳ báo cáo đã được chốt"),
                           text=_("Kỳ báo cáo này đã được chốt trước đó: %(who)s chốt lúc %(at)s. Việc chốt của bạn "
                                  "không được ghi thêm; số liệu đã chốt chỉ thay đổi khi được điều chỉnh có ghi lý do.",
                                  who=who, at=at),
                           back=url_for("reports.frozen", snapshot_id=snap.id) if snap else url_for("reports.index")), 409


@bp.get("/da-chot")
def frozen_list():
    if not policy.can_view_reports(current_user):
        return _forbidden(_("Vai trò của bạn không được xem báo cáo thống kê."))
    snaps = db.session.execute(db.select(ReportSnapshot).order_by(ReportSnapshot.signed_at.desc())).scalars().all()
    return render_template("reports/frozen_list.html", snaps=snaps, title_of=lambda s: figures.period_title(signoff.figures(s)["period"]))


@bp.get("/da-chot/<int:snapshot_id>")
def frozen(snapshot_id: int):
    if not policy.can_view_reports(current_user):
        return _forbidden(_("Vai trò của bạn không được xem báo cáo thống kê."))
    snap = db.session.get(ReportSnapshot, snapshot_id) or abort(404)
    fig = signoff.figures(snap)
    p = fig["period"]
    period = Period(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]), p["preset"], p["convention"], p["year"])
    s = _settings()
    live = figures.compute(period, fig["tz"], small_sample=s["small"], with_previous=False)
    diffs = [(figures.label_for(k), a, b) for k, a, b in figures.differences(fig, live)]
    current = "~" not in snap.period_key
    return render_template("reports/frozen.html", snap=snap, fig=fig, title=figures.period_title(p),
                           tables=figures.tables(fig), diffs=diffs, intact=signoff.verify(snap),
                           can_export=policy.can_export_reports(current_user),
                           can_correct=current and bool(diffs) and policy.can_sign_off_reports(current_user),
                           superseded=signoff.history(snap.period_key) if current else [],
                           current=signoff.find(snap.period_key.split("~")[0]) if not current else None)


@bp.post("/da-chot/<int:snapshot_id>/dieu-chinh")
def correct(snapshot_id: int):
    """An audited correction of a closed period: the live figures replace the signed-off ones, with
    a reason; the superseded snapshot is kept."""
    if not policy.can_sign_off_reports(current_user):
        return _forbidden(_("Chỉ Văn phòng được chốt số liệu báo cáo."))
    snap = db.session.get(ReportSnapshot, snapshot_id) or abort(404)
    p = signoff.figures(snap)["period"]
    period = Period(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]), p["preset"], p["convention"], p["year"])
    s = _settings()
    fig = figures.compute(period, signoff.figures(snap)["tz"], small_sample=s["small"])  # before the lock
    snap = uow.lock(ReportSnapshot, snapshot_id)  # a second correction of the same snapshot sees it superseded
    if "~" in snap.period_key:
        db.session.rollback()
        current = signoff.find(snap.period_key.split("~")[0])
        return render_template("errors/error.html", code=409, title=_("Bản số liệu này vừa được điều chỉnh"),
                               text=_("Bản số liệu đã chốt này đã được điều chỉnh và thay bằng bản mới; việc điều chỉnh "
                                      "của bạn không được ghi. Hãy xem bản hiện hành rồi điều chỉnh lại nếu vẫn cần."),
                               back=url_for("reports.frozen", snapshot_id=current.id if current else snapshot_id)), 409
    try:
        new = signoff.correct(snap, fig, actor_id=current_user.id, now=clock.now(), reason=request.form.get("reason", "")[:1000],
                              org_name=OrgSetting.get("org_name", ""))
    except signoff.SignOffError as exc:
        flash(_("Cần ghi rõ lý do điều chỉnh (ít nhất 10 ký tự).") if exc.code == "reason_required"
              else _("Không thể điều chỉnh bản số liệu này."), "warn")
        return redirect(url_for("reports.frozen", snapshot_id=snapshot_id))
    db.session.commit()
    flash(_("Đã điều chỉnh số liệu kỳ đã chốt; bản trước được lưu lại và việc điều chỉnh được ghi nhật ký."), "success")
    return redirect(url_for("reports.frozen", snapshot_id=new.id))


@bp.get("/da-chot/<int:snapshot_id>/<fmt>")
def frozen_file(snapshot_id: int, fmt: str):
    if not policy.can_export_reports(current_user):
        return _forbidden(_("Chỉ Văn phòng và quản trị viên được tải tệp báo cáo. Vai trò của bạn chỉ được xem số liệu."))
    f = db.session.execute(db.select(ReportFile).where(ReportFile.snapshot_id == snapshot_id,
                                                       ReportFile.fmt == fmt)).scalar_one_or_none() or abort(404)
    mime = {"xlsx": exports.XLSX_MIME, "docx": exports.DOCX_MIME, "csv": "text/csv; charset=utf-8"}[f.fmt]
    return Response(f.content, mimetype=mime, headers={
        "Content-Disposition": f'attachment; filename="{f.filename}"', "Cache-Control": "no-store"})


@public_bp.get("/so-lieu")
def public_figures():
    """Quarterly figures for the public: received, resolved, on-time share, satisfaction by unit. A
    signed-off quarter shows its frozen figures; others are live. No personal data."""
    s, today = _settings(), _today()
    try:
        year = int(request.args.get("nam", today.year))
    except ValueError:
        year = today.year
    if not 2000 <= year <= today.year:
        year = today.year
    rows = []
    for q in quarters(year, s["convention"]):
        if q.start > today:
            continue
        snap = signoff.find(q.key)
        fig = signoff.figures(snap) if snap else figures.compute(q, s["tz"], small_sample=s["small"], with_previous=False)
        rows.append({"title": labels.PRESET_LABELS[q.preset], "span": f"{q.start:%d/%m/%Y} – {q.end:%d/%m/%Y}",
                     "h": fig["headline"], "sat": fig["satisfaction"]["service"], "frozen": snap is not None})
    return render_template("reports/public.html", rows=rows, year=year,
                           years=list(range(today.year, today.year - 4, -1)))
