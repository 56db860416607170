"""services/intake.py called directly (no HTTP): what one submission writes, in one transaction,
and what it refuses. Both engines (the ``app`` fixture)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from danvan_feedback.domain.codes import check_pin
from danvan_feedback.domain.vocabulary import AnonymousPolicy, Kind, Status
from danvan_feedback.extensions import db
from danvan_feedback.models import Attachment, Case, CaseEvent, CaseIdentity, OutboxMessage
from danvan_feedback.services import intake, refdata
from danvan_feedback.services.events import verify_chain
from danvan_feedback.storage import CleanFile, LocalStorage
from tests import factories as f

NOW = datetime(2026, 3, 4, 3, 0, tzinfo=timezone.utc)  # Wednesday 4 March 2026, 10:00 in Hà Nội
PIN_KEY = "pin-key-for-tests"


@pytest.fixture
def storage(app, tmp_path):
    return LocalStorage(str(tmp_path / "files"))


def stored_files(storage) -> int:
    return sum(1 for p in storage.root.rglob("*") if p.is_file())


def submit(storage, sub, files=()):
    return intake.submit_case(sub, list(files), storage=storage, pin_key=PIN_KEY, now=NOW, tz=f.TZ)


def test_one_submission_writes_case_identity_file_event_and_receipt(app, storage):
    with app.app_context():
        sub = f.submission(Kind.PHAN_ANH, identity={"full_name": "Trần Thị Bình", "phone": "0987 654 321",
                                                    "email": "binh@example.com"})
        receipt = submit(storage, sub, [CleanFile("anh.jpg", "image/jpeg", f.jpeg_bytes(gps=False))])
        case = db.session.get(Case, receipt.case_id)
        assert case.tracking_code == receipt.code and case.status == Status.RECEIVED
        assert check_pin(PIN_KEY, receipt.code, receipt.pin, case.pin_hash)
        assert case.due_on is not None and case.due_rule_code  # the acceptance clock runs
        assert case.open311_id and not case.protected
        identity = db.session.get(CaseIdentity, case.id)
        assert identity.full_name == "Trần Thị Bình" and identity.phone_bidx  # searchable by exact phone
        assert "binh" not in case.search_text and "tran" not in case.search_text  # no identity in search text
        [event] = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)).scalars()
        assert (event.action, event.to_status, event.kind_code) == ("submitted", Status.RECEIVED, Kind.PHAN_ANH)
        assert verify_chain([event]) is None
        [att] = db.session.execute(select(Attachment).where(Attachment.case_id == case.id)).scalars()
        assert storage.path_for(att.storage_key).read_bytes()[:2] == b"\xff\xd8" and stored_files(storage) == 1
        [mail] = db.session.execute(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).scalars()
        assert mail.to_addr == "binh@example.com" and mail.template == "receipt"


def test_the_same_form_sent_twice_files_one_case(app, storage):
    with app.app_context():
        sub = f.submission()
        first = submit(storage, sub, [CleanFile("a.pdf", "application/pdf", f.pdf_bytes())])
        again = submit(storage, sub, [CleanFile("a.pdf", "application/pdf", f.pdf_bytes())])
        assert (again.code, again.case_id, again.duplicate, again.pin) == (first.code, first.case_id, True, None)
        assert db.session.execute(select(func.count()).select_from(Case)).scalar_one() == 1
        assert stored_files(storage) == 1  # the second copy of the file was removed


def test_an_anonymous_denunciation_is_kept_as_information_only(app, storage):
    with app.app_context():
        sub = f.submission(Kind.TO_CAO, kind_anonymous=AnonymousPolicy.INFO_ONLY, anonymous=True, identity={})
        case = db.session.get(Case, submit(storage, sub).case_id)
        assert case.is_anonymous and case.protected
        assert (case.due_on, case.due_rule_code, case.open311_id) == (None, None, None)  # no clock, never in the API
        assert db.session.get(CaseIdentity, case.id) is None


def test_a_submission_checked_against_stale_reference_data_writes_nothing(app, storage):
    with app.app_context():
        sub = f.submission(ref_version="an-older-version")
        with pytest.raises(refdata.Stale):
            submit(storage, sub, [CleanFile("a.pdf", "application/pdf", f.pdf_bytes())])
        assert db.session.execute(select(func.count()).select_from(Case)).scalar_one() == 0
        assert stored_files(storage) == 0


def test_submission_from_keeps_only_what_the_sender_may_give(app):
    typed = {"subject": "Đường hỏng", "content": "Ổ gà lớn", "anonymous": "y", "full_name": "Ai đó",
             "phone": "0912345678", "consent": "y"}
    anon = intake.submission_from(Kind.PHAN_ANH, AnonymousPolicy.ALLOWED, typed, token="t1", channel="web", locale="vi")
    assert anon.anonymous and anon.identity == {} and not anon.consent  # whatever was typed
    named = intake.submission_from(Kind.KHIEU_NAI, AnonymousPolicy.REFUSED, typed, token="t2", channel="web",
                                   locale="vi")
    assert not named.anonymous and named.identity["full_name"] == "Ai đó" and named.consent  # a complaint is named
    person = intake.submission_from(Kind.PHAN_ANH, AnonymousPolicy.ALLOWED,
                                    {**typed, "anonymous": "", "company_name": "Công ty A", "representative": "B"},
                                    token="t3", channel="web", locale="vi")
    assert person.identity["company_name"] is None and person.identity["representative"] is None
    business = intake.submission_from(Kind.PHAN_ANH, AnonymousPolicy.ALLOWED,
                                      {**typed, "anonymous": "", "submitter_type": "business",
                                       "company_name": "Công ty A", "is_group": "y", "group_size": 3,
                                       "representative": "B"}, token="t4", channel="web", locale="vi")
    assert business.identity["company_name"] == "Công ty A" and business.identity["representative"] == "B"
    assert business.is_group and business.group_size == 3
