"""Dates on the office's records and every clock of a case (issue 12). Expectations counted by hand:
the day of the event is not counted; a deadline on a weekend or holiday moves to the next working
day (Civil Code arts. 147–148). 2026: 30 Apr and 1 May are holidays."""
from datetime import date

import pytest

from danvan_feedback.domain import clocks as ck
from danvan_feedback.domain.calendar import WorkCalendar
from danvan_feedback.domain.deadlines import Rule
from danvan_feedback.domain.letters import effective_date_error, is_late_entry, received_date_errors

TODAY = date(2026, 5, 20)
RULES = [
    Rule("kien_nghi.transfer", "kien_nghi", "transfer", "normal", 5, "working", "Nghị định 20/2008, Điều 9"),
    Rule("kien_nghi.accept", "kien_nghi", "accept", "normal", 10, "working", "Luật Tiếp công dân, Điều 28"),
    Rule("kien_nghi.resolve", "kien_nghi", "resolve", "normal", 15, "calendar", "chưa đối chiếu"),
    Rule("khieu_nai.accept", "khieu_nai", "accept", "normal", 10, "working", "Luật Khiếu nại, Điều 27"),
    Rule("khieu_nai.resolve1", "khieu_nai", "resolve", "first", 30, "calendar", "Luật Khiếu nại, Điều 28"),
    Rule("khieu_nai.send_decision", "khieu_nai", "send_decision", "normal", 3, "working", "Luật Khiếu nại, Điều 32"),
]
CAL = WorkCalendar()


@pytest.mark.parametrize("received, sender, expected", [
    (TODAY, None, {}),
    (date(2026, 4, 20), date(2026, 4, 20), {}),                  # exactly 30 days back, same day as written
    (date(2026, 5, 21), None, {"received_on": "future_date"}),
    (date(2026, 4, 19), None, {"received_on": "too_far_back"}),
    (None, None, {"received_on": "required"}),
    (date(2026, 5, 10), date(2026, 5, 11), {"sender_doc_date": "after_received"}),
    (date(2026, 5, 10), date(2026, 5, 25), {"sender_doc_date": "future_date"}),
])
def test_received_date(received, sender, expected):
    assert received_date_errors(received, sender, today=TODAY, backdate_days=30) == expected


@pytest.mark.parametrize("effective, previous, expected", [
    (TODAY, date(2026, 5, 1), None),
    (date(2026, 5, 10), date(2026, 5, 10), None),               # the same day as the previous event
    (date(2026, 5, 9), date(2026, 5, 10), "before_previous"),
    (date(2026, 5, 21), None, "future_date"),
    (date(2026, 5, 9), None, "too_far_back"),                   # 11 days back, bound 10
    (date(2026, 5, 10), None, None),
    (None, None, "required"),
])
def test_effective_date(effective, previous, expected):
    assert effective_date_error(effective, today=TODAY, previous_on=previous, late_days=10) == expected


def test_late_entry():
    assert is_late_entry(date(2026, 5, 18), TODAY) and not is_late_entry(TODAY, TODAY)


def test_forwarding_clock_five_working_days_around_30_april():
    # received Tue 28 Apr: 29 Apr (1), 30 Apr and 1 May off, 4,5,6,7 May -> due Thu 7 May
    f = ck.CaseFacts("kien_nghi", date(2026, 4, 28))
    rows = {r.step: r for r in ck.case_clocks(CAL, RULES, f, date(2026, 5, 6))}
    assert rows["transfer"].due == date(2026, 5, 7) and rows["transfer"].state == ck.RUNNING
    assert rows["transfer"].days_left == 1
    assert rows["transfer"].rule.source == "Nghị định 20/2008, Điều 9"
    late = {r.step: r for r in ck.case_clocks(CAL, RULES, f, date(2026, 5, 8))}
    assert late["transfer"].state == ck.OVERDUE
    done = ck.CaseFacts("kien_nghi", date(2026, 4, 28), decided_on=date(2026, 5, 8), decision="transfer",
                        transferred_on=date(2026, 5, 8))
    rows = {r.step: r for r in ck.case_clocks(CAL, RULES, done, TODAY)}
    assert rows["transfer"].state == ck.LATE and rows["accept"].state == ck.MET
    accepted = ck.CaseFacts("kien_nghi", date(2026, 4, 28), decided_on=date(2026, 4, 29), decision="accept",
                            accepted_on=date(2026, 4, 29))
    rows = {r.step: r for r in ck.case_clocks(CAL, RULES, accepted, TODAY)}
    assert rows["transfer"].state == ck.NOT_NEEDED and rows["resolve"].due == date(2026, 5, 14)


def test_complaint_clocks_resolution_and_sending_the_decision():
    # accepted Mon 4 May: 30 days -> 3 Jun; outcome Fri 29 May; send within 3 working days -> Wed 3 Jun
    f = ck.CaseFacts("khieu_nai", date(2026, 4, 27), decided_on=date(2026, 5, 4), decision="accept",
                     accepted_on=date(2026, 5, 4), resolved_on=date(2026, 5, 29))
    rows = {r.step: r for r in ck.case_clocks(CAL, RULES, f, date(2026, 6, 1))}
    assert list(rows) == ["accept", "resolve", "send_decision"]
    assert rows["resolve"].due == date(2026, 6, 3) and rows["resolve"].state == ck.MET
    assert rows["send_decision"].due == date(2026, 6, 3) and rows["send_decision"].state == ck.RUNNING
    # the acceptance clock: 27 Apr (Hùng Kings, bù) is a holiday but the event day is not counted anyway:
    # 28, 29 Apr, 4, 5, 6, 7, 8, 11, 12, 13 May -> 13 May; accepted 4 May: on time
    assert rows["accept"].due == date(2026, 5, 13) and rows["accept"].state == ck.MET


def test_an_anonymous_denunciation_kept_as_information_has_no_clock():
    assert ck.case_clocks(CAL, RULES, ck.CaseFacts("to_cao", TODAY, anonymous_info_only=True), TODAY) == []
