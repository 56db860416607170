"""Staff page to bring an old register in: upload, see and correct the guessed mapping, dry run,
confirm; progress for big files. Office and administrators only (``policy.can_import_registers``)."""
from __future__ import annotations

import json

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import policy
from ..clock import now as clock_now
from ..domain.register_import import FIELDS, ImportProblem
from ..extensions import db
from ..models import CaseKind, ImportJob, ImportMapping, Unit
from ..services import register_import as svc
from ..services import register_import_jobs as jobs
from ..services import uow
from .. import console
from ..console import guard_staff
from . import labels as L

bp = Blueprint("imports", __name__)
console.register("imports.index", _l("Nhập sổ cũ"), policy.can_import_registers,
              _l("Đưa sổ theo dõi đơn thư và sổ tiếp công dân cũ (Excel, CSV) vào hệ thống."), order=65)

STATUS = {"uploaded": _l("Đã tải lên, chờ xác nhận cách ghép cột"), "queued": _l("Đang chờ xử lý"),
          "checking": _l("Đang kiểm tra"), "checked": _l("Đã chạy thử"), "importing": _l("Đang nhập"),
          "done": _l("Đã nhập xong"), "failed": _l("Không xử lý được tệp")}


@bp.before_request
def _guard():
    resp = guard_staff()
    if resp is not None:
        return resp
    if not policy.can_import_registers(current_user):
        return render_template("errors/error.html", code=403, title=_("Không có quyền"),
                               text=_("Chỉ Văn phòng và quản trị viên được nhập sổ cũ.")), 403
    # a register may be up to IMPORT_MAX_MB; the rest of the site keeps its smaller limit
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + 1024 * 1024


def _now():
    return clock_now()


def _tz() -> str:
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")


def _job(job_id: int) -> ImportJob:
    return db.session.get(ImportJob, job_id) or abort(404)


def _locked_job(job_id: int) -> ImportJob:
    """The job under its row lock, for a POST that checks its status and then queues it: two
    clicks at once (or a click while the worker claims it) queue it once, never again behind
    a running step."""
    job = uow.lock(ImportJob, job_id)
    if job is None:
        db.session.rollback()
        abort(404)
    return job


def _saved() -> list[ImportMapping]:
    return list(db.session.execute(select(ImportMapping).order_by(ImportMapping.name)).scalars())


@bp.get("/")
def index(error: str | None = None, status: int = 200):
    recent = db.session.execute(select(ImportJob).order_by(ImportJob.id.desc()).limit(20)).scalars().all()
    return render_template("imports/index.html", registers=L.REGISTERS, saved=_saved(), jobs=recent,
                           status=STATUS, error=error, max_mb=current_app.config["IMPORT_MAX_BYTES"] // 1048576), status


@bp.post("/")
def upload():
    register = request.form.get("register", "")
    f = request.files.get("file")
    if register not in L.REGISTERS or f is None or not f.filename:
        return index(_("Chọn loại sổ và tệp cần nhập."), 400)
    data = f.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
    try:
        if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
            raise ImportProblem("too_big", size_mb=round(len(data) / 1048576, 1),
                                max_mb=current_app.config["IMPORT_MAX_BYTES"] // 1048576)
        job = jobs.upload(current_app.config, register, f.filename, data, actor_id=current_user.id, now=_now(),
                          saved_name=request.form.get("mapping") or None)
    except ImportProblem as exc:
        return index(L.file_problem(exc.code, exc.params, register), 400)
    return redirect(url_for("imports.job", job_id=job.id), code=303)


def _run_inline(job: ImportJob) -> None:
    db.session.commit()
    if current_app.config.get("IMPORT_JOBS_INLINE"):
        jobs.run_next(current_app.config, _now(), job_id=job.id, tz=_tz())


def _words_from_form(register: str) -> dict:
    words = {"kind": {}, "unit": {}}
    kinds = {k for k in db.session.execute(select(CaseKind.code)).scalars()}
    units = {u for u in db.session.execute(select(Unit.code)).scalars()}
    for key, value in request.form.items(multi=True):
        if key.startswith("word_kind:") and value in kinds:
            words["kind"][key.split(":", 1)[1][:100]] = value
        elif key.startswith("word_unit:") and value in units:
            words["unit"][key.split(":", 1)[1][:100]] = value
    return words


@bp.post("/<int:job_id>/chay-thu")
def check(job_id: int):
    """The mapping a person confirmed (one select per field), then the dry run."""
    job = _locked_job(job_id)
    if job.status in ("queued", "checking", "importing", "done"):
        flash(_("Tệp này đang được xử lý hoặc đã nhập xong."), "warn")
        return redirect(url_for("imports.job", job_id=job.id), code=303)
    headers = json.loads(job.header_json)["headers"]
    mapping = {}
    for fld in FIELDS[job.register]:
        raw = request.form.get(f"col_{fld.name}", "")
        if raw.isdigit() and int(raw) < len(headers):
            mapping[fld.name] = int(raw)
    problems = svc.ri.check_mapping(mapping, job.register, len(headers))
    old_words = json.loads(job.words_json or "{}")
    new_words = _words_from_form(job.register)
    words = {k: {**(old_words.get(k) or {}), **new_words[k]} for k in ("kind", "unit")}
    if problems:
        job.mapping_json = json.dumps(mapping)
        db.session.commit()
        flash(L.file_problem("bad_mapping", {"problems": problems}, job.register), "warn")
        return redirect(url_for("imports.job", job_id=job.id), code=303)
    name = (request.form.get("save_as") or "").strip()[:80]
    if name:
        svc.save_mapping(name, job.register, headers, mapping, words, actor_id=current_user.id, now=_now())
    jobs.queue(job, "check", mapping=mapping, words=words)
    _run_inline(job)
    return redirect(url_for("imports.job", job_id=job.id), code=303)


@bp.post("/<int:job_id>/nhap")
def confirm(job_id: int):
    job = _locked_job(job_id)
    if job.status != "checked":
        flash(_("Hãy chạy thử trước khi nhập."), "warn")
        return redirect(url_for("imports.job", job_id=job.id), code=303)
    jobs.queue(job, "import")
    _run_inline(job)
    return redirect(url_for("imports.job", job_id=job.id), code=303)


@bp.get("/<int:job_id>")
def job(job_id: int):
    job = _job(job_id)
    header = json.loads(job.header_json or "{}")
    result = json.loads(job.result_json or "{}")
    message = ""
    if job.status == "failed" and job.message:
        m = json.loads(job.message)
        message = L.file_problem(m["code"], m.get("params"), job.register) if m["code"] != "error" else \
            _("Lỗi khi xử lý tệp: %(detail)s", detail=m["params"].get("detail", ""))
    kinds = db.session.execute(select(CaseKind.code, CaseKind.name_vi).order_by(CaseKind.sort_order)).all()
    units = db.session.execute(select(Unit.code, Unit.name).where(Unit.active.is_(True)).order_by(Unit.sort_order)).all()
    problems = [(p["line"], p["column"], L.row_problem(p["code"], p["params"])) for p in result.get("problems", [])]
    resp = current_app.make_response(render_template(
        "imports/job.html", job=job, header=header, mapping=json.loads(job.mapping_json or "{}"),
        fields=FIELDS[job.register], field_labels=L.FIELD_LABELS[job.register], result=result,
        problems=problems, message=message, status=STATUS.get(job.status, job.status),
        active=job.status in ("queued", "checking", "importing"), registers=L.REGISTERS, skipped=L.SKIPPED,
        kinds=kinds, units=units, kind_names=dict(kinds)))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/<int:job_id>/loi.csv")
def problems_file(job_id: int):
    job = _job(job_id)
    return Response(jobs.problems_csv(job, L.row_problem), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="loi-nhap-so-{job.id}.csv"', "Cache-Control": "no-store"})


@bp.errorhandler(413)
def _too_large(err):
    """Old registers have their own, larger limit (``IMPORT_MAX_MB``); the app's 413 page names the
    form's."""
    return render_template("errors/error.html", code=413, title=_l("Tệp quá lớn"), back=request.path,
                           text=L.file_problem("too_big", {"size_mb": round((request.content_length or 0) / 1048576, 1),
                                                         "max_mb": current_app.config["IMPORT_MAX_BYTES"] // 1048576})), 413
