"""Report tables: every cell checked against counts made by hand.

The fixture (``build_fixture``) is a set of cases whose events straddle the boundaries of the first
quarter of 2026 (local time, Asia/Ho_Chi_Minh): carried over, closed after the end, reopened,
transferred, merged, withdrawn, received a minute before and after midnight at the end. Each case's
letter and the expected counts are explained beside it.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from danvan_feedback.domain.periods import preset_period
from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseIdentity, OrgSetting, Unit
from danvan_feedback.models.reception import DialogueSession, ReceptionVisit, dialogue_cases
from danvan_feedback.models.survey import SurveyAnswer, SurveyCriterion, SurveyResponse, SurveyVersion
from danvan_feedback.services.reports import figures
from danvan_feedback.services.events import append_event

TZ = "Asia/Ho_Chi_Minh"
SECRET_NAME = "Nguyễn Văn Bí Mật"


def at(y, m, d, h=10, mi=0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=ZoneInfo(TZ))


def _case(letter: str, kind: str, received: datetime, events: list, *, accepted: date | None = None,
          outcome: str | None = None, attempt: int = 1, group: int | None = None, anonymous: bool = False,
          unit_id: int | None = None) -> Case:
    case = Case(tracking_code=f"T{letter}{uuid.uuid4().hex[:6]}".upper()[:16], pin_hash="0" * 64,
                submission_token=uuid.uuid4().hex, kind_code=kind, subject=f"Việc {letter} của {SECRET_NAME}",
                content=f"{SECRET_NAME} phản ánh", received_at=received, status="received",
                accepted_on=accepted, outcome=outcome, attempt=attempt, is_group=group is not None,
                group_size=group, is_anonymous=anonymous, handling_unit_id=unit_id)
    db.session.add(case)
    db.session.flush()
    if not anonymous:
        db.session.add(CaseIdentity(case_id=case.id, full_name=SECRET_NAME, phone="0912345678"))
    append_event(case, action="submitted", now=received, to_status="received", first=True)
    for action, when, to in events:
        append_event(case, action=action, now=when, actor_type="staff", to_status=to)
    return case


def build_fixture(app) -> None:
    with app.app_context():
        u1, u2 = db.session.execute(select(Unit.id).order_by(Unit.sort_order).limit(2)).scalars().all()
        # A: complaint carried over (accepted 15/12), resolved late 20/01 (due 14/01), closed after the end.
        _case("A", "khieu_nai", at(2025, 12, 10), [
            ("accept", at(2025, 12, 15), "accepted"), ("public_reply", at(2025, 12, 20), None),
            ("record_outcome", at(2026, 1, 20), "resolved"), ("close", at(2026, 4, 5), "closed")],
            accepted=date(2025, 12, 15), outcome="dung", unit_id=u1)
        # B: complaint accepted in the period, resolved only after it (outcome "sai" must not count):
        # open at the end and overdue (due 05/02).
        _case("B", "khieu_nai", at(2026, 1, 5), [
            ("accept", at(2026, 1, 6), "accepted"), ("assign", at(2026, 1, 7), "in_progress"),
            ("record_outcome", at(2026, 4, 10), "resolved")], accepted=date(2026, 1, 6), outcome="sai", unit_id=u1)
        # C: denunciation accepted 03/02 (due 05/03), resolved 10/03, closed, reopened 25/03: in progress.
        _case("C", "to_cao", at(2026, 2, 1), [
            ("accept", at(2026, 2, 3), "accepted"), ("record_outcome", at(2026, 3, 10), "resolved"),
            ("public_reply", at(2026, 3, 11), None), ("close", at(2026, 3, 12), "closed"),
            ("reopen", at(2026, 3, 25), "in_progress")], accepted=date(2026, 2, 3), unit_id=u2)
        # D: report carried over (received 20/11, still received at the start), transferred 15/01.
        _case("D", "phan_anh", at(2025, 11, 20), [("transfer", at(2026, 1, 15), "transferred")])
        # E: anonymous suggestion received 30/03, merged after the end: not yet handled at the end.
        _case("E", "gop_y", at(2026, 3, 30), [("merge", at(2026, 4, 2), "merged")], anonymous=True)
        # F: group suggestion (3 people) received 10/02, merged 12/02.
        _case("F", "gop_y", at(2026, 2, 10), [("merge", at(2026, 2, 12), "merged")], group=3)
        # G: group complaint accepted 22/01, withdrawn 10/02 (on time), closed 11/02.
        _case("G", "khieu_nai", at(2026, 1, 20), [
            ("accept", at(2026, 1, 22), "accepted"), ("record_outcome", at(2026, 2, 10), "resolved"),
            ("close", at(2026, 2, 11), "closed")], accepted=date(2026, 1, 22), outcome="rut_don", group=4)
        # H: second-time complaint closed before the period: out of scope of calendar Q1.
        _case("H", "khieu_nai", at(2025, 10, 1), [
            ("accept", at(2025, 10, 5), "accepted"), ("record_outcome", at(2025, 12, 20), "resolved"),
            ("close", at(2025, 12, 22), "closed")], accepted=date(2025, 10, 5), outcome="giu_nguyen", attempt=2)
        # I: denunciation received after the period.
        _case("I", "to_cao", at(2026, 4, 5), [])
        # J: recommendation carried over (received 28/12), guided 03/01.
        _case("J", "kien_nghi", at(2025, 12, 28), [("guide", at(2026, 1, 3), "guided")])
        # K: second-time complaint accepted 20/02 (due 06/04), resolved 31/03 at 23:00 local time.
        _case("K", "khieu_nai", at(2026, 2, 15), [
            ("accept", at(2026, 2, 20), "accepted"), ("record_outcome", at(2026, 3, 31, 23), "resolved")],
            accepted=date(2026, 2, 20), outcome="huy_sua", attempt=2, unit_id=u2)
        # L: anonymous suggestion received 31/03 23:30 local (16:30 UTC): inside the period.
        _case("L", "gop_y", at(2026, 3, 31, 23, 30), [], anonymous=True)
        # M: suggestion received 01/04 00:30 local (31/03 17:30 UTC): outside the period.
        _case("M", "gop_y", at(2026, 4, 1, 0, 30), [])
        # N: report refused 12/01.
        _case("N", "phan_anh", at(2026, 1, 10), [("refuse", at(2026, 1, 12), "rejected")])
        # O: report accepted 09/01 (due 24/01, a Saturday → 26/01), answered 20/01 with a public reply.
        _case("O", "phan_anh", at(2026, 1, 8), [
            ("accept", at(2026, 1, 9), "accepted"), ("public_reply", at(2026, 1, 20), None),
            ("record_outcome", at(2026, 1, 20, 11), "resolved")], accepted=date(2026, 1, 9), outcome="da_tra_loi")
        # P: complaint waiting for the citizen's documents before acceptance.
        _case("P", "khieu_nai", at(2026, 3, 1), [("request_info", at(2026, 3, 3), "waiting_citizen")])
        # Q: denunciation carried over (accepted 05/12, due 04/01 → Monday 05/01), resolved late 01/02, closed.
        _case("Q", "to_cao", at(2025, 12, 1), [
            ("accept", at(2025, 12, 5), "accepted"), ("record_outcome", at(2026, 2, 1), "resolved"),
            ("close", at(2026, 2, 3), "closed")], accepted=date(2025, 12, 5), outcome="sai")

        visits = [  # date, type, head mode, people, group, repeat, kind, handling
            (date(2026, 1, 15), "regular", None, 1, False, False, "khieu_nai", "accepted"),
            (date(2026, 2, 10), "periodic", "in_person", 5, True, True, "to_cao", "guided"),
            (date(2026, 3, 5), "unscheduled", "delegated", 2, False, False, "phan_anh", "transferred"),
            (date(2026, 4, 2), "regular", None, 1, False, False, "gop_y", "accepted"),
        ]
        for serial, (d, t, hm, n, g, rep, k, h) in enumerate(visits, start=1):
            db.session.add(ReceptionVisit(year=d.year, serial=serial, visit_date=d, reception_type=t, head_mode=hm,
                                          citizen_name=SECRET_NAME, content="Nội dung", kind_code=k, people_count=n,
                                          is_group=g, is_repeat=rep, handling=h))
        d1 = DialogueSession(held_on=date(2026, 2, 20), chair="Giám đốc", participants="…", issues="…")
        d2 = DialogueSession(held_on=date(2025, 12, 1), chair="Giám đốc", participants="…", issues="…")
        db.session.add_all([d1, d2])
        db.session.flush()
        ids = dict(db.session.execute(select(Case.subject, Case.id)).all())
        for dlg, letters in ((d1, "AB"), (d2, "H")):
            for letter in letters:
                db.session.execute(dialogue_cases.insert().values(
                    dialogue_id=dlg.id, case_id=ids[f"Việc {letter} của {SECRET_NAME}"]))

        version = SurveyVersion(questionnaire="service", number=1000, scale_json='["1","2","3","4","5"]')
        db.session.add(version)
        db.session.flush()
        crit = SurveyCriterion(version_id=version.id, code="overall", factor="overall", label="Chung", position=1)
        db.session.add(crit)
        db.session.flush()
        for channel, score, spam, when in (("qr", 5, False, at(2026, 2, 1)), ("web", 3, False, at(2026, 3, 1)),
                                           ("qr", 1, True, at(2026, 3, 2)), ("qr", 1, False, at(2026, 4, 2)),
                                           ("case", 4, False, at(2026, 3, 3))):
            r = SurveyResponse(token=uuid.uuid4().hex, version_id=version.id, channel=channel, unit_id=u1,
                               client_hash="h" * 64, is_spam=spam, created_at=when)
            db.session.add(r)
            db.session.flush()
            db.session.add(SurveyAnswer(response_id=r.id, criterion_id=crit.id, criterion_code="overall",
                                        factor="overall", score=score, scale_max=5))
        db.session.merge(OrgSetting(key="satisfaction_target_2026", value="80"))
        db.session.commit()


# 02/XLD: carried over = D, J (A and Q were accepted before the period: processed, not carried);
# new = B C E F G K L N O P; processed = the first decision in Q1: D B C F G J K N O; eligible =
# processed minus F (merged); jurisdiction: accepted or refused (B G K, C, N O); guided J;
# transferred D. State of the matter: K (second-time complaint) was resolved once, the rest not yet.
# public_reply is a reply to the citizen, not an agency's reply (văn bản phúc đáp): none.
XLD = {"carried": 2, "new": 10, "total": 12, "group": 2, "single": 6, "other": 2, "processed": 9,
       "eligible": 8, "eligible_kn": 3, "eligible_tc": 1, "eligible_pakn": 4, "state_resolved_once": 1,
       "state_resolved_many": 0, "state_in_progress": 0, "state_not_yet": 7, "jur_kn": 3, "jur_tc": 1,
       "jur_pakn": 2, "guided": 1, "transferred": 1, "urged": 0, "replies": 0}
GQKN = {"carried": 1, "new": 3, "total": 4, "resolved": 3, "by_decision": 2, "withdrawn": 1, "dung": 1, "sai": 0,
        "dung_mot_phan": 0, "giu_nguyen": 0, "huy_sua": 1, "on_time": 2, "late": 1, "open_end": 1, "overdue_end": 1}
# C was resolved on 10/03 (late: due 05/03), then reopened: its resolution counts, and it is open
# and overdue at the end.
GQTC = {"carried": 1, "new": 1, "total": 2, "resolved": 2, "by_decision": 2, "withdrawn": 0, "dung": 0, "sai": 1,
        "dung_mot_phan": 0, "on_time": 0, "late": 2, "open_end": 1, "overdue_end": 1}
TCD = {"visits": 3, "people": 8, "first": 2, "repeat": 1, "groups": 1, "group_people": 5, "regular": 1,
       "periodic": 1, "periodic_sessions": 1, "unscheduled": 1, "unscheduled_sessions": 1, "head_in_person": 1,
       "head_delegated": 1, "kn": 1, "tc": 1, "pakn": 1, "accepted": 1, "guided": 1, "transferred": 1,
       "dialogues": 1, "dialogue_cases": 2}


def q1_figures(app, convention="calendar"):
    with app.app_context():
        return figures.compute(preset_period(2026, "Q1", convention), TZ)


def test_every_cell_of_the_four_forms(app):
    build_fixture(app)
    fig = q1_figures(app)
    c = fig["counts"]
    for prefix, expected in (("xld", XLD), ("kn", GQKN), ("tc", GQTC), ("tcd", TCD)):
        got = {k.split(".", 1)[1]: v for k, v in c.items() if k.startswith(prefix + ".")}
        assert got == expected, prefix
    with app.app_context():
        tables = {t.code: t for t in figures.tables(fig)}
    assert list(tables) == ["01-TCD", "02-XLD", "03-GQKN", "04-GQTC", "HL-DV", "HL-HS"]
    row = tables["02-XLD"].rows[0][1]
    assert [row[k] for k, _g, _h in tables["02-XLD"].columns] == list(XLD.values())
    assert [tables["03-GQKN"].rows[0][1][k] for k, _g, _h in tables["03-GQKN"].columns] == list(GQKN.values())
    assert [tables["04-GQTC"].rows[0][1][k] for k, _g, _h in tables["04-GQTC"].columns] == list(GQTC.values())
    assert [tables["01-TCD"].rows[0][1][k] for k, _g, _h in tables["01-TCD"].columns] == list(TCD.values())


def test_headline_charts_and_satisfaction(app):
    build_fixture(app)
    fig = q1_figures(app)
    h = fig["headline"]
    # resolved: A G K O Q and C (before its reopening); open at the end: accepted B and C only
    assert (h["received"], h["accepted"], h["resolved"], h["open_end"]) == (10, 5, 6, 2)
    # on time: G, K, O; late: A, Q, C; overdue at the end: B, C
    assert (h["on_time"], h["late"], h["on_time_share"], h["overdue"]) == (3, 3, 50.0, 2)
    assert h["satisfaction"] == 50.0
    assert fig["by_month"] == [{"label": "01/2026", "received": 4, "resolved": 2},
                               {"label": "02/2026", "received": 3, "resolved": 2},
                               {"label": "03/2026", "received": 3, "resolved": 2}]
    kinds = {r["label"]: (r["received"], r["resolved"], r["open_end"]) for r in fig["by_kind"]}
    # open at the end: accepted and not resolved (P, E and L were never accepted)
    assert kinds == {"Khiếu nại": (4, 3, 1), "Tố cáo": (1, 2, 1), "Phản ánh": (2, 1, 0),
                     "Kiến nghị": (0, 0, 0), "Góp ý": (3, 0, 0)}
    assert sum(r["received"] for r in fig["by_unit"]) == 10
    sat = fig["satisfaction"]
    assert [(r["responses"], r["mean"], r["share"], r["target"], r["small"]) for r in sat["service"]] == [(2, 4.0, 50.0, 80.0, True)]
    assert [(r["responses"], r["mean"], r["share"]) for r in sat["cases"]] == [(1, 4.0, 100.0)]
    # previous quarter (Q4 2025): A, D, H, J, Q received; H resolved 20/12
    prev = fig["previous"]["headline"]
    assert (prev["received"], prev["accepted"], prev["resolved"]) == (5, 3, 1)


def test_cutoff_convention_moves_the_boundaries(app):
    """Q1 by the cut-off runs 15/12/2025 – 14/03/2026: A (received 10/12, accepted 15/12 10:00) and
    D have no decision at the start and are carried over (H and Q were accepted before it); J, B, C,
    F, G, K, N, O and P are new; among complaints H is carried over and A (accepted on 15/12 itself)
    is new."""
    build_fixture(app)
    c = q1_figures(app, "cutoff")["counts"]
    assert (c["xld.carried"], c["xld.new"], c["xld.total"]) == (2, 9, 11)
    assert (c["kn.carried"], c["kn.new"], c["kn.resolved"], c["kn.giu_nguyen"]) == (1, 4, 3, 1)


def test_no_personal_data_in_the_figures(app):
    build_fixture(app)
    import json
    assert SECRET_NAME not in json.dumps(q1_figures(app), ensure_ascii=False)


def test_urged_letters_and_agency_replies_are_counted_by_their_events_in_the_period(app):
    """02/XLD "đôn đốc": letters urged in the period (a letter urged twice is one), even when it was
    transferred in an earlier period; "văn bản phúc đáp": replies received (``agency_reply``) in
    the period from the agency a letter was transferred to, whenever the transfer was."""
    with app.app_context():
        _case("U", "phan_anh", at(2026, 1, 5), [
            ("transfer", at(2026, 1, 8), "transferred"),
            ("urge", at(2026, 1, 30), None), ("urge", at(2026, 3, 2), None),  # one letter, urged twice in Q1
            ("agency_reply", at(2026, 3, 31, 23, 59), None),                  # last minute of Q1, local time
            ("urge", at(2026, 4, 2), None)])                                    # after Q1: not counted
        _case("V", "kien_nghi", at(2025, 11, 5), [
            ("transfer", at(2025, 11, 20), "transferred"),                     # transferred in Q4
            ("urge", at(2026, 2, 2), None),                                    # urged in Q1
            ("agency_reply", at(2026, 1, 1, 0, 0), None),                      # first minute of Q1
            ("agency_reply", at(2025, 12, 31, 23, 59), None)])                 # Q4
        db.session.commit()
    counts = q1_figures(app)["counts"]
    assert counts["xld.urged"] == 2 and counts["xld.replies"] == 2
    # V was processed in Q4: neither carried over nor transferred in Q1
    assert (counts["xld.transferred"], counts["xld.new"], counts["xld.carried"], counts["xld.total"]) == (1, 1, 0, 1)
    with app.app_context():
        q4 = figures.compute(preset_period(2025, "Q4"), TZ, with_previous=False)["counts"]
    assert (q4["xld.urged"], q4["xld.replies"], q4["xld.transferred"]) == (0, 1, 1)


def test_kind_and_outcome_count_as_they_stood_in_the_period(app):
    """A complaint resolved in Q1, then reclassified and reopened in April, counts in Q1 as a
    resolved complaint with its Q1 outcome, not as today's kind and state."""
    with app.app_context():
        case = Case(tracking_code="TKIND0001", pin_hash="0" * 64, submission_token=uuid.uuid4().hex,
                    kind_code="phan_anh", subject="Việc V", content="x", received_at=at(2026, 1, 5),
                    status="received", accepted_on=date(2026, 1, 6), outcome=None)
        db.session.add(case)
        db.session.flush()
        append_event(case, action="submitted", now=at(2026, 1, 5), to_status="received", first=True,
                     kind_code="khieu_nai")
        append_event(case, action="accept", now=at(2026, 1, 6), actor_type="staff", to_status="accepted")
        append_event(case, action="record_outcome", now=at(2026, 2, 10), actor_type="staff",
                     to_status="resolved", outcome="sai")
        append_event(case, action="reclassify", now=at(2026, 4, 3), actor_type="staff", kind_code="phan_anh")
        append_event(case, action="reopen", now=at(2026, 4, 4), actor_type="staff", to_status="in_progress")
        db.session.commit()
    c = q1_figures(app)["counts"]
    assert c["kn.new"] == 1 and c["kn.resolved"] == 1 and c["kn.sai"] == 1
    assert c["xld.eligible_kn"] == 1 and c["xld.eligible_pakn"] == 0
