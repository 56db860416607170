"""A filed case's rows go straight to the driver (services/rows.py): they must be what the ORM
would have written: defaults, encrypted identity and its blind indexes, the first event's hash
and digest, the receipt e-mail the sender renders, the receipt hold."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from danvan_feedback.crypto import current_keyring
from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseEvent, OutboxMessage, ReceiptHold
from danvan_feedback.models.base import utcnow
from danvan_feedback.models.case import blind_indexes
from danvan_feedback.services.events import append_event, case_digest, first_event, verify_chain
from danvan_feedback.services.notify import render_bodies
from tests.app.helpers import post_case, receipt_codes
from tests.factories import complaint


def test_a_filed_complaint_is_stored_as_the_orm_would_store_it(client, app):
    code, pin = receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        # column defaults of columns the insert did not name
        assert (case.complexity, case.is_remote, case.attempt, case.paused_days, case.extensions) == \
            ("normal", False, 1, 0, 0)
        ident = case.identity
        assert (ident.full_name, ident.cccd, ident.phone, ident.email) == \
            ("Trần Thị Bình", "075190001234", "+84987654321", "binh@example.com")
        assert (ident.phone_bidx, ident.cccd_bidx, ident.name_bidx) == tuple(blind_indexes(
            current_keyring(), phone=ident.phone, cccd=ident.cccd, full_name=ident.full_name).values())
        raw = db.session.execute(select(db.text("full_name")).select_from(db.text("case_identities"))).scalar_one()
        assert "Bình" not in raw  # encrypted at rest
        events = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)).scalars().all()
        assert verify_chain(events) is None and events[0].case_digest == case_digest(case)
        msg = db.session.execute(select(OutboxMessage)).scalar_one()
        assert msg.to_addr == "binh@example.com" and msg.status == "pending" and msg.case_id == case.id
        text, _html = render_bodies(msg)
        assert code in text
        assert db.session.execute(select(ReceiptHold)).scalar_one().pin == pin


def test_first_event_row_is_append_events_first_event(app):
    with app.app_context():
        now = utcnow()
        case = Case(id=41, tracking_code="DV-AAAA-BBBB", subject="S", content="C", channel="web",
                    submitter_type="citizen", is_anonymous=False, status="received", received_at=now,
                    due_on=now.date() + timedelta(days=10), due_rule_code="accept")
        row = {name: getattr(case, name) for name in ("id", "tracking_code", "subject", "content", "channel",
                                                       "submitter_type", "is_anonymous", "received_at",
                                                       "complained_decision", "request_text", "due_on",
                                                       "due_rule_code")}
        by_row = first_event(row, action="submitted", now=case.received_at, to_status="received",
                             is_public=True, kind_code="khieu_nai")
        event = append_event(case, action="submitted", now=case.received_at, to_status="received",
                             is_public=True, first=True, kind_code="khieu_nai")
        db.session.expunge(event)
        assert by_row == {k: getattr(event, k) for k in by_row}
