"""The satisfaction survey: record responses, survey points, versions, spam, and the invitation to
rate a resolved case. Functions flush; the caller commits (except :func:`record_response`, which
commits like ``submit_case`` so an idempotency-token clash can be answered)."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from ..domain.vocabulary import Status
from ..extensions import db
from ..models import Case, CaseEvent, OutboxMessage
from ..models.survey import (SurveyAnswer, SurveyCriterion, SurveyPoint, SurveyResponse,
                             SurveySpamLog, SurveyVersion)
from . import uow
from .notify import enqueue, message_id

SLUG_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: the URL is written on the poster
SLUG_LENGTH = 6
FACTORS = ("access", "procedure", "staff", "result", "feedback", "overall")
AGE_BANDS = ("under_30", "30_44", "45_59", "60_plus")

DEFAULT_SCALE = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
DEFAULT_SCALE_EN = ["Very dissatisfied", "Dissatisfied", "Neither", "Satisfied", "Very satisfied"]
# Only the overall question must be answered; a factor the visitor did not meet is "not applicable".
REQUIRED_CODES = frozenset({"overall", "handling_overall"})
# English wording of the seeded questions (criteria are data; an administrator edits both).
DEFAULT_LABELS_EN = {
    "access": "Access to the service: reception place, equipment, guidance",
    "procedure": "Administrative procedure: documents, processing time, fees and charges",
    "staff": "The civil servant who handled your matter: attitude, guidance",
    "result": "Result of the service: lawful and on time",
    "feedback": "Receiving and handling suggestions, reports and recommendations",
    "overall": "Overall, how satisfied are you with the service?",
    "timeliness": "Time taken to resolve and answer: on time",
    "clarity": "The answer is clear and easy to understand",
    "fairness": "Resolved objectively, fairly and lawfully",
    "attitude": "Attitude of the officials",
    "handling_overall": "Overall, how satisfied are you with how your matter was handled?",
}
DEFAULT_CRITERIA = {
    "service": [
        ("access", "access", "Tiếp cận dịch vụ: nơi tiếp nhận, trang thiết bị, thông tin hướng dẫn"),
        ("procedure", "procedure", "Thủ tục hành chính: hồ sơ, thời gian giải quyết, phí, lệ phí"),
        ("staff", "staff", "Công chức trực tiếp giải quyết công việc: thái độ, hướng dẫn"),
        ("result", "result", "Kết quả dịch vụ: đúng quy định, đúng hẹn"),
        ("feedback", "feedback", "Tiếp nhận, giải quyết góp ý, phản ánh, kiến nghị"),
        ("overall", "overall", "Nhìn chung, bạn hài lòng với dịch vụ ở mức nào?"),
    ],
    "case": [
        ("timeliness", "feedback", "Thời gian giải quyết, trả lời đúng hạn"),
        ("clarity", "feedback", "Nội dung trả lời rõ ràng, dễ hiểu"),
        ("fairness", "feedback", "Giải quyết khách quan, công bằng, đúng quy định"),
        ("attitude", "feedback", "Thái độ của cán bộ, công chức"),
        ("handling_overall", "feedback", "Nhìn chung, bạn hài lòng với việc giải quyết ở mức nào?"),
    ],
}


class AlreadyRated(Exception):
    """The case has been rated already: once per case."""


class StaleVersion(Exception):
    """The form answered a version that is not the current one (edited meanwhile, or forged)."""


def client_hash(secret_key: str, address: str | None) -> str:
    """A keyed hash of the client address: repeats can be recognised, the address cannot be read."""
    return hmac.new(secret_key.encode(), b"survey-client:" + (address or "").encode(),
                    hashlib.sha256).hexdigest()


# --- versions -----------------------------------------------------------------------------------

def current_version(questionnaire: str) -> SurveyVersion | None:
    return db.session.execute(
        select(SurveyVersion).where(SurveyVersion.questionnaire == questionnaire,
                                    SurveyVersion.is_current.is_(True))
        .order_by(SurveyVersion.number.desc()).limit(1)).scalar_one_or_none()


def new_version(questionnaire: str, criteria: list[tuple[str, str, str]], scale: list[str], *,
                actor_id: int | None, now: datetime, note: str = "",
                labels_en: dict[str, str] | None = None, scale_en: list[str] | None = None,
                required: set[str] | frozenset[str] | None = None) -> SurveyVersion:
    """A new current version of ``questionnaire`` with ``criteria`` (code, factor, label) in order.

    The previous version stays, with its criteria, for the responses that answered it. English
    wording (``labels_en`` by code, ``scale_en``) and the required codes are carried over from the
    previous version unless given; only the required questions must be answered.
    """
    if questionnaire not in DEFAULT_CRITERIA:
        raise ValueError("unknown questionnaire")
    if not criteria or len(scale) < 2 or any(not s.strip() for s in scale):
        raise ValueError("a version needs criteria and a scale of at least two labelled levels")
    codes = [c for c, _f, _t in criteria]
    if len(set(codes)) != len(codes) or any(f not in FACTORS for _c, f, _t in criteria):
        raise ValueError("criterion codes must be unique and factors known")
    last = db.session.execute(
        select(SurveyVersion).where(SurveyVersion.questionnaire == questionnaire)
        .order_by(SurveyVersion.number.desc()).limit(1)).scalar_one_or_none()
    previous = {c.code: c for c in last.criteria} if last is not None else {}
    if labels_en is None:  # an English wording still fits when the Vietnamese one is unchanged
        wording = {code: label.strip() for code, _f, label in criteria}
        labels_en = {code: c.label_en for code, c in previous.items()
                     if c.label_en and wording.get(code) == c.label}
    if required is None:
        required = {code for code, c in previous.items() if c.required} if previous else REQUIRED_CODES
    if scale_en is None and last is not None and last.scale == [s.strip() for s in scale]:
        scale_en = last.scale_en
    for old in db.session.execute(select(SurveyVersion).where(
            SurveyVersion.questionnaire == questionnaire, SurveyVersion.is_current.is_(True))).scalars():
        old.is_current = False
    version = SurveyVersion(questionnaire=questionnaire, number=(last.number + 1) if last else 1,
                            scale_json=json.dumps([s.strip() for s in scale], ensure_ascii=False),
                            scale_en_json=json.dumps(scale_en, ensure_ascii=False) if scale_en else None,
                            is_current=True, note=note, created_by_id=actor_id, created_at=now)
    db.session.add(version)
    for pos, (code, factor, label) in enumerate(criteria):
        version.criteria.append(SurveyCriterion(code=code, factor=factor, label=label.strip(), position=pos,
                                                label_en=(labels_en or {}).get(code), required=code in required))
    db.session.flush()
    return version


def seed_defaults(now: datetime) -> None:
    """Version 1 of each questionnaire when none exists (the migration seeds the same; tests that
    truncate tables call this)."""
    for questionnaire, criteria in DEFAULT_CRITERIA.items():
        if current_version(questionnaire) is None:
            new_version(questionnaire, criteria, DEFAULT_SCALE, actor_id=None, now=now,
                        labels_en={c: DEFAULT_LABELS_EN[c] for c, _f, _t in criteria if c in DEFAULT_LABELS_EN},
                        scale_en=DEFAULT_SCALE_EN, required=REQUIRED_CODES)


# --- survey points ------------------------------------------------------------------------------

def new_slug() -> str:
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(SLUG_LENGTH))


def create_point(*, unit_id: int, service_id: int | None, label: str, actor_id: int | None,
                 now: datetime) -> SurveyPoint:
    for _attempt in range(5):
        slug = new_slug()
        if not db.session.execute(select(exists().where(SurveyPoint.slug == slug))).scalar():
            break
    point = SurveyPoint(slug=slug, unit_id=unit_id, service_id=service_id, label=label,
                        active=True, created_by_id=actor_id, created_at=now)
    db.session.add(point)
    db.session.flush()
    return point


def active_point(slug: str) -> SurveyPoint | None:
    if not slug or len(slug) > 16:
        return None
    return db.session.execute(select(SurveyPoint).where(
        SurveyPoint.slug == slug, SurveyPoint.active.is_(True))).scalar_one_or_none()


# --- responses ----------------------------------------------------------------------------------

@dataclass
class ResponseInput:
    version_id: int
    channel: str                        # web | qr | case
    scores: dict[str, int]              # criterion code -> score
    token: str
    client_hash: str
    unit_id: int | None = None
    service_id: int | None = None
    point_id: int | None = None
    case_id: int | None = None
    case_kind_code: str | None = None
    problem_resolved: bool | None = None
    comment: str = ""
    respondent_type: str | None = None
    age_band: str | None = None
    consent: bool = False
    extra: dict = field(default_factory=dict)


def _is_repeat(data: ResponseInput, now: datetime, window_minutes: int) -> bool:
    """The same client answered for the same point (or, without a point, the same unit and
    service) within the window."""
    if window_minutes <= 0 or data.case_id is not None:
        return False
    q = select(SurveyResponse.id).where(
        SurveyResponse.client_hash == data.client_hash,
        SurveyResponse.created_at >= now - timedelta(minutes=window_minutes))
    if data.point_id is not None:
        q = q.where(SurveyResponse.point_id == data.point_id)
    else:
        q = q.where(SurveyResponse.point_id.is_(None), SurveyResponse.case_id.is_(None),
                    SurveyResponse.unit_id.is_(data.unit_id) if data.unit_id is None
                    else SurveyResponse.unit_id == data.unit_id,
                    SurveyResponse.service_id.is_(None) if data.service_id is None
                    else SurveyResponse.service_id == data.service_id)
    return db.session.execute(q.limit(1)).first() is not None


def record_response(data: ResponseInput, *, now: datetime, repeat_window_minutes: int) -> SurveyResponse:
    """Store a response and its answers in one transaction and commit (:func:`uow.run_write`).

    The caller has checked the answers against the current version; the version is checked here
    again (:class:`StaleVersion`). A token used already (double tap) returns the stored response;
    a case rated already raises :class:`AlreadyRated`. Repeats are flagged, never dropped.
    """
    def work() -> SurveyResponse:
        version = db.session.get(SurveyVersion, data.version_id)
        if version is None or not version.is_current:
            raise StaleVersion()
        criteria = {c.code: c for c in version.criteria}
        required = {code for code, c in criteria.items() if c.required}
        if not set(data.scores) <= set(criteria) or not required <= set(data.scores):
            raise StaleVersion()
        scale_max = len(version.scale)
        if data.case_id is not None and db.session.execute(
                select(exists().where(SurveyResponse.case_id == data.case_id))).scalar():
            raise AlreadyRated()
        response = SurveyResponse(
            token=data.token, version_id=version.id, channel=data.channel, unit_id=data.unit_id,
            service_id=data.service_id, point_id=data.point_id, case_id=data.case_id,
            case_kind_code=data.case_kind_code, problem_resolved=data.problem_resolved,
            comment=data.comment or "",
            respondent_type=data.respondent_type if data.consent else None,
            age_band=data.age_band if data.consent else None,
            consent_at=now if data.consent and (data.respondent_type or data.age_band) else None,
            client_hash=data.client_hash, repeat_flag=_is_repeat(data, now, repeat_window_minutes),
            is_spam=False, created_at=now)
        db.session.add(response)
        for code, score in data.scores.items():
            c = criteria[code]
            if not 1 <= score <= scale_max:
                raise ValueError("score out of range")
            response.answers.append(SurveyAnswer(criterion_id=c.id, criterion_code=code,
                                                 factor=c.factor, score=score, scale_max=scale_max))
        return response

    def same_token(_exc) -> SurveyResponse:
        """A unique constraint: the same token (a double tap) is the stored response; a case
        rated already is refused; anything else is not ours to answer."""
        existing = db.session.execute(select(SurveyResponse).where(
            SurveyResponse.token == data.token)).scalar_one_or_none()
        if existing is not None:
            return existing
        if data.case_id is not None:
            raise AlreadyRated() from None
        raise _exc
    return uow.run_write(work, on_integrity=same_token, attempts=2)


def mark_spam(response: SurveyResponse, *, is_spam: bool, reason: str, actor_id: int,
              now: datetime) -> SurveySpamLog:
    """Mark (or unmark) a response as spam and log who, when and why (append-only)."""
    response.is_spam = is_spam
    entry = SurveySpamLog(response_id=response.id, actor_id=actor_id, is_spam=is_spam,
                          reason=reason, created_at=now)
    db.session.add(entry)
    db.session.flush()
    return entry


# --- after a case -------------------------------------------------------------------------------

def case_is_resolved(case: Case) -> bool:
    """Resolved, or closed after having been resolved (a CaseEvent to "resolved")."""
    if case.status == Status.RESOLVED:
        return True
    if case.status != Status.CLOSED:
        return False
    return bool(db.session.execute(select(exists().where(
        CaseEvent.case_id == case.id, CaseEvent.to_status == Status.RESOLVED))).scalar())


def rating_unit_id(case: Case) -> int | None:
    return case.handling_unit_id or case.unit_id


def case_rating(case_id: int) -> dict | None:
    """The citizen's rating of a case, for the case pages: None when not rated.

    ``problem_resolved`` False means the citizen says the problem is not actually resolved: show it
    to the inspectors. Spam-marked ratings are returned with ``spam`` True.
    """
    r = db.session.execute(select(SurveyResponse).where(SurveyResponse.case_id == case_id)).scalar_one_or_none()
    if r is None:
        return None
    labels = {c.code: c.label for c in r.version.criteria}
    answers = [(a.criterion_code, labels.get(a.criterion_code, a.criterion_code), a.score) for a in r.answers]
    scale_max = len(r.version.scale)
    summary = "; ".join(f"{label}: {score}/{scale_max}" for _code, label, score in answers)
    if r.comment:
        summary += f" — {r.comment}"
    return {"response_id": r.id, "created_at": r.created_at, "problem_resolved": r.problem_resolved,
            "resolved": r.problem_resolved,  # the staff case page's name for it
            "not_resolved": r.problem_resolved is False, "comment": r.comment, "spam": r.is_spam,
            "scale_max": scale_max, "answers": answers, "summary": summary}


def invitation_for(case: Case) -> dict | None:
    """What the tracking page shows: None (not resolved yet), or whether it was rated."""
    if not case_is_resolved(case):
        return None
    rated = db.session.execute(select(exists().where(SurveyResponse.case_id == case.id))).scalar()
    return {"rated": bool(rated)}


def invite_after_resolution(case: Case, now: datetime) -> OutboxMessage | None:
    """Invite the citizen by email to rate how the case was handled: once per case, only when the
    case is resolved, an email was given and it has not been rated. Added to the outbox in the
    caller's transaction (flushed, not committed). Returns the message, or None."""
    if not case_is_resolved(case):
        return None
    email = case.identity.email if case.identity is not None else None
    if not email:
        return None
    if db.session.execute(select(exists().where(SurveyResponse.case_id == case.id))).scalar():
        return None
    mid = message_id("survey-invite", case.tracking_code)
    if db.session.execute(select(exists().where(OutboxMessage.message_id == mid))).scalar():
        return None
    # the e-mail's link (the tracking page) is built by its template (``public_url``), not here
    return enqueue(to=email, subject=_l("Mời bạn đánh giá việc giải quyết hồ sơ %(code)s", code=case.tracking_code),
                   template="survey_invite", context={"case": case},
                   purpose="survey-invite", ref=case.tracking_code, now=now,
                   locale=case.locale or "vi", case_id=case.id)
