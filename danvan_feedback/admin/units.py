"""Administration of units (a tree) and the services each unit offers."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..models import Service, Unit
from ..services import admin as ops
from ..services import uow
from .common import (audit, check_version, commit, conflict_notice, get_or_404, lock_row, log, opt_int, refuse,
                     render, seen, unit_choices)
from .forms import ServiceForm, UnitForm
from .views import bp

UNIT_TYPES = {"office": _l("Văn phòng"), "department": _l("Phòng chuyên môn"), "inspectorate": _l("Thanh tra"),
              "subordinate": _l("Đơn vị trực thuộc")}


def _unit_form_choices(form, unit: Unit | None) -> None:
    types = dict(UNIT_TYPES)
    if unit is not None and unit.unit_type not in types:
        types[unit.unit_type] = unit.unit_type
    form.unit_type.choices = [SelectChoice(k, str(v)) for k, v in types.items()]
    choices = unit_choices(_("— Không có (cấp cao nhất) —"))
    if unit is not None:
        choices = [c for c in choices if c.value != str(unit.id)]
    form.parent_id.choices = choices


@bp.get("/don-vi")
def units():
    rows = db.session.execute(select(Unit).order_by(Unit.sort_order, Unit.name)).scalars().all()
    names = {u.id: u.name for u in rows}
    return render_template("admin/units.html", units=rows, names=names, unit_types=UNIT_TYPES)


def _save_unit(unit: Unit | None, form):
    """(a redirect when saved, else None; refusals for the error summary). Raises Conflict for a
    stale page."""
    extra = {}
    if form.validate():
        # units form a tree (a parent must not become its own descendant): one writer at a time
        unit = lock_row(Unit, unit.id, name="admin:units") if unit is not None else lock_row(None, None, name="admin:units")
        if unit is not None:
            check_version(ops.version(unit))
        try:
            unit, changes = ops.save_unit(unit, code=form.code.data, name=form.name.data, unit_type=form.unit_type.data,
                                          parent_id=opt_int(form.parent_id.data), active=form.active.data,
                                          sort_order=form.sort_order.number)
            audit("unit_save", f"unit:{unit.id}", changes)
            commit("code", _l("Mã đơn vị “%(code)s” đã được dùng cho đơn vị khác.", code=form.code.data))
        except ops.Refused as exc:
            extra = refuse(form, exc)
        else:
            log("unit_save", f"unit:{unit.id}", changes)
            flash(_("Đã lưu đơn vị %(name)s.", name=unit.name), "success")
            return redirect(url_for(".unit_edit", unit_id=unit.id)), {}
    return None, extra


@bp.route("/don-vi/them", methods=["GET", "POST"])
def unit_new():
    form = UnitForm(data={"active": True, "sort_order": "100"} if request.method == "GET" else None)
    _unit_form_choices(form, None)
    extra = {}
    if request.method == "POST":
        done, extra = _save_unit(None, form)
        if done:
            return done
    return render("admin/unit_form.html", form, unit=None, extra=extra)


@bp.route("/don-vi/<int:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    if request.method == "GET":
        form = UnitForm(formdata=None, obj=unit)
        form.parent_id.data, form.sort_order.data = str(unit.parent_id or ""), str(unit.sort_order)
    else:
        form = UnitForm()
    _unit_form_choices(form, unit)
    extra, conflict, version = {}, None, None
    if request.method == "POST":
        try:
            done, extra = _save_unit(unit, form)
        except uow.Conflict:
            conflict = conflict_notice(f"unit:{unit_id}", form)
            unit = get_or_404(Unit, unit_id)
            form = UnitForm(formdata=None, obj=unit)
            form.parent_id.data, form.sort_order.data = str(unit.parent_id or ""), str(unit.sort_order)
            _unit_form_choices(form, unit)
            done = None
        if done:
            return done
        unit = get_or_404(Unit, unit_id)
        version = ops.version(unit) if conflict else seen(ops.version(unit))
    services = db.session.execute(select(Service).where(Service.unit_id == unit.id)
                                  .order_by(Service.active.desc(), Service.name)).scalars().all()
    return render("admin/unit_form.html", form, status=409 if conflict else None, unit=unit, services=services,
                   extra=extra, conflict=conflict, version=version or ops.version(unit))


@bp.route("/don-vi/<int:unit_id>/dich-vu/them", methods=["GET", "POST"])
def service_new(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    form = ServiceForm(data={"active": True} if request.method == "GET" else None)
    return _save_service(None, unit, form)


@bp.route("/dich-vu/<int:service_id>", methods=["GET", "POST"])
def service_edit(service_id: int):
    svc = get_or_404(Service, service_id)
    form = ServiceForm(formdata=None, obj=svc) if request.method == "GET" else ServiceForm()
    return _save_service(svc, svc.unit, form)


def _save_service(svc: Service | None, unit: Unit, form):
    extra, conflict = {}, None
    if request.method == "POST" and form.validate():
        svc_id = svc.id if svc is not None else None
        locked = lock_row(Service, svc_id, name="admin:services") if svc_id else lock_row(None, None, name="admin:services")
        try:
            if locked is not None:
                svc = locked
                check_version(ops.version(svc))
            svc, changes = ops.save_service(svc, unit, code=form.code.data, name=form.name.data, active=form.active.data)
            audit("service_save", f"service:{svc.id}", changes)
            commit("code", _l("Mã dịch vụ “%(code)s” đã được dùng.", code=form.code.data))
        except uow.Conflict:
            conflict = conflict_notice(f"service:{svc_id}", form)
            svc = get_or_404(Service, svc_id)
            form = ServiceForm(formdata=None, obj=svc)
        except ops.Refused as exc:
            extra = refuse(form, exc)
        else:
            log("service_save", f"service:{svc.id}", changes)
            flash(_("Đã lưu dịch vụ %(name)s.", name=svc.name), "success")
            return redirect(url_for(".unit_edit", unit_id=unit.id))
    unit = get_or_404(Unit, unit.id)
    version = None
    if svc is not None:
        svc = get_or_404(Service, svc.id)
        version = ops.version(svc) if conflict or request.method == "GET" else seen(ops.version(svc))
    return render("admin/service_form.html", form, status=409 if conflict else None, unit=unit, service=svc,
                   extra=extra, conflict=conflict, version=version)
