"""Shared fixtures.

``app`` runs each app test on SQLite and, when PostgreSQL answers, again on PostgreSQL (marked
``pg``). SQLite tests get a copy of a database migrated once per session; PostgreSQL tests share
one migrated database per session and every table but the reference data is truncated after each
test.
"""
from __future__ import annotations

import os
import re
import shutil
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, inspect, text

from danvan_feedback import create_app
from danvan_feedback.extensions import db

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REFERENCE_TABLES = {"alembic_version", "org_settings", "units", "case_kinds", "deadline_rules", "communes",
                    "survey_versions", "survey_criteria"}  # seeded by the migrations: kept between tests
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
TEST_IDENTITY_KEYS = "t1:dGVzdC1pZGVudGl0eS1rZXktMDEyMzQ1Njc4OWFiY2Q="


def base_config(tmp_path, db_url: str) -> dict:
    return {
        "APP_ENV": "testing", "SKIP_DOTENV": True, "SECRET_KEY": TEST_SECRET,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": db_url, "UPLOAD_DIR": str(tmp_path / "uploads"),
        "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1, "PUBLIC_BASE_URL": "http://kiemthu.local",
        "PIN_HMAC_KEY": "pin-key-for-tests", "IDENTITY_KEYS": TEST_IDENTITY_KEYS,
        # argon2id at minimal cost: a sign-in check takes well under 1 ms instead of ~290 ms.
        "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
    }


def _pg_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


_pg_state: dict = {}


def pg_reason() -> str | None:
    """None when PostgreSQL answers, else why the PostgreSQL tests are skipped."""
    if "reason" not in _pg_state:
        try:
            eng = create_engine(_pg_url(), connect_args={"connect_timeout": 2})
            with eng.connect() as conn:
                conn.execute(text("SELECT 1"))
            eng.dispose()
            _pg_state["reason"] = None
        except Exception as exc:  # any failure means: no PostgreSQL here
            _pg_state["reason"] = f"PostgreSQL not reachable at {_pg_url()} ({type(exc).__name__}); set TEST_DATABASE_URL"
    return _pg_state["reason"]


def upgrade(db_url: str, tmp_path) -> None:
    from flask_migrate import upgrade as alembic_upgrade
    app = create_app(base_config(tmp_path, db_url))
    with app.app_context():
        alembic_upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    d = tmp_path_factory.mktemp("sqlite-template")
    path = d / "template.sqlite3"
    upgrade(f"sqlite:///{path}", d)
    return path


def _worker_db_url(worker: str) -> str:
    parts = urlsplit(_pg_url())
    return urlunsplit(parts._replace(path=f"/danvan_test_{re.sub(r'[^a-z0-9_]', '', worker)}"))


def fresh_pg_database(name_suffix: str) -> str:
    """Drop and create a database next to TEST_DATABASE_URL's and return its URL."""
    url = _worker_db_url(name_suffix)
    dbname = urlsplit(url).path.lstrip("/")
    admin = create_engine(_pg_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{dbname}"'))
    admin.dispose()
    return url


def drop_pg_database(url: str) -> None:
    dbname = urlsplit(url).path.lstrip("/")
    admin = create_engine(_pg_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_database(tmp_path_factory):
    """A database of its own for this pytest process (parallel runs do not collide), dropped at the end."""
    reason = pg_reason()
    if reason:
        skip_or_fail(reason, "REQUIRE_PG")
    url = fresh_pg_database(f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}")
    upgrade(url, tmp_path_factory.mktemp("pg"))
    yield url
    drop_pg_database(url)


def truncate_all(db_url: str) -> None:
    eng = create_engine(db_url)
    with eng.begin() as conn:
        names = [t for t in inspect(conn).get_table_names() if t not in REFERENCE_TABLES]
        if names:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))
    eng.dispose()


def skip_or_fail(reason: str, required_env: str):
    """Skip with a visible reason; fail instead when CI says the thing is required (``REQUIRE_*=1``)."""
    if os.environ.get(required_env) == "1":
        pytest.fail(f"{reason} (and {required_env}=1)")
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def engine_name(request):
    if request.param == "postgresql" and pg_reason():
        skip_or_fail(pg_reason(), "REQUIRE_PG")
    return request.param


@pytest.fixture
def db_url(engine_name, request, tmp_path):
    if engine_name == "sqlite":
        path = tmp_path / "db.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database")
        yield url
        truncate_all(url)


@pytest.fixture
def config_overrides():
    """Override in a test module to change settings for its ``app``."""
    return {}


@pytest.fixture
def app(db_url, tmp_path, config_overrides):
    """The app, without an app context pushed: requests must not share ``g`` (Flask-WTF caches the
    CSRF token there). Tests that touch the database directly use ``with app.app_context():``."""
    app = create_app({**base_config(tmp_path, db_url), **config_overrides})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_TOKEN = re.compile(r'name="token"[^>]*value="([^"]*)"')


def form_tokens(client, url: str) -> dict:
    """GET a form page and return its hidden fields (csrf_token and, where present, token)."""
    html = client.get(url).get_data(as_text=True)
    out = {}
    if m := _CSRF.search(html):
        out["csrf_token"] = m.group(1)
    if m := _TOKEN.search(html):
        out["token"] = m.group(1)
    return out
