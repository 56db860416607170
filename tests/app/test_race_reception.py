"""One rule for writes in the reception log and the letter register: two people doing the same thing
at the same moment, through a real gunicorn (several worker processes) on each engine.

- two staff save the same dialogue, or the same visit, from pages of the same version: one is saved,
  the other gets the 409 page (who saved, when; the form shows the item as it is now);
- two staff record the head's reception session of the same day and type at once: one session, the
  other is told who recorded it;
- three staff record visits at once (some filing a case): the year's numbers are unique and gapless,
  every case filed has its visit and its ``reception_visit`` event;
- two clerks register letters at once: every letter gets its receipt, numbered 1..N without a gap;
- ``audit verify`` passes afterwards, and the server logged no error.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import func, select

from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseEvent, IssuedDocument
from danvan_feedback.models.reception import DialogueSession, ReceptionSession, ReceptionVisit
from danvan_feedback.services import reception as service
from tests.app.live import Browser, LiveServer
from tests.app.staff_helpers import PASSWORD, make_user, totp_code
from tests.app.test_race_writes import at_once
from tests.app.test_reception import BASE, today

_TOKEN = re.compile(r'name="token"[^>]*value="([^"]*)"')
_VERSION = re.compile(r'name="version" value="([^"]+)"')
PAIRS = 5


def _page(browser: Browser, url: str) -> dict:
    _s, html, _h = browser.get(url)
    out = {"csrf_token": Browser.csrf(html), "token": _TOKEN.search(html).group(1)}
    version = _VERSION.search(html)
    if version:
        out["version"] = version.group(1)
    return out


def _dialogue(**over) -> dict:
    return {"held_on": today().isoformat(), "location": "Hội trường Sở", "chair": "Phó Giám đốc Sở",
            "participants": "Đại diện các hộ dân", "issues": "Giá bồi thường", "answers": "", "commitments": "",
            "follow_ups": "", **over}


def _visit(**over) -> dict:
    return {"visit_date": today().isoformat(), "reception_type": "regular", "citizen_name": "Nguyễn Văn An",
            "citizen_address": "Xã Long Thành", "cccd": "075190001234", "content": "Đề nghị giải quyết tranh chấp.",
            "kind_code": "kien_nghi", "people_count": "1", "is_repeat": "first", "handling": "accepted",
            "case_action": "none", **over}


def _seed(app, n: int) -> tuple[list[int], list[int]]:
    """``n`` dialogues and ``n`` visits recorded through the services."""
    with app.app_context():
        actor = make_user(app, "nguoighi", "inspector")["id"]
        now = datetime.now(UTC)
        dialogues, visits = [], []
        for i in range(n):
            did, _dup = service.save_dialogue({**_dialogue(), "held_on": today(), "issues": f"Việc {i}"}, {}, None,
                                              storage=None, actor_id=actor, now=now, token=f"seeddlg{i:04d}")
            dialogues.append(did)
            v = {**_visit(), "visit_date": today(), "people_count": 1, "is_group": False, "is_repeat": False}
            visits.append(service.record_visit(v, actor_id=actor, now=now, token=f"seedvst{i:04d}").visit_id)
        db.session.remove()
    return dialogues, visits


def _one_lost(ra, rb, winner_names: tuple[str, str], words: str) -> str:
    """Exactly one of the two saves went through; the other got the 409 page naming the winner."""
    assert sorted((ra[0], rb[0])) == [303, 409], (ra[0], rb[0], ra[1][:300], rb[1][:300])
    loser, winner = (ra, winner_names[1]) if ra[0] == 409 else (rb, winner_names[0])
    assert words in loser[1], loser[1][:800]
    assert winner in loser[1]  # who saved, by name
    return "a" if loser is rb else "b"


def test_two_staff_saving_the_same_dialogue_or_visit_from_pages_of_the_same_version(app, tmp_path):
    a_user, b_user = make_user(app, "tiepdan_a", "inspector"), make_user(app, "tiepdan_b", "inspector")
    dialogues, visits = _seed(app, PAIRS)
    names = ("Tiepdan_A", "Tiepdan_B")
    server = LiveServer(app.config, tmp_path)
    with server as base:
        a, b = Browser(base), Browser(base)
        a.login(a_user, PASSWORD, totp_code)
        b.login(b_user, PASSWORD, totp_code)
        dlg_results, visit_results = [], []
        for did in dialogues:  # both open the page, then both save different values at once
            url = f"{BASE}/doi-thoai/{did}/sua"
            pages = [_page(x, url) for x in (a, b)]
            dlg_results.append((did, at_once(partial(a.post, url, {**pages[0], **_dialogue(chair="Chủ trì A")}),
                                             partial(b.post, url, {**pages[1], **_dialogue(chair="Chủ trì B")}))))
        for vid in visits:
            url = f"{BASE}/{vid}/sua"
            pages = [_page(x, url) for x in (a, b)]
            visit_results.append((vid, at_once(partial(a.post, url, {**pages[0], **_visit(content="Nội dung A")}),
                                               partial(b.post, url, {**pages[1], **_visit(content="Nội dung B")}))))
        # a save from a page older than the last save, without any race: a conflict too
        url = f"{BASE}/doi-thoai/{dialogues[0]}/sua"
        stale = _page(a, url)
        assert b.post(url, {**_page(b, url), **_dialogue(chair="Chủ trì mới")})[0] == 303
        late = a.post(url, {**stale, **_dialogue(chair="Chủ trì cũ")})
        problems = server.problems()
    with app.app_context():
        for did, (ra, rb) in dlg_results:
            who = _one_lost(ra, rb, names, "CHƯA được lưu")
            if did != dialogues[0]:
                assert db.session.get(DialogueSession, did).chair == ("Chủ trì A" if who == "a" else "Chủ trì B")
        for vid, (ra, rb) in visit_results:
            who = _one_lost(ra, rb, names, "CHƯA được lưu")
            visit = db.session.get(ReceptionVisit, vid)
            assert visit.content == ("Nội dung A" if who == "a" else "Nội dung B")
            loser = ra if ra[0] == 409 else rb
            assert visit.content in loser[1]  # the form shows the visit as it is now
        assert db.session.get(DialogueSession, dialogues[0]).chair == "Chủ trì mới"
        db.session.remove()
    assert late[0] == 409 and "Tiepdan_B" in late[1] and 'value="Chủ trì mới"' in late[1]
    assert problems == []


def test_two_staff_recording_the_same_head_session_at_once(app, tmp_path):
    a_user, b_user = make_user(app, "tiepdan_a", "inspector"), make_user(app, "tiepdan_b", "inspector")
    days = [today() - timedelta(days=i) for i in range(PAIRS)]
    server = LiveServer(app.config, tmp_path)
    url = f"{BASE}/buoi-tiep/moi"
    with server as base:
        a, b = Browser(base), Browser(base)
        a.login(a_user, PASSWORD, totp_code)
        b.login(b_user, PASSWORD, totp_code)
        results = []
        for day in days:
            forms = [{**_page(x, url), "held_on": day.isoformat(), "reception_type": "periodic",
                      "head_mode": "in_person", "chair": f"Giám đốc Sở ({who})", "location": "Trụ sở"}
                     for x, who in ((a, "A"), (b, "B"))]
            results.append(at_once(partial(a.post, url, forms[0]), partial(b.post, url, forms[1])))
        # the same form sent twice at once (a double tap): one session, both told it is recorded
        form = {**_page(a, url), "held_on": (today() - timedelta(days=PAIRS)).isoformat(),
                "reception_type": "unscheduled", "head_mode": "delegated", "chair": "Phó Giám đốc", "location": ""}
        twice = at_once(partial(a.post, url, form), partial(a.post, url, form))
        problems = server.problems()
    for ra, rb in results:
        _one_lost(ra, rb, ("Tiepdan_A", "Tiepdan_B"), "CHƯA được ghi thêm")
    assert [r[0] for r in twice] == [303, 303]
    with app.app_context():
        rows = db.session.execute(select(ReceptionSession.held_on, ReceptionSession.reception_type)).all()
        assert sorted(rows) == sorted([(d, "periodic") for d in days]
                                      + [(today() - timedelta(days=PAIRS), "unscheduled")])
        db.session.remove()
    assert problems == []


def test_parallel_visits_and_letters_are_numbered_once_without_gaps(app, tmp_path, runner):
    users = [make_user(app, f"tiepdan_{c}", "inspector") for c in "abc"]
    clerks = [make_user(app, f"vanthu_{c}", "office") for c in "ab"]
    rounds = 4
    server = LiveServer(app.config, tmp_path)
    with server as base:
        staff = [Browser(base) for _ in users]
        for x, u in zip(staff, users):
            x.login(u, PASSWORD, totp_code)
        office = [Browser(base) for _ in clerks]
        for x, u in zip(office, clerks):
            x.login(u, PASSWORD, totp_code)
        visits = []
        for r in range(rounds):  # three visits at once; the first of each round files a case
            forms = [{**_page(x, f"{BASE}/moi"),
                      **_visit(content=f"Lượt {r}-{i}", **({"case_action": "create", "kind_code": "gop_y"} if i == 0 else {}))}
                     for i, x in enumerate(staff)]
            visits += at_once(*(partial(x.post, f"{BASE}/moi", f) for x, f in zip(staff, forms)))
        letters = []
        received = (today() - timedelta(days=1)).isoformat()
        for r in range(rounds):  # two letters registered at once
            forms = [{**_page(x, "/can-bo/vao-so-don"), "kind_code": "kien_nghi", "received_on": received,
                      "channel": "post", "signatories": "one", "submitter_type": "citizen",
                      "full_name": f"Người gửi {r}-{i}", "address": "Xã Long Thành",
                      "subject": f"Kiến nghị {r}-{i}", "content": "Đề nghị sửa đường liên xã."}
                     for i, x in enumerate(office)]
            letters += at_once(*(partial(x.post, "/can-bo/vao-so-don", f) for x, f in zip(office, forms)))
        problems = server.problems()
    assert [s for s, _b, _h in visits] == [303] * (3 * rounds), [(s, b[:300]) for s, b, _h in visits if s != 303]
    assert [s for s, _b, _h in letters] == [303] * (2 * rounds), [(s, b[:300]) for s, b, _h in letters if s != 303]
    with app.app_context():
        year = today().year
        serials = db.session.execute(select(ReceptionVisit.serial).where(ReceptionVisit.year == year)
                                     .order_by(ReceptionVisit.serial)).scalars().all()
        assert serials == list(range(1, 3 * rounds + 1))
        filed = db.session.execute(select(Case).where(Case.channel == "reception")).scalars().all()
        assert len(filed) == rounds
        for case in filed:  # each case filed at the desk has its visit and its event, written together
            assert db.session.execute(select(func.count()).select_from(ReceptionVisit)
                                      .where(ReceptionVisit.case_id == case.id)).scalar_one() == 1
            assert [e.action for e in db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                                         .order_by(CaseEvent.seq)).scalars()] == ["submitted", "reception_visit"]
        registered = db.session.execute(select(Case.id).where(Case.channel == "post")).scalars().all()
        assert len(registered) == 2 * rounds
        receipts = db.session.execute(select(IssuedDocument.case_id, IssuedDocument.number)
                                      .where(IssuedDocument.doc_type == "bien_nhan")).all()
        assert sorted(n for _c, n in receipts) == list(range(1, 2 * rounds + 1))  # unique, no gap
        assert sorted(c for c, _n in receipts) == sorted(registered)  # one receipt per letter
        db.session.remove()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert problems == []
