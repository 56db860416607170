"""A photo survives an error (issue 14): the file of a try that came back with an error is held on
the server for that form, shown as "Đã đính kèm", can be removed, and is filed with the accepted
letter; a held file nobody comes back for is swept like any orphan."""
from __future__ import annotations

import hashlib
import io
import os
import re
import time

from PIL import Image
from sqlalchemy import select

from danvan_feedback.extensions import db
from danvan_feedback.models import Attachment, Case
from danvan_feedback.storage import LocalStorage
from tests.app.helpers import count, post_case, receipt_codes, stored_files
from tests.conftest import form_tokens
from tests.factories import GPS_IFD, complaint, jpeg_bytes, pdf_bytes

HELD = re.compile(r'name="held" value="([^"]+)"')
DROP = re.compile(r'name="drop_held" value="([^"]+)"')


def first_try(client, files, **changes):
    """A complaint with a mistake (CCCD too short) and ``files``: (the form tokens, the 422 page)."""
    tokens = form_tokens(client, "/gui/khieu_nai")
    resp = post_case(client, "khieu_nai", complaint(cccd="0751", **changes), files=files, tokens=tokens)
    assert resp.status_code == 422
    return tokens, resp.get_data(as_text=True)


def test_a_photo_is_held_after_an_error_and_filed_with_the_accepted_letter(client, app):
    photo = jpeg_bytes(size=(320, 240), gps=True)
    tokens, html = first_try(client, [(photo, "anh hien truong.jpg")])
    assert "Đã đính kèm: anh hien truong.jpg" in html and "Xoá tệp này" in html
    refs = HELD.findall(html)
    assert len(refs) == 1 and len(stored_files(app)) == 1
    held_copy = stored_files(app)[0].read_bytes()
    assert not Image.open(io.BytesIO(held_copy)).getexif().get_ifd(GPS_IFD)  # held cleaned, like any file
    # the second try sends no file at all, only the held reference: the letter carries the photo
    resp = post_case(client, "khieu_nai", {**complaint(), "held": refs}, tokens=tokens)
    receipt_codes(client, resp)
    with app.app_context():
        att = db.session.execute(select(Attachment)).scalar_one()
        assert att.original_name == "anh hien truong.jpg" and att.content_type == "image/jpeg"
        assert att.sha256 == hashlib.sha256(held_copy).hexdigest()
        case = db.session.execute(select(Case)).scalar_one()
        assert att.case_id == case.id
        key = att.storage_key
    # the held copy is gone; the case's own file stays
    assert [p.name for p in stored_files(app)] == [key]


def test_held_and_new_files_together_and_a_removed_one_is_deleted(client, app):
    tokens, html = first_try(client, [(jpeg_bytes(), "a.jpg"), (pdf_bytes(), "b.pdf")])
    refs, keys = HELD.findall(html), DROP.findall(html)
    assert len(refs) == 2 and len(stored_files(app)) == 2
    # second try: still a mistake, "b.pdf" removed, one more photo chosen
    resp = post_case(client, "khieu_nai", {**complaint(cccd="1"), "held": refs, "drop_held": keys[1]},
                     files=[(jpeg_bytes(color=(0, 90, 0)), "c.jpg")], tokens=tokens)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Đã đính kèm: a.jpg" in html and "Đã đính kèm: c.jpg" in html and "b.pdf" not in html
    assert len(stored_files(app)) == 2
    resp = post_case(client, "khieu_nai", {**complaint(), "held": HELD.findall(html)}, tokens=tokens)
    receipt_codes(client, resp)
    with app.app_context():
        names = db.session.execute(select(Attachment.original_name).order_by(Attachment.id)).scalars().all()
    assert names == ["a.jpg", "c.jpg"] and len(stored_files(app)) == 2


def test_the_file_limit_counts_held_files(client, app):
    app.config["UPLOAD_MAX_FILES"] = 2
    tokens, html = first_try(client, [(jpeg_bytes(), "a.jpg"), (jpeg_bytes(), "b.jpg")])
    resp = post_case(client, "khieu_nai", {**complaint(), "held": HELD.findall(html)},
                     files=[(jpeg_bytes(), "c.jpg")], tokens=tokens)
    assert resp.status_code == 422 and "tối đa 2 tệp" in resp.get_data(as_text=True)
    assert count(app, Case) == 0


def test_a_reference_from_another_form_or_forged_is_ignored(client, app):
    _tokens, html = first_try(client, [(jpeg_bytes(), "a.jpg")])
    ref = HELD.findall(html)[0]
    other = form_tokens(client, "/gui/khieu_nai")  # another form: the reference is bound to the first
    forged = ref[:-4] + ("AAAA" if not ref.endswith("AAAA") else "BBBB")
    resp = post_case(client, "khieu_nai", {**complaint(), "held": [ref, forged]}, tokens=other)
    receipt_codes(client, resp)
    assert count(app, Attachment) == 0
    assert len(stored_files(app)) == 1  # the first form's file is left for the sweep


def test_a_held_file_gone_from_the_disk_is_said_not_a_500(client, app):
    tokens, html = first_try(client, [(jpeg_bytes(), "a.jpg")])
    for path in stored_files(app):
        path.unlink()
    resp = post_case(client, "khieu_nai", {**complaint(), "held": HELD.findall(html)}, tokens=tokens)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "không còn được giữ" in page and "a.jpg" in page
    assert 'value="Trần Thị Bình"' in page and count(app, Case) == 0


def test_held_files_nobody_came_back_for_are_swept(client, app, runner):
    first_try(client, [(jpeg_bytes(), "a.jpg")])
    [path] = stored_files(app)
    assert "removed 0 orphan" in runner.invoke(args=["attachments", "sweep"]).output  # still fresh
    old = time.time() - 7200
    os.utime(path, (old, old))
    assert "removed 1 orphan" in runner.invoke(args=["attachments", "sweep"]).output
    assert stored_files(app) == []
    assert LocalStorage(app.config["UPLOAD_DIR"]).sweep(set(), 3600) == []


# --- the "bổ sung" form of a case page holds its files the same way ---------------------------------

def add_info(client, code: str, data: dict, files=(), tokens=None):
    tokens = tokens or form_tokens(client, f"/ho-so/{code}")
    payload = {**tokens, **data, "attachments": [(io.BytesIO(b), n) for b, n in files]}
    return client.post(f"/ho-so/{code}/bo-sung", data=payload, content_type="multipart/form-data")


def test_a_photo_added_to_a_case_survives_an_error_and_is_filed_with_the_addition(client, app):
    code, _pin = receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    tokens = form_tokens(client, f"/ho-so/{code}")
    assert tokens.get("token")  # the "bổ sung" form has its own token, naming what it holds
    # a good photo and a file that is refused: the refusal is said, the photo is held
    resp = add_info(client, code, {"text": "Ảnh biên bản làm việc."},
                    [(jpeg_bytes(), "bien-ban.jpg"), (b"MZ\x90\x00 exe", "virus.pdf")], tokens)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "không được chấp nhận" in html
    assert "Đã đính kèm: bien-ban.jpg" in html and "Xoá tệp này" in html and "Ảnh biên bản làm việc." in html
    assert re.search(rf'name="token" type="hidden" value="{tokens["token"]}"', html)  # the same form again
    refs = HELD.findall(html)
    assert len(refs) == 1 and len(stored_files(app)) == 1  # the photo, held; the refused file nowhere
    # the second try sends only the held reference: the addition carries the photo
    resp = add_info(client, code, {"text": "Ảnh biên bản làm việc.", "held": refs}, tokens=tokens)
    assert resp.status_code == 303
    with app.app_context():
        names = db.session.execute(select(Attachment.original_name).order_by(Attachment.id)).scalars().all()
        keys = set(db.session.execute(select(Attachment.storage_key)).scalars())
    assert names == ["bien-ban.jpg"]
    assert {p.name for p in stored_files(app)} == keys  # the held copy is gone


def test_a_held_photo_of_the_addition_can_be_removed(client, app):
    code, _pin = receipt_codes(client, post_case(client, "khieu_nai", complaint()))
    tokens = form_tokens(client, f"/ho-so/{code}")
    html = add_info(client, code, {"text": "x" * 10001}, [(jpeg_bytes(), "a.jpg")], tokens).get_data(as_text=True)
    refs, keys = HELD.findall(html), DROP.findall(html)
    assert len(refs) == 1 and len(stored_files(app)) == 1
    # removed, and nothing else typed: "nothing to add" is said, the held copy is deleted
    resp = add_info(client, code, {"text": "", "held": refs, "drop_held": keys[0]}, tokens=tokens)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Vui lòng nhập thông tin hoặc chọn tệp" in html and "a.jpg" not in html
    assert stored_files(app) == [] and count(app, Attachment) == 0
