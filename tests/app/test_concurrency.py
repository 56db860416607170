"""Parallel submissions: every one stored once, tracking codes unique even when codes collide."""
from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import Case
from danvan_feedback.services import intake
from tests.app.helpers import post_case
from tests.conftest import form_tokens, skip_or_fail
from tests.factories import suggestion

N = 24


def test_parallel_submissions_with_colliding_codes(app, monkeypatch):
    # The first codes are each drawn twice, so concurrent inserts collide and must draw again.
    pool = itertools.chain([f"DV-{i:04d}-AAAA" for i in range(6) for _ in range(2)],
                           (f"DV-{i:04d}-BBBB" for i in itertools.count()))
    lock = threading.Lock()

    def colliding_code():
        with lock:
            return next(pool)
    monkeypatch.setattr(intake, "new_tracking_code", colliding_code)
    clients = [app.test_client() for _ in range(N)]
    tokens = [form_tokens(c, "/gui/gop_y") for c in clients]

    def submit(i):
        return post_case(clients[i], "gop_y", suggestion(subject=f"Góp ý {i}"), tokens=tokens[i]).status_code

    with ThreadPoolExecutor(max_workers=8) as ex:
        statuses = list(ex.map(submit, range(N), timeout=120))
    assert statuses == [303] * N
    with app.app_context():
        codes = db.session.execute(select(Case.tracking_code)).scalars().all()
        subjects = db.session.execute(select(Case.subject)).scalars().all()
    assert len(codes) == N == len(set(codes))
    assert sorted(subjects) == sorted(f"Góp ý {i}" for i in range(N))


class TestSharedRateLimit:
    """Two app instances stand for two gunicorn workers: with Redis they share one count."""

    @pytest.fixture
    def redis_url(self):
        url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
        try:
            import redis
            conn = redis.Redis.from_url(url, socket_connect_timeout=1)
            conn.ping()
            conn.flushdb()  # database 15 is the tests' own; start every count at zero
        except Exception as exc:
            skip_or_fail(f"Redis not reachable at {url} ({type(exc).__name__})", "REQUIRE_REDIS")
        return url

    @pytest.fixture
    def config_overrides(self, redis_url):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": redis_url,
                "RATELIMIT_LOOKUP": "4 per minute"}

    def test_limit_counts_across_workers(self, app, config_overrides, tmp_path):
        from danvan_feedback import create_app
        from tests.conftest import base_config
        second = create_app({**base_config(tmp_path / "w2", app.config["SQLALCHEMY_DATABASE_URI"]), **config_overrides})
        a, b = app.test_client(), second.test_client()
        codes = []
        for i in range(6):
            c = (a, b)[i % 2]
            codes.append(c.post("/tra-cuu", data={**form_tokens(c, "/tra-cuu"), "code": "DV-ZZZZ-ZZZZ", "secret": "1"}).status_code)
        assert codes == [422, 422, 422, 422, 429, 429]
