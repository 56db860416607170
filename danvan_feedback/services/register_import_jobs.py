"""The staff page's imports as background jobs (the pattern of ``services.reports.jobs``).

A job is uploaded (its file kept in ``IMPORT_DIR``), then queued for a **check** (the dry run) or, once
a person confirmed, for the **import**. ``flask import worker`` (or the page itself when
``IMPORT_JOBS_INLINE``) claims it with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (``BEGIN IMMEDIATE`` on
SQLite), runs it and commits its progress as it goes, so the page can show it for a big file. An
unreadable file marks the job failed with the message's code; nothing is written then.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from ..extensions import file_stores
from ..domain.register_import import ImportProblem
from ..extensions import db
from ..models import ImportJob
from ..storage import LocalStorage
from . import register_import as svc
from . import uow
from .intake import local_date

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=30)
MAX_PROBLEMS_SHOWN = 500


def storage(cfg) -> LocalStorage:
    """Uploaded registers (``extensions.file_stores``; ``cfg`` is the app's)."""
    return file_stores.imports


def upload(cfg, register: str, filename: str, data: bytes, *, actor_id: int, now: datetime,
           saved_name: str | None = None) -> ImportJob:
    """Keep the file, read its header and guess (or apply a saved) mapping; the job is committed.
    An unreadable file raises ``ImportProblem`` and is not kept."""
    store = storage(cfg)
    key = store.put(data)
    try:
        saved = svc.saved_mapping(saved_name) if saved_name else None
        if saved is not None and saved.register != register:
            saved = None
        _reader, line, headers, guessed = svc.read_header(str(store.path_for(key)), register,
                                                          max_bytes=cfg["IMPORT_MAX_BYTES"], filename=filename,
                                                          saved=saved)
        words = json.loads(saved.words_json or "{}") if saved is not None else {}
    except ImportProblem:
        store.delete(key)
        raise
    job = ImportJob(register=register, filename=filename[:200], storage_key=key, size=len(data), status="uploaded",
                    step="check", progress=0, message="", header_json=json.dumps({"line": line, "headers": headers},
                                                                                 ensure_ascii=False),
                    mapping_json=json.dumps(guessed), words_json=json.dumps(words, ensure_ascii=False),
                    result_json="{}", requested_by_id=actor_id, created_at=now)
    db.session.add(job)
    db.session.commit()
    return job


def queue(job: ImportJob, step: str, *, mapping: dict[str, int] | None = None, words: dict | None = None) -> None:
    """Queue the dry run (``check``) with the mapping a person confirmed, or the import (``import``)."""
    if step not in ("check", "import"):
        raise ValueError(step)
    if mapping is not None:
        job.mapping_json = json.dumps(mapping)
    if words is not None:
        job.words_json = json.dumps(words, ensure_ascii=False)
    job.step, job.status, job.progress, job.message = step, "queued", 0, ""


def _claim(now: datetime, job_id: int | None) -> int | None:
    """Take the next queued (or stale) job: its id, or None. One rule for writes: the job row is
    read under its lock (``FOR UPDATE SKIP LOCKED``: two workers never take the same job; SQLite:
    the write transaction's lock), then marked running."""
    def work():
        q = select(ImportJob).where(or_(ImportJob.status == "queued",
                                        and_(ImportJob.status.in_(("checking", "importing")),
                                             ImportJob.started_at < now - STALE_AFTER)))
        if job_id is not None:
            q = q.where(ImportJob.id == job_id)
        job = db.session.execute(q.order_by(ImportJob.id).limit(1).with_for_update(skip_locked=True)).scalar_one_or_none()
        if job is None:
            return None
        job.status = "checking" if job.step == "check" else "importing"
        job.started_at, job.progress = now, 1
        return job.id
    return uow.run_write(work)


def _finish(job_id: int, claimed_at: datetime, **values) -> bool:
    """Record the job's outcome under its lock, if this worker's claim still holds (a job taken
    again as stale by another worker is finished by that one alone). True when recorded."""
    def work() -> bool:
        job = uow.lock(ImportJob, job_id, begin=False)
        if job is None or job.started_at != claimed_at or job.status not in ("checking", "importing"):
            log.warning("import job %s was taken by another worker; this result is dropped", job_id)
            return False
        for name, value in values.items():
            setattr(job, name, value)
        return True
    return uow.run_write(work)


def _progress_saver(job_id: int, low: int, high: int):
    last = {"p": -1}

    def save(fraction: float) -> None:
        p = low + int((high - low) * min(max(fraction, 0.0), 1.0))
        if p - last["p"] >= 2:
            last["p"] = p
            db.session.commit()   # nothing else is pending here
            j = db.session.get(ImportJob, job_id)
            j.progress = p
            db.session.commit()
    return save


def _side_progress(job_id: int, low: int, high: int):
    """The import step's progress. The import is one transaction (``register_import.apply``), so its
    progress is recorded beside it: on PostgreSQL through a connection of its own, committed at
    once; on SQLite the import holds the database's only write lock until it commits, so nothing
    is recorded (the page shows the check's progress, then the result)."""
    if db.engine.dialect.name != "postgresql":
        return None
    last = {"p": -1}

    def save(fraction: float) -> None:
        p = low + int((high - low) * min(max(fraction, 0.0), 1.0))
        if p - last["p"] >= 2:
            last["p"] = p
            with db.engine.begin() as conn:
                conn.execute(update(ImportJob).where(ImportJob.id == job_id).values(progress=p))
    return save


def _unknown_words(plan: svc.Plan) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {"kind": set(), "unit": set()}
    for p in plan.problems:
        if p.code in ("unknown_kind", "unknown_unit") and p.params.get("value"):
            out[p.code.split("_")[1]].add(p.params["value"])
    return {k: sorted(v)[:50] for k, v in out.items()}


def run_next(cfg, now: datetime, job_id: int | None = None, tz: str = "Asia/Ho_Chi_Minh") -> ImportJob | None:
    """Claim and run one queued job. Never raises for a bad file: the job is marked failed."""
    jid = _claim(now, job_id)
    if jid is None:
        return None
    job = db.session.get(ImportJob, jid)
    claimed_at, step, register = job.started_at, job.step, job.register
    path = str(storage(cfg).path_for(job.storage_key))
    mapping = {k: int(v) for k, v in json.loads(job.mapping_json or "{}").items()}
    words = json.loads(job.words_json or "{}")
    header_line = json.loads(job.header_json or "{}").get("line")
    actor = job.requested_by_id
    try:
        plan = svc.check(path, register, today=local_date(now, tz), max_bytes=cfg["IMPORT_MAX_BYTES"],
                         filename=job.filename, mapping=mapping, words=words, spool=step == "import",
                         header_line=header_line,
                         progress=_progress_saver(jid, 1, 60 if step == "import" else 99))
        summary = plan.as_json(MAX_PROBLEMS_SHOWN)
        summary["unknown_words"] = _unknown_words(plan)
        if step == "import":
            result = svc.apply(plan, actor_id=actor, now=now, tz=tz, progress=_side_progress(jid, 60, 99))
            summary["result"] = {"created": result.created, "updated": result.updated,
                                 "unchanged": plan.unchanged + result.unchanged, "events": result.events}
        done = _finish(jid, claimed_at, result_json=json.dumps(summary, ensure_ascii=False),
                       status="done" if step == "import" else "checked", progress=100, finished_at=now)
        if done and step == "import":   # the register holds citizens' identities: not kept once imported
            storage(cfg).delete(db.session.get(ImportJob, jid).storage_key)
    except ImportProblem as exc:
        _finish(jid, claimed_at, status="failed", finished_at=now,
                message=json.dumps({"code": exc.code, "params": exc.params}, ensure_ascii=False, default=str))
    except Exception as exc:  # any other error: recorded on the job, the file kept for another try
        log.warning("import job %s failed: %s", jid, type(exc).__name__)
        _finish(jid, claimed_at, status="failed", finished_at=now,
                message=json.dumps({"code": "error", "params": {"detail": f"{type(exc).__name__}: {exc}"[:400]}}))
    return db.session.get(ImportJob, jid)


def problems_csv(job: ImportJob, row_problem) -> str:
    """The rejected rows shown on the page (line, column, problem) as CSV text."""
    import csv
    import io

    from ..domain.reception import csv_cell
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Dòng", "Cột", "Lỗi"])
    for p in json.loads(job.result_json or "{}").get("problems", []):
        w.writerow([p["line"], csv_cell(p["column"]), csv_cell(row_problem(p["code"], p["params"]))])
    return "\ufeff" + buf.getvalue()
