"""Reference data: the organisation, its units and services, the kinds of submission and the legal clocks.

All of it is data (seeded by the first migration, editable by an administrator), never code.
"""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain import kinds
from ..extensions import db


class OrgSetting(db.Model):
    """Key/value settings an administrator edits: org_name, triage_role_name, ..."""

    __tablename__ = "org_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")

    @classmethod
    def get(cls, key: str, default: str = "") -> str:
        row = db.session.get(cls, key)
        return row.value if row else default


class Unit(db.Model):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_type: Mapped[str] = mapped_column(String(32), default="department")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    services: Mapped[list["Service"]] = relationship(back_populates="unit", order_by="Service.name")


class Service(db.Model):
    __tablename__ = "services"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    unit: Mapped[Unit] = relationship(back_populates="services")


class Commune(db.Model):
    """Communes and wards (xã, phường) of the province: a plain list after the 2025 reform."""

    __tablename__ = "communes"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CaseKind(kinds.KindFlags, db.Model):
    """A kind of submission and what it requires (domain brief §2).

    ``anonymous`` is ``allowed`` (handled normally), ``refused`` (khiếu nại: TT 05/2021/TT-TTCP art. 6)
    or ``info_only`` (tố cáo: kept as information, not handled under the Law on Denunciations art. 25).
    ``required_fields`` is a JSON list of the identity fields a named submission needs.
    """

    __tablename__ = "case_kinds"
    __table_args__ = (CheckConstraint("anonymous IN ('allowed','refused','info_only')", name="anonymous"),)
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    summary_vi: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    anonymous: Mapped[str] = mapped_column(String(16), default="allowed")
    required_fields_json: Mapped[str] = mapped_column("required_fields", Text, default="[]")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def required_fields(self) -> list[str]:
        return json.loads(self.required_fields_json or "[]")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi

    def summary(self, locale: str) -> str:
        return self.summary_en if locale == "en" else self.summary_vi


class DeadlineRule(db.Model):
    """One legal clock: ``days`` counted in ``unit`` (working or calendar days) from an event.

    ``source`` cites the article; ``variant`` distinguishes normal / complex / remote cases.
    """

    __tablename__ = "deadline_rules"
    __table_args__ = (
        CheckConstraint("days >= 0", name="days_not_negative"),
        CheckConstraint("day_unit IN ('working','calendar')", name="day_unit"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind_code: Mapped[str | None] = mapped_column(ForeignKey("case_kinds.code"))
    step: Mapped[str] = mapped_column(String(32))
    variant: Mapped[str] = mapped_column(String(32), default="normal")
    days: Mapped[int] = mapped_column(Integer)
    day_unit: Mapped[str] = mapped_column(String(16), default="working")
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class HolidayOverride(db.Model):
    """The government's yearly swaps: an extra day off (is_working false) or a worked Saturday (true)."""

    __tablename__ = "holiday_overrides"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(300), default="")


class ReplyTemplate(db.Model):
    """Text an inspector starts from: public replies (``reply``) and reasons (``reason``: refusing to
    accept, filing without action...). Placeholders such as ``{ten}``, ``{ma}``, ``{ngay_nhan}``."""

    __tablename__ = "reply_templates"
    __table_args__ = (CheckConstraint("purpose IN ('reply','reason')", name="purpose"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(48), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
