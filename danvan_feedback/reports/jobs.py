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

from ..extensions import file_stores
from ..domain.periods import Period
from ..extensions import db
from ..services.db import begin_write
from ..storage import LocalStorage
from . import exports, service
from .models import ReportJob

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


def _claim(now: datetime, job_id: int | None) -> ReportJob | None:
    if db.engine.dialect.name == "postgresql":
        db.session.rollback()
    else:
        begin_write()
    query = select(ReportJob).where(or_(ReportJob.status == "queued",
                                        and_(ReportJob.status == "running",
                                             ReportJob.started_at < now - STALE_AFTER)))
    if job_id is not None:
        query = query.where(ReportJob.id == job_id)
    query = query.order_by(ReportJob.id).limit(1)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job = db.session.execute(query).scalar_one_or_none()
    if job is None:
        db.session.rollback()
        return None
    job.status, job.started_at, job.progress, job.message = "running", now, 10, ""
    db.session.commit()
    return job


def _progress(job: ReportJob, value: int) -> None:
    job.progress = value
    db.session.commit()


def _build(job: ReportJob, cfg) -> bytes:
    from . import signoff
    frozen = signoff.frozen_file(job.period_key, job.fmt)
    if frozen is not None:  # a closed period: the signed-off file, unchanged
        job.filename = frozen[1]
        return frozen[0]
    tz = cfg.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    if job.fmt == "analysis":
        from ..models import OrgSetting
        from . import workbook
        data = workbook.build(period_of(job), tz, small_sample=int(cfg.get("SURVEY_SMALL_SAMPLE", 30)))
        job.filename = workbook.filename(job.period_key)
        _progress(job, 50)
        return workbook.xlsx_bytes(data, OrgSetting.get("org_name", ""))
    fig = service.compute(period_of(job), tz, small_sample=int(cfg.get("SURVEY_SMALL_SAMPLE", 30)),
                          with_previous=False)
    job.filename = exports.filename(fig, job.fmt)
    _progress(job, 60)
    if job.fmt == "xlsx":
        return exports.xlsx_bytes(fig)
    from ..models import OrgSetting
    return exports.docx_bytes(fig, OrgSetting.get("org_name", ""))


def run_next_job(app_config, now: datetime, job_id: int | None = None) -> ReportJob | None:
    """Claim and run one queued job (``job_id``: that one only). Returns the job, or None when
    there was nothing to do. Never raises for an export error: the job is marked failed."""
    job = _claim(now, job_id)
    if job is None:
        return None
    jid = job.id
    try:
        body = _build(job, app_config)
        key = storage(app_config).put(body)
        job.storage_key, job.size = key, len(body)
        job.sha256 = hashlib.sha256(body).hexdigest()
        job.status, job.progress, job.finished_at = "done", 100, now
        db.session.commit()
    except Exception as exc:  # any export error: record it on the job, keep the job
        db.session.rollback()
        log.warning("report job %s failed: %s", jid, type(exc).__name__)
        job = db.session.get(ReportJob, jid)
        job.status, job.finished_at = "failed", now
        job.message = f"{type(exc).__name__}: {exc}"[:500]
        db.session.commit()
    return job
