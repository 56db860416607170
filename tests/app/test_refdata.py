"""Reference data is cached per process, checked against ``settings_version`` on every request:
a change saved by another process is seen by the next request, and the clock follows the rules."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta

from sqlalchemy import select, update

from danvan_feedback import clock
from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseKind, HolidayOverride, OrgSetting
from danvan_feedback.services import refdata
from danvan_feedback.services.intake import local_date
from tests.app.helpers import count, post_case, receipt_codes
from tests.conftest import TEST_SECRET, form_tokens
from tests.factories import complaint

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def version(app) -> str:
    with app.app_context():
        return db.session.execute(select(OrgSetting.value).where(OrgSetting.key == refdata.VERSION_KEY)).scalar_one()


def set_kind_in_another_process(app, tmp_path, code: str, **values) -> None:
    """What an administrator's save does, from a separate process (another gunicorn worker)."""
    script = textwrap.dedent(f"""
        from danvan_feedback import create_app
        from danvan_feedback.extensions import db
        from danvan_feedback.models import CaseKind
        app = create_app({{"APP_ENV": "testing", "SKIP_DOTENV": True, "SECRET_KEY": {TEST_SECRET!r},
                          "INSTANCE_PATH": {str(tmp_path / "other")!r},
                          "SQLALCHEMY_DATABASE_URI": {app.config["SQLALCHEMY_DATABASE_URI"]!r}}})
        with app.app_context():
            kind = db.session.get(CaseKind, {code!r})
            for name, value in {values!r}.items():
                setattr(kind, name, value)
            db.session.commit()
    """)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=60)


def test_a_change_saved_by_another_process_is_seen_by_the_next_request(client, app, tmp_path):
    assert client.get("/gui/phan_anh").status_code == 200  # this process now holds a copy
    before = version(app)
    try:
        set_kind_in_another_process(app, tmp_path, "phan_anh", active=False)
        assert version(app) != before
        assert client.get("/gui/phan_anh").status_code == 404
        assert "/gui/phan_anh" not in client.get("/").get_data(as_text=True)
    finally:
        set_kind_in_another_process(app, tmp_path, "phan_anh", active=True)
    assert client.get("/gui/phan_anh").status_code == 200


def test_a_submission_validated_against_a_stale_copy_is_validated_again(client, app, tmp_path):
    """This process validates a POST against its copy without a query; the write sees the new
    version under the lock and the submission is checked again against the rules now in force."""
    assert client.get("/gui/phan_anh").status_code == 200  # the copy: anonymous reports allowed
    anonymous = {"anonymous": "y", "subject": "Trễ hẹn", "content": "Hồ sơ trễ hẹn hai lần.",
                 "submitter_type": "citizen"}
    tokens = form_tokens(client, "/gui/phan_anh")
    try:
        set_kind_in_another_process(app, tmp_path, "phan_anh", anonymous="refused")
        resp = post_case(client, "phan_anh", anonymous, tokens=tokens)
        assert resp.status_code == 422
        assert count(app, Case) == 0
    finally:
        set_kind_in_another_process(app, tmp_path, "phan_anh", anonymous="allowed")
    receipt_codes(client, post_case(client, "phan_anh", anonymous))


def test_submissions_do_not_change_the_version_and_bulk_updates_do(client, app):
    before = version(app)
    receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    assert version(app) == before
    with app.app_context():
        db.session.execute(update(CaseKind).where(CaseKind.code == "gop_y").values(sort_order=CaseKind.sort_order))
        db.session.commit()
    assert version(app) != before


def test_the_clock_follows_a_holiday_entered_after_the_copy_was_taken(client, app):
    code1, _ = receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code1)).scalar_one()
        # the organisation's day of receipt (received_at is UTC: from 17:00 UTC on it is already tomorrow in Vietnam)
        due, received = case.due_on, local_date(case.received_at, clock.org_tz())
        assert due is not None
        # a day off on a working day inside the clock (an extra holiday the government declared)
        cal = refdata.current().calendar
        day = received + timedelta(days=1)
        while not cal.is_working_day(day):
            day += timedelta(days=1)
        assert day < due
        db.session.add(HolidayOverride(day=day, is_working=False, note="nghỉ bù"))
        db.session.commit()
    try:
        code2, _ = receipt_codes(client, post_case(client, "khieu_nai", complaint()))
        with app.app_context():
            due2 = db.session.execute(select(Case.due_on).where(Case.tracking_code == code2)).scalar_one()
            assert due2 > due and due2.weekday() < 5
    finally:
        with app.app_context():
            db.session.delete(db.session.get(HolidayOverride, day))
            db.session.commit()


def test_no_version_row_means_no_cache(app):
    with app.app_context():
        db.session.execute(update(OrgSetting.__table__).where(OrgSetting.__table__.c.key == refdata.VERSION_KEY)
                           .values(key="settings_version_gone"))
        db.session.commit()
        try:
            first = refdata.current()
            db.session.execute(update(CaseKind.__table__).where(CaseKind.__table__.c.code == "gop_y")
                               .values(name_vi="Góp ý (đổi tên)"))  # Core: no bump, and no row to bump anyway
            db.session.commit()
            refdata.forget()
            assert first.kinds["gop_y"].name_vi != "Góp ý (đổi tên)"
            assert refdata.current().kinds["gop_y"].name_vi == "Góp ý (đổi tên)"
        finally:
            db.session.execute(update(CaseKind.__table__).where(CaseKind.__table__.c.code == "gop_y")
                               .values(name_vi=first.kinds["gop_y"].name_vi))
            db.session.execute(update(OrgSetting.__table__).where(OrgSetting.__table__.c.key == "settings_version_gone")
                               .values(key=refdata.VERSION_KEY))
            db.session.commit()

