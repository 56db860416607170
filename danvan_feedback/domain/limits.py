"""How long a case's text fields may be and the range of its numbers: one table used by the web form
(``forms.case.CaseForm``) and the Open311 API (``api.schemas``, ``api.openapi``, ``api.definitions``),
so a partner and a citizen meet the same limits."""
from __future__ import annotations

# Characters, after ``domain.validation.clean_text``.
CASE_TEXT_MAX = {
    "full_name": 200,
    "company_name": 300,
    "address": 300,
    "email": 254,  # RFC 5321's path limit
    "subject": 200,
    "content": 20000,
    "incident_place": 300,
    "complained_decision": 5000,
    "request_text": 5000,
    "representative": 200,
}

# (lowest, highest), both allowed.
CASE_NUMBER_RANGE = {
    "group_size": (2, 100000),  # a group letter is signed by two people or more
}
