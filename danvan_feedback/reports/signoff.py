"""Signing off a period: the figures and the generated files are stored unchanged (flushed, not
committed: the caller commits once)."""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from sqlalchemy import select

from ..extensions import db
from . import exports
from .models import ReportFile, ReportSnapshot


class SignOffError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def canonical(fig: dict) -> str:
    return json.dumps(fig, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def snapshot_hash(figures_json: str, file_hashes: list[str]) -> str:
    return hashlib.sha256("\n".join([hashlib.sha256(figures_json.encode()).hexdigest(), *file_hashes]).encode()).hexdigest()


def find(period_key: str) -> ReportSnapshot | None:
    return db.session.execute(select(ReportSnapshot).where(ReportSnapshot.period_key == period_key)).scalar_one_or_none()


def sign_off(fig: dict, *, actor_id: int, now: datetime, org_name: str = "", note: str = "") -> ReportSnapshot:
    key = fig["period"]["key"]
    if find(key) is not None:
        raise SignOffError("already_signed")
    figures_json = canonical(fig)
    files = [("xlsx", exports.xlsx_bytes(fig)), ("docx", exports.docx_bytes(fig, org_name)),
             ("csv", exports.join(exports.csv_chunks(fig)))]
    hashes = [hashlib.sha256(b).hexdigest() for _f, b in files]
    snap = ReportSnapshot(period_key=key, start_on=date.fromisoformat(fig["period"]["start"]),
                          end_on=date.fromisoformat(fig["period"]["end"]), figures_json=figures_json,
                          sha256=snapshot_hash(figures_json, hashes), note=note, signed_by_id=actor_id, signed_at=now)
    db.session.add(snap)
    db.session.flush()
    for (fmt, body), h in zip(files, hashes):
        db.session.add(ReportFile(snapshot_id=snap.id, fmt=fmt, filename=exports.filename(fig, fmt), content=body,
                                  size=len(body), sha256=h))
    db.session.flush()
    return snap


def verify(snap: ReportSnapshot) -> bool:
    """True when the stored figures and files still hash to the signed value."""
    files_ok = all(hashlib.sha256(f.content).hexdigest() == f.sha256 for f in snap.files)
    return files_ok and snapshot_hash(snap.figures_json, [f.sha256 for f in snap.files]) == snap.sha256


def figures(snap: ReportSnapshot) -> dict:
    return json.loads(snap.figures_json)
