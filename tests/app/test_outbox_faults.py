"""The outbox sender under faults (issue 10), with real processes, a real SMTP server (aiosmtpd) and
a real database:

- two ``outbox send`` processes at once on one database deliver every message exactly once (both
  engines: the claim takes SQLite's write lock with ``BEGIN IMMEDIATE``, PostgreSQL's row with
  ``FOR UPDATE SKIP LOCKED``, and leases the message before SMTP talks);
- ``outbox send --loop`` survives a restart of its PostgreSQL (a throwaway cluster of the test's own)
  and sends what was queued;
- a sender SIGKILLed after the SMTP server accepted a message and before the row says "sent" leaves
  exactly one duplicate per kill, sent again once the lease runs out (at-least-once delivery).
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from danvan_feedback import create_app
from danvan_feedback.extensions import db
from danvan_feedback.models import OutboxMessage
from danvan_feedback.models.base import utcnow
from tests.app import pg_cluster
from tests.app.live import ROOT, LiveServer
from tests.app.test_outbox_cli import free_port
from tests.conftest import base_config, skip_or_fail, upgrade

FLASK = str(Path(sys.executable).parent / "flask")


class Recorder:
    """An SMTP server's mailbox: the Message-ID of every DATA accepted, in order. ``hold_until_peers``
    makes the first deliveries wait until that many senders are connected (so they really overlap);
    ``kill_at`` SIGKILLs the sender ``pid`` when the n-th message arrives, before answering 250."""

    def __init__(self, hold_until_peers: int = 0, delay: float = 0.0):
        self.ids: list[str] = []
        self.peers: set = set()
        self.hold_until_peers, self.delay = hold_until_peers, delay
        self.kill_at: set[int] = set()
        self.pid: int | None = None

    async def handle_DATA(self, server, session, envelope):
        self.peers.add(session.peer)
        waited = 0.0
        while len(self.peers) < self.hold_until_peers and waited < 60:
            await asyncio.sleep(0.05)
            waited += 0.05
        if self.delay:
            await asyncio.sleep(self.delay)
        msg_id = next(line.split(b":", 1)[1].strip().decode() for line in envelope.content.splitlines()
                      if line.lower().startswith(b"message-id:"))
        self.ids.append(msg_id)
        if len(self.ids) in self.kill_at and self.pid:
            os.kill(self.pid, signal.SIGKILL)  # the server has the message; the sender never hears 250
        return "250 OK"


@pytest.fixture
def smtp_server():
    servers = []

    def start(recorder: Recorder) -> int:
        controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
        controller.start()
        servers.append(controller)
        return controller.port
    yield start
    for controller in servers:
        controller.stop()


def queue(app, n: int, start: int = 0, due=None) -> list[str]:
    ids = [f"<essay{i}@kiemthu.local>" for i in range(start, start + n)]
    with app.app_context():
        for i, mid in enumerate(ids, start):
            db.session.add(OutboxMessage(message_id=mid, to_addr=f"nguoi{i}@example.com", subject=f"Thư {i}",
                                         body_text=f"Nội dung {i}", next_attempt_at=due or utcnow()))
        db.session.commit()
    return ids


def statuses(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
        db.session.remove()
        return dict(rows)


def sender_env(app, tmp_path, smtp_port: int, **extra) -> dict:
    env = LiveServer(app.config, tmp_path).env()
    env.update({"MAIL_PORT": str(smtp_port), "MAIL_TIMEOUT": "10", **{k: str(v) for k, v in extra.items()}})
    return env


def start_sender(env: dict, *args: str, log=None) -> subprocess.Popen:
    return subprocess.Popen([FLASK, "--app", "wsgi", "outbox", "send", *args], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=log or subprocess.PIPE,
                            stderr=subprocess.STDOUT if log else subprocess.PIPE)


def test_two_senders_deliver_each_message_exactly_once(app, tmp_path, smtp_server):
    ids = queue(app, 120)
    recorder = Recorder(hold_until_peers=2, delay=0.005)
    env = sender_env(app, tmp_path, smtp_server(recorder))
    senders = [start_sender(env, "--limit", "1000") for _ in range(2)]
    outputs = []
    for proc in senders:
        out, err = proc.communicate(timeout=300)
        outputs.append(out.decode() + err.decode())
        assert proc.returncode == 0, outputs[-1][-3000:]
    counts = Counter(recorder.ids)
    assert set(counts) == set(ids) and max(counts.values()) == 1, [m for m, n in counts.items() if n > 1]
    assert len(recorder.peers) == 2  # both senders delivered, at the same time
    assert statuses(app) == {"sent": 120}
    assert not any("Traceback" in out or "database is locked" in out for out in outputs), outputs


def test_sender_killed_after_smtp_accepted_leaves_one_duplicate_per_kill(app, tmp_path, smtp_server):
    ids = queue(app, 60)
    recorder = Recorder()
    recorder.kill_at = {10, 25, 40}  # the 10th, 25th and 40th delivery: SIGKILL before the 250 reply
    env = sender_env(app, tmp_path, smtp_server(recorder), OUTBOX_LEASE_SECONDS=1)
    runs = []
    while len(runs) < 10:
        proc = start_sender(env, "--limit", "1000")
        recorder.pid = proc.pid
        proc.communicate(timeout=300)
        runs.append(proc.returncode)
        if proc.returncode == 0 and statuses(app) == {"sent": 60}:
            break
        time.sleep(1.2)  # the killed sender's lease runs out
    kills = runs.count(-signal.SIGKILL)
    counts = Counter(recorder.ids)
    duplicates = sum(n - 1 for n in counts.values())
    print(f"\n{len(ids)} messages, {kills} senders SIGKILLed between SMTP accept and recording: "
          f"{len(recorder.ids)} deliveries, {duplicates} duplicates")
    assert kills == 3 and set(counts) == set(ids) and statuses(app) == {"sent": 60}
    assert duplicates == kills  # exactly the message each killed sender had in flight
    assert {m for m, n in counts.items() if n > 1} == {recorder.ids[k - 1] for k in recorder.kill_at}


def _wait(predicate, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}" + (f":\n{log.read_text()[-4000:]}" if log else ""))


def test_loop_survives_a_postgresql_restart(tmp_path, smtp_server):
    reason = pg_cluster.unavailable_reason()
    if reason:
        skip_or_fail(reason, "REQUIRE_PG")
    with pg_cluster.ThrowawayPostgres() as pg:
        from sqlalchemy import create_engine, text
        admin = create_engine(pg.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE outbox"))
        admin.dispose()
        url = pg.url("outbox")
        upgrade(url, tmp_path)
        app = create_app(base_config(tmp_path, url))
        recorder = Recorder()
        env = sender_env(app, tmp_path, smtp_server(recorder), OUTBOX_LEASE_SECONDS=5)
        log_path = tmp_path / "sender.log"
        with open(log_path, "wb") as log:
            proc = start_sender(env, "--loop", "--interval", "0.3", "--max-backoff", "2", log=log)
            try:
                first = queue(app, 3)
                _wait(lambda: set(first) <= set(recorder.ids), 120, "the first messages", log_path)
                # due while the database is down (the stop takes well under 5 s)
                later = queue(app, 3, start=3, due=utcnow() + timedelta(seconds=5))
                with app.app_context():
                    db.engine.dispose()
                pg.stop()
                _wait(lambda: log_path.read_bytes().count(b"database unreachable") >= 2, 60,
                      "the sender to notice the outage", log_path)
                time.sleep(5)
                assert proc.poll() is None, log_path.read_text()
                pg.start()

                after = queue(app, 3, start=6)
                _wait(lambda: set(first + later + after) <= set(recorder.ids), 60, "the messages queued", log_path)
                assert proc.poll() is None
                # delivered is not yet marked: the sender commits "sent" just after the SMTP server took the message
                _wait(lambda: statuses(app) == {"sent": 9}, 60, "every message marked sent", log_path)
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        output = log_path.read_text()
        assert Counter(recorder.ids) == Counter(first + later + after)  # each once
        assert statuses(app) == {"sent": 9}
        assert "database unreachable" in output and "Traceback" not in output, output
        with app.app_context():
            db.engine.dispose()
