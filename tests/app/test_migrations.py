"""Migrations: one head, upgrade from empty and downgrade on both engines, models in sync."""
from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from danvan_feedback import PROJECT_ROOT, create_app
from danvan_feedback.extensions import db
from tests.conftest import base_config, drop_pg_database, fresh_pg_database, pg_reason, skip_or_fail


def include_object(obj, name, type_, reflected, compare_to):
    """Objects only the migrations know: the PostgreSQL trigram index (created when pg_trgm exists)
    and SQLite's full-text index of the cases (``cases_fts`` and its shadow tables)."""
    return not ((type_ == "index" and name == "ix_cases_search_trgm")
                or (type_ == "table" and name.startswith("cases_fts")))


def test_single_head():
    from alembic.config import Config
    cfg = Config(os.path.join(PROJECT_ROOT, "migrations", "alembic.ini"))
    cfg.set_main_option("script_location", os.path.join(PROJECT_ROOT, "migrations"))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1, heads


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def empty_db(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    if pg_reason():
        skip_or_fail(pg_reason(), "REQUIRE_PG")
    url = fresh_pg_database(f"mig_{os.getpid()}")
    yield url
    drop_pg_database(url)


def test_upgrade_from_empty_then_down_one_and_back(empty_db, tmp_path):
    app = create_app(base_config(tmp_path, empty_db))
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"cases", "case_events", "case_identities", "attachments", "outbox", "units"} <= tables
        assert db.session.execute(text("SELECT count(*) FROM case_kinds")).scalar_one() == 5
        db.session.remove()  # an open read transaction would block the DDL on PostgreSQL
        downgrade(revision="0002")  # back through the merge, both branches and the triage step
        db.session.remove()
        upgrade()
        assert db.session.execute(text("SELECT count(*) FROM units")).scalar_one() >= 4
        db.session.remove()
        # models and migrations agree: autogenerate finds nothing to add
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
            diffs = compare_metadata(ctx, db.metadata)
        assert diffs == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.session.remove()
        db.engine.dispose()


def test_upgrade_keeps_the_data_of_an_older_database(empty_db, tmp_path):
    """A database filled under revision 0002 (the first release's schema) upgrades in place: new
    NOT NULL columns get their defaults and the search text is backfilled."""
    app = create_app(base_config(tmp_path, empty_db))
    with app.app_context():
        upgrade(revision="0002")
        db.session.execute(text(
            "INSERT INTO cases (tracking_code, pin_hash, submission_token, kind_code, status, channel,"
            " submitter_type, is_anonymous, subject, content, is_group, locale, received_at, updated_at,"
            " lookup_failures) VALUES ('DV-AAAA-BBBB', :h, 'tok00000001', 'khieu_nai', 'received', 'web',"
            " 'citizen', :f, 'Khiếu nại đất đai', 'Nội dung', :f, 'vi', :t, :t, 0)"),
            {"h": "0" * 64, "f": False, "t": "2026-01-05 03:00:00+00:00"})
        db.session.commit()
        db.session.remove()
        upgrade()
        row = db.session.execute(text(
            "SELECT search_text, complexity, attempt, paused_days, extensions, is_remote FROM cases")).one()
        assert "khieu nai dat dai" in row.search_text and "dv-aaaa-bbbb" in row.search_text
        assert row.search_text.endswith(" #n #s khieu nai dat dai #b noi dung #e ")  # whole words, by field (i14s)
        assert (row.complexity, row.attempt, row.paused_days, row.extensions, bool(row.is_remote)) == ("normal", 1, 0, 0, False)
        db.session.remove()
        db.engine.dispose()
