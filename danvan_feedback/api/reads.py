"""What the API may show: the visibility rule (never a denunciation, even one reclassified since)
and the public photo of a case. Read-only queries."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from ..domain.vocabulary import AnonymousPolicy
from ..extensions import db
from ..models import Attachment, Case, CaseEvent, CaseKind, Commune, Unit
from ..links import public_url
from .definitions import HIDDEN_KINDS

MEDIA_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def ever_hidden():
    """A case that was ever of a hidden kind (a denunciation, even reclassified since)."""
    ev = aliased(CaseEvent)
    return (exists().where(ev.case_id == Case.id, ev.kind_code.in_(sorted(HIDDEN_KINDS)))
            .correlate(Case))


def visible_where():
    return and_(Case.open311_id.is_not(None), Case.kind_code.not_in(sorted(HIDDEN_KINDS)),
                Case.protected.is_(False), CaseKind.anonymous != AnonymousPolicy.INFO_ONLY, ~ever_hidden())


def visible():
    """Cases the API may show: with an opaque id, and never of a hidden kind (denunciations)."""
    return (select(Case, CaseKind, Unit.name, Commune.name)
            .join(CaseKind, CaseKind.code == Case.kind_code)
            .outerjoin(Unit, Unit.id == func.coalesce(Case.handling_unit_id, Case.unit_id))  # the unit handling it, else the one named
            .outerjoin(Commune, Commune.id == Case.commune_id)
            .where(visible_where()))


def media_ref(att_id: int) -> str:
    mac = hmac.new(current_app.config["SECRET_KEY"].encode(), f"open311-media:{att_id}".encode(),
                   hashlib.sha256).hexdigest()[:32]
    return f"{att_id}-{mac}"


def public_photos(case_ids: list[int]) -> dict[int, Attachment]:
    """The first photo filed with each case, for the kinds whose photos are public (suggestions,
    reports, recommendations: never a complaint's, never a denunciation's). Photos were re-encoded
    at upload, so they carry no EXIF."""
    if not case_ids:
        return {}
    rows = db.session.execute(
        select(Attachment).join(Case, Case.id == Attachment.case_id)
        .join(CaseKind, CaseKind.code == Case.kind_code)
        .where(Attachment.case_id.in_(case_ids), Attachment.event_id.is_(None),
               Attachment.content_type.in_(sorted(MEDIA_TYPES)), CaseKind.anonymous == AnonymousPolicy.ALLOWED,
               visible_where())
        .order_by(Attachment.case_id, Attachment.id)).scalars()
    out: dict[int, Attachment] = {}
    for att in rows:
        out.setdefault(att.case_id, att)
    return out


def media_url(att: Attachment | None) -> str | None:
    if att is None:
        return None
    return public_url("api.media", ref=media_ref(att.id), ext=MEDIA_TYPES[att.content_type])


def public_photo_by_id(att_id: int) -> Attachment | None:
    """The photo, if it is the public photo of its case (the one its case's media_url names)."""
    att = db.session.get(Attachment, att_id)
    if att is None or att.event_id is not None:
        return None
    public = public_photos([att.case_id]).get(att.case_id)
    return public if public is not None and public.id == att.id else None
