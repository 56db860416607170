"""services/reception.py called directly (no HTTP): the reception log's numbering, a visit that
files or links a case, secrecy that follows a denunciation, double submits and stale edits. Both
engines (the ``app`` fixture)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from danvan_feedback.domain.vocabulary import Handling, Kind, Status
from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseEvent, CaseKind
from danvan_feedback.models.reception import ReceptionVisit
from danvan_feedback.services import reception
from danvan_feedback.services.uow import Conflict
from danvan_feedback.storage import LocalStorage
from tests import factories as f

NOW = datetime(2026, 3, 4, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def clerk(app):
    with app.app_context():
        user = f.user("inspector")
        db.session.commit()
        yield user.id


def save(v: dict, actor_id: int, token: str, **kw):
    return reception.save_visit(v, actor_id=actor_id, now=NOW, token=token, **kw)


def actions(case_id: int) -> list[str]:
    return list(db.session.execute(select(CaseEvent.action).where(CaseEvent.case_id == case_id)
                                   .order_by(CaseEvent.seq)).scalars())


def test_visits_are_numbered_per_year_without_gaps(app, clerk):
    with app.app_context():
        first = save(f.visit_values(handling_agency="ignored: accepted here"), clerk, "tok-a")
        second = save(f.visit_values(), clerk, "tok-b")
        other_year = save(f.visit_values(visit_date=date(2025, 12, 30)), clerk, "tok-c")
        assert (first.serial_label, second.serial_label, other_year.serial_label) == ("1/2026", "2/2026", "1/2025")
        visit = db.session.get(ReceptionVisit, first.visit_id)
        assert visit.handling == Handling.ACCEPTED and visit.handling_agency is None
        assert visit.head_mode is None and visit.case_id is None and not visit.protected


def test_the_same_form_sent_twice_records_one_visit(app, clerk):
    with app.app_context():
        first = save(f.visit_values(), clerk, "tok-same")
        again = save(f.visit_values(), clerk, "tok-same")
        assert (again.visit_id, again.serial_label, again.duplicate) == (first.visit_id, first.serial_label, True)
        assert db.session.execute(select(ReceptionVisit.id)).scalars().all() == [first.visit_id]


def test_a_visit_may_file_a_case_in_the_same_transaction(app, clerk, tmp_path):
    with app.app_context():
        kind = db.session.get(CaseKind, Kind.KIEN_NGHI)
        saved = save(f.visit_values(case_action="create"), clerk, "tok-file", kind=kind,
                     storage=LocalStorage(str(tmp_path)), pin_key="pin-key-for-tests", tz=f.TZ)
        assert saved.case_code and saved.case_pin  # the PIN is shown once, at the desk
        case = db.session.execute(select(Case).where(Case.tracking_code == saved.case_code)).scalar_one()
        assert (case.channel, case.status, case.kind_code) == ("reception", Status.RECEIVED, Kind.KIEN_NGHI)
        assert db.session.get(ReceptionVisit, saved.visit_id).case_id == case.id
        assert actions(case.id) == ["submitted", "reception_visit"]


def test_a_denunciation_at_the_desk_protects_the_case_it_links_to(app, clerk):
    with app.app_context():
        case = f.case(Kind.PHAN_ANH, open311_id="open311-abc")
        db.session.commit()
        saved = save(f.visit_values(kind_code=Kind.TO_CAO), clerk, "tok-secret", link_case_id=case.id)
        db.session.expire_all()
        case = db.session.get(Case, case.id)
        assert db.session.get(ReceptionVisit, saved.visit_id).protected
        assert case.protected and case.open311_id is None  # secret for good, and gone from the API
        assert actions(case.id) == ["submitted", "reception_visit"]


def test_an_edit_from_an_old_page_is_refused_and_a_new_year_renumbers(app, clerk):
    with app.app_context():
        saved = save(f.visit_values(), clerk, "tok-edit")
        visit = db.session.get(ReceptionVisit, saved.visit_id)
        seen = reception.record_version(visit)
        edited = reception.save_visit(f.visit_values(visit_date=date(2025, 12, 31), notes="Sửa năm"),
                                      visit_id=visit.id, actor_id=clerk, now=NOW, token="", seen_version=seen)
        assert edited.serial_label == "1/2025"
        with pytest.raises(Conflict) as exc:  # the page was rendered before that edit
            reception.save_visit(f.visit_values(notes="Bản cũ"), visit_id=visit.id, actor_id=clerk, now=NOW,
                                 token="", seen_version=seen)
        assert exc.value.code == "stale"
        db.session.expire_all()
        assert db.session.get(ReceptionVisit, visit.id).notes == "Sửa năm"
        with pytest.raises(Conflict) as exc:
            reception.save_visit(f.visit_values(), visit_id=visit.id + 1000, actor_id=clerk, now=NOW, token="")
        assert exc.value.code == "gone"
