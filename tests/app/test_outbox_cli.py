"""The outbox against a real SMTP server on loopback (aiosmtpd), and the command line."""
from __future__ import annotations

import email
import hashlib
import socket
from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import ApiKey, OutboxMessage, User
from danvan_feedback.passwords import verify_password
from danvan_feedback.services.outbox import send_pending
from tests.app.helpers import post_case, receipt_codes
from tests.factories import complaint


class Inbox:
    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_receipt_is_delivered_by_smtp(client, app, smtp):
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    code, _pin = receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    with app.app_context():
        counts = send_pending(app.config, datetime.now(timezone.utc))
        assert counts == {"sent": 1, "retry": 0, "failed": 0}
        msg = db.session.execute(select(OutboxMessage)).scalar_one()
        assert msg.status == "sent" and msg.sent_at is not None and msg.attempts == 1
        # nothing left to send
        assert send_pending(app.config, datetime.now(timezone.utc))["sent"] == 0
    assert len(inbox.messages) == 1
    got = inbox.messages[0]
    assert got["To"] == "binh@example.com" and got["Message-ID"] == f"<receipt.{code}@localhost>"
    assert code in str(email.header.make_header(email.header.decode_header(got["Subject"])))
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in got.walk() if not p.is_multipart()}
    assert code in parts["text/plain"] and code in parts["text/html"]
    # rendered at send time, in the citizen's language, with the organisation's name and the link
    # from PUBLIC_BASE_URL; the bodies sent are kept on the row
    for body in parts.values():
        assert "Kính gửi ông/bà" in body and "Sở Nông nghiệp và Môi trường tỉnh Đồng Nai" in body
        assert f"http://kiemthu.local/tra-cuu?ma={code}" in body
    with app.app_context():
        msg = db.session.execute(select(OutboxMessage)).scalar_one()
        assert code in msg.body_text and code in msg.body_html


def test_receipt_is_rendered_in_the_citizens_language_when_sent(client, app, smtp):
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    client.get("/ngon-ngu/en")
    code, _pin = receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    with app.app_context():
        assert db.session.execute(select(OutboxMessage.locale)).scalar_one() == "en"
        assert send_pending(app.config, datetime.now(timezone.utc))["sent"] == 1
    got = inbox.messages[0]
    text = next(p.get_payload(decode=True).decode() for p in got.walk() if p.get_content_type() == "text/plain")
    assert "Dear Sir or Madam," in text and "Tracking code" in text and code in text


def test_smtp_outage_loses_nothing_and_retries_with_backoff(client, app, smtp):
    controller, inbox = smtp
    dead = free_port()  # nothing listens there
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=dead, MAIL_TIMEOUT=2)
    receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    now = datetime.now(timezone.utc)
    with app.app_context():
        assert send_pending(app.config, now) == {"sent": 0, "retry": 1, "failed": 0}
        msg = db.session.execute(select(OutboxMessage)).scalar_one()
        assert msg.status == "pending" and msg.attempts == 1 and msg.last_error
        assert msg.next_attempt_at > now
        # not due yet: nothing is tried
        app.config.update(MAIL_PORT=controller.port)
        assert send_pending(app.config, now + timedelta(seconds=10))["sent"] == 0
        assert send_pending(app.config, now + timedelta(minutes=5))["sent"] == 1
    assert len(inbox.messages) == 1


def test_gives_up_after_max_attempts(client, app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2, OUTBOX_MAX_ATTEMPTS=2)
    receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    t = datetime.now(timezone.utc)
    with app.app_context():
        send_pending(app.config, t)
        assert send_pending(app.config, t + timedelta(hours=7)) == {"sent": 0, "retry": 0, "failed": 1}
        assert db.session.execute(select(OutboxMessage.status)).scalar_one() == "failed"


def test_outbox_send_command(client, app, runner, smtp):
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    result = runner.invoke(args=["outbox", "send", "--loop", "--interval", "0", "--max-passes", "2"])
    assert result.exit_code == 0 and "sent 1" in result.output and "sent 0" in result.output
    assert len(inbox.messages) == 1


def test_users_create_reads_password_from_stdin(app, runner):
    result = runner.invoke(args=["users", "create", "thanhtra1", "--role", "inspector"],
                           input="mật khẩu đủ dài 2026\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert user.role == "inspector" and user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "mật khẩu đủ dài 2026")
        assert not verify_password(user.password_hash, "sai")


@pytest.mark.parametrize("args,stdin,fragment", [
    (["users", "create", "u1", "--role", "unit"], "mật khẩu đủ dài 2026\n", "needs --unit"),
    (["users", "create", "u1", "--role", "unit", "--unit", "KHONGCO"], "mật khẩu đủ dài 2026\n", "no unit"),
    (["users", "create", "u1", "--role", "boss"], "mật khẩu đủ dài 2026\n", "Invalid value"),
    (["users", "create", "u1", "--role", "viewer"], "ngan\n", "at least 12"),
])
def test_users_create_refuses_bad_input(app, runner, args, stdin, fragment):
    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code != 0 and fragment in result.output
    with app.app_context():
        assert db.session.execute(select(User)).first() is None


def test_unit_user_and_duplicate(app, runner):
    assert runner.invoke(args=["users", "create", "cctt", "--role", "unit", "--unit", "CCTT"],
                         input="mật khẩu đủ dài 2026\n").exit_code == 0
    again = runner.invoke(args=["users", "create", "cctt", "--role", "viewer"], input="mật khẩu đủ dài 2026\n")
    assert again.exit_code != 0 and "already exists" in again.output


def test_api_key_is_shown_once_and_stored_hashed(app, runner):
    result = runner.invoke(args=["api-keys", "create", "cong-dich-vu-cong"])
    key = result.output.strip()
    assert result.exit_code == 0 and key.startswith("dvk_") and len(key) > 30
    with app.app_context():
        row = db.session.execute(select(ApiKey)).scalar_one()
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest() and key not in row.key_hash
    assert runner.invoke(args=["api-keys", "create", "cong-dich-vu-cong"]).exit_code != 0
    assert runner.invoke(args=["api-keys", "revoke", "cong-dich-vu-cong"]).exit_code == 0


def test_seed_demo_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and "5 new case" in first.output
    assert "0 new case" in runner.invoke(args=["seed-demo"]).output
