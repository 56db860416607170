from __future__ import annotations

import io
import re
from pathlib import Path

from sqlalchemy import func, select

from danvan_feedback.extensions import db
from tests.conftest import form_tokens


def post_case(client, kind: str, data: dict, files: list[tuple[bytes, str]] | None = None,
              tokens: dict | None = None):
    payload = {**(tokens if tokens is not None else form_tokens(client, f"/gui/{kind}")), **data}
    if files:
        payload["attachments"] = [(io.BytesIO(raw), name) for raw, name in files]
    return client.post(f"/gui/{kind}", data=payload, content_type="multipart/form-data")


def receipt_codes(client, resp) -> tuple[str, str | None]:
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    code = re.search(r'id="tracking-code">([^<]+)<', page).group(1)
    pin = re.search(r'id="pin">(\d{6})<', page)
    return code, pin.group(1) if pin else None


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def lookup(client, code: str, secret: str):
    return client.post("/tra-cuu", data={**form_tokens(client, "/tra-cuu"), "code": code, "secret": secret})
