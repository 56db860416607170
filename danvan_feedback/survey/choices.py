"""The unit and service lists of the survey forms (the public survey, the staff's survey points)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..domain.validation import parse_int
from ..extensions import db
from ..models import Service, Unit
from .forms import MESSAGES


def fill_choices(form) -> None:
    units = db.session.execute(select(Unit.id, Unit.name).where(Unit.active.is_(True))
                               .order_by(Unit.sort_order, Unit.name)).all()
    services = db.session.execute(select(Service.id, Service.name, Service.unit_id)
                                  .where(Service.active.is_(True))).all()
    none = SelectChoice("", _("— Không chọn —"))
    form.unit_id.choices = [SelectChoice("", _("— Chọn đơn vị —"))] + [SelectChoice(str(u.id), u.name) for u in units]
    unit_names = {u.id: u.name for u in units}
    form.service_id.choices = [none] + [
        SelectChoice(str(s.id), s.name, optgroup=unit_names[s.unit_id])
        for s in sorted(services, key=lambda s: (unit_names.get(s.unit_id, ""), s.name))
        if s.unit_id in unit_names]


def resolve_unit(form, errors: dict) -> tuple[int | None, int | None]:
    """The chosen unit (required) and service (optional; implies its unit when none is chosen; a
    service of another unit is recorded as given, never a reason to refuse the answers)."""
    invalid = str(MESSAGES["invalid_choice"])
    unit_id = service_id = None
    raw_unit, raw_service = form.unit_id.data or "", form.service_id.data or ""
    service = None
    if raw_service:
        number = parse_int(raw_service)
        service = db.session.execute(select(Service.id, Service.unit_id).where(
            Service.id == number, Service.active.is_(True))).first() if number is not None else None
        if service is None:
            errors["service_id"] = invalid
        else:
            service_id = service.id
    if raw_unit:
        number = parse_int(raw_unit)
        unit = db.session.execute(select(Unit.id).where(Unit.id == number, Unit.active.is_(True))
                                  ).first() if number is not None else None
        if unit is None:
            errors["unit_id"] = invalid
        else:
            unit_id = unit.id
    elif service is not None:
        unit_id = service.unit_id
    if unit_id is None and "unit_id" not in errors:
        errors["unit_id"] = str(MESSAGES["unit_required"])
    return unit_id, service_id
