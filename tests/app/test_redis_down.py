"""Redis down (issue 10): rate limits fall back to counting in this process, with a warning, and
no page answers 500. The test starts a redis-server of its own on a free loopback port and stops it."""
from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time

import pytest

from tests.conftest import form_tokens, skip_or_fail
from tests.factories import suggestion


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(port: int, workdir) -> subprocess.Popen:
    proc = subprocess.Popen(
        [shutil.which("redis-server"), "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(workdir), "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        skip_or_fail("redis-server not installed (apt-get install -y redis-server)", "REQUIRE_REDIS")
    port = _free_port()
    holder = {"port": port, "proc": _start_redis(port, tmp_path)}
    yield holder
    proc = holder["proc"]
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def config_overrides(redis_server):
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_server['port']}/0",
            "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            "RATELIMIT_SUBMIT": "3 per minute", "RATELIMIT_LOOKUP": "100 per minute"}


@pytest.fixture(autouse=True)
def _shared_limiter_state():
    """The Limiter object is shared by every app of the test process: leave it as found."""
    from danvan_feedback.extensions import limiter
    yield
    limiter._storage_dead = False  # noqa: SLF001 (Flask-Limiter keeps this flag private)


def _submit(client):
    data = {**form_tokens(client, "/gui/gop_y"), **suggestion()}
    return client.post("/gui/gop_y", data=data)


def test_with_redis_stopped_nothing_answers_500_and_limits_still_count(app, redis_server, caplog):
    client = app.test_client()
    assert _submit(client).status_code == 303  # counted in Redis
    import redis
    assert redis.Redis(port=redis_server["port"]).keys("LIMITS*")

    redis_server["proc"].terminate()
    redis_server["proc"].wait(timeout=10)

    caplog.set_level(logging.WARNING, logger="flask-limiter")
    api = app.test_client()
    assert api.get("/open311/v2/services.json").status_code == 200
    assert app.test_client().get("/tra-cuu").status_code == 200
    lookup = app.test_client()
    resp = lookup.post("/tra-cuu", data={**form_tokens(lookup, "/tra-cuu"), "code": "DV-XXXX", "secret": "123456"})
    assert resp.status_code == 422
    login = app.test_client()
    resp = login.post("/dang-nhap", data={**form_tokens(login, "/dang-nhap"), "username": "ai", "password": "x" * 12})
    assert resp.status_code < 500
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)

    # the limit still holds, counted in this process: 3 per minute per address
    statuses = [_submit(app.test_client()).status_code for _ in range(4)]
    assert 500 not in statuses and 429 in statuses, statuses
    assert statuses.count(303) <= 3


def test_redis_coming_back_is_used_again(app, redis_server, tmp_path):
    redis_server["proc"].terminate()
    redis_server["proc"].wait(timeout=10)
    assert app.test_client().get("/open311/v2/services.json").status_code == 200
    redis_server["proc"] = _start_redis(redis_server["port"], tmp_path)
    import redis
    conn = redis.Redis(port=redis_server["port"])
    deadline = time.monotonic() + 20  # Flask-Limiter retries the storage with back-off (1, 2, 4 s...)
    while time.monotonic() < deadline and not conn.keys("LIMITS*"):
        assert app.test_client().get("/open311/v2/services.json").status_code == 200
        time.sleep(0.5)
    assert conn.keys("LIMITS*"), "the shared storage was not used again"
