"""The canary: a denouncer with a unique name, phone, ID number and e-mail files through the web
form, the Open311 API and the reception desk. Then every page (crawled), export, API response,
queued e-mail, log line and a plain SQL dump is searched for them, under every role but the
resolver and the verifiers, also after a reclassification: nothing. A reveal by the resolver
leaves exactly one audit record. Runs on SQLite and on PostgreSQL (the ``app`` fixture)."""
from __future__ import annotations

import io
import logging
import re
import zipfile
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from sqlalchemy import inspect, select

from danvan_feedback.extensions import db
from danvan_feedback.models import AuditRecord, Case, OutboxMessage, Unit, User
from tests.app.helpers import post_case, receipt_codes
from tests.app.staff_helpers import PASSWORD, csrf, login, make_user, totp_code

NAME_FIRST, NAME_LAST = "Quokkaxyz", "Canarywq"
NAME = f"{NAME_LAST} {NAME_FIRST}"
PHONE = "0966314159"
CCCD = "079203314159"
EMAIL = "quokka.canary7@example.org"
ADDRESS = "Ấp Zebrafinch"
NEEDLES = ("quokkaxyz", "canarywq", "966314159", "079203314159", "quokka.canary7", "zebrafinch")
BASE = "/can-bo/tiep-cong-dan"


def hits(text: str) -> list[str]:
    low = text.lower()
    squeezed = re.sub(r"[\s.\-()+]", "", low)
    return [n for n in NEEDLES if n in low or n.replace(".", "") in squeezed]


def body_text(resp) -> str:
    raw = resp.get_data()
    if raw[:2] == b"PK":  # XLSX / DOCX: every XML part
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return raw.decode("utf-8", "replace")


SKIP = ("/dang-xuat", "/static/", "/ngon-ngu", "/tep/", "/bien-ban", "/danh-tinh")


def crawl(client, seeds, limit=220) -> dict[str, str]:
    """GET every same-site page reachable from ``seeds`` (links and redirects): url -> body."""
    seen: dict[str, str] = {}
    queue = list(seeds)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen or any(s in url for s in SKIP):
            continue
        resp = client.get(url)
        text = body_text(resp)
        seen[url] = text
        if resp.status_code in (301, 302, 303) and resp.headers.get("Location"):
            queue.append(urlsplit(urljoin(url, resp.headers["Location"]))._replace(scheme="", netloc="").geturl())
        if "html" in (resp.mimetype or ""):
            for href in re.findall(r'href="([^"#]+)"', text):
                href = href.replace("&amp;", "&")
                target = urlsplit(urljoin(url, href))
                if target.netloc in ("", "localhost", "kiemthu.local"):
                    queue.append(target._replace(scheme="", netloc="").geturl())
    return seen


def act(client, cid, action, **data):
    resp = client.post(f"/can-bo/ho-so/{cid}/thao-tac/{action}",
                       data={"csrf_token": csrf(client, f"/can-bo/ho-so/{cid}"), **data})
    assert resp.status_code == 303, (action, resp.get_data(as_text=True)[:3000])
    return resp


def sql_dump(app) -> str:
    """Every row of every table as a plain dump would write it."""
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            if db.engine.dialect.name == "sqlite":
                return "\n".join(raw.driver_connection.iterdump())
            out = []
            cur = raw.driver_connection.cursor()
            for table in inspect(db.engine).get_table_names():
                with cur.copy(f'COPY "{table}" TO STDOUT') as copy:
                    out.extend(bytes(chunk).decode("utf-8", "replace") for chunk in copy)
            return "".join(out)
        finally:
            raw.close()


def inbox_codes(client, q) -> list[str]:
    page = client.post("/can-bo/hop-thu", data={"csrf_token": csrf(client, "/can-bo/hop-thu"), "q": q})
    return re.findall(r'class="case-code"[^>]*>([^<]+)<', page.get_data(as_text=True))


def test_canary_appears_nowhere_but_to_the_resolver(app, client, runner, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    resolver = make_user(app, "giaiquyet", "inspector")
    verifier = make_user(app, "xacminh", "inspector")
    roles = {name: make_user(app, name, role) for name, role in (
        ("thanhtra", "inspector"), ("donvi", "unit"), ("vanphong", "office"), ("lanhdao", "viewer"),
        ("quantri", "admin"), ("tiepdan", "inspector"))}
    with app.app_context():
        db.session.get(User, roles["quantri"]["id"]).email = "quantri@so.example"
        db.session.commit()
        unit_id = db.session.execute(select(Unit.id).where(Unit.code == "CCTT")).scalar_one()

    # 1. the web form
    pub = app.test_client()
    web_code, web_pin = receipt_codes(pub, post_case(pub, "to_cao", {
        "submitter_type": "citizen", "full_name": NAME, "address": ADDRESS, "phone": PHONE, "email": EMAIL,
        "subject": "Tố cáo cán bộ thu tiền sai", "content": "Cán bộ thu tiền không có biên lai.", "consent": "y"}))
    # 2. the Open311 API
    key = runner.invoke(args=["api-keys", "create", "partner"]).output.strip()
    resp = app.test_client().post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "to_cao", "description": "Cán bộ xã nhận tiền để cấp phép.",
        "first_name": NAME_FIRST, "last_name": NAME_LAST, "email": EMAIL, "phone": PHONE,
        "attribute[contact_address]": ADDRESS, "attribute[consent]": "true",  # no CCCD for a tố cáo here
        "attribute[subject]": "Tố cáo nhận tiền cấp phép"})
    assert resp.status_code in (200, 201), resp.get_data(as_text=True)
    api_answer = resp.get_data(as_text=True)
    # 3. the reception desk
    desk = app.test_client()
    login(desk, roles["tiepdan"])
    from tests.app.test_reception import visit_form
    resp = desk.post(f"{BASE}/moi", data=visit_form(
        desk, citizen_name=NAME, citizen_address=ADDRESS, cccd=CCCD, phone=PHONE,
        content="Tố cáo cán bộ địa chính vòi tiền", kind_code="to_cao", case_action="create"))
    assert resp.status_code == 303
    desk.get(resp.headers["Location"])  # the one-time notice with the new code and PIN, for the desk
    with app.app_context():
        cases = db.session.execute(select(Case).order_by(Case.id)).scalars().all()
        assert len(cases) == 3 and all(c.protected for c in cases)
        ids = [c.id for c in cases]
        codes = [c.tracking_code for c in cases]
        web_id = cases[[c.tracking_code for c in cases].index(web_code)].id

    # the resolver takes them on, with a verifier and the unit; reclassifies the web one
    rc = app.test_client()
    login(rc, resolver)
    for cid in ids:
        act(rc, cid, "accept")
        act(rc, cid, "assign", unit_id=str(unit_id), resolver_id=str(resolver["id"]),
            verifier_ids=str(verifier["id"]))
    act(rc, web_id, "reclassify", kind="phan_anh", reason="Nội dung thực chất là phản ánh")
    act(rc, web_id, "reply", text="Sở đã nhận và đang xem xét.")
    # the resolver's inbox finds the canary by phone, ID number and name (blind indexes) ...
    assert set(inbox_codes(rc, PHONE)) == set(codes)
    assert set(inbox_codes(rc, "+84 966 314 159")) == set(codes)
    assert len(inbox_codes(rc, CCCD)) == 1 and len(inbox_codes(rc, NAME)) == 3
    # ... and a reveal by the resolver leaves exactly one audit record
    resp = rc.post(f"/can-bo/ho-so/{web_id}/danh-tinh", data={
        "csrf_token": csrf(rc, f"/can-bo/ho-so/{web_id}"), "reason": "Xác minh người tố cáo",
        "password": PASSWORD, "code": totp_code(resolver)})
    assert resp.status_code == 200 and NAME in resp.get_data(as_text=True)
    with app.app_context():
        reveals = db.session.execute(select(AuditRecord).where(AuditRecord.action.like("reveal%"))).scalars().all()
        assert [(r.action, r.actor_id, r.case_id) for r in reveals] == [("reveal_identity", resolver["id"], web_id)]

    found: dict[str, list[str]] = {}

    def check(where: str, text: str) -> None:
        if h := hits(text):
            found[where] = h

    # every role but the resolver and verifiers: every page they can reach
    seeds = ["/", "/can-bo/", "/can-bo/hop-thu", "/can-bo/hop-thu?xem=tat-ca", f"{BASE}/", f"{BASE}/xuat.csv",
             f"{BASE}/doi-thoai", "/can-bo/bao-cao/", "/can-bo/khao-sat/", "/can-bo/quan-tri/", "/so-lieu",
             "/tra-cuu"] + [f"/can-bo/ho-so/{cid}" for cid in ids]
    with app.app_context():
        from danvan_feedback.models.reception import ReceptionVisit
        seeds += [f"{BASE}/{vid}" for vid in db.session.execute(select(ReceptionVisit.id)).scalars()]
        seeds += [f"{BASE}/{vid}/sua" for vid in db.session.execute(select(ReceptionVisit.id)).scalars()]
    crawled = 0
    for name, user in roles.items():
        c = app.test_client()
        login(c, user)
        pages = crawl(c, seeds)
        crawled += len(pages)
        for url, text in pages.items():
            check(f"{name} GET {url}", text)
        if user["role"] in ("inspector", "unit"):
            for q in (PHONE, CCCD, NAME, NAME_FIRST, EMAIL):
                got = inbox_codes(c, q)
                assert not set(got) & set(codes), (name, q, got)
        if user["role"] != "unit":
            for q in (NAME, CCCD, PHONE):
                page = c.post(f"{BASE}/", data={"q": q}).get_data(as_text=True)
                # the words typed are echoed back in the search box: everything else must be clean
                check(f"{name} POST reception search {q}", re.sub(r'value="[^"]*"', "", page))
    assert crawled > 100
    # the public: pages, and the lookup (a denunciation opens with its PIN only)
    anon = app.test_client()
    for url, text in crawl(anon, ["/", "/tra-cuu", "/so-lieu", "/khao-sat"]).items():
        check(f"public GET {url}", text)
    from tests.app.helpers import lookup
    for secret in (PHONE, EMAIL):
        assert lookup(anon, web_code, secret).status_code == 422
    assert lookup(anon, web_code, web_pin).status_code == 303
    check("public case page", anon.get(f"/ho-so/{web_code}").get_data(as_text=True))
    # the session cookie holds neither the PIN nor the code
    cookie = pub.get_cookie("dv_session")
    assert cookie is not None and web_pin not in cookie.value and web_code not in cookie.value
    # the API, every way it answers
    for url in ("/open311/v2/services.json", "/open311/v2/requests.json", "/open311/v2/requests.xml",
                *[f"/open311/v2/requests/{code}.json" for code in codes]):
        check(f"API {url}", anon.get(url).get_data(as_text=True))
    check("API POST answer", api_answer)
    # exports: the reports (CSV, XLSX, DOCX) and the reception log's CSV (crawled above)
    year = datetime.now(timezone.utc).year
    for fmt in ("csv", "xlsx", "docx"):
        out = app.instance_path + f"/canary.{fmt}"
        result = runner.invoke(args=["report", "export", "--year", str(year), "--period", "Y",
                                     "--format", fmt, "--output", out])
        assert result.exit_code == 0, result.output
        with open(out, "rb") as fh:
            raw = fh.read()
        if raw[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                raw = b"\n".join(z.read(n) for n in z.namelist())
        check(f"report export {fmt}", raw.decode("utf-8", "replace"))
    office = app.test_client()
    login(office, roles["vanphong"])
    for fmt in ("xlsx", "docx"):
        resp = office.post(f"/can-bo/bao-cao/tai-ve.{fmt}", data={
            "csrf_token": csrf(office, "/can-bo/bao-cao/"), "ky": "Y", "nam": str(year), "cach": "calendar"})
        assert resp.status_code == 303
        job = office.get(resp.headers["Location"])
        for link in re.findall(r'href="([^"]+/tai-ve)"', job.get_data(as_text=True)):
            check(f"web export {fmt}", body_text(office.get(link)))
    # queued e-mails: the receipt and the reply go to the canary, and name nobody
    with app.app_context():
        mails = db.session.execute(select(OutboxMessage)).scalars().all()
        assert any(m.to_addr == EMAIL for m in mails)
        for m in mails:
                check(f"e-mail {m.message_id}", "\n".join([m.subject, m.body_text or "", m.body_html or "", m.context_json or ""]))
    # log lines
    check("log records", caplog.text)
    captured = capfd.readouterr()
    check("stderr", captured.err)
    check("stdout", captured.out)
    # a plain SQL dump of every table
    dump = sql_dump(app)
    assert "reception_visits" in dump or "079" in dump or len(dump) > 1000
    check("SQL dump", dump)
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
