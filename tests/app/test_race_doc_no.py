"""A decision's document number is used once a year across all cases. Two inspectors accept two
different cases at the same moment and type the same number, through a real gunicorn (several
worker processes) on each engine: exactly one decision is recorded with it, the other is refused
with the form's message (422, what was typed kept), never a 500, and the number appears once."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseEvent
from tests.app.live import Browser, LiveServer
from tests.app.staff_helpers import PASSWORD, make_user, totp_code
from tests.app.test_race import seed_cases
from tests.app.test_reception import today

PAIRS = 8
_SEQ = re.compile(r'name="seq" value="(\d+)"')


def test_the_same_document_number_on_two_cases_at_once_is_recorded_once(app, runner, tmp_path):
    a_user, b_user = make_user(app, "thanhtra_a", "inspector"), make_user(app, "thanhtra_b", "inspector")
    case_ids = seed_cases(app, 2 * PAIRS)
    server = LiveServer(app.config, tmp_path)
    with server as base:
        a, b = Browser(base), Browser(base)
        a.login(a_user, PASSWORD, totp_code)
        b.login(b_user, PASSWORD, totp_code)
        results = []
        for i in range(PAIRS):
            number = f"{100 + i}/TB-TTr"
            pair = (case_ids[2 * i], case_ids[2 * i + 1])
            pages = [x.get(f"/can-bo/ho-so/{cid}/xu-ly/accept")[1] for x, cid in zip((a, b), pair)]
            barrier = threading.Barrier(2)

            def go(browser, html, cid, number=number, barrier=barrier):
                data = {"csrf_token": Browser.csrf(html), "seq": _SEQ.search(html).group(1), "attempt": "1",
                        "doc_no_decision": number, "signed_on": today().isoformat(), "signer": "Chánh Thanh tra"}
                barrier.wait(timeout=30)
                return browser.post(f"/can-bo/ho-so/{cid}/thao-tac/accept", data)
            with ThreadPoolExecutor(2) as ex:
                fa = ex.submit(go, a, pages[0], pair[0])
                fb = ex.submit(go, b, pages[1], pair[1])
                results.append((number, pair, fa.result(timeout=90), fb.result(timeout=90)))
        problems = server.problems()
    for number, _pair, ra, rb in results:
        assert sorted((ra[0], rb[0])) == [303, 422], (number, ra[0], rb[0], ra[1][:300], rb[1][:300])
        loser = ra if ra[0] == 422 else rb
        assert f"Số văn bản {number} đã được dùng cho một quyết định năm {today().year}" in loser[1]
        assert 'value="Chánh Thanh tra"' in loser[1]  # what was typed comes back
    with app.app_context():
        for number, pair, ra, _rb in results:
            used = db.session.execute(select(CaseEvent.case_id).where(CaseEvent.doc_no == number)).scalars().all()
            assert used == [pair[0] if ra[0] == 303 else pair[1]]
            loser_case = pair[1] if ra[0] == 303 else pair[0]
            assert db.session.get(Case, loser_case).status == "received"  # nothing written for the loser
        assert db.session.execute(select(func.count()).select_from(CaseEvent)
                                  .where(CaseEvent.action == "accept")).scalar_one() == PAIRS
        db.session.remove()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert problems == []
