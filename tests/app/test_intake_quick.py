"""The public form's quick reader (public/quick.py) against the WTForms form it stands in for.

Whenever ``quick_read`` answers, the form must validate the same POST and hold the same data; when
anything is wrong it must step aside (None), so every message still comes from the form.
"""
from __future__ import annotations

import random
from io import BytesIO

import pytest
from flask import session
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms.validators import Length

from danvan_feedback import create_app
from danvan_feedback.public import quick
from danvan_feedback.forms.case import CaseForm
from danvan_feedback.public.quick import quick_read
from tests.conftest import base_config, form_tokens
from tests.factories import complaint, denunciation, suggestion

BUSINESS = {"submitter_type": "business", "full_name": "Phạm Văn Dũng", "address": "Xã Trảng Bom",
            "company_name": "Công ty TNHH Chăn nuôi Xanh", "tax_code": "0300588569",
            "subject": "Hướng dẫn trực tuyến", "content": "Đề nghị đăng hướng dẫn.", "consent": "y"}
BASES = [complaint(), denunciation(), suggestion(), BUSINESS,
         complaint(unit_id="1", service_id="2", commune_id="3", latitude="10.95", longitude="106.82",
                   incident_place="Chợ", website="")]
# Values tried in every field: blanks, controls, decomposed Vietnamese, limits, good and bad formats.
VALUES = [None, "", " ", "\t", "\x01", "  x  ", "Nguye\u0302\u0303n Va\u0306n A", "a" * 200, "a" * 201,
          "b" * 254, "b" * 255, "c" * 300, "c" * 301, "d" * 5001, "0912 345 678", "+84912345678", "12345",
          "0912345678x", "079188012345", "0791 8801 2345", "07918801234", "999188012345", "079399012345",
          "0300588569", "0300588569-001", "0300588568", "binh@example.com", " binh@example.com ",
          "binh@@example.com", "binh@localhost", "Bình@ví-dụ.vn", "2024-01-01", "2999-01-01", "01/02/2024",
          "5", "1", "abc", "citizen", "business", "other", "false", "y", "on", "10.5", "-200", "DROP"]


@pytest.fixture(scope="module")
def quick_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("quick")
    return create_app(base_config(tmp, f"sqlite:///{tmp / 'unused.sqlite3'}"))


@pytest.fixture(scope="module")
def csrf(quick_app):
    with quick_app.test_request_context("/"):
        token = generate_csrf()
        return token, session["csrf_token"]


def both(app, csrf, fields: MultiDict, files: MultiDict | None = None, form_too: bool = True):
    """(quick_read's answer, the form's validate(), the form's data) for one POST."""
    token, raw = csrf
    data = MultiDict(fields)
    if "csrf_token" not in data:
        data["csrf_token"] = token
    body = MultiDict(data)
    for name, storage in (files or MultiDict()).items(multi=True):
        body.add(name, storage)
    with app.test_request_context("/gui/khieu_nai", method="POST", data=body):
        from flask import request
        session["csrf_token"] = raw
        quick_data = quick_read(request.form, request.files)
        if not form_too:
            return quick_data, None, None
        form = CaseForm()
        ok = form.validate()
        return quick_data, ok, {f.name: f.data for f in form if f.name not in ("csrf_token", "attachments")}


def agree(app, csrf, fields, files=None) -> bool:
    quick_data, ok, form_data = both(app, csrf, fields, files)
    if quick_data is not None:
        assert ok, f"quick_read accepted what the form refuses: {dict(fields)}"
        assert quick_data == form_data, f"different data for {dict(fields)}"
    return quick_data is not None


@pytest.mark.parametrize("base", BASES, ids=["khieu_nai", "to_cao", "gop_y", "business", "located"])
def test_valid_posts_are_read_quickly_and_the_same(quick_app, csrf, base):
    assert agree(quick_app, csrf, MultiDict({**base, "token": "a" * 32}))


@pytest.mark.parametrize("base", BASES[:2], ids=["khieu_nai", "to_cao"])
def test_every_value_in_every_field_agrees_with_the_form(quick_app, csrf, base):
    names = [f.name for f in CaseFormFields.fields(quick_app) if f.name not in ("csrf_token", "attachments")]
    quick_answers = 0
    for name in names:
        for value in VALUES:
            fields = {**base, "token": "b" * 32}
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value
            quick_answers += agree(quick_app, csrf, MultiDict(fields))
    assert quick_answers > len(names) * 5  # the quick reader does answer most valid variations


def test_random_combinations_agree(quick_app, csrf):
    rnd = random.Random(17)
    names = [f.name for f in CaseFormFields.fields(quick_app) if f.name not in ("csrf_token", "attachments")]
    for _ in range(300):
        fields = dict(rnd.choice(BASES))
        for name in rnd.sample(names, 3):
            value = rnd.choice(VALUES)
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value
        agree(quick_app, csrf, MultiDict(fields))


def test_what_it_leaves_to_the_form(quick_app, csrf):
    base = {**complaint(), "token": "c" * 32}
    # a repeated field, a missing or forged CSRF token, a file under a field's name, a date, a group size
    assert not agree(quick_app, csrf, MultiDict([*base.items(), ("subject", "again")]))
    assert not agree(quick_app, csrf, MultiDict({**base, "csrf_token": ""}))
    assert not agree(quick_app, csrf, MultiDict({**base, "csrf_token": "forged"}))
    files = MultiDict({"subject": FileStorage(BytesIO(b"x"), "a.txt")})
    assert both(quick_app, csrf, MultiDict(base), files, form_too=False)[0] is None
    assert not agree(quick_app, csrf, MultiDict({**base, "incident_date": "2024-01-01"}))
    assert not agree(quick_app, csrf, MultiDict({**base, "is_group": "y", "group_size": "5"}))
    # a file under "attachments" is the form's usual business, not a reason to step aside
    assert agree(quick_app, csrf, MultiDict(base), MultiDict({"attachments": FileStorage(BytesIO(b"x"), "a.jpg")}))


def test_the_limits_are_the_forms(quick_app):
    """Every field of CaseForm is known to the quick reader, with the form's maximum lengths."""
    fields = {f.name: f for f in CaseFormFields.fields(quick_app)}
    known = (set(quick.TEXT) | set(quick.CHECKED) | {"email", "submitter_type"} | set(quick.FLAGS)
             | set(quick.CHOICES) | set(quick.RAW) | set(quick.LEFT_TO_THE_FORM) | {"csrf_token", "attachments"})
    assert set(fields) == known

    def max_length(name):
        return next((v.max for v in fields[name].validators if isinstance(v, Length)), None)
    assert {name: max_length(name) for name in quick.TEXT} == quick.TEXT
    assert max_length("email") == quick.EMAIL_MAX
    assert [c.value for c in fields["submitter_type"].choices] == list(quick.SUBMITTER_TYPES)
    assert all(f.type == "BooleanField" for n, f in fields.items() if n in quick.FLAGS)
    assert all(not f.filters for n, f in fields.items() if n in quick.RAW)


class CaseFormFields:
    @staticmethod
    def fields(app):
        with app.test_request_context("/"):
            return list(CaseForm(formdata=None))


def test_a_file_under_a_text_fields_name_is_left_out(client, app):
    """No browser sends it; the form comes back (the subject is missing), not a server error."""
    data = {**form_tokens(client, "/gui/khieu_nai"), **complaint()}
    data.pop("subject")
    data["subject"] = (BytesIO(b"not text"), "subject.txt")
    resp = client.post("/gui/khieu_nai", data=data, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "Nhập tiêu đề ngắn cho đơn." in resp.get_data(as_text=True)
