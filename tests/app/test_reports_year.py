"""A year of letters (2026, calendar periods, Asia/Ho_Chi_Minh) with every cell of every form worked
out by hand, once for the second quarter and once for the year, on both engines.

The letters go in through the model the way the triage service writes them (an event for every step,
the case row updated to match), in two phases: what had happened by 2 July 2026, and what happened
afterwards. Exporting Q2 on 2 July 2026 and again a year later (an injected clock) gives the same
files, byte for byte.

Letters (10:00 local time unless said otherwise; "due" = the resolution deadline from the seeded rules,
calendar days, moved to the next working day):

- R1  phản ánh received 20/03, accepted 25/03; **reclassified** as a complaint 10/04; resolved "đúng"
  05/05 (due 24/04 as a first-time complaint: late).
- R2  tố cáo received 02/04, accepted 06/04 (due 06/05), resolved "sai" 28/04 (on time), **reopened**
  12/05, resolved again "có đúng có sai" 15/07 (late).
- R3  complaint received 05/06, accepted 10/06 (due 10/07); **extension decided 03/07** (after Q2):
  complex, due 27/07 (25/07 is a Saturday); resolved "đúng" 20/07 (on time under the extension).
- R4  complaint received 20/05, accepted 25/05 (due 24/06); an extension recorded 05/07, after the
  deadline (old data: the app now refuses it); resolved "đúng" 08/07. Overdue at the end of Q2 all
  the same.
- R5  kiến nghị received 25/06, **transferred** 29/06, urged 10/08, the agency's reply 01/09, closed
  05/09 (a transfer closed later).
- R6  phản ánh received 10/11/2025, transferred 15/11/2025; urged 20/04, agency reply 15/05, closed 20/05.
- R7  góp ý received 30/06 at 23:30 local time (16:30 UTC): in Q2. R8 góp ý received 01/07 at 00:15
  local time (30/06 17:15 UTC): not in Q2.
- R9  phản ánh received 31/03 at 22:00, guided 01/04 at 00:05 local time (31/03 UTC): carried into Q2.
- R10 second-time complaint received 22/12/2025, accepted 06/01, resolved "giữ nguyên" 10/02, closed.
- R11 group góp ý (3 people) received 10/05, merged 11/05. R12 anonymous tố cáo received 15/05, stored 16/05.
- R13 phản ánh received 15/04 about a matter "being resolved", refused 20/04.
- R14 complaint received 01/06 about a matter "resolved several times", accepted 03/06, withdrawn 20/06.
- R15 complaint received 28/06, accepted 06/07, resolved "sai" 30/07 (due 05/08).
- R16 kiến nghị received 08/04, accepted 09/04 (due 24/04), **marked as a group** 01/08, answered 05/08.
- R17 complaint received 27/04, accepted 04/05 (due 03/06), **paused** 01/07 – 10/08 (40 days: due
  13/07), resolved "đúng" 20/08 (late). Overdue at the end of Q2: the pause came after it.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from danvan_feedback.domain.periods import preset_period
from danvan_feedback.domain.deadlines import next_complexity
from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseIdentity, Unit
from danvan_feedback.models.reception import DialogueSession, ReceptionSession, ReceptionVisit, dialogue_cases
from danvan_feedback.models.survey import SurveyAnswer, SurveyCriterion, SurveyResponse, SurveyVersion
from danvan_feedback.services.reports import figures as report_figures
from danvan_feedback.services.events import append_event

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PHASE_B = datetime(2026, 7, 2, 0, 0, tzinfo=TZ)   # the first export happens on 2 July 2026


def at(m, d, h=10, mi=0, y=2026) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=TZ)


# letter: (kind as filed, received, case fields, [(action, when, to_status, extra)])
LETTERS = {
    "R1": ("phan_anh", at(3, 20), {}, [
        ("accept", at(3, 25), "accepted", {}), ("reclassify", at(4, 10), None, {"kind_code": "khieu_nai"}),
        ("record_outcome", at(5, 5), "resolved", {"outcome": "dung"})]),
    "R2": ("to_cao", at(4, 2), {}, [
        ("accept", at(4, 6), "accepted", {}), ("record_outcome", at(4, 28), "resolved", {"outcome": "sai"}),
        ("reopen", at(5, 12), "in_progress", {}),
        ("record_outcome", at(7, 15), "resolved", {"outcome": "dung_mot_phan"})]),
    "R3": ("khieu_nai", at(6, 5), {}, [
        ("accept", at(6, 10), "accepted", {}), ("extend", at(7, 3), None, {}),
        ("record_outcome", at(7, 20), "resolved", {"outcome": "dung"})]),
    "R4": ("khieu_nai", at(5, 20), {}, [
        ("accept", at(5, 25), "accepted", {}), ("extend", at(7, 5), None, {}),
        ("record_outcome", at(7, 8), "resolved", {"outcome": "dung"})]),
    "R5": ("kien_nghi", at(6, 25), {}, [
        ("transfer", at(6, 29), "transferred", {}), ("urge", at(8, 10), None, {}),
        ("agency_reply", at(9, 1), None, {}), ("close", at(9, 5), "closed", {})]),
    "R6": ("phan_anh", at(11, 10, y=2025), {}, [
        ("transfer", at(11, 15, y=2025), "transferred", {}), ("urge", at(4, 20), None, {}),
        ("agency_reply", at(5, 15), None, {}), ("close", at(5, 20), "closed", {})]),
    "R7": ("gop_y", at(6, 30, 23, 30), {}, []),
    "R8": ("gop_y", at(7, 1, 0, 15), {}, []),
    "R9": ("phan_anh", at(3, 31, 22, 0), {}, [("guide", at(4, 1, 0, 5), "guided", {})]),
    "R10": ("khieu_nai", at(12, 22, y=2025), {"attempt": 2}, [
        ("accept", at(1, 6), "accepted", {}), ("record_outcome", at(2, 10), "resolved", {"outcome": "giu_nguyen"}),
        ("close", at(2, 12), "closed", {})]),
    "R11": ("gop_y", at(5, 10), {"is_group": True, "group_size": 3}, [("merge", at(5, 11), "merged", {})]),
    "R12": ("to_cao", at(5, 15), {"is_anonymous": True}, [("store", at(5, 16), "stored", {})]),
    "R13": ("phan_anh", at(4, 15), {"matter_state": "in_progress"}, [("refuse", at(4, 20), "rejected", {})]),
    "R14": ("khieu_nai", at(6, 1), {"matter_state": "resolved_many"}, [
        ("accept", at(6, 3), "accepted", {}), ("record_outcome", at(6, 20), "resolved", {"outcome": "rut_don"})]),
    "R15": ("khieu_nai", at(6, 28), {}, [
        ("accept", at(7, 6), "accepted", {}), ("record_outcome", at(7, 30), "resolved", {"outcome": "sai"})]),
    "R16": ("kien_nghi", at(4, 8), {}, [
        ("accept", at(4, 9), "accepted", {}), ("mark_group", at(8, 1), None, {}),
        ("record_outcome", at(8, 5), "resolved", {"outcome": "da_tra_loi"})]),
    "R17": ("khieu_nai", at(4, 27), {}, [
        ("accept", at(5, 4), "accepted", {}), ("request_info", at(7, 1), "waiting_citizen", {}),
        ("resume", at(8, 10), "in_progress", {}), ("record_outcome", at(8, 20), "resolved", {"outcome": "dung"})]),
}


def _apply(case: Case, action: str, when: datetime, to: str | None, extra: dict) -> None:
    """Write one event and update the case row as the triage service does."""
    day = when.astimezone(TZ).date()
    if action == "accept":
        case.accepted_on = day
    elif action == "reclassify":
        case.kind_code = extra["kind_code"]
    elif action == "mark_group":
        case.is_group, case.group_size = True, 2
    elif action == "extend":
        case.complexity = next_complexity(case.kind_code, case.complexity) or case.complexity
        case.extensions += 1
    elif action == "record_outcome":
        case.outcome = extra["outcome"]
    elif action == "reopen":
        case.outcome = None
    elif action == "request_info":
        case.paused_since = day
    elif action == "resume":
        case.paused_days += (day - case.paused_since).days
        case.paused_since = None
    append_event(case, action=action, now=when, actor_type="staff", to_status=to, **extra)


def load(app, phase: str) -> None:
    """Phase "A": the letters and events up to 1 July 2026; phase "B": the rest."""
    with app.app_context():
        for letter, (kind, received, fields, events) in LETTERS.items():
            subject = f"Thư {letter}"
            if phase == "A":
                if received >= PHASE_B:
                    continue
                case = Case(tracking_code=f"Y{letter}{uuid.uuid4().hex[:5]}".upper()[:16], pin_hash="0" * 64,
                            submission_token=uuid.uuid4().hex, kind_code=kind, subject=subject, content="Nội dung",
                            received_at=received, status="received", **fields)
                db.session.add(case)
                db.session.flush()
                if not case.is_anonymous:
                    db.session.add(CaseIdentity(case_id=case.id, full_name="Người gửi", phone="0900000000"))
                append_event(case, action="submitted", now=received, to_status="received", first=True, kind_code=kind)
            else:
                case = db.session.execute(select(Case).where(Case.subject == subject)).scalar_one_or_none()
                if case is None:
                    case = Case(tracking_code=f"Y{letter}{uuid.uuid4().hex[:5]}".upper()[:16], pin_hash="0" * 64,
                                submission_token=uuid.uuid4().hex, kind_code=kind, subject=subject,
                                content="Nội dung", received_at=received, status="received", **fields)
                    db.session.add(case)
                    db.session.flush()
                    append_event(case, action="submitted", now=received, to_status="received", first=True,
                                 kind_code=kind)
            for action, when, to, extra in events:
                if (when < PHASE_B) == (phase == "A"):
                    _apply(case, action, when, to, extra)
        if phase == "A":
            _reception_and_survey_a()
        else:
            _reception_and_survey_b()
        db.session.commit()


def _visit(serial, d, t, head, n, group, repeat, kind, handling, session=None):
    db.session.add(ReceptionVisit(year=d.year, serial=serial, visit_date=d, reception_type=t, head_mode=head,
                                  citizen_name="Công dân", content="Nội dung", kind_code=kind, people_count=n,
                                  is_group=group, is_repeat=repeat, handling=handling,
                                  session_id=session.id if session else None))


def _session(d, t, head):
    s = ReceptionSession(held_on=d, reception_type=t, head_mode=head, chair="Giám đốc")
    db.session.add(s)
    db.session.flush()
    return s


def _dialogue(d, letters):
    dlg = DialogueSession(held_on=d, chair="Giám đốc", participants="…", issues="…")
    db.session.add(dlg)
    db.session.flush()
    for letter in letters:
        cid = db.session.execute(select(Case.id).where(Case.subject == f"Thư {letter}")).scalar_one()
        db.session.execute(dialogue_cases.insert().values(dialogue_id=dlg.id, case_id=cid))


def _responses(rows):
    version = db.session.execute(select(SurveyVersion).where(SurveyVersion.number == 2026)).scalar_one_or_none()
    if version is None:
        version = SurveyVersion(questionnaire="service", number=2026, scale_json='["1","2","3","4","5"]')
        db.session.add(version)
        db.session.flush()
        for i, code in enumerate(("access", "staff", "overall"), start=1):
            db.session.add(SurveyCriterion(version_id=version.id, code=code, factor=code, label=code, position=i))
        db.session.flush()
    crits = db.session.execute(select(SurveyCriterion).where(SurveyCriterion.version_id == version.id)
                               .order_by(SurveyCriterion.position)).scalars().all()
    unit = db.session.execute(select(Unit.id).order_by(Unit.sort_order).limit(1)).scalar_one()
    for channel, spam, when, scores in rows:
        r = SurveyResponse(token=uuid.uuid4().hex, version_id=version.id, channel=channel, unit_id=unit,
                           client_hash="h" * 64, is_spam=spam, created_at=when)
        db.session.add(r)
        db.session.flush()
        for crit, score in zip(crits, scores):
            db.session.add(SurveyAnswer(response_id=r.id, criterion_id=crit.id, criterion_code=crit.code,
                                        factor=crit.factor, score=score, scale_max=5))


def _reception_and_survey_a():
    # serial, day, type, head mode, people, group, repeat, kind, handling
    _visit(1, date(2026, 2, 2), "unscheduled", "delegated", 3, False, True, "khieu_nai", "accepted")
    _visit(2, date(2026, 4, 10), "regular", None, 1, False, False, "khieu_nai", "accepted")
    # the head's sessions: 05/05 periodic (two visits in it), 15/06 periodic (its visit logged without
    # the session: the day is not counted twice), 20/06 unscheduled (nobody came); the unscheduled
    # visits of 02/02 and 30/06 have no recorded session: one session each
    may = _session(date(2026, 5, 5), "periodic", "in_person")
    _session(date(2026, 6, 15), "periodic", "delegated")
    _session(date(2026, 6, 20), "unscheduled", "in_person")
    _visit(3, date(2026, 5, 5), "periodic", "in_person", 2, False, False, "to_cao", "guided", may)
    _visit(4, date(2026, 5, 5), "periodic", "in_person", 1, False, True, "phan_anh", "accepted", may)
    _visit(5, date(2026, 6, 15), "periodic", "delegated", 6, True, False, "khieu_nai", "transferred")
    _visit(6, date(2026, 6, 30), "unscheduled", "in_person", 1, False, False, "gop_y", "accepted")
    _dialogue(date(2026, 5, 20), ["R1", "R17"])
    _dialogue(date(2026, 6, 10), ["R1", "R4"])      # R1 again: one matter
    _responses([("qr", False, at(4, 3), (5, 4, 2)), ("web", False, at(5, 3), (3, 3, 3)),
                ("qr", True, at(5, 4), (1, 1, 1)),                 # spam: left out
                ("case", False, at(6, 2), (4,))])


def _reception_and_survey_b():
    _visit(7, date(2026, 7, 1), "regular", None, 1, False, False, "kien_nghi", "guided")
    _dialogue(date(2026, 9, 1), ["R2"])
    _responses([("qr", False, at(8, 3), (5, 5, 5))])


Q2 = {
    "tcd": {"visits": 5, "people": 11, "first": 4, "repeat": 1, "groups": 1, "group_people": 6, "regular": 1,
            "periodic": 3, "periodic_sessions": 2, "unscheduled": 1, "unscheduled_sessions": 2,
            "head_in_person": 3, "head_delegated": 1, "kn": 2, "tc": 1, "pakn": 2, "accepted": 3, "guided": 1,
            "transferred": 1, "dialogues": 2, "dialogue_cases": 3},
    # carried R9; new R2 R3 R4 R5 R7 R11 R12 R13 R14 R15 R16 R17 (R16 marked as a group only in August);
    # processed: all but R7 and R15; eligible: minus R11 (merged) and R12 (stored)
    "xld": {"carried": 1, "new": 12, "total": 13, "group": 1, "single": 10, "other": 1, "processed": 11,
            "eligible": 9, "eligible_kn": 4, "eligible_tc": 1, "eligible_pakn": 4, "state_resolved_once": 0,
            "state_resolved_many": 1, "state_in_progress": 1, "state_not_yet": 7, "jur_kn": 4, "jur_tc": 1,
            "jur_pakn": 2, "guided": 1, "transferred": 1, "urged": 1, "replies": 1},
    # carried R1 (a complaint at the end of Q2); new R3 R4 R14 R17; resolved R1 (late), R14 (withdrawn,
    # on time); open R3 R4 R17, overdue R4 (due 24/06) and R17 (due 03/06)
    "kn": {"carried": 1, "new": 4, "total": 5, "resolved": 2, "by_decision": 1, "withdrawn": 1, "dung": 1,
           "sai": 0, "dung_mot_phan": 0, "giu_nguyen": 0, "huy_sua": 0, "on_time": 1, "late": 1, "open_end": 3,
           "overdue_end": 2},
    # R2: resolved "sai" on time in April, reopened in May: open and overdue (due 06/05) at the end
    "tc": {"carried": 0, "new": 1, "total": 1, "resolved": 1, "by_decision": 1, "withdrawn": 0, "dung": 0,
           "sai": 1, "dung_mot_phan": 0, "on_time": 1, "late": 0, "open_end": 1, "overdue_end": 1},
}
Y = {
    "tcd": {"visits": 7, "people": 15, "first": 5, "repeat": 2, "groups": 1, "group_people": 6, "regular": 2,
            "periodic": 3, "periodic_sessions": 2, "unscheduled": 2, "unscheduled_sessions": 3,
            "head_in_person": 3, "head_delegated": 2, "kn": 3, "tc": 1, "pakn": 3, "accepted": 4, "guided": 2,
            "transferred": 1, "dialogues": 3, "dialogue_cases": 4},
    # carried R10; new: the 15 letters of 2026; groups R11 and R16 (marked in August); processed: all
    # but R7 and R8; eligible: minus R11, R12. R1 counts as a complaint (its kind at the end).
    "xld": {"carried": 1, "new": 15, "total": 16, "group": 2, "single": 12, "other": 1, "processed": 14,
            "eligible": 12, "eligible_kn": 7, "eligible_tc": 1, "eligible_pakn": 4, "state_resolved_once": 1,
            "state_resolved_many": 1, "state_in_progress": 1, "state_not_yet": 9, "jur_kn": 7, "jur_tc": 1,
            "jur_pakn": 2, "guided": 1, "transferred": 1, "urged": 2, "replies": 2},
    # all seven complaints accepted and resolved in the year; on time R10 R3 (extended) R4 (extended)
    # R14 R15; late R1 and R17 (the pause moved its deadline to 13/07 only)
    "kn": {"carried": 0, "new": 7, "total": 7, "resolved": 7, "by_decision": 6, "withdrawn": 1, "dung": 4,
           "sai": 1, "dung_mot_phan": 0, "giu_nguyen": 1, "huy_sua": 0, "on_time": 5, "late": 2, "open_end": 0,
           "overdue_end": 0},
    # R2 counts once, with the outcome of its last resolution in the year (15/07, late)
    "tc": {"carried": 0, "new": 1, "total": 1, "resolved": 1, "by_decision": 1, "withdrawn": 0, "dung": 0,
           "sai": 0, "dung_mot_phan": 1, "on_time": 0, "late": 1, "open_end": 0, "overdue_end": 0},
}


def figures(app, preset):
    with app.app_context():
        return report_figures.compute(preset_period(2026, preset), "Asia/Ho_Chi_Minh", with_previous=False)


def check_forms(fig, expected):
    c = fig["counts"]
    for prefix, cells in expected.items():
        got = {k.split(".", 1)[1]: v for k, v in c.items() if k.startswith(prefix + ".")}
        assert got == cells, prefix


@pytest.fixture
def year(app):
    load(app, "A")
    load(app, "B")
    return app


def test_every_cell_of_the_second_quarter(year):
    fig = figures(year, "Q2")
    check_forms(fig, Q2)
    h = fig["headline"]
    # received 12; accepted in Q2: R2 R3 R4 R14 R16 R17; resolved R1 R2 R14; open at the end (accepted):
    # R2 R3 R4 R16 R17; on time R2 R14, late R1; overdue R2 R4 R17 and R16 (a recommendation, due 24/04)
    assert {k: h[k] for k in ("received", "accepted", "resolved", "open_end", "on_time", "late", "on_time_share",
                              "overdue", "satisfaction")} == {
        "received": 12, "accepted": 6, "resolved": 3, "open_end": 5, "on_time": 2, "late": 1,
        "on_time_share": 66.7, "overdue": 4, "satisfaction": 33.3}
    assert fig["by_month"] == [{"label": "04/2026", "received": 4, "resolved": 1},
                               {"label": "05/2026", "received": 3, "resolved": 1},
                               {"label": "06/2026", "received": 5, "resolved": 1}]
    kinds = {r["label"]: (r["received"], r["resolved"], r["open_end"]) for r in fig["by_kind"]}
    assert kinds == {"Khiếu nại": (5, 2, 3), "Tố cáo": (2, 1, 1), "Phản ánh": (1, 0, 0), "Kiến nghị": (2, 0, 1),
                     "Góp ý": (2, 0, 0)}
    sat = fig["satisfaction"]
    # 2 responses (6 answers: 5 4 2 3 3 3), the spam one left out
    assert [(r["responses"], r["mean"], r["share"], r["small"]) for r in sat["service"]] == [(2, 3.33, 33.3, True)]
    assert [(r["responses"], r["mean"], r["share"]) for r in sat["cases"]] == [(1, 4.0, 100.0)]


def test_every_cell_of_the_year(year):
    fig = figures(year, "Y")
    check_forms(fig, Y)
    h = fig["headline"]
    # resolved (matters): R10 R1 R2 R3 R4 R14 R15 R16 R17; on time: 5 complaints; late: R1 R17 R2 and
    # R16 (answered 05/08, due 24/04)
    assert {k: h[k] for k in ("received", "accepted", "resolved", "open_end", "on_time", "late", "on_time_share",
                              "overdue", "satisfaction")} == {
        "received": 15, "accepted": 9, "resolved": 9, "open_end": 0, "on_time": 5, "late": 4,
        "on_time_share": 55.6, "overdue": 0, "satisfaction": 55.6}
    # each resolution in its own month: R2 in April and July
    assert [(m["label"], m["received"], m["resolved"]) for m in fig["by_month"]] == [
        ("01/2026", 0, 0), ("02/2026", 0, 1), ("03/2026", 2, 0), ("04/2026", 4, 1), ("05/2026", 3, 1),
        ("06/2026", 5, 1), ("07/2026", 1, 4), ("08/2026", 0, 2), ("09/2026", 0, 0), ("10/2026", 0, 0),
        ("11/2026", 0, 0), ("12/2026", 0, 0)]
    kinds = {r["label"]: (r["received"], r["resolved"], r["open_end"]) for r in fig["by_kind"]}
    assert kinds == {"Khiếu nại": (6, 7, 0), "Tố cáo": (2, 1, 0), "Phản ánh": (2, 0, 0), "Kiến nghị": (2, 1, 0),
                     "Góp ý": (3, 0, 0)}
    sat = fig["satisfaction"]
    assert [(r["responses"], r["mean"], r["share"], r["small"]) for r in sat["service"]] == [(3, 3.89, 55.6, True)]


def test_the_months_of_a_quarter_equal_those_months_in_the_year(year):
    q2 = {m["label"]: m for m in figures(year, "Q2")["by_month"]}
    for m in figures(year, "Y")["by_month"]:
        if m["label"] in q2:
            assert m == q2[m["label"]]


def test_a_past_quarter_exports_the_same_files_today_and_a_year_later(app, runner, tmp_path):
    """Q2 exported on 2 July 2026 (with only what had happened by then) and on 2 July 2027 (after the
    reopened, extended, paused, reclassified and transferred letters moved on) gives identical files."""
    load(app, "A")
    outputs = {}
    for label, moment in (("then", datetime(2026, 7, 2, 9, 0, tzinfo=TZ)), ("later", datetime(2027, 7, 2, 9, 0, tzinfo=TZ))):
        if label == "later":
            load(app, "B")
        app.config["CLOCK"] = lambda moment=moment: moment.astimezone(timezone.utc)
        for fmt in ("xlsx", "docx", "csv"):
            out = tmp_path / f"{label}.{fmt}"
            res = runner.invoke(args=["report", "export", "--year", "2026", "--period", "Q2", "--format", fmt,
                                      "--output", str(out)])
            assert res.exit_code == 0, res.output
            outputs[(label, fmt)] = out.read_bytes()
        check_forms(figures(app, "Q2"), Q2)
    for fmt in ("xlsx", "docx", "csv"):
        assert outputs[("then", fmt)] == outputs[("later", fmt)], fmt


def test_the_cutoff_quarter_moves_every_boundary(year):
    """Q2 by the data cut-off (Decree 09/2019 art. 12) runs 15/03 – 14/06/2026. Received in it: R1 R9
    R2 R16 R13 R17 R11 R12 R4 R14 R3, each processed in it too; nothing is carried over. Complaints (R1
    already one at 14/06): accepted R1 (25/03) R17 R4 R14 R3; resolved R1 only (R14 on 20/06 is after
    the end); open R17 R4 R14 R3, of which R17 overdue (due 03/06; R4 is due 24/06)."""
    with year.app_context():
        c = report_figures.compute(preset_period(2026, "Q2", "cutoff"), "Asia/Ho_Chi_Minh", with_previous=False)["counts"]
    assert (c["xld.carried"], c["xld.new"], c["xld.total"], c["xld.processed"]) == (0, 11, 11, 11)
    assert (c["xld.eligible"], c["xld.eligible_kn"], c["xld.urged"], c["xld.replies"]) == (9, 5, 1, 1)
    assert (c["kn.carried"], c["kn.new"], c["kn.resolved"], c["kn.dung"], c["kn.late"]) == (0, 5, 1, 1, 1)
    assert (c["kn.open_end"], c["kn.overdue_end"], c["tc.resolved"], c["tc.open_end"]) == (4, 1, 1, 1)
