"""``flask import letters|visits FILE``: bring an old register in from the command line."""
from __future__ import annotations

import json
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

from .. import clock
from ..domain.register_import import ImportProblem
from ..extensions import db
from ..services import register_import as svc
from ..services.intake import local_date
from . import labels as L


@click.group("import", cls=AppGroup, help="Bring the office's old registers in (XLSX or CSV).")
def import_cli():
    pass


def _run(register: str, path: str, dry_run: bool, mapping_name: str | None, save_as: str | None,
         words: str | None, max_listed: int) -> None:
    cfg = current_app.config
    tz = cfg.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    now = clock.now()
    extra = json.loads(words) if words else None
    mapping = saved = None
    started = time.monotonic()
    try:
        if mapping_name:
            saved = svc.saved_mapping(mapping_name)
            if saved is None or saved.register != register:
                raise click.UsageError(f"no saved mapping {mapping_name!r} for {register}")
            extra = {**json.loads(saved.words_json or "{}"), **(extra or {})}
        plan = svc.check(path, register, today=local_date(now, tz), max_bytes=cfg["IMPORT_MAX_BYTES"],
                         mapping=mapping, words=extra, spool=not dry_run, saved=saved)
    except ImportProblem as exc:
        click.echo(L.file_problem(exc.code, exc.params, register), err=True)
        sys.exit(1)
    names = L.FIELD_LABELS[register]
    click.echo(f"{L.REGISTERS[register]}: {path}")
    click.echo("Ghép cột: " + "; ".join(f"{names[f]} ← “{plan.headers[i] if i < len(plan.headers) else i}”"
                                        for f, i in sorted(plan.mapping.items(), key=lambda kv: kv[1])))
    click.echo(f"Dòng tiêu đề: {plan.header_line}; số dòng đọc: {plan.rows}; hợp lệ: {plan.accepted} "
               f"(mới {plan.new}, sửa {plan.changed}, không đổi {plan.unchanged}); bị loại: {plan.rejected_rows}; "
               "bỏ qua: " + ", ".join(f"{n} {L.SKIPPED[k]}" for k, n in plan.skipped.items() if n))
    for r in plan.by_kind_year:
        click.echo(f"  {r['kind_code']:<10} {r['year']}: mới {r['new']}, sửa {r['changed']}, không đổi {r['unchanged']}")
    for p in plan.problems[:max_listed]:
        click.echo(f"Dòng {p.line}, cột “{p.column}”: {L.row_problem(p.code, p.params)}")
    if len(plan.problems) > max_listed:
        click.echo(f"… và {len(plan.problems) - max_listed} lỗi khác.")
    if save_as:
        svc.save_mapping(save_as, register, plan.headers, plan.mapping, extra or {}, actor_id=None, now=now)
        db.session.commit()
        click.echo(f"Đã lưu cách ghép cột “{save_as}”.")
    if dry_run:
        click.echo(f"Chạy thử: chưa ghi gì vào cơ sở dữ liệu ({time.monotonic() - started:.1f} s).")
        return
    result = svc.apply(plan, actor_id=None, now=now, tz=tz)
    click.echo(f"Đã nhập: tạo mới {result.created}, cập nhật {result.updated}, không đổi "
               f"{plan.unchanged + result.unchanged}; {result.events} sự kiện ({time.monotonic() - started:.1f} s).")


def _command(register: str, doc: str):
    @import_cli.command(register, help=doc)
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="check every row and print the counts; write nothing")
    @click.option("--mapping", "mapping_name", default=None, help="use the column mapping saved under this name")
    @click.option("--save-mapping", "save_as", default=None, help="save the mapping used under this name")
    @click.option("--words", default=None,
                  help='the office\'s own words as JSON, e.g. \'{"kind": {"đơn đề nghị": "kien_nghi"}, "unit": {"P.TH": "VP"}}\'')
    @click.option("--max-listed", default=1000, show_default=True, help="rejected rows printed at most")
    def cmd(path, dry_run, mapping_name, save_as, words, max_listed):
        _run(register, path, dry_run, mapping_name, save_as, words, max_listed)
    return cmd


letters = _command("letters", "Import a letters register (sổ theo dõi đơn thư) with each letter's history.")
visits = _command("visits", "Import a citizen-reception book (sổ tiếp công dân).")


@import_cli.command("worker", help="Run the queued checks and imports of the staff page (IMPORT_JOBS_INLINE=false).")
@click.option("--loop", is_flag=True, help="keep running, polling for new jobs")
@click.option("--interval", type=float, default=2.0, show_default=True, help="seconds between polls with --loop")
@click.option("--max-jobs", type=int, default=None, help="stop after this many jobs")
def worker(loop, interval, max_jobs):
    from ..services import register_import_jobs as jobs
    tz = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    done = 0
    while max_jobs is None or done < max_jobs:
        job = jobs.run_next(current_app.config, clock.now(), tz=tz)
        if job is not None:
            done += 1
            click.echo(f"job {job.id} ({job.step}): {job.status}")
            continue
        if not loop:
            break
        time.sleep(interval)
    click.echo(f"{done} job(s) run")
