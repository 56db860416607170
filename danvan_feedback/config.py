"""Settings, read from the environment (and an optional ``.env``) when the app is created.

Nothing here is read at import time: :func:`load_config` is called by ``create_app``.
Every setting is documented in ``.env.example``.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

_DEV_ENVS = {"development", "testing"}


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the app refuses to start."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _choice(env: dict, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _secret_key(env: dict, app_env: str, instance_path: Path) -> str:
    key = env.get("SECRET_KEY", "")
    key_file = env.get("SECRET_KEY_FILE")
    if not key and key_file:
        key = Path(key_file).read_text(encoding="utf-8").strip()
    if key:
        if app_env not in _DEV_ENVS and len(key.encode()) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 bytes in production")
        return key
    if app_env not in _DEV_ENVS:
        raise ConfigError("SECRET_KEY (or SECRET_KEY_FILE) is required when APP_ENV=production")
    # Development: a random key kept in instance/ so sessions survive a restart.
    path = instance_path / "dev-secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _audit_key(env: dict, app_env: str, instance_path: Path, secret: str) -> str:
    """The key of the audit and case-event hashes (HMAC-SHA256). It must live outside the database:
    a database superuser without it cannot recompute a chain after editing a row."""
    key = env.get("AUDIT_HMAC_KEY", "")
    if not key and env.get("AUDIT_HMAC_KEY_FILE"):
        key = Path(env["AUDIT_HMAC_KEY_FILE"]).read_text(encoding="utf-8").strip()
    if key:
        return key
    if app_env not in _DEV_ENVS:
        return "audit:" + secret  # production without its own key: derived from SECRET_KEY (set one!)
    path = instance_path / "dev-audit-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _public_base_url(env: dict, production: bool) -> str:
    """The site's absolute address for links in e-mails and on posters. Production refuses to start
    without it: a link must never be built from a request's Host header, which a client chooses."""
    from urllib.parse import urlsplit
    value = (env.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if not value:
        if production:
            raise ConfigError("PUBLIC_BASE_URL (e.g. https://gopy.example.gov.vn) is required when APP_ENV=production")
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"PUBLIC_BASE_URL must be an absolute http(s) address, got {value!r}")
    return value


def _security(env: dict, app_env: str, inst: Path) -> dict:
    """Keys and secrets: the session's, the PINs', the identities' and the audit chains'."""
    production = app_env == "production"
    secret = _secret_key(env, app_env, inst)
    fallbacks = [k for k in env.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()]
    from .crypto import KeyError_, load_keys
    try:
        identity_keys = load_keys(env, production, inst)
    except (KeyError_, OSError) as exc:
        raise ConfigError(str(exc)) from exc
    return {
        "APP_ENV": app_env,
        "TESTING": app_env == "testing",
        "DEBUG": False,
        "SECRET_KEY": secret,
        "SECRET_KEY_FALLBACKS": fallbacks,
        # PINs are stored as HMAC(PIN_HMAC_KEY, pin); defaults to a key derived from SECRET_KEY.
        "PIN_HMAC_KEY": env.get("PIN_HMAC_KEY") or ("pin:" + secret),
        # Identity fields are encrypted with these keys (``crypto``), kept outside the database:
        # IDENTITY_KEYS or IDENTITY_KEY_FILE ("k2:<base64>,k1:<base64>", the first encrypts).
        "IDENTITY_KEYS": identity_keys,
        # Case-event and audit hashes: HMAC keyed outside the database; old keys (comma-separated)
        # still verify the rows they signed after a rotation. Checkpoints of every chain's head go to
        # AUDIT_CHECKPOINT_DIR (append-only; keep it on another machine or medium).
        "AUDIT_HMAC_KEY": _audit_key(env, app_env, inst, secret),
        "AUDIT_HMAC_OLD_KEYS": [k.strip() for k in env.get("AUDIT_HMAC_OLD_KEYS", "").split(",") if k.strip()],
        "AUDIT_CHECKPOINT_DIR": env.get("AUDIT_CHECKPOINT_DIR") or str(inst / "audit-checkpoints"),
    }


def _web(env: dict, inst: Path, production: bool) -> dict:
    """The database, uploads, cookies and the public address."""
    database_url = env.get("DATABASE_URL") or f"sqlite:///{inst / 'danvan.sqlite3'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    max_file_mb = _int(env, "UPLOAD_MAX_FILE_MB", 10)
    max_files = _int(env, "UPLOAD_MAX_FILES", 5)
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(inst / "uploads"),
        "UPLOAD_MAX_FILE_BYTES": max_file_mb * 1024 * 1024,
        "UPLOAD_MAX_FILES": max_files,
        # The whole request may carry every file plus the form text.
        "MAX_CONTENT_LENGTH": max_files * max_file_mb * 1024 * 1024 + 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "SESSION_COOKIE_NAME": "dv_session",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "SERVER_NAME": env.get("SERVER_NAME") or None,
        "PUBLIC_BASE_URL": _public_base_url(env, production),
        "PROXY_COUNT": _int(env, "PROXY_COUNT", 0),
        "WTF_CSRF_ENABLED": _bool(env.get("WTF_CSRF_ENABLED"), True),
        "WTF_CSRF_TIME_LIMIT": None,
    }


def _limits(env: dict) -> dict:
    """Rate limits and the Open311 endpoint's identity."""
    return {
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Redis unreachable: count in this process (and log a warning) rather than answer 500; the
        # shared storage is tried again with back-off. A hung Redis costs at most the timeouts.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": ({"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
                                      if env.get("RATELIMIT_STORAGE_URI", "").startswith(("redis", "rediss"))
                                      else {}),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Accepted submissions per address (mistakes don't count; offices and carriers share one
        # address), every attempt per form (a bot replaying one form), and a flood ceiling per address.
        "RATELIMIT_SUBMIT": env.get("RATELIMIT_SUBMIT", "30 per hour;6 per minute"),
        "RATELIMIT_SUBMIT_FORM": env.get("RATELIMIT_SUBMIT_FORM", "20 per 10 minutes"),
        "RATELIMIT_SUBMIT_FLOOD": env.get("RATELIMIT_SUBMIT_FLOOD", "200 per hour;40 per minute"),
        "RATELIMIT_LOOKUP": env.get("RATELIMIT_LOOKUP", "30 per hour;10 per minute"),
        "RATELIMIT_API": env.get("RATELIMIT_API", "600 per hour"),
        # Open311: the jurisdiction_id this endpoint serves (default: PUBLIC_BASE_URL's host name)
        # and the contact shown in the discovery document (default: the organisation's name).
        "OPEN311_JURISDICTION_ID": env.get("OPEN311_JURISDICTION_ID")
        or (urlsplit(env.get("PUBLIC_BASE_URL", "")).hostname or "localhost"),
        "OPEN311_CONTACT": env.get("OPEN311_CONTACT", ""),
    }


def _people(env: dict) -> dict:
    """Lookups, mail, language and time zone, staff sessions and sign-in."""
    return {
        "LOOKUP_MAX_FAILURES": _int(env, "LOOKUP_MAX_FAILURES", 5),
        "LOOKUP_LOCK_MINUTES": _int(env, "LOOKUP_LOCK_MINUTES", 30),
        "RECEIPT_VISIBLE_MINUTES": _int(env, "RECEIPT_VISIBLE_MINUTES", 30),
        "MAIL_SERVER": env.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": _int(env, "MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "khong-tra-loi@localhost"),
        "MAIL_TIMEOUT": _int(env, "MAIL_TIMEOUT", 10),
        "OUTBOX_MAX_ATTEMPTS": _int(env, "OUTBOX_MAX_ATTEMPTS", 8),
        "OUTBOX_LEASE_SECONDS": _int(env, "OUTBOX_LEASE_SECONDS", 300),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": env.get("APP_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "LANGUAGES": ["vi", "en"],
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 2,
        # Staff sessions end after this much inactivity.
        "STAFF_IDLE_MINUTES": _int(env, "STAFF_IDLE_MINUTES", 30),
        "LOGIN_MAX_FAILURES": _int(env, "LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _int(env, "LOGIN_LOCK_MINUTES", 15),
        # Wrong passwords (or TOTP codes) when revealing a denouncer before the account locks.
        "REVEAL_MAX_FAILURES": _int(env, "REVEAL_MAX_FAILURES", 3),
        "RATELIMIT_LOGIN": env.get("RATELIMIT_LOGIN", "20 per hour;5 per minute"),
        "REMEMBER_COOKIE_DURATION": 0,
    }


def _features(env: dict, production: bool) -> dict:
    """The survey, reports, reception, letters and old registers."""
    return {
        # Satisfaction survey (issue 4)
        "RATELIMIT_SURVEY": env.get("RATELIMIT_SURVEY", "120 per hour;20 per minute"),  # accepted answers
        "SURVEY_REPEAT_WINDOW_MINUTES": _int(env, "SURVEY_REPEAT_WINDOW_MINUTES", 30),
        "SURVEY_SMALL_SAMPLE": _int(env, "SURVEY_SMALL_SAMPLE", 30),
        # Reports: default period convention (calendar | cutoff) and the longest custom range.
        "REPORT_CONVENTION": _choice(env, "REPORT_CONVENTION", ("calendar", "cutoff"), "calendar"),
        "REPORT_MAX_DAYS": _int(env, "REPORT_MAX_DAYS", 400),
        # Dialogue minutes; default: UPLOAD_DIR + "_doi_thoai".
        "RECEPTION_UPLOAD_DIR": env.get("RECEPTION_UPLOAD_DIR") or None,
        # Report exports (XLSX/DOCX) run as background jobs: files in REPORT_EXPORT_DIR (default:
        # UPLOAD_DIR + "_reports"); REPORT_JOBS_INLINE runs the job in the request that queues it
        # (default on in development/testing, off in production where `flask report worker` runs).
        "REPORT_EXPORT_DIR": env.get("REPORT_EXPORT_DIR") or None,
        "REPORT_JOBS_INLINE": _bool(env.get("REPORT_JOBS_INLINE"), not production),
        # Letters registered by the office (issue 12): how many days back a received date may go,
        # how many scanned pages/files a letter may carry, after how many days without a reply a
        # transferred letter appears on the urging list, and how many days back a decision may be
        # entered late (never before the case's previous event).
        "LETTER_BACKDATE_DAYS": _int(env, "LETTER_BACKDATE_DAYS", 30),
        "LETTER_MAX_FILES": _int(env, "LETTER_MAX_FILES", 20),
        "AGENCY_REPLY_DAYS": _int(env, "AGENCY_REPLY_DAYS", 30),
        "LATE_ENTRY_DAYS": _int(env, "LATE_ENTRY_DAYS", 10),
        # A folder of document templates (JSON) that replaces the shipped ones, file by file.
        "DOC_TEMPLATE_DIR": env.get("DOC_TEMPLATE_DIR") or None,
        # Old registers (issue 16): largest file, where uploaded files wait (default UPLOAD_DIR +
        # "_imports"), and whether the page runs the check/import itself (else `flask import worker`).
        "IMPORT_MAX_BYTES": _int(env, "IMPORT_MAX_MB", 50) * 1024 * 1024,
        "IMPORT_DIR": env.get("IMPORT_DIR") or None,
        "IMPORT_JOBS_INLINE": _bool(env.get("IMPORT_JOBS_INLINE"), not production),
    }


def load_config(instance_path: str, env: dict | None = None) -> dict:
    env = dict(os.environ if env is None else env)
    inst = Path(instance_path)
    app_env = env.get("APP_ENV", "development").strip().lower()
    if app_env not in _DEV_ENVS | {"production"}:
        raise ConfigError(f"APP_ENV must be development, testing or production, got {app_env!r}")
    production = app_env == "production"
    return {**_security(env, app_env, inst), **_web(env, inst, production), **_limits(env), **_people(env),
            **_features(env, production)}
