"""Signing off a period: the figures and the generated files are stored unchanged (flushed, not
committed: the caller commits once).

A signed-off (closed) period's figures never change afterwards: the page, the downloads, the command
line and the public page serve the stored figures and files. The only way to change them is an
explicit correction (:func:`correct`) with a reason, which keeps the superseded snapshot and writes
an audit record (DESIGN.md: "a closed period never changes"; domain brief §6)."""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from sqlalchemy import select

from ...extensions import db
from . import exports
from ...models.report import ReportFile, ReportSnapshot


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


def frozen_file(period_key: str, fmt: str) -> tuple[bytes, str] | None:
    """The stored file of a signed-off period, as (content, file name); None when not signed off."""
    snap = find(period_key)
    if snap is None:
        return None
    for f in snap.files:
        if f.fmt == fmt:
            return f.content, f.filename
    return None


def correct(snap: ReportSnapshot, fig: dict, *, actor_id: int, now: datetime, reason: str,
            org_name: str = "") -> ReportSnapshot:
    """An audited correction of a closed period: ``fig`` (recomputed) becomes the period's figures.
    The superseded snapshot is kept under the key ``<period key>~<its id>``, and an audit record
    names both hashes, who corrected, when and why."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise SignOffError("reason_required")
    key = snap.period_key
    if fig["period"]["key"] != key or "~" in key:
        raise SignOffError("wrong_period")
    old_id, old_sha = snap.id, snap.sha256
    changed = len([k for k in _flat_diff(figures(snap), fig)])
    snap.period_key = f"{key}~{old_id}"
    db.session.flush()
    new = sign_off(fig, actor_id=actor_id, now=now, org_name=org_name, note=reason)
    from ..audit import append_audit
    append_audit(actor_id=actor_id, action="report.correct", now=now, reason=reason,
                 detail=json.dumps({"period": key, "superseded": old_id, "superseded_sha256": old_sha,
                                    "snapshot": new.id, "sha256": new.sha256, "changed_figures": changed},
                                   ensure_ascii=False, sort_keys=True))
    return new


def _flat_diff(a: dict, b: dict) -> list[str]:
    from .figures import differences
    return [k for k, _x, _y in differences(a, b)]


def history(period_key: str) -> list[ReportSnapshot]:
    """The superseded snapshots of a period, newest first."""
    return db.session.execute(select(ReportSnapshot).where(ReportSnapshot.period_key.like(f"{period_key}~%"))
                              .order_by(ReportSnapshot.id.desc())).scalars().all()


def verify(snap: ReportSnapshot) -> bool:
    """True when the stored figures and files still hash to the signed value."""
    files_ok = all(hashlib.sha256(f.content).hexdigest() == f.sha256 for f in snap.files)
    return files_ok and snapshot_hash(snap.figures_json, [f.sha256 for f in snap.files]) == snap.sha256


def figures(snap: ReportSnapshot) -> dict:
    return json.loads(snap.figures_json)
