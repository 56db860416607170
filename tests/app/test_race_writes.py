"""One rule for writes beyond the case page: two people doing the same thing at the same moment,
through a real gunicorn (several worker processes) on each engine. Exactly one change wins, the
other gets a clear answer in Vietnamese (a 409 page), never a 5xx or a silent overwrite.

- two office users sign off the same report period: one snapshot, the other sees who signed;
- two administrators save the same legal time limit, the organisation's settings, a user, from
  pages opened at the same version: one is saved, the other sees the conflict and the current values;
- three report workers run the same queue: every job is claimed and run once;
- parallel wrong passwords each count (the account locks), and one TOTP code sent twice at once
  signs in once.
"""
from __future__ import annotations

import re
import subprocess
import sys
import threading
from functools import partial
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update

from danvan_feedback.extensions import db
from danvan_feedback.models import DeadlineRule, OrgSetting, User
from danvan_feedback.models.report import ReportJob, ReportSnapshot
from danvan_feedback.services.reports import jobs
from danvan_feedback.domain.periods import custom_period
from tests.app.live import ROOT, Browser, LiveServer
from tests.app.staff_helpers import PASSWORD, make_user, totp_code

_VERSION = re.compile(r'name="version" value="([^"]+)"')
# Reference data (kept between PostgreSQL tests, see tests/conftest.py) these tests change: rows
# added are deleted afterwards (children first), rows changed are put back.
REFERENCE = ("survey_criteria", "survey_versions", "org_settings", "deadline_rules")


@pytest.fixture
def restore_reference(app):
    tables = [db.metadata.tables[name] for name in REFERENCE]
    with app.app_context():
        snap = {t.name: [dict(r) for r in db.session.execute(select(t)).mappings()] for t in tables}
        db.session.remove()
    yield
    with app.app_context():
        if db.engine.dialect.name != "postgresql":  # SQLite: every test has its own copy
            return
        # truncated right after the test anyway; they point at the survey versions
        db.session.execute(text("TRUNCATE survey_spam_log, survey_answers, survey_responses CASCADE"))
        for t in tables:
            pk = list(t.primary_key.columns)
            before = {tuple(r[c.name] for c in pk) for r in snap[t.name]}
            for r in db.session.execute(select(t)).mappings().all():
                if tuple(r[c.name] for c in pk) not in before:
                    db.session.execute(delete(t).where(*(c == r[c.name] for c in pk)))
        for t in tables:
            pk = list(t.primary_key.columns)
            for r in snap[t.name]:
                db.session.execute(update(t).where(*(c == r[c.name] for c in pk)).values(**r))
        db.session.commit()
        db.session.remove()


def at_once(*calls):
    """Run the calls in parallel threads released together; their answers, in order."""
    barrier = threading.Barrier(len(calls))

    def go(call):
        barrier.wait(timeout=30)
        return call()
    with ThreadPoolExecutor(len(calls)) as ex:
        futures = [ex.submit(go, c) for c in calls]
        return [f.result(timeout=120) for f in futures]


def test_two_office_users_sign_off_the_same_period_once(app, tmp_path):
    a_user, b_user = make_user(app, "vanphong_a", "office"), make_user(app, "vanphong_b", "office")
    pairs = 8
    periods = [{"ky": "tuy_chon", "tu": "2026-01-01", "den": f"2026-01-{i + 2:02d}", "cach": "calendar"}
               for i in range(pairs)]
    server = LiveServer(app.config, tmp_path)
    with server as base:
        a, b = Browser(base), Browser(base)
        a.login(a_user, PASSWORD, totp_code)
        b.login(b_user, PASSWORD, totp_code)
        tokens = [Browser.csrf(x.get("/can-bo/bao-cao/da-chot")[1]) for x in (a, b)]
        results = [at_once(*(partial(x.post, "/can-bo/bao-cao/chot", {"csrf_token": t, **p, "note": "Chốt kỳ"})
                             for x, t in zip((a, b), tokens))) for p in periods]
        problems = server.problems()
    for ra, rb in results:
        assert sorted((ra[0], rb[0])) == [302, 409], (ra[0], rb[0], ra[1][:300], rb[1][:300])
        loser, winner = (ra, "Vanphong_B") if ra[0] == 409 else (rb, "Vanphong_A")
        assert "Kỳ báo cáo đã được chốt" in loser[1] and "đã được chốt trước đó" in loser[1]
        assert winner in loser[1]  # who signed, by name
    with app.app_context():
        keys = db.session.execute(select(ReportSnapshot.period_key)).scalars().all()
        assert sorted(keys) == sorted({custom_period(datetime.fromisoformat(p["tu"]).date(),
                                                     datetime.fromisoformat(p["den"]).date()).key for p in periods})
        db.session.remove()
    assert problems == []


def _rule_form(html: str, days: int) -> dict:
    return {"csrf_token": Browser.csrf(html), "version": _VERSION.search(html).group(1), "days": str(days),
            "day_unit": "working", "description": "Thời hạn thụ lý", "source": "Điều 27 Luật Khiếu nại 2011",
            "active": "y"}


def _settings_form(html: str, name: str) -> dict:
    return {"csrf_token": Browser.csrf(html), "version": _VERSION.search(html).group(1), "org_name": name,
            "org_short_name": "SỞ", "triage_role_name": "Thanh tra", "report_owner_name": "Văn phòng",
            "totp_required_roles": "admin,inspector", "due_soon_days": "3", "satisfaction_target": ""}


def test_two_admins_saving_the_same_item_from_pages_of_the_same_version(app, tmp_path, restore_reference):
    a_user, b_user = make_user(app, "quantri_a", "admin"), make_user(app, "quantri_b", "admin")
    target = make_user(app, "canbo", "inspector")
    with app.app_context():
        rule_ids = db.session.execute(select(DeadlineRule.id).order_by(DeadlineRule.id).limit(6)).scalars().all()
        db.session.remove()
    server = LiveServer(app.config, tmp_path)
    with server as base:
        a, b = Browser(base), Browser(base)
        a.login(a_user, PASSWORD, totp_code)
        b.login(b_user, PASSWORD, totp_code)
        results = []
        for rid in rule_ids:  # both open the page, then both save different values at once
            url = f"/can-bo/quan-tri/thoi-han/{rid}"
            pages = [x.get(url)[1] for x in (a, b)]
            ra, rb = at_once(partial(a.post, url, _rule_form(pages[0], 31)), partial(b.post, url, _rule_form(pages[1], 32)))
            results.append(("rule", rid, ra, rb))
        url = "/can-bo/quan-tri/cai-dat"
        pages = [x.get(url)[1] for x in (a, b)]
        ra, rb = at_once(lambda: a.post(url, _settings_form(pages[0], "Sở A")),
                         lambda: b.post(url, _settings_form(pages[1], "Sở B")))
        results.append(("settings", None, ra, rb))
        url = f"/can-bo/quan-tri/nguoi-dung/{target['id']}"
        pages = [x.get(url)[1] for x in (a, b)]

        def user_form(html, name, role):
            return {"csrf_token": Browser.csrf(html), "version": _VERSION.search(html).group(1),
                    "full_name": name, "email": "", "role": role, "unit_id": "", "active": "y"}
        ra, rb = at_once(lambda: a.post(url, user_form(pages[0], "Cán bộ A", "viewer")),
                         lambda: b.post(url, user_form(pages[1], "Cán bộ B", "office")))
        results.append(("user", target["id"], ra, rb))
        # a save from a page older than the last save, without any race: a conflict too
        url = f"/can-bo/quan-tri/thoi-han/{rule_ids[0]}"
        stale = a.get(url)[1]
        assert b.post(url, _rule_form(b.get(url)[1], 40))[0] == 302
        late = a.post(url, _rule_form(stale, 41))
        problems = server.problems()
    winners = {}
    for what, ident, ra, rb in results:
        assert sorted((ra[0], rb[0])) == [302, 409], (what, ra[0], rb[0])
        loser = ra if ra[0] == 409 else rb
        assert "vừa được người khác thay đổi" in loser[1] and "CHƯA được lưu" in loser[1], loser[1][:500]
        assert ("Quantri_B" if loser is ra else "Quantri_A") in loser[1]  # who saved, by name
        winners[(what, ident)] = "a" if loser is rb else "b"
    assert late[0] == 409 and "Quantri_B" in late[1] and 'value="40"' in late[1]  # the current value shown
    with app.app_context():
        for (what, ident), who in winners.items():
            if what == "rule" and ident != rule_ids[0]:
                assert db.session.get(DeadlineRule, ident).days == (31 if who == "a" else 32)
            elif what == "settings":
                assert OrgSetting.get("org_name", "") == ("Sở A" if who == "a" else "Sở B")
            elif what == "user":
                user = db.session.get(User, ident)
                assert (user.full_name, user.role) == (("Cán bộ A", "viewer") if who == "a" else ("Cán bộ B", "office"))
        assert db.session.get(DeadlineRule, rule_ids[0]).days == 40
        db.session.remove()
    assert problems == []


def test_report_workers_claim_each_job_once(app, tmp_path):
    user = make_user(app, "vanphong", "office")
    n = 12
    with app.app_context():
        period = custom_period(datetime(2026, 1, 1).date(), datetime(2026, 1, 31).date())
        now = datetime.now(timezone.utc)
        for i in range(n):
            jobs.queue(period, ("xlsx", "docx", "analysis")[i % 3], user["id"], now)
        db.session.commit()
        ids = db.session.execute(select(ReportJob.id)).scalars().all()
        db.session.remove()
    env = LiveServer(app.config, tmp_path).env()
    flask = str(Path(sys.executable).parent / "flask")
    procs = [subprocess.Popen([flask, "--app", "wsgi", "report", "worker"], cwd=ROOT, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(3)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    ran = [int(m) for out in outputs for m in re.findall(r"^job (\d+) \(\w+\): done$", out, re.M)]
    assert sorted(ran) == sorted(ids), outputs  # each job once, none lost
    with app.app_context():
        rows = db.session.execute(select(ReportJob)).scalars().all()
        assert {(j.status, j.progress) for j in rows} == {("done", 100)}
        assert all(j.size and j.sha256 and j.filename for j in rows)
        db.session.remove()


def test_parallel_wrong_passwords_each_count_and_a_code_signs_in_once(app, tmp_path):
    make_user(app, "nannhan", "inspector")
    twice = make_user(app, "haiphien", "inspector")
    server = LiveServer(app.config, tmp_path, extra_env={"LOGIN_MAX_FAILURES": "5", "LOGIN_LOCK_MINUTES": "15"})
    with server as base:
        browsers = [Browser(base) for _ in range(5)]
        tokens = [Browser.csrf(x.get("/dang-nhap")[1]) for x in browsers]
        answers = at_once(*(lambda x=x, t=t: x.post("/dang-nhap", {"csrf_token": t, "username": "nannhan",
                                                                   "password": "sai mật khẩu rồi 123"})
                            for x, t in zip(browsers, tokens)))
        # five failures at once are five failures: the account is locked, the right password refused
        right = Browser(base)
        locked = right.post("/dang-nhap", {"csrf_token": Browser.csrf(right.get("/dang-nhap")[1]),
                                           "username": "nannhan", "password": PASSWORD})
        # one TOTP code sent from two sessions at the same moment signs in once
        a, b = Browser(base), Browser(base)
        for x in (a, b):
            status, _b, headers = x.post("/dang-nhap", {"csrf_token": Browser.csrf(x.get("/dang-nhap")[1]),
                                                       "username": "haiphien", "password": PASSWORD})
            assert status == 302 and "/dang-nhap/xac-thuc" in headers["Location"]
        forms = [{"csrf_token": Browser.csrf(x.get("/dang-nhap/xac-thuc")[1])} for x in (a, b)]
        code = totp_code(twice)
        ra, rb = at_once(lambda: a.post("/dang-nhap/xac-thuc", {**forms[0], "code": code}),
                         lambda: b.post("/dang-nhap/xac-thuc", {**forms[1], "code": code}))
        problems = server.problems()
    assert [s for s, _b, _h in answers] == [422] * 5
    assert locked[0] == 422 and "tạm khoá" in locked[1]
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "nannhan")).scalar_one()
        assert user.locked_until is not None
        assert db.session.execute(select(func.count()).select_from(User).where(User.username == "haiphien",
                                                                               User.totp_last_step.is_not(None))).scalar_one() == 1
        db.session.remove()
    assert sorted((ra[0], rb[0])) == [302, 422], (ra[0], rb[0])
    loser = ra if ra[0] == 422 else rb
    assert "Mã xác thực không đúng hoặc đã được dùng" in loser[1]
    assert problems == []


def test_survey_staff_marking_spam_toggling_a_point_and_saving_the_questionnaire_at_once(app, tmp_path,
                                                                                         restore_reference):
    from danvan_feedback.models.survey import SurveyPoint, SurveySpamLog, SurveyVersion
    from danvan_feedback.services import survey as svc
    from tests.app.test_survey_public import make_point, post_survey, responses
    with app.app_context():
        svc.seed_defaults(datetime.now(timezone.utc))
        db.session.commit()
        db.session.remove()
    public = app.test_client()
    for _ in range(4):
        assert post_survey(public, app).status_code == 303
    rids = [r.id for r in responses(app)]
    points = [make_point(app) for _ in range(3)]
    a_user, b_user = make_user(app, "quantri_a", "admin"), make_user(app, "quantri_b", "admin")
    server = LiveServer(app.config, tmp_path)
    with server as base:
        a, b = Browser(base), Browser(base)
        a.login(a_user, PASSWORD, totp_code)
        b.login(b_user, PASSWORD, totp_code)
        tokens = [Browser.csrf(x.get("/can-bo/khao-sat/phieu")[1]) for x in (a, b)]
        spam = [at_once(*(partial(x.post, f"/can-bo/khao-sat/phieu/{rid}/spam",
                                  {"csrf_token": t, "reason": "Gửi thử nghiệm", "spam": "1"})
                          for x, t in zip((a, b), tokens))) for rid in rids]
        toggles = [at_once(*(partial(x.post, f"/can-bo/khao-sat/diem/{p['id']}/trang-thai",
                                     {"csrf_token": t, "active": "0"})
                             for x, t in zip((a, b), tokens))) for p in points]
        pages = [x.get("/can-bo/khao-sat/tieu-chi")[1] for x in (a, b)]

        def criteria_form(html, scale):
            fields = dict(re.findall(r'name="(label_\w+|version)" value="([^"]*)"', html))
            return {**fields, "csrf_token": Browser.csrf(html), "bang": "service", "required_overall": "1",
                    "scale": scale}
        saves = at_once(lambda: a.post("/can-bo/khao-sat/tieu-chi", criteria_form(pages[0], "Không\nCó\nRất")),
                        lambda: b.post("/can-bo/khao-sat/tieu-chi", criteria_form(pages[1], "Kém\nTốt")))
        problems = server.problems()
    for ra, rb in spam + toggles:
        assert sorted((ra[0], rb[0])) == [303, 409], (ra[0], rb[0])
        loser = ra if ra[0] == 409 else rb
        assert "Đã có người thực hiện thao tác này" in loser[1] and "không thay đổi gì" in loser[1]
    for ra, rb in spam:
        loser = ra if ra[0] == 409 else rb
        assert ("Quantri_B" if loser is ra else "Quantri_A") in loser[1]
    assert sorted((saves[0][0], saves[1][0])) == [303, 409], (saves[0][0], saves[1][0])
    loser = saves[0] if saves[0][0] == 409 else saves[1]
    assert "CHƯA được lưu" in loser[1] and "phiên bản 2" in loser[1]
    with app.app_context():
        logs = db.session.execute(select(SurveySpamLog.response_id)).scalars().all()
        assert sorted(logs) == sorted(rids)  # each response marked once
        assert all(not db.session.get(SurveyPoint, p["id"]).active for p in points)
        numbers = db.session.execute(select(SurveyVersion.number).where(SurveyVersion.questionnaire == "service")).scalars().all()
        assert sorted(numbers) == [1, 2]
        db.session.remove()
    assert problems == []
