"""Reference data for the public paths, read at most once per request.

The organisation's name, the kinds of submission, the acceptance clocks, the holiday calendar and
the active units, services and communes change only when an administrator saves them. Each process
keeps the last copy it read together with the ``settings_version`` it was read under; a request
reads that one row (a primary-key lookup) and reuses the copy when the version is unchanged.

Every ORM change to a reference table (an admin save, a CLI command, a test) writes a new
``settings_version`` in the same transaction (see :func:`register`), so all processes and servers
see the change at their next request. The copy is only a cache: losing it costs one reload, and a
process never trusts it without the version check.
"""
from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass

from flask import g, has_app_context
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from ..domain import deadlines as dl
from ..domain import kinds
from ..domain.calendar import WorkCalendar
from ..extensions import db
from ..models import CaseKind, Commune, DeadlineRule, HolidayOverride, OrgSetting, Service, Unit
from .rows import fetch_value

VERSION_KEY = "settings_version"
REFERENCE_MODELS = (OrgSetting, CaseKind, DeadlineRule, HolidayOverride, Unit, Service, Commune)


@dataclass(frozen=True)
class KindInfo(kinds.KindFlags):
    """What the public paths need of a ``case_kinds`` row."""

    code: str
    name_vi: str
    name_en: str
    summary_vi: str
    summary_en: str
    anonymous: str
    required_fields: tuple[str, ...]
    legal_basis: str
    sort_order: int
    active: bool

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi

    def summary(self, locale: str) -> str:
        return self.summary_en if locale == "en" else self.summary_vi


@dataclass(frozen=True)
class Rule:
    code: str
    days: int
    day_unit: str


@dataclass(frozen=True)
class RefData:
    version: str | None
    org_name: str
    kinds: dict[str, KindInfo]
    accept_rules: dict[str, Rule]  # kind code -> the active normal "accept" clock
    calendar: WorkCalendar  # every override the administrator entered
    units: frozenset[int]  # active unit ids
    services: dict[int, int]  # active service id -> its unit id
    communes: frozenset[int]  # active commune ids
    rules: tuple[dl.Rule, ...] = ()  # every active legal clock (the triage actions' deadlines)

    def active_kinds(self) -> list[KindInfo]:
        return sorted((k for k in self.kinds.values() if k.active), key=lambda k: k.sort_order)


_lock = threading.Lock()
_cache: dict[object, RefData] = {}  # engine -> the last copy read
_VERSION = select(OrgSetting.value).where(OrgSetting.key == VERSION_KEY)


def _load(version: str | None) -> RefData:
    s = db.session
    settings = dict(s.execute(select(OrgSetting.key, OrgSetting.value)
                              .where(OrgSetting.key == "org_name")).all())
    kinds = {}
    for k in s.execute(select(CaseKind)).scalars():
        kinds[k.code] = KindInfo(k.code, k.name_vi, k.name_en, k.summary_vi, k.summary_en, k.anonymous,
                                 tuple(json.loads(k.required_fields_json or "[]")), k.legal_basis,
                                 k.sort_order, bool(k.active))
    rules = {r.kind_code: Rule(r.code, r.days, r.day_unit) for r in s.execute(
        select(DeadlineRule.kind_code, DeadlineRule.code, DeadlineRule.days, DeadlineRule.day_unit)
        .where(DeadlineRule.step == "accept", DeadlineRule.variant == "normal",
               DeadlineRule.active.is_(True)).order_by(DeadlineRule.id.desc()))}
    overrides = {r.day: r.is_working for r in s.execute(select(HolidayOverride.day, HolidayOverride.is_working))}
    units = frozenset(s.execute(select(Unit.id).where(Unit.active.is_(True))).scalars())
    services = {r.id: r.unit_id for r in s.execute(select(Service.id, Service.unit_id)
                                                   .where(Service.active.is_(True)))}
    communes = frozenset(s.execute(select(Commune.id).where(Commune.active.is_(True))).scalars())
    d = DeadlineRule
    all_rules = tuple(dl.Rule(*r) for r in s.execute(
        select(d.code, d.kind_code, d.step, d.variant, d.days, d.day_unit, d.source)
        .where(d.active.is_(True)).order_by(d.id)))
    return RefData(version, settings.get("org_name", ""), kinds, rules, WorkCalendar(overrides),
                   units, services, communes, all_rules)


def current(fresh: bool = False) -> RefData:
    """The reference data as committed, at most one small query per request (none when ``g`` has it).
    ``fresh``: ask the version again even when ``g`` has a copy (a write reads it under its lock)."""
    in_ctx = has_app_context()
    if in_ctx and "refdata" in g and not fresh:
        return g.refdata
    version = fetch_value(_VERSION)
    engine = db.engine
    cached = _cache.get(engine)
    if version is None or cached is None or cached.version != version:
        cached = _load(version)  # read after the version: a change committed in between only
        if version is not None:  # makes the copy newer than its label, and the next request reloads
            with _lock:
                _cache[engine] = cached
    if in_ctx:
        g.refdata = cached
    return cached


def load_rules() -> list[dl.Rule]:
    """Every active legal clock, from the reference data as committed (its version asked again, so a
    write under its lock sees the rules of that moment; the rows themselves are read only after a change)."""
    return list(current(fresh=True).rules)


class Stale(Exception):
    """The reference data a submission was validated against changed before its write."""


def peek() -> RefData:
    """This process's copy without checking its version (no query), for validating a submission
    whose write then checks it (:func:`check`); :func:`current` when there is no copy yet."""
    if has_app_context() and "refdata" in g:
        return g.refdata
    cached = _cache.get(db.engine)
    return cached if cached is not None else current()


def check(expected_version: str | None) -> RefData:
    """Inside the write transaction: the current reference data, or :class:`Stale` when its
    version is not the one the caller validated against (``None``: no expectation)."""
    ref = current()
    if expected_version is not None and ref.version != expected_version:
        raise Stale(expected_version)
    return ref


def forget() -> None:
    """Drop this request's copy (after the request itself changed reference data)."""
    if has_app_context():
        g.pop("refdata", None)


def _bump(session: Session) -> None:
    session.execute(update(OrgSetting.__table__).where(OrgSetting.__table__.c.key == VERSION_KEY)
                    .values(value=secrets.token_hex(8)))
    forget()


def register() -> None:
    """Bump ``settings_version`` whenever a flush or an ORM bulk statement touches reference data."""
    if getattr(register, "done", False):
        return
    register.done = True

    @event.listens_for(Session, "before_flush")
    def _reference_changed(session, _ctx, _instances):
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, REFERENCE_MODELS) and not (
                    isinstance(obj, OrgSetting) and obj.key == VERSION_KEY):
                if obj in session.dirty and not session.is_modified(obj):
                    continue
                _bump(session)
                return

    @event.listens_for(Session, "do_orm_execute")
    def _bulk_reference_change(state):
        if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None \
                and state.bind_mapper.class_ in REFERENCE_MODELS:
            _bump(state.session)
