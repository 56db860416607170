"""One decision per state: two inspectors decide the same new case at the same moment, through a
real gunicorn (several worker processes) on each engine. Exactly one decision wins, the other sees
the 409 page, every history is legal and ``audit verify`` passes."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseEvent, CaseKind
from danvan_feedback.services.intake import submission_from, submit_case
from danvan_feedback.storage import LocalStorage
from tests.app.live import Browser, LiveServer
from tests.app.staff_helpers import PASSWORD, make_user, totp_code
from tests.factories import complaint

PAIRS = 20
DECISIONS = {"accept", "refuse", "transfer", "guide", "store"}
FORMS = {
    "accept": {"attempt": "1"},
    "refuse": {"reason": "Không đủ điều kiện thụ lý."},
    "transfer": {"agency": "UBND huyện Long Thành", "doc_no": "12/CV-TT",
                 "doc_date": datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()},  # not before the case came in,
}
_SEQ = re.compile(r'name="seq" value="(\d+)"')


def seed_cases(app, n: int) -> list[int]:
    with app.app_context():
        kind = db.session.get(CaseKind, "khieu_nai")
        data = complaint()
        data = {**data, "anonymous": False, "is_group": False}
        ids = []
        for i in range(n):
            sub = submission_from("khieu_nai", kind.anonymous, {**data, "subject": f"Khiếu nại {i}"},
                                  token=f"race-{i}", channel="web", locale="vi")
            receipt = submit_case(sub, [], storage=LocalStorage(app.config["UPLOAD_DIR"]),
                                  pin_key=app.config["PIN_HMAC_KEY"], now=datetime.now(timezone.utc),
                                  tz="Asia/Ho_Chi_Minh")
            ids.append(db.session.execute(select(Case.id).where(Case.tracking_code == receipt.code)).scalar_one())
        db.session.remove()
        return ids


def legal(events: list[CaseEvent]) -> bool:
    """Each event starts where the previous ended; at most one triage decision from ``received``."""
    for prev, ev in zip(events, events[1:]):
        if ev.from_status != prev.to_status:
            return False
    return sum(1 for e in events if e.action in DECISIONS) <= 1


def test_conflicting_decisions_one_wins_the_other_sees_409(app, runner, tmp_path):
    a_user, b_user = make_user(app, "thanhtra_a", "inspector"), make_user(app, "thanhtra_b", "inspector")
    pairs = [("accept", "refuse"), ("accept", "transfer"), ("accept", "accept")]
    case_ids = seed_cases(app, PAIRS * len(pairs))
    plan = [(cid, pairs[i // PAIRS]) for i, cid in enumerate(case_ids)]
    server = LiveServer(app.config, tmp_path)
    with server as base:
        a, b = Browser(base), Browser(base)
        a.login(a_user, PASSWORD, totp_code)
        b.login(b_user, PASSWORD, totp_code)
        results = []

        def one_pair(cid, actions):
            # each opens the page of the action they chose (it carries what they saw: seq)
            pages = [x.get(f"/can-bo/ho-so/{cid}/xu-ly/{act}")[1] for x, act in ((a, actions[0]), (b, actions[1]))]
            barrier = threading.Barrier(2)

            def go(browser, html, action):
                data = {"csrf_token": Browser.csrf(html), "seq": _SEQ.search(html).group(1), **FORMS[action]}
                if "doc_no" in data:  # a document number is used once a year
                    data["doc_no"] = f"{cid}/CV-TT"
                barrier.wait(timeout=30)
                return browser.post(f"/can-bo/ho-so/{cid}/thao-tac/{action}", data)
            with ThreadPoolExecutor(2) as ex:
                fa = ex.submit(go, a, pages[0], actions[0])
                fb = ex.submit(go, b, pages[1], actions[1])
                return cid, actions, fa.result(timeout=90), fb.result(timeout=90)

        with ThreadPoolExecutor(3) as ex:  # three pairs at a time: six requests racing on four workers
            results = list(ex.map(lambda p: one_pair(*p), plan))
        problems = server.problems()
    statuses = sorted((ra[0], rb[0]) for _cid, _acts, ra, rb in results)
    losers = [r for _cid, _acts, ra, rb in results for r in (ra, rb) if r[0] != 303]
    assert all(sorted(s) == [303, 409] for s in statuses), ([s for s in statuses if sorted(s) != [303, 409]], problems[:40])
    for status, html, _h in losers:
        assert status == 409 and "Hồ sơ vừa được thay đổi" in html and "Thanhtra_" in html  # by whom, in words
        assert "Trạng thái hiện tại" in html and "Các thao tác còn được phép" in html
    with app.app_context():
        for cid, actions, ra, _rb in results:
            events = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == cid)
                                        .order_by(CaseEvent.seq)).scalars().all()
            assert legal(events), [(e.action, e.from_status, e.to_status) for e in events]
            decisions = [e for e in events if e.action in DECISIONS]
            assert len(decisions) == 1
            winner = actions[0] if ra[0] == 303 else actions[1]
            assert decisions[0].action == winner
            assert db.session.get(Case, cid).status == decisions[0].to_status
        db.session.remove()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert problems == []
