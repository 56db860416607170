"""Migrations never break the record silently: down two revisions and back up on a database with
histories keeps ``audit verify`` at 0; a downgrade that would drop hashed values refuses, and on
SQLite a refused (failed) downgrade leaves the database exactly as it was."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from danvan_feedback import create_app
from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseKind, User
from danvan_feedback.services import triage, uow
from danvan_feedback.services.intake import submission_from, submit_case
from danvan_feedback.storage import LocalStorage
from tests.app.staff_helpers import password_hash
from tests.conftest import base_config, drop_pg_database, fresh_pg_database, pg_reason, skip_or_fail
from tests.factories import complaint

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TZ = "Asia/Ho_Chi_Minh"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def empty_db(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'record.sqlite3'}"
        return
    if pg_reason():
        skip_or_fail(pg_reason(), "REQUIRE_PG")
    url = fresh_pg_database(f"migrec_{os.getpid()}")
    yield url
    drop_pg_database(url)


def _revisions(n: int) -> str:
    from alembic.config import Config
    cfg = Config(os.path.join(PROJECT_ROOT, "migrations", "alembic.ini"))
    cfg.set_main_option("script_location", os.path.join(PROJECT_ROOT, "migrations"))
    script = ScriptDirectory.from_config(cfg)
    rev = script.get_revision(script.get_current_head())
    for _ in range(n):
        rev = script.get_revision(rev.down_revision)
    return rev.revision


def _fill(app) -> None:
    """Cases with histories (filed, accepted, a note, refused) and an audit record."""
    actor = User(username="thanhtra", role="inspector", password_hash=password_hash(), full_name="Thanh Tra")
    db.session.add(actor)
    db.session.commit()
    kind = db.session.get(CaseKind, "khieu_nai")
    for i in range(3):
        sub = submission_from("khieu_nai", kind.anonymous, {**complaint(), "anonymous": False, "is_group": False},
                              token=f"mig-{i}", channel="web", locale="vi")
        code = submit_case(sub, [], storage=LocalStorage(app.config["UPLOAD_DIR"]), pin_key="k",
                           now=datetime.now(timezone.utc), tz=TZ).code
        cid = db.session.execute(select(Case.id).where(Case.tracking_code == code)).scalar_one()
        steps = [lambda c, x: triage.accept(c, x), lambda c, x: triage.add_note(c, x, "Ghi chú")] if i else \
            [lambda c, x: triage.refuse(c, x, "Không đủ điều kiện")]
        for step in steps:
            case = uow.lock_case(cid)
            step(case, triage.Ctx(actor=db.session.get(User, actor.id), now=datetime.now(timezone.utc), tz=TZ))
            db.session.commit()
    from danvan_feedback.services.audit import record_change
    record_change(actor.id, "admin.settings_save", datetime.now(timezone.utc), changes={"org_name": "Sở"})
    db.session.commit()


def _verify(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    db.session.remove()  # an open read transaction would block the DDL on PostgreSQL
    return result.exit_code, result.output


def test_down_two_revisions_and_back_keeps_every_chain(empty_db, tmp_path):
    app = create_app(base_config(tmp_path, empty_db))
    with app.app_context():
        upgrade()
        _fill(app)
        db.session.remove()
        assert _verify(app) == (0, "all chains intact\n")
        downgrade(revision=_revisions(2))
        db.session.remove()
        upgrade()
        db.session.remove()
        code, output = _verify(app)
        assert code == 0, output
        db.engine.dispose()


def test_a_downgrade_that_would_drop_hashed_values_refuses_and_changes_nothing(empty_db, tmp_path):
    app = create_app(base_config(tmp_path, empty_db))
    with app.app_context():
        upgrade()
        _fill(app)
        db.session.remove()
        head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        columns = {c["name"] for c in inspect(db.engine).get_columns("case_events")}
        tables = set(inspect(db.engine).get_table_names())
        db.session.remove()
        with pytest.raises(SystemExit):  # Flask-Migrate logs the refusal and exits 1
            downgrade(revision="0008")
        db.session.remove()
        db.engine.dispose()
        # as it was: same revision, same columns and tables, every chain intact
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
        assert {c["name"] for c in inspect(db.engine).get_columns("case_events")} == columns
        assert set(inspect(db.engine).get_table_names()) == tables
        db.session.remove()
        assert _verify(app)[0] == 0
        db.engine.dispose()
