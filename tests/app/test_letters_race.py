"""Two officers issue documents from the same register at the same moment, through a real gunicorn
(several worker processes) on each engine: every document gets its own number, the numbers run
1..N without a gap or a repeat, and a number typed by hand that is already taken is refused with
the form's message, never a 500."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import IssuedDocument
from tests.app.live import Browser, LiveServer
from tests.app.staff_helpers import PASSWORD, make_user, totp_code
from tests.app.test_race import seed_cases

ROUNDS = 12  # each round: two officers issue a giấy biên nhận on two cases at once


def _issue(browser: Browser, cid: int, barrier: threading.Barrier, **extra) -> tuple[int, str, dict]:
    _s, html, _h = browser.get(f"/can-bo/ho-so/{cid}")
    data = {"csrf_token": Browser.csrf(html), "doc_type": "bien_nhan", "signer": "Nguyễn Văn Ký", **extra}
    barrier.wait(timeout=30)
    return browser.post(f"/can-bo/ho-so/{cid}/van-ban", data)


def test_parallel_issuing_numbers_each_document_once(app, tmp_path):
    a_user, b_user = make_user(app, "vanthu_a", "inspector"), make_user(app, "vanthu_b", "inspector")
    case_ids = seed_cases(app, ROUNDS * 2)
    server = LiveServer(app.config, tmp_path)
    with server as base:
        a, b = Browser(base), Browser(base)
        a.login(a_user, PASSWORD, totp_code)
        b.login(b_user, PASSWORD, totp_code)
        answers = []
        for i in range(ROUNDS):
            barrier = threading.Barrier(2)
            with ThreadPoolExecutor(2) as ex:
                fa = ex.submit(_issue, a, case_ids[2 * i], barrier)
                fb = ex.submit(_issue, b, case_ids[2 * i + 1], barrier)
                answers += [fa.result(timeout=90), fb.result(timeout=90)]
        # the same number typed by hand on both sides at once: one gets it, the other is told
        barrier = threading.Barrier(2)
        with ThreadPoolExecutor(2) as ex:
            fa = ex.submit(_issue, a, case_ids[0], barrier, number="500")
            fb = ex.submit(_issue, b, case_ids[1], barrier, number="500")
            typed = [fa.result(timeout=90), fb.result(timeout=90)]
        problems = server.problems()  # tracebacks, worker timeouts
    assert [s for s, _b, _h in answers] == [303] * (ROUNDS * 2), [s for s, _b, _h in answers]
    assert sorted(s for s, _b, _h in typed) == [303, 422], [s for s, _b, _h in typed]
    refused = next(body for s, body, _h in typed if s == 422)
    assert re.search(r"Số 500 đã được dùng trong sổ văn bản năm \d{4}", refused)
    assert 'value="Nguyễn Văn Ký"' in refused  # what was typed comes back
    with app.app_context():
        numbers = db.session.execute(select(IssuedDocument.number).where(IssuedDocument.series == "BN")
                                     .order_by(IssuedDocument.number)).scalars().all()
        db.session.remove()
    assert numbers == list(range(1, ROUNDS * 2 + 1)) + [500]
    assert problems == []
