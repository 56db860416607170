"""A receipt's PIN kept server-side for a few minutes (``receipt_holds``), never in the cookie.

A citizen whose reply was lost (a dropped connection, a reset, the honest "we cannot tell" page)
submits the same form again; its token finds the case already stored. When the retry comes from
the same browser session within ``RECEIPT_VISIBLE_MINUTES``, the hold gives the same receipt again,
PIN included; from another session, or later, only the tracking code is shown.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, delete

from ..extensions import db
from ..models import ReceiptHold
from .rows import insert_values


def hold_id(secret: str, session_rid: str, token: str) -> str:
    """The hold's key: a keyed digest of the session's receipt id and the form's token, so neither
    a token seen elsewhere nor another session can open it."""
    return hmac.new(secret.encode(), f"receipt-hold\x1f{session_rid}\x1f{token}".encode(),
                    hashlib.sha256).hexdigest()


SWEEP_EVERY = timedelta(minutes=1)


@lru_cache(maxsize=1)
def _drop_expired():
    """The sweep's statement, built once (a statement built per call is analysed again for
    SQLAlchemy's compiled cache on every submission)."""
    table = ReceiptHold.__table__
    return delete(table).where(table.c.expires_at <= bindparam("now"))


def insert_hold(hid: str, case_id: int, pin: str, *, now: datetime, until: datetime) -> None:
    """Keep ``pin`` for ``hid`` until ``until`` (in the caller's transaction).

    Expired holds are deleted by the first submission of a minute in each process (not by every
    one: a statement less per submission); :func:`held_pin` checks the expiry, so a hold kept a
    minute longer is never shown."""
    sweep = current_app.extensions.setdefault("receipt_hold_sweep", {"next": None})
    if sweep["next"] is None or now >= sweep["next"]:
        sweep["next"] = now + SWEEP_EVERY
        db.session.connection().execute(_drop_expired(), {"now": now})
    insert_values(ReceiptHold.__table__, {"id": hid, "case_id": case_id, "pin": pin,
                                          "expires_at": until})  # encrypted by the column type


def held_pin(hid: str | None, case_id: int, now: datetime) -> str | None:
    """The PIN held under ``hid`` for ``case_id``, or None (no hold, another case, or expired)."""
    if not hid:
        return None
    try:
        row = db.session.get(ReceiptHold, hid)
    except Exception:  # its key dropped from IDENTITY_KEYS since: as if there were no hold  # noqa: BLE001
        db.session.rollback()
        return None
    if row is None or row.case_id != case_id or row.expires_at <= now:
        return None
    return row.pin
