"""The case fields' limits live in ``domain.limits``: the web form and the Open311 API both use them."""
from __future__ import annotations

from wtforms.fields.core import UnboundField
from wtforms.validators import Length, NumberRange

from danvan_feedback.api import schemas
from danvan_feedback.api.definitions import ATTRIBUTES
from danvan_feedback.domain.limits import CASE_NUMBER_RANGE, CASE_TEXT_MAX
from danvan_feedback.forms.case import CaseForm


def _form_limits() -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    lengths: dict[str, int] = {}
    ranges: dict[str, tuple[int, int]] = {}
    for name, unbound in vars(CaseForm).items():
        if isinstance(unbound, UnboundField):
            for v in unbound.kwargs.get("validators") or []:
                if isinstance(v, Length) and v.max and v.max > 0:
                    lengths[name] = v.max
                elif isinstance(v, NumberRange):
                    ranges[name] = (v.min, v.max)
    return lengths, ranges


def test_the_web_form_has_exactly_the_domain_limits():
    lengths, ranges = _form_limits()
    assert lengths == CASE_TEXT_MAX
    assert ranges == CASE_NUMBER_RANGE


def test_the_api_enforces_and_documents_the_same_limits():
    assert schemas.MAX_LEN == CASE_TEXT_MAX and schemas.RANGES == CASE_NUMBER_RANGE
    assert ATTRIBUTES["complained_decision"][1] == f"max {CASE_TEXT_MAX['complained_decision']} characters"
    assert ATTRIBUTES["contact_address"][1] == f"max {CASE_TEXT_MAX['address']} characters"
