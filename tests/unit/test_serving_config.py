"""The serving limits agree: the README's proxy settings, ``gunicorn.conf.py`` and the app's own
limits (issue 10: the README's proxy allowed 60 MB while the app allowed 51)."""
from __future__ import annotations

import re
import runpy
from pathlib import Path

from danvan_feedback.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def _nginx(setting: str) -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    values = re.findall(rf"^\s*{setting}\s+([^;]+);", readme, re.M)
    assert len(values) == 1, f"README should set {setting} once in its nginx block, found {values}"
    return values[0].strip()


def _size(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmM]?)", text).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]


def test_proxy_body_limit_is_the_apps(tmp_path):
    cfg = load_config(str(tmp_path), env={})
    assert _size(_nginx("client_max_body_size")) == cfg["MAX_CONTENT_LENGTH"]


def test_proxy_header_buffers_match_gunicorns_limits():
    gconf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    count, size = _nginx("large_client_header_buffers").split()
    assert int(count) >= 4 and _size(size) == 8192
    assert gconf["limit_request_line"] == gconf["limit_request_field_size"] == 8190  # fits one 8k buffer
    assert gconf["limit_request_fields"] == 100


def test_gunicorn_serves_slow_clients_with_threads(monkeypatch):
    for cores, workers in ((1, 2), (2, 4), (16, 8)):
        monkeypatch.setattr("multiprocessing.cpu_count", lambda cores=cores: cores)
        monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
        monkeypatch.delenv("GUNICORN_THREADS", raising=False)
        gconf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
        assert gconf["worker_class"] == "gthread" and gconf["workers"] == workers
        assert gconf["workers"] * gconf["threads"] >= 128
        assert gconf["worker_connections"] == gconf["threads"]
        assert "gunicorn -c gunicorn.conf.py wsgi:app" in (ROOT / "README.md").read_text("utf-8")
