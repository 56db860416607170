"""Flask commands: users, api-keys, seed-demo, outbox, attachments."""
from __future__ import annotations

import hashlib
import secrets
import sys
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .policy import STAFF_ROLES, role_needs_unit
from . import clock
from .extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(api_keys_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(attachments_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(audit_cli)
    app.cli.add_command(identity_cli)
    app.cli.add_command(deadlines_cli)
    from .reports.cli import report_cli  # reports (issue 5)
    app.cli.add_command(report_cli)
    from .imports.cli import import_cli  # old registers (issue 16)
    app.cli.add_command(import_cli)


@click.group("users", cls=AppGroup, help="Manage staff accounts.")
def users_cli():
    pass


@users_cli.command("create", help="Create a staff user. The password is read from stdin when stdin "
                   "is not a terminal (one line), else prompted twice.")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(STAFF_ROLES))
@click.option("--unit", "unit_code", default=None, help="Unit code (required for role 'unit').")
@click.option("--full-name", default="", help="Display name.")
@click.option("--email", default=None, help="Email for notifications.")
def users_create(username, role, unit_code, full_name, email):
    from .models import Unit, User
    from .passwords import hash_password, password_problem
    unit = None
    if unit_code:
        unit = db.session.execute(select(Unit).where(Unit.code == unit_code)).scalar_one_or_none()
        if unit is None:
            raise click.UsageError(f"no unit with code {unit_code!r}")
    elif role_needs_unit(role):
        raise click.UsageError(f"role {role!r} needs --unit CODE")
    if db.session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise click.UsageError(f"user {username!r} already exists")
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = password_problem(password)
    if problem:
        raise click.UsageError(problem)
    db.session.add(User(username=username, role=role, unit_id=unit.id if unit else None,
                        full_name=full_name, email=email, password_hash=hash_password(password),
                        created_at=clock.now()))
    _commit_new(f"user {username!r} already exists")
    click.echo(f"created {role} {username}")


def _commit_new(taken: str) -> None:
    """Commit a new named row; the unique constraint is what decides between two operators (or an
    operator and the administration page) creating the same name at once: the second is told."""
    from sqlalchemy.exc import IntegrityError
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise click.UsageError(taken) from None


@click.group("api-keys", cls=AppGroup, help="Manage keys for the Open311 API.")
def api_keys_cli():
    pass


@api_keys_cli.command("create", help="Create an API key; it is printed once and only its hash is stored.")
@click.argument("name")
def api_keys_create(name):
    from .models import ApiKey
    if db.session.execute(select(ApiKey).where(ApiKey.name == name)).scalar_one_or_none():
        raise click.UsageError(f"an API key named {name!r} already exists")
    key = "dvk_" + secrets.token_urlsafe(32)
    db.session.add(ApiKey(name=name, key_hash=hashlib.sha256(key.encode()).hexdigest(),
                          prefix=key[:10], created_at=clock.now()))
    _commit_new(f"an API key named {name!r} already exists")
    click.echo(key)


@api_keys_cli.command("revoke", help="Revoke the API key with this name.")
@click.argument("name")
def api_keys_revoke(name):
    from .models import ApiKey
    row = db.session.execute(select(ApiKey).where(ApiKey.name == name)).scalar_one_or_none()
    if row is None:
        raise click.UsageError(f"no API key named {name!r}")
    row.revoked_at = clock.now()
    db.session.commit()
    click.echo(f"revoked {name}")


@click.group("outbox", cls=AppGroup, help="The email outbox.")
def outbox_cli():
    pass


@outbox_cli.command("send", help="Send due emails over SMTP (MAIL_* settings); failures are retried with back-off. "
                                  "With --loop, a database outage is waited out with back-off (a warning is logged).")
@click.option("--loop", is_flag=True, help="Keep running, polling every --interval seconds.")
@click.option("--interval", default=10.0, show_default=True, help="Seconds between polls with --loop.")
@click.option("--limit", default=100, show_default=True, help="At most this many messages per pass.")
@click.option("--max-passes", default=0, help="With --loop, stop after this many passes (0: never).")
@click.option("--max-backoff", default=60.0, show_default=True,
              help="With --loop, the longest wait between passes while the database cannot be reached.")
def outbox_send(loop, interval, limit, max_passes, max_backoff):
    import logging

    from sqlalchemy.exc import DBAPIError

    from .services.outbox import loop_backoff, send_pending
    log = logging.getLogger("danvan_feedback.outbox")
    passes = failures = 0
    while True:
        try:
            counts = send_pending(current_app.config, clock.now(), limit=limit)
        except DBAPIError as exc:
            if not loop:
                raise
            failures += 1
            wait = loop_backoff(failures, interval, max_backoff)
            log.warning("outbox: database unreachable (%s, %s in a row); next try in %.1f s",
                        type(getattr(exc, "orig", exc)).__name__, failures, wait)
            click.echo(f"database unreachable ({type(getattr(exc, 'orig', exc)).__name__}); "
                       f"next try in {wait:.1f} s", err=True)
            db.session.remove()
            time.sleep(wait)
            continue
        if failures:
            log.warning("outbox: database reachable again after %s failed passes", failures)
            failures = 0
        passes += 1
        click.echo(f"sent {counts['sent']}, to retry {counts['retry']}, failed {counts['failed']}")
        if not loop or (max_passes and passes >= max_passes):
            break
        time.sleep(interval)


@outbox_cli.command("status", help="Count messages by status.")
def outbox_status():
    from sqlalchemy import func
    from .models import OutboxMessage
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    for status, n in rows:
        click.echo(f"{status}: {n}")


@click.group("attachments", cls=AppGroup, help="Stored attachments.")
def attachments_cli():
    pass


@attachments_cli.command("sweep", help="Delete stored files that no row refers to (orphans of failed "
                         "submissions): attachments, reception dialogue minutes and report export files.")
@click.option("--older-than", default=3600, show_default=True, help="Only files older than this many seconds.")
def attachments_sweep(older_than):
    from .models import Attachment
    from .models.reception import DialogueSession
    from .extensions import file_stores
    from .models.report import ReportJob
    stores = [
        ("attachments", file_stores.attachments, select(Attachment.storage_key)),
        ("reception minutes", file_stores.minutes, select(DialogueSession.minutes_key)),
        ("report files", file_stores.exports, select(ReportJob.storage_key)),
    ]
    total = 0
    for label, store, query in stores:
        known = {k for k in db.session.execute(query).scalars() if k}
        removed = store.sweep(known, older_than)
        total += len(removed)
        click.echo(f"{label}: removed {len(removed)} orphan file(s)")
    click.echo(f"removed {total} orphan file(s)")


@click.command("seed-demo", help="Add demo services and a handful of demo cases in different states (idempotent). "
               "With --staff (development only), also demo staff accounts, one per role, each with a random "
               "password printed once.")
@click.option("--staff", is_flag=True, help="Also create demo staff accounts (refused when APP_ENV=production).")
@with_appcontext
def seed_demo(staff):
    from .demo import seed, seed_staff
    if staff and current_app.config["APP_ENV"] == "production":
        raise click.ClickException("demo staff accounts are refused when APP_ENV=production; "
                                   "create real accounts with 'users create'")
    created = seed(current_app.config, clock.now())
    click.echo(f"demo data: {created} new case(s)")
    if staff:
        accounts = seed_staff(clock.now())
        for username, role, password in accounts:
            click.echo(f"demo account {username} ({role}): password {password}")
        if accounts:
            click.echo("These passwords are shown once; change them at /can-bo/mat-khau after signing in. "
                       "Admin and inspector accounts enrol an authenticator app at their first sign-in.")
        else:
            click.echo("demo staff accounts exist already (passwords were shown when they were created)")


@click.group("audit", cls=AppGroup, help="The append-only records.")
def audit_cli():
    pass


@audit_cli.command("verify", help="Check the audit records and every case's history: keyed hash "
                   "chains, legal transitions, the case rows against their events, and the checkpoints "
                   "in AUDIT_CHECKPOINT_DIR; exit 1 and name each broken case.")
@click.option("--checkpoints", "checkpoint_dir", default=None,
              help="Folder of checkpoints to check against (default AUDIT_CHECKPOINT_DIR).")
def audit_verify(checkpoint_dir):
    from .services.audit import verify_all
    problems = verify_all(checkpoint_dir)
    for p in problems:
        click.echo(p)
    if problems:
        raise SystemExit(1)
    click.echo("all chains intact")


@audit_cli.command("checkpoint", help="Write every chain's head and length and the number of cases to a "
                   "new file in AUDIT_CHECKPOINT_DIR (append-only; run it hourly from cron), and print "
                   "its path. --copy-to also writes it elsewhere (a mounted medium, or - for stdout, to e-mail).")
@click.option("--copy-to", default=None, help="Another folder for a copy, or - to print it.")
def audit_checkpoint(copy_to):
    from pathlib import Path

    from .services.audit import write_checkpoint
    path = write_checkpoint(current_app.config["AUDIT_CHECKPOINT_DIR"], clock.now())
    db.session.rollback()
    if copy_to == "-":
        click.echo(path.read_text(encoding="utf-8"))
    elif copy_to:
        target = Path(copy_to)
        target.mkdir(parents=True, exist_ok=True)
        with open(target / path.name, "x", encoding="utf-8") as f:
            f.write(path.read_text(encoding="utf-8"))
        click.echo(str(target / path.name))
    click.echo(str(path))


@click.group("deadlines", cls=AppGroup, help="Legal deadlines.")
def deadlines_cli():
    pass


@deadlines_cli.command("digest", help="Queue today's email of cases due soon (OrgSetting due_soon_days, "
                       "default 3 working days) and overdue, one per inspector and unit officer; run daily "
                       "from cron, then `outbox send`. Running it twice a day queues nothing new.")
def deadlines_digest():
    from .services.digest import build_digest
    from .services.uow import run_write
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    n = run_write(lambda: build_digest(clock.now(), tz))
    click.echo(f"queued {n} digest email(s)")


@click.group("identity", cls=AppGroup, help="Identity fields encrypted at rest: keys and rotation.")
def identity_cli():
    pass


@identity_cli.command("new-key", help="Print a new random key line (KEY_ID:BASE64) for IDENTITY_KEYS.")
@click.argument("key_id")
def identity_new_key(key_id):
    from .crypto import new_key_line
    click.echo(new_key_line(key_id))


@identity_cli.command("status", help="How many stored values each key encrypted.")
@with_appcontext
def identity_status():
    from .crypto import current_keyring
    from .services.identity_keys import key_usage
    ring = current_keyring()
    click.echo(f"encrypting key: {ring.primary.kid}; keys held: {', '.join(ring.key_ids)}")
    for kid, n in sorted(key_usage(ring).items(), key=lambda kv: str(kv[0])):
        click.echo(f"  {kid or 'NOT ENCRYPTED'}: {n}")


@identity_cli.command("rotate-key", help="Re-encrypt every identity value and blind index under the "
                                         "first key of IDENTITY_KEYS (put the new key first).")
@with_appcontext
def identity_rotate_key():
    from .crypto import current_keyring
    from .services.identity_keys import key_usage, rotate
    ring = current_keyring()
    n = rotate(ring)
    left = {k: v for k, v in key_usage(ring).items() if k != ring.primary.kid}
    click.echo(f"re-encrypted {n} rows under key {ring.primary.kid}")
    if left:
        raise click.ClickException(f"values still under other keys: {left}")
