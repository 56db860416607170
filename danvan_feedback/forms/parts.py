"""Pieces of the case form that several blueprints reuse: the choice lists and the uploaded/held files.

(The public forms, the office's letters and the staff decision form read files and choices the same way.)
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..domain.validation import parse_int
from ..extensions import db, file_stores
from ..models import Commune, Service, Unit
from ..services import held as held_files
from ..services import refdata
from ..storage import PixelBudget, RejectedFile, StorageError, clean_upload
from .case import MESSAGES, CaseForm, file_error_message

log = logging.getLogger(__name__)


def _fill_choices(form: CaseForm) -> None:
    """The unit, service (grouped by unit) and commune lists, for rendering the form."""
    units = db.session.execute(select(Unit.id, Unit.name).where(Unit.active.is_(True))
                               .order_by(Unit.sort_order, Unit.name)).all()
    services = db.session.execute(select(Service.id, Service.name, Service.unit_id)
                                  .where(Service.active.is_(True))).all()
    communes = db.session.execute(select(Commune.id, Commune.name).where(Commune.active.is_(True))
                                  .order_by(Commune.name)).all()
    none = SelectChoice("", _("— Không chọn —"))
    form.unit_id.choices = [none] + [SelectChoice(str(u.id), u.name) for u in units]
    unit_names = {u.id: u.name for u in units}
    form.service_id.choices = [none] + [
        SelectChoice(str(s.id), s.name, optgroup=unit_names[s.unit_id])
        for s in sorted(services, key=lambda s: (unit_names.get(s.unit_id, ""), s.name))
        if s.unit_id in unit_names]
    form.commune_id.choices = [none] + [SelectChoice(str(c.id), c.name) for c in communes]


def _resolve_choices(form: CaseForm, errors: dict,
                     ref: refdata.RefData | None = None) -> tuple[int | None, int | None, int | None]:
    """:func:`resolve_choice_ids` of a form's unit, service and commune fields."""
    return resolve_choice_ids({name: form[name].data for name in ("unit_id", "service_id", "commune_id")},
                              errors, ref)


def resolve_choice_ids(values: dict, errors: dict,
                       ref: refdata.RefData | None = None) -> tuple[int | None, int | None, int | None]:
    """Check the chosen unit, service and commune (``values``: as typed, by field name) against the
    active ones (reference data, no query); a refused one gets its message in ``errors``.

    On the POST path the full lists are not built (they are only needed to re-render the form).
    A service implies its unit when no unit is chosen. Both lists are optional, so a service of
    another unit is recorded as given rather than refused: optional information never refuses a letter.
    """
    invalid = str(MESSAGES["invalid_choice"])
    ref = ref or refdata.current()

    def pick(name, known) -> int | None:
        raw = values.get(name) or ""
        if not raw:
            return None
        number = parse_int(raw)
        if number is None or number not in known:
            errors[name] = invalid
            return None
        return int(raw)

    unit_id = pick("unit_id", ref.units)
    service_id = pick("service_id", ref.services)
    commune_id = pick("commune_id", ref.communes)
    if service_id is not None:
        service_unit = ref.services[service_id]
        if unit_id is None and not values.get("unit_id"):
            unit_id = service_unit
    return unit_id, service_id, commune_id


def _read_files(field_name: str, max_files: int | None = None, already: int = 0) -> tuple[list, list[str]]:
    """Check every uploaded file by content; return the cleaned files and error messages.
    ``already``: files this form holds from an earlier try, counted against ``max_files``."""
    cfg = current_app.config
    max_files = max_files or cfg["UPLOAD_MAX_FILES"]
    uploads = [f for f in request.files.getlist(field_name) if f and f.filename]
    errors: list[str] = []
    if len(uploads) + already > max_files:
        return [], [str(MESSAGES["too_many_files"]) % {"n": max_files}]
    cleaned = []
    budget = PixelBudget()  # decoded pixels for all the images of this submission
    for up in uploads:
        raw = up.stream.read(cfg["UPLOAD_MAX_FILE_BYTES"] + 1)
        try:
            cleaned.append(clean_upload(raw, up.filename, cfg["UPLOAD_MAX_FILE_BYTES"], budget))
        except RejectedFile as exc:
            errors.append(file_error_message(exc.code, exc.filename, cfg["UPLOAD_MAX_FILE_BYTES"]))
    return cleaned, errors


def token_ok(token: str) -> bool:
    """A form token as the pages make them (it names the files held for the form)."""
    return 8 <= len(token) <= 64 and token.isalnum()


def held_files_allowed(token: str) -> bool:
    return token_ok(token) and not request.form.get("website")


def _held_from_form(token: str) -> list[held_files.Held]:
    """The files this form holds from an earlier try, minus those the citizen asked to remove
    (deleted now). Nothing is held for a form without a valid token."""
    if not token_ok(token):
        return []
    kept, dropped = held_files.read_refs(
        request.form.getlist("held"), token=token, secret=current_app.config["SECRET_KEY"],
        drop=set(request.form.getlist("drop_held")), limit=current_app.config["UPLOAD_MAX_FILES"])
    held_files.release(dropped, file_stores.attachments)
    return kept


def _hold_new(files: list, token: str) -> tuple[list[held_files.Held], bool]:
    """Keep the files of a try that came back with an error (see ``services.held``); (their
    references, whether some could not be kept)."""
    if not files:
        return [], False
    try:
        return held_files.hold(files, token=token, secret=current_app.config["SECRET_KEY"], storage=file_stores.attachments), False
    except StorageError as exc:
        log.error("storage error while holding files: errno=%s", exc.errno)
        return [], True


@dataclass
class TryFiles:
    """The files of one try of a form that holds files (see ``services.held``): those held from
    earlier tries (references and their content), the new ones that passed the checks, and the
    messages about the others."""
    held: list = field(default_factory=list)
    held_data: list = field(default_factory=list)
    files: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def all(self) -> list:
        """Every file to file with the letter: the held ones first, then the new ones."""
        return self.held_data + self.files


def files_of_try(token: str, *, honeypot: bool = False, field_name: str = "attachments") -> TryFiles:
    """Read the files of this try: the held ones (minus those the citizen removed) and the new
    uploads. A form whose honeypot is filled holds nothing."""
    held = _held_from_form(token) if not honeypot else []
    files, errors = _read_files(field_name, already=len(held))
    held_data, gone = held_files.load(held, file_stores.attachments)
    if gone:
        held = [h for h in held if h not in gone]
        errors.append(str(MESSAGES["held_gone"]) % {"names": ", ".join(h.name for h in gone)})
    return TryFiles(held=held, held_data=held_data, files=files, errors=errors)


def hold_for_next_try(tried: TryFiles, token: str, allowed: bool) -> tuple[list[held_files.Held], bool]:
    """The form comes back (an error, a language switch): keep its files for the next try.
    (every held file to show, whether some new files could not be kept and must be chosen again)."""
    new_held, not_kept = _hold_new(tried.files, token) if allowed else ([], bool(tried.files))
    return held_files.touch(tried.held, file_stores.attachments) + new_held, not_kept
