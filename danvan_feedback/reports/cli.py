"""``flask report export``: the same files as the web page, from the command line."""
from __future__ import annotations

import sys
import click
from flask import current_app
from flask.cli import AppGroup

from .. import clock
from ..domain.periods import CONVENTIONS, PeriodError, resolve
from .. import report_labels as labels
from ..services.reports import exports, figures


@click.group("report", cls=AppGroup, help="Report statistics and exports.")
def report_cli():
    pass


@report_cli.command("export", help="Write the report of a period: --period Q1|Q2|Q3|Q4|H1|9M|Y or FROM:TO "
                    "(ISO dates, e.g. 2026-01-01:2026-03-31).")
@click.option("--year", type=int, help="year of a preset period (default: this year, local time)")
@click.option("--period", "spec", default=None, help="default: the current quarter (local time)")
@click.option("--convention", type=click.Choice(CONVENTIONS), default=None,
              help="calendar periods or the government's cut-off (default: REPORT_CONVENTION)")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "docx", "analysis"]), required=True,
              help="analysis: the office's analysis workbook (trends, times, overdue, satisfaction, case table)")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
def export(year, spec, convention, fmt, output):
    cfg = current_app.config
    tz = cfg.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    today = clock.today(tz)
    if spec is None:
        spec = f"Q{(today.month - 1) // 3 + 1}"
    if year is None and ":" not in spec:
        year = today.year
    try:
        period = resolve(spec, year=year, convention=convention or cfg.get("REPORT_CONVENTION", "calendar"),
                         today=today, max_days=int(cfg.get("REPORT_MAX_DAYS", 400)))
    except PeriodError as exc:
        click.echo(str(labels.PERIOD_ERRORS[exc.code] % exc.params) if exc.params else str(labels.PERIOD_ERRORS[exc.code]),
                   err=True)
        sys.exit(2)
    if fmt == "analysis":   # the office's analysis workbook (issue 16)
        from ..models import OrgSetting
        from ..services.reports import workbook
        data = workbook.build(period, tz, small_sample=int(cfg.get("SURVEY_SMALL_SAMPLE", 30)))
        with open(output, "wb") as out:
            out.write(workbook.xlsx_bytes(data, OrgSetting.get("org_name", "")))
        click.echo(f"{output}: {workbook.period_title({'start': period.start.isoformat(), 'end': period.end.isoformat(), 'preset': period.preset, 'convention': period.convention, 'year': period.year})}")
        return
    from ..services.reports import signoff
    frozen = signoff.frozen_file(period.key, fmt)
    if frozen is not None:  # a closed period: the signed-off file, unchanged
        with open(output, "wb") as out:
            out.write(frozen[0])
        click.echo(f"{output}: {figures.period_title(signoff.figures(signoff.find(period.key))['period'])} (đã chốt)")
        return
    fig = figures.compute(period, tz, small_sample=int(cfg.get("SURVEY_SMALL_SAMPLE", 30)), with_previous=False)
    with open(output, "wb") as out:
        if fmt == "csv":
            exports.write_csv(fig, out)
        elif fmt == "xlsx":
            out.write(exports.xlsx_bytes(fig))
        else:
            from ..models import OrgSetting
            out.write(exports.docx_bytes(fig, OrgSetting.get("org_name", "")))
    click.echo(f"{output}: {figures.period_title(fig['period'])}")


@report_cli.command("worker", help="Run the queued XLSX/DOCX export jobs of the report pages.")
@click.option("--loop", is_flag=True, help="keep running, polling for new jobs")
@click.option("--interval", type=float, default=2.0, show_default=True, help="seconds between polls with --loop")
@click.option("--max-jobs", type=int, default=None, help="stop after this many jobs")
def worker(loop, interval, max_jobs):
    import time

    from ..services.reports import jobs
    done = 0
    while max_jobs is None or done < max_jobs:
        job = jobs.run_next_job(current_app.config, clock.now())
        if job is not None:
            done += 1
            click.echo(f"job {job.id} ({job.fmt}): {job.status}")
            continue
        if not loop:
            break
        time.sleep(interval)
    click.echo(f"{done} job(s) run")
