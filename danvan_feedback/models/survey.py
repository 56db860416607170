"""Survey models (issue 4: the service satisfaction survey).

A *questionnaire* is ``service`` (rating a unit at its counter, the SIPAS factors) or ``case``
(rating how a case was handled). Its questions live in versions: editing a criterion or the scale
creates a new :class:`SurveyVersion`; every response keeps the version it answered, and every
answer carries the criterion's stable ``code``, its SIPAS ``factor`` and the scale's size, so old
answers stay interpretable (and aggregate in SQL without joins to the version).
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import (Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class SurveyVersion(db.Model):
    __tablename__ = "survey_versions"
    __table_args__ = (
        UniqueConstraint("questionnaire", "number", name="uq_survey_versions_questionnaire_number"),
        CheckConstraint("questionnaire IN ('service','case')", name="questionnaire"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire: Mapped[str] = mapped_column(String(16))
    number: Mapped[int] = mapped_column(Integer)
    # JSON list of the scale's labels, lowest first ("Rất không hài lòng" … "Rất hài lòng").
    scale_json: Mapped[str] = mapped_column(Text)
    # The same labels in English (the public page in English shows them); None: not translated.
    scale_en_json: Mapped[str | None] = mapped_column(Text)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    criteria: Mapped[list["SurveyCriterion"]] = relationship(
        back_populates="version", order_by="SurveyCriterion.position")

    @property
    def scale(self) -> list[str]:
        return json.loads(self.scale_json or "[]")

    @property
    def scale_en(self) -> list[str] | None:
        labels = json.loads(self.scale_en_json) if self.scale_en_json else None
        return labels if labels and len(labels) == len(self.scale) else None

    def scale_for(self, locale: str) -> list[str]:
        return (self.scale_en or self.scale) if locale == "en" else self.scale


class SurveyCriterion(db.Model):
    """One rated question of a version. ``code`` is stable across versions (wording may change);
    ``factor`` is the SIPAS factor it feeds: access, procedure, staff, result, feedback, overall."""

    __tablename__ = "survey_criteria"
    __table_args__ = (UniqueConstraint("version_id", "code", name="uq_survey_criteria_version_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    factor: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str | None] = mapped_column(String(300))
    # Only required questions must be answered; the others offer "Không áp dụng" (not applicable).
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[SurveyVersion] = relationship(back_populates="criteria")

    def label_for(self, locale: str) -> str:
        return (self.label_en or self.label) if locale == "en" else self.label


class SurveyPoint(db.Model):
    """A place where people are asked (a counter's QR poster): a unit, optionally a service."""

    __tablename__ = "survey_points"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(16), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    label: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unit: Mapped["Unit"] = relationship()  # noqa: F821
    service: Mapped["Service | None"] = relationship()  # noqa: F821


class SurveyResponse(db.Model):
    """One filled questionnaire. ``case_id`` is unique: a case is rated once.

    ``client_hash`` is HMAC(SECRET_KEY, client address), never the address itself; it only serves to
    flag repeats (``repeat_flag``). ``is_spam`` is set by staff; each change is logged in
    :class:`SurveySpamLog`.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        CheckConstraint("channel IN ('web','qr','case')", name="channel"),
        CheckConstraint("respondent_type IS NULL OR respondent_type IN ('citizen','business')",
                        name="respondent_type"),
        Index("ix_survey_responses_created_at", "created_at"),
        Index("ix_survey_responses_client", "client_hash", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    point_id: Mapped[int | None] = mapped_column(ForeignKey("survey_points.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    case_kind_code: Mapped[str | None] = mapped_column(String(16))
    problem_resolved: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    respondent_type: Mapped[str | None] = mapped_column(String(16))
    age_band: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_hash: Mapped[str] = mapped_column(String(64))
    repeat_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    is_spam: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[SurveyVersion] = relationship()
    point: Mapped[SurveyPoint | None] = relationship()
    unit: Mapped["Unit | None"] = relationship()  # noqa: F821
    answers: Mapped[list["SurveyAnswer"]] = relationship(back_populates="response",
                                                         order_by="SurveyAnswer.id")


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answers"
    __table_args__ = (
        CheckConstraint("score >= 1 AND score <= scale_max", name="score_range"),
        UniqueConstraint("response_id", "criterion_id", name="uq_survey_answers_response_criterion"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("survey_criteria.id"))
    criterion_code: Mapped[str] = mapped_column(String(32))
    factor: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    scale_max: Mapped[int] = mapped_column(Integer)
    response: Mapped[SurveyResponse] = relationship(back_populates="answers")


class SurveySpamLog(db.Model):
    """Append-only (a trigger refuses UPDATE and DELETE): who marked or unmarked a response as spam,
    when and why."""

    __tablename__ = "survey_spam_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_spam: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
