"""Big phone photos are shrunk in the browser before upload; without JavaScript the form still
works and the server shrinks them (issue 10)."""
from __future__ import annotations

import io
import time

from PIL import Image

from .helpers import fill_complaint, label, submit


def big_photo(w=6000, h=4000) -> bytes:
    img = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92)
    return out.getvalue()


def _stored_sizes(live_app):
    from sqlalchemy import select

    from danvan_feedback.extensions import db
    from danvan_feedback.models import Attachment
    from danvan_feedback.storage import LocalStorage
    with live_app.app_context():
        rows = db.session.execute(select(Attachment).order_by(Attachment.id.desc()).limit(1)).scalars().all()
        store = LocalStorage(live_app.config["UPLOAD_DIR"])
        sizes = [Image.open(store.path_for(a.storage_key)).size for a in rows]
        db.session.remove()
    return sizes


def _body_size(request) -> int:
    length = request.all_headers().get("content-length")
    return int(length) if length else len(request.post_data_buffer or b"")


def _attach(page, photo: bytes) -> None:
    page.get_by_label(label("Tệp đính kèm")).set_input_files(
        files=[{"name": "IMG_1234.jpg", "mimeType": "image/jpeg", "buffer": photo}])


def test_the_browser_shrinks_a_big_photo_before_sending_it(page, live_app):
    photo = big_photo()
    page.goto("/gui/khieu_nai")
    fill_complaint(page)
    _attach(page, photo)
    deadline = time.monotonic() + 15
    while True:  # the page's CSP forbids eval, so poll instead of wait_for_function
        sent = page.evaluate("""() => { const i = document.querySelector('input[type=file][data-downscale]');
                                        const f = i.files[0]; return [f.name, f.size, f.type, i.hasAttribute('aria-busy')]; }""")
        if (sent[1] < len(photo) and not sent[3]) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert sent[0] == "IMG_1234.jpg" and sent[2] == "image/jpeg"
    assert sent[1] < len(photo) / 2, (sent, len(photo))
    posted = []
    page.on("request", lambda r: posted.append(_body_size(r)) if r.method == "POST" else None)
    submit(page)
    page.wait_for_url("**/bien-nhan")
    assert posted and posted[0] < len(photo)
    [size] = _stored_sizes(live_app)
    assert max(size) == 2048


def test_without_javascript_the_server_shrinks_it(new_context, live_app):
    page = new_context(java_script_enabled=False).new_page()
    photo = big_photo()
    page.goto("/gui/khieu_nai")
    fill_complaint(page)
    _attach(page, photo)
    posted = []
    page.on("request", lambda r: posted.append(_body_size(r)) if r.method == "POST" else None)
    submit(page)
    page.wait_for_url("**/bien-nhan")
    assert posted and posted[0] > len(photo)  # the original went over the wire
    [size] = _stored_sizes(live_app)
    assert max(size) <= 2048
