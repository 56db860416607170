"""The survey's results, read (one read module for the staff results page and the reports): counted
in SQL (GROUP BY), shaped by ``domain.survey_stats``."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from ..domain.survey_stats import count_responses, summarise
from ..extensions import db
from ..models import Service, Unit
from ..models.survey import SurveyAnswer, SurveyPoint, SurveyResponse

_COLUMNS = {
    "unit": SurveyResponse.unit_id,
    "point": SurveyResponse.point_id,
    "service": SurveyResponse.service_id,
    "channel": SurveyResponse.channel,
    "criterion": SurveyAnswer.criterion_code,
    "factor": SurveyAnswer.factor,
}


def period_bounds(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """Local calendar days [start, end] as UTC instants [from, to)."""
    zone = ZoneInfo(tz)
    return (datetime.combine(start, time.min, zone),
            datetime.combine(end + timedelta(days=1), time.min, zone))


def answer_rows(since: datetime, until: datetime, by: tuple[str, ...]) -> list[dict]:
    """Answers counted per (grouping keys, score, scale size, spam): a few rows per group."""
    keys = [_COLUMNS[k].label(k) for k in by]
    spam = SurveyResponse.is_spam.label("spam")
    q = (select(*keys, SurveyAnswer.score, SurveyAnswer.scale_max, spam, func.count().label("n"))
         .select_from(SurveyAnswer).join(SurveyResponse, SurveyAnswer.response_id == SurveyResponse.id)
         .where(SurveyResponse.created_at >= since, SurveyResponse.created_at < until)
         .group_by(*[_COLUMNS[k] for k in by], SurveyAnswer.score, SurveyAnswer.scale_max,
                   SurveyResponse.is_spam))
    return [dict(r._mapping) for r in db.session.execute(q)]


def response_rows(since: datetime, until: datetime, by: tuple[str, ...]) -> list[dict]:
    response_keys = [k for k in by if k in ("unit", "point", "service", "channel")]
    keys = [_COLUMNS[k].label(k) for k in response_keys]
    not_resolved = case((SurveyResponse.problem_resolved.is_(False), True), else_=False)
    q = (select(*keys, SurveyResponse.is_spam.label("spam"), SurveyResponse.repeat_flag.label("repeat"),
                not_resolved.label("not_resolved"), func.count().label("n"))
         .where(SurveyResponse.created_at >= since, SurveyResponse.created_at < until)
         .group_by(*[_COLUMNS[k] for k in response_keys], SurveyResponse.is_spam,
                   SurveyResponse.repeat_flag, not_resolved))
    return [dict(r._mapping) for r in db.session.execute(q)]


def figures(since: datetime, until: datetime, by: tuple[str, ...], small_sample: int) -> list[dict]:
    return [f.as_dict(by) for f in summarise(answer_rows(since, until, by), by, small_sample)]


def response_counts(since: datetime, until: datetime, by: tuple[str, ...]) -> dict[tuple, dict]:
    return count_responses(response_rows(since, until, by), by)


def names() -> dict[str, dict]:
    """Display names of units, services and points, for the tables."""
    return {
        "unit": dict(db.session.execute(select(Unit.id, Unit.name)).all()),
        "service": dict(db.session.execute(select(Service.id, Service.name)).all()),
        "point": dict(db.session.execute(select(SurveyPoint.id, SurveyPoint.label)).all()),
    }
