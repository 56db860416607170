"""The public form's POST read without building the WTForms form, for the common case.

Building ``CaseForm`` (28 bound fields and their validators) and validating it cost a named
complaint about a millisecond of CPU, a sixth of the whole request. :func:`quick_read` reads the
same fields with the same cleaning and the same checks, and answers only when every check passes:
then it returns the ``data`` the form would hold after a successful ``validate()``. Anything else
(a mistake, or a value it leaves to the form: a date, a group size, a repeated field, a file under
a field's name, a body that is not a form) gives None, and the view builds the form, whose messages
are the ones shown. So this reader never decides what the citizen is told;
``tests/app/test_intake_quick.py`` checks that whenever it answers, the form agrees and holds the
same data, and that the limits below are the form's.
"""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_wtf.csrf import validate_csrf
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from .. import clock
from ..domain.limits import CASE_TEXT_MAX
from ..domain.validation import Invalid, clean_cccd, clean_phone, clean_tax_code, clean_text

# Text fields (cleaned by clean_text, optional) and their maximum length, as in CaseForm.
TEXT = {name: limit for name, limit in CASE_TEXT_MAX.items() if name != "email"}
EMAIL_MAX = CASE_TEXT_MAX["email"]
CHECKED = ("cccd", "tax_code", "phone")  # cleaned, then normalised by domain.validation
FLAGS = ("anonymous", "info_only_ack", "is_group", "consent")
CHOICES = ("commune_id", "unit_id", "service_id")
RAW = ("latitude", "longitude", "token", "website")  # taken as sent (hidden fields, the honeypot)
LEFT_TO_THE_FORM = ("incident_date", "group_size")  # None when blank; anything typed: the form reads it
SUBMITTER_TYPES = ("citizen", "business")
FALSE_VALUES = ("", "false")  # wtforms BooleanField.false_values (besides False)


def _checked(name: str, value: str) -> str:
    if name == "cccd":
        return clean_cccd(value, clock.today())
    return clean_tax_code(value) if name == "tax_code" else clean_phone(value)


def quick_read(form: MultiDict, files: MultiDict) -> dict | None:
    """The cleaned values of a POST of the public form, or None when the form must read it."""
    if not form or any(name != "attachments" for name in files):
        return None
    for _name, values in form.lists():
        if len(values) > 1:
            return None
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(form.get("csrf_token"))
        except ValidationError:
            return None
    get = form.get
    data: dict = {}
    try:
        for name, limit in TEXT.items():
            raw = get(name)
            data[name] = value = None if raw is None else clean_text(raw)
            if raw is not None and raw.strip() and len(value) > limit:
                return None
        for name in CHECKED:
            raw = get(name)
            data[name] = value = None if raw is None else clean_text(raw)
            if value:
                data[name] = _checked(name, value)
        raw = get("email")
        data["email"] = value = None if raw is None else clean_text(raw)
        if raw is not None and raw.strip():
            if len(value) > EMAIL_MAX:
                return None
            validate_email(value, check_deliverability=False, test_environment=None,
                           allow_smtputf8=None, allow_empty_local=None)
    except (Invalid, EmailNotValidError):
        return None
    for name in LEFT_TO_THE_FORM:
        raw = get(name)
        if raw is not None and raw.strip():
            return None
        data[name] = None
    submitter = get("submitter_type", "citizen")
    if submitter not in SUBMITTER_TYPES:
        return None
    data["submitter_type"] = submitter
    for name in FLAGS:
        data[name] = get(name, "") not in FALSE_VALUES
    for name in CHOICES:
        data[name] = get(name, "")
    for name in RAW:
        data[name] = get(name)
    return data
