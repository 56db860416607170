"""The vocabulary's words: every status, outcome and action has a label in each wording, and the
staff's wording never speaks to the citizen ("bạn": you)."""
from __future__ import annotations

import re

from danvan_feedback import labels
from danvan_feedback.domain.reception import HEAD_MODES, RECEPTION_TYPES
from danvan_feedback.domain.triage import ACTIONS
from danvan_feedback.domain.vocabulary import Complexity, Handling, MatterState, Outcome, Status

YOU = re.compile(r"\bbạn\b", re.IGNORECASE)


def test_staff_and_citizen_wordings_cover_every_status():
    assert set(labels.CITIZEN_STATUS) == set(Status)
    assert set(labels.STAFF_STATUS) == set(Status)


def test_the_staff_wording_never_says_you():
    staff = {**{f"status {k}": v for k, v in labels.STAFF_STATUS.items()},
             **{f"event {k}": v for k, v in labels.STAFF_EVENT.items()}}
    assert {k: str(v) for k, v in staff.items() if YOU.search(str(v))} == {}
    # ... where the citizen's does (the reason the two exist)
    assert YOU.search(str(labels.CITIZEN_STATUS[Status.WAITING_CITIZEN]))
    assert labels.staff_status_label(Status.WAITING_CITIZEN) != labels.status_label(Status.WAITING_CITIZEN)


def test_every_action_outcome_and_small_set_has_a_label():
    assert set(ACTIONS) <= set(labels.ACTION)
    assert set(ACTIONS) - {"reply"} <= set(labels.CITIZEN_EVENT) | set(labels.CITIZEN_STATUS)
    assert set(labels.OUTCOME) == set(Outcome)
    assert set(labels.MATTER_STATE) == set(MatterState)
    assert set(labels.COMPLEXITY) == set(Complexity)
    assert set(labels.HANDLING) == set(Handling)
    assert set(labels.RECEPTION_TYPE) == set(RECEPTION_TYPES) and set(labels.HEAD_MODE) == set(HEAD_MODES)


def test_an_unknown_code_is_shown_as_itself():
    assert labels.status_label("la_la") == "la_la" == labels.staff_status_label("la_la")
    assert labels.staff_event_label(Status.CLOSED) == str(labels.STAFF_STATUS[Status.CLOSED])
