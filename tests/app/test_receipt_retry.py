"""A retry of the same form (its reply lost on the way) from the same browser session shows the same
receipt again, PIN included, for ``RECEIPT_VISIBLE_MINUTES``; the PIN stays server-side
(``receipt_holds``, sealed), never in the session cookie (issues 9 and 10)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text, update

from danvan_feedback.crypto import current_keyring
from danvan_feedback.extensions import db
from danvan_feedback.models import Case, ReceiptHold
from danvan_feedback.models.base import utcnow
from danvan_feedback.public.tracking import RECEIPT_CONTEXT
from danvan_feedback.services.receipts import hold_id
from tests.app.helpers import count, post_case, receipt_codes
from tests.conftest import form_tokens
from tests.factories import complaint, suggestion

COOKIE = "dv_session"


def _lost_reply(client, kind: str, data: dict):
    """POST the form, then put the session cookie back as it was before the POST: the browser never
    saw the answer (a dropped connection, the 503 page). Returns the form's tokens and the answer."""
    tokens = form_tokens(client, f"/gui/{kind}")
    before = client.get_cookie(COOKIE).value
    first = post_case(client, kind, data, tokens=tokens)
    assert first.status_code == 303
    client.set_cookie(COOKIE, before)
    return tokens, first


def test_retry_after_a_lost_reply_shows_the_same_receipt_with_its_pin(client, app):
    tokens, first = _lost_reply(client, "khieu_nai", complaint())
    again = post_case(client, "khieu_nai", complaint(), tokens=tokens)
    code, pin = receipt_codes(client, again)
    assert pin is not None and count(app, Case) == 1
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        assert case.tracking_code == code
    # the PIN shown is the case's: it opens the lookup
    from tests.app.helpers import lookup
    assert lookup(app.test_client(), code, pin).status_code == 303
    # a reload of the receipt page still shows it
    page = client.get("/bien-nhan").get_data(as_text=True)
    assert f'id="pin">{pin}<' in page


def test_the_session_cookie_carries_no_pin_and_the_database_holds_it_sealed(client, app):
    code, pin = receipt_codes(client, post_case(client, "gop_y", suggestion()))
    assert pin is not None
    with client.session_transaction() as sess:
        sealed = sess["receipt"]
        assert pin not in repr(dict(sess))
    with app.app_context():
        held = current_keyring().unseal(sealed, RECEIPT_CONTEXT)
        assert set(held) == {"code", "hold", "at"} and pin not in repr(held)
        row = db.session.execute(select(ReceiptHold)).scalar_one()
        assert row.id == held["hold"] and row.pin == pin
        stored = db.session.execute(text("SELECT pin FROM receipt_holds")).scalar_one()
        assert stored.startswith("v1$") and pin not in stored
        assert row.expires_at > utcnow() + timedelta(minutes=25)


def test_retry_from_another_session_or_after_the_hold_expired_shows_no_pin(client, app):
    tokens, _first = _lost_reply(client, "gop_y", suggestion())
    other = app.test_client()  # the same token from another browser: the code only
    code2, pin2 = receipt_codes(other, post_case(other, "gop_y", suggestion(),
                                                 tokens={**form_tokens(other, "/gui/gop_y"), "token": tokens["token"]}))
    assert pin2 is None
    with app.app_context():
        db.session.execute(update(ReceiptHold).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    code, pin = receipt_codes(client, post_case(client, "gop_y", suggestion(), tokens=tokens))
    assert code == code2 and pin is None and count(app, Case) == 1


def test_expired_holds_are_deleted_by_the_first_submission_of_a_minute(client, app):
    receipt_codes(client, post_case(client, "gop_y", suggestion()))
    with app.app_context():
        db.session.execute(update(ReceiptHold).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    receipt_codes(client, post_case(client, "gop_y", suggestion()))
    assert count(app, ReceiptHold) == 2  # swept at most once a minute: the expired one is still there
    later = utcnow() + timedelta(minutes=2)
    app.config["CLOCK"] = lambda: later
    receipt_codes(client, post_case(client, "gop_y", suggestion()))
    assert count(app, ReceiptHold) == 2  # the expired one went; the two of the last minutes stay


def test_hold_id_depends_on_the_session_and_the_token():
    a = hold_id("k", "sess-1", "tok-1")
    assert a == hold_id("k", "sess-1", "tok-1") and len(a) == 64
    assert len({a, hold_id("k", "sess-2", "tok-1"), hold_id("k", "sess-1", "tok-2"), hold_id("k2", "sess-1", "tok-1")}) == 4
