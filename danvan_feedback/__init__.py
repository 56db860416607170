"""danvan_feedback: hear citizens, handle their letters on time, report on it."""
from __future__ import annotations

import logging
import os
import time

from dotenv import load_dotenv
from flask import Flask, has_request_context, session
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import load_config
from .extensions import babel, csrf, db, file_stores, limiter, login_manager, migrate

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: dict | None = None) -> Flask:
    """The application factory. ``test_config`` overrides settings read from the environment."""
    if not (test_config or {}).get("SKIP_DOTENV"):
        load_dotenv(os.path.join(PROJECT_ROOT, ".env"), override=False)
    instance_path = ((test_config or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH")
                     or os.path.join(PROJECT_ROOT, "instance"))
    app = Flask(__name__, instance_path=instance_path,
                template_folder=os.path.join(PROJECT_ROOT, "templates"),
                static_folder=os.path.join(PROJECT_ROOT, "static"))
    os.makedirs(app.instance_path, exist_ok=True)
    env = dict(os.environ)
    for key in ("APP_ENV", "SECRET_KEY", "IDENTITY_KEYS", "PUBLIC_BASE_URL"):
        if test_config and key in test_config:
            env[key] = test_config[key]
    app.config.update(load_config(app.instance_path, env))
    if test_config:
        app.config.update(test_config)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    configure_logging()
    from .web import install_converters
    install_converters(app)
    register_extensions(app)
    register_blueprints(app)
    from .web import register_errorhandlers, register_hooks
    register_hooks(app)
    register_errorhandlers(app)
    from .cli import register_commands
    register_commands(app)
    return app


class _UTCFormatter(logging.Formatter):
    """One line per record: UTC ISO time, level, logger, message (key=value pairs where useful)."""

    converter = time.gmtime

    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return time.strftime("%Y-%m-%dT%H:%M:%S", self.converter(record.created)) + f".{int(record.msecs):03d}Z"


def configure_logging() -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, _UTCFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(_UTCFormatter("ts=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"))
    root.addHandler(handler)
    if root.level == logging.WARNING:
        root.setLevel(logging.INFO)


def select_locale() -> str:
    if not has_request_context():  # commands (digest, outbox) speak the default language
        return "vi"
    lang = session.get("lang")
    if lang in ("vi", "en"):
        return lang
    return "vi"


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  registers the tables
    db.init_app(app)
    from .services import refdata
    refdata.register()  # reference data changes bump settings_version
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    from . import formdata
    formdata.install()  # a form's fields read files only under its file fields' names
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=os.path.join(os.path.dirname(__file__), "translations"))
    # Flask-Limiter is one object per process: init_app's RATELIMIT_ENABLED (and storage) is the last
    # app's. Each app keeps its own switch, read per request by the filter in ``extensions``.
    app.config["RATE_LIMITS_ON"] = bool(app.config.get("RATELIMIT_ENABLED", True))
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    login_manager.init_app(app)
    file_stores.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .api import errors  # noqa: F401  (the API's own error handlers, on its bp)
    from .api.views import bp as api_bp
    from .auth.views import bp as auth_bp
    from .public import filing, tracking  # noqa: F401  (the filing and tracking pages add their routes to public's bp)
    from .public.views import bp as public_bp
    from .console import staff_menu
    from .labels import role_label
    from .staff import action_views, cases, inbox  # noqa: F401  (the case page, its actions and the inbox add their routes to staff's bp)
    from .staff.views import bp as staff_bp
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(staff_bp, url_prefix="/can-bo")
    from .admin import rules, settings, texts, units, users  # noqa: F401  (the admin pages add their routes to its bp)
    from .admin.views import bp as admin_bp
    from .reception import dialogues, sessions, views  # noqa: F401  (the reception pages add their routes to its bp)
    from .reception.base import bp as reception_bp
    from .survey.views import bp as survey_bp
    from .survey.staff import staff_bp as survey_staff_bp
    app.register_blueprint(survey_bp)
    csrf.exempt(survey_bp)  # public forms validate their CSRF token as a field (see public_bp)
    app.register_blueprint(survey_staff_bp, url_prefix="/can-bo/khao-sat")
    app.register_blueprint(reception_bp, url_prefix="/can-bo/tiep-cong-dan")
    app.register_blueprint(admin_bp, url_prefix="/can-bo/quan-tri")
    from .letters.views import bp as letters_bp  # letters on paper, issued documents (issue 12)
    app.register_blueprint(letters_bp, url_prefix="/can-bo")
    from .reports.views import bp as reports_bp, public_bp as transparency_bp  # reports (issue 5)
    app.register_blueprint(reports_bp, url_prefix="/can-bo/bao-cao")
    app.register_blueprint(transparency_bp)
    from .imports.views import bp as imports_bp  # old registers (issue 16)
    app.register_blueprint(imports_bp, url_prefix="/can-bo/nhap-so-cu")
    app.jinja_env.globals.update(staff_menu=staff_menu, role_label=role_label)
    app.register_blueprint(api_bp, url_prefix="/open311")
    csrf.exempt(api_bp)  # key-authenticated, no cookies
    # Public forms check their CSRF token as a form field (FlaskForm), so a missing or stale token
    # re-renders the form with what the citizen typed instead of a bare error page.
    csrf.exempt(public_bp)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_conn, _record):
    """SQLite: WAL with synchronous=FULL (a commit survives a power cut), foreign keys, and a busy
    timeout so concurrent gunicorn workers wait for the write lock instead of failing."""
    module = type(dbapi_conn).__module__
    if not module.startswith("sqlite3"):
        return
    # SQLAlchemy emits BEGIN itself (see _sqlite_begin), so writers can ask for BEGIN IMMEDIATE.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """On SQLite a write transaction must take the write lock when it begins (``BEGIN IMMEDIATE``):
    a deferred transaction that read first and writes later fails at once with SQLITE_BUSY when
    another worker wrote in between, and the busy timeout cannot help it."""
    if conn.dialect.name == "sqlite":
        from .services.rows import execute_plain  # straight to the driver: every transaction begins here
        execute_plain(conn, f"BEGIN {conn.get_execution_options().get('sqlite_begin', 'DEFERRED')}")
