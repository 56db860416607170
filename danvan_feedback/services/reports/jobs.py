"""Background XLSX/DOCX exports: a DB-backed queue of :class:`ReportJob` rows.

The page queues a job; ``flask report worker`` (or the page itself when ``REPORT_JOBS_INLINE``)
claims it with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (a ``BEGIN IMMEDIATE`` write transaction on
SQLite), computes the figures, writes the file to ``REPORT_EXPORT_DIR`` durably and marks the job
done, committing the progress at each milestone. An error marks the job failed with its message; a
job left running by a worker that died is taken again after ``STALE_AFTER``.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from ...extensions import file_stores
from ...domain.periods import Period
from ...extensions import db
from .. import uow
from ...storage import LocalStorage
from . import exports, figures
from ...models.report import ReportJob

log = logging.getLogger(__name__)

FORMATS = ("xlsx", "docx", "analysis")   # analysis: the office's analysis workbook (issue 16)
MIMES = {"xlsx": exports.XLSX_MIME, "docx": exports.DOCX_MIME, "analysis": exports.XLSX_MIME}
STALE_AFTER = timedelta(minutes=30)


def export_dir(cfg) -> str:
    return cfg.get("REPORT_EXPORT_DIR") or (cfg["UPLOAD_DIR"].rstrip("/\\") + "_reports")


def storage(cfg) -> LocalStorage:
    """The store of report files (``extensions.file_stores``; ``cfg`` is the app's)."""
    return file_stores.exports


def queue(period: Period, fmt: str, user_id: int, now: datetime) -> ReportJob:
    """Add a queued job to the session (the caller commits)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    job = ReportJob(requested_by_id=user_id, period_key=period.key, start_on=period.start, end_on=period.end,
                    preset=period.preset, convention=period.convention, year=period.year, fmt=fmt,
                    status="queued", progress=0, message="", created_at=now)
    db.session.add(job)
    return job


def period_of(job: ReportJob) -> Period:
    return Period(job.start_on, job.end_on, job.preset, job.convention, job.year)


def _claim(now: datetime, job_id: int | None) -> int | None:
    """Take the next queued (or stale) job: its id, or None. One rule for writes: the job row is
    read under its lock (``FOR UPDATE SKIP LOCKED``: two workers never take the same job, and
    neither waits for the other; SQLite: the write transaction's lock), then marked running."""
    def work():
        query = select(ReportJob).where(or_(ReportJob.status == "queued",
                                            and_(ReportJob.status == "running",
                                                 ReportJob.started_at < now - STALE_AFTER)))
        if job_id is not None:
            query = query.where(ReportJob.id == job_id)
        query = query.order_by(ReportJob.id).limit(1).with_for_update(skip_locked=True)
        job = db.session.execute(query).scalar_one_or_none()
        if job is None:
            return None
        job.status, job.started_at, job.progress, job.message = "running", now, 10, ""
        return job.id
    return uow.run_write(work)


def _mine(job_id: int, claimed_at: datetime) -> ReportJob | None:
    """The job under its lock, if this worker's claim still holds (not taken again as stale)."""
    job = uow.lock(ReportJob, job_id, begin=False)  # run_write began the transaction
    return job if job is not None and job.status == "running" and job.started_at == claimed_at else None


def _progress(job_id: int, claimed_at: datetime, value: int) -> None:
    def work():
        job = _mine(job_id, claimed_at)
        if job is not None:
            job.progress = value
    uow.run_write(work)


def _build(job: ReportJob, cfg) -> tuple[bytes, str]:
    """The file of ``job``: (content, file name). Reads only; progress is recorded on the way."""
    from . import signoff
    jid, claimed_at = job.id, job.started_at
    frozen = signoff.frozen_file(job.period_key, job.fmt)
    if frozen is not None:  # a closed period: the signed-off file, unchanged
        return frozen
    tz = cfg.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    period, fmt = period_of(job), job.fmt
    from ...models import OrgSetting
    if fmt == "analysis":
        from . import workbook
        data = workbook.build(period, tz, small_sample=int(cfg.get("SURVEY_SMALL_SAMPLE", 30)))
        name = workbook.filename(job.period_key)
        _progress(jid, claimed_at, 50)
        return workbook.xlsx_bytes(data, OrgSetting.get("org_name", "")), name
    fig = figures.compute(period, tz, small_sample=int(cfg.get("SURVEY_SMALL_SAMPLE", 30)), with_previous=False)
    name = exports.filename(fig, fmt)
    _progress(jid, claimed_at, 60)
    if fmt == "xlsx":
        return exports.xlsx_bytes(fig), name
    return exports.docx_bytes(fig, OrgSetting.get("org_name", "")), name


def run_next_job(app_config, now: datetime, job_id: int | None = None) -> ReportJob | None:
    """Claim and run one queued job (``job_id``: that one only). Returns the job, or None when
    there was nothing to do. Never raises for an export error: the job is marked failed. The
    result is recorded only while the claim holds: a job taken again by another worker (stale)
    is finished by that worker alone."""
    jid = _claim(now, job_id)
    if jid is None:
        return None
    job = db.session.get(ReportJob, jid)
    claimed_at = job.started_at
    try:
        body, filename = _build(job, app_config)
        key = storage(app_config).put(body)
        result = {"storage_key": key, "size": len(body), "sha256": hashlib.sha256(body).hexdigest(),
                  "filename": filename, "status": "done", "progress": 100, "finished_at": now}
    except Exception as exc:  # any export error: record it on the job, keep the job
        log.warning("report job %s failed: %s", jid, type(exc).__name__)
        result = {"status": "failed", "finished_at": now, "message": f"{type(exc).__name__}: {exc}"[:500]}

    def finish():
        mine = _mine(jid, claimed_at)
        if mine is None:
            log.warning("report job %s was taken by another worker; this result is dropped", jid)
            return
        for name, value in result.items():
            setattr(mine, name, value)
    uow.run_write(finish)
    return db.session.get(ReportJob, jid)
