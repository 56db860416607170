"""Administration use cases: they check, change and flush, never commit (the view commits once).

A refusal raises :class:`Refused` naming the form field it concerns and a message for the person.
Each function returns what changed (field names and non-secret values) for the view's log line.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date

import holidays
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import policy
from ..clock import now as _now
from ..domain.calendar import WorkCalendar
from ..extensions import db
from ..models import DeadlineRule, HolidayOverride, OrgSetting, ReplyTemplate, Service, Unit, User
from ..models.auth import ROLES
from ..passwords import hash_password, password_problem

SETTING_KEYS = ("org_name", "org_short_name", "triage_role_name", "report_owner_name",
                "totp_required_roles", "due_soon_days", "satisfaction_target")
SETTING_DEFAULTS = {"totp_required_roles": "admin,inspector", "due_soon_days": "3"}


# The fields each edit page shows: the version a form carries is their fingerprint when the page was
# rendered, so a save from a stale page (someone saved in between) is a conflict, not an overwrite.
EDITABLE = {
    "User": ("full_name", "email", "role", "unit_id", "active"),
    "Unit": ("code", "name", "unit_type", "parent_id", "active", "sort_order"),
    "Service": ("code", "name", "active"),
    "ReplyTemplate": ("purpose", "code", "title", "body", "active"),
    "DeadlineRule": ("days", "day_unit", "description", "source", "active"),
}


def version(row) -> str:
    """The fingerprint of what an edit page shows of ``row`` (a model row, or the settings dict)."""
    values = row if isinstance(row, dict) else {f: getattr(row, f) for f in EDITABLE[type(row).__name__]}
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()[:16]


class Refused(Exception):
    def __init__(self, field: str | None, message):
        super().__init__(str(message))
        self.field, self.message = field, message



# --------------------------------------------------------------------------- users

def _check_user_fields(role: str, unit_id: int | None) -> None:
    if role not in ROLES:
        raise Refused("role", _l("Vai trò không hợp lệ."))
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise Refused("unit_id", _l("Đơn vị không tồn tại."))
    if policy.role_needs_unit(role) and unit_id is None:
        raise Refused("unit_id", _l("Cán bộ đơn vị phải thuộc một đơn vị: vui lòng chọn đơn vị."))


def create_user(*, username: str, full_name: str, email: str | None, role: str, unit_id: int | None,
                password: str) -> User:
    _check_user_fields(role, unit_id)
    if password_problem(password):
        raise Refused("password", _l("Mật khẩu phải từ 12 đến 128 ký tự."))
    taken = db.session.execute(select(User.id).where(func.lower(User.username) == username.lower())).first()
    if taken:
        raise Refused("username", _l("Tên đăng nhập “%(name)s” đã có người dùng.", name=username))
    user = User(username=username, full_name=full_name, email=email or None, role=role, unit_id=unit_id,
                password_hash=hash_password(password), password_changed_at=_now(), active=True,
                session_version=1)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(actor: User, user: User, *, full_name: str, email: str | None, role: str,
                unit_id: int | None, active: bool) -> dict:
    """Deactivating, changing the role or the unit ends the user's sessions (their access changes).
    An administrator cannot lock themself out: no self-deactivation, no self-demotion."""
    _check_user_fields(role, unit_id)
    if user.id == actor.id and role not in policy.ADMIN_ROLES:
        raise Refused("role", _l("Bạn không thể tự hạ vai trò quản trị của chính mình; hãy nhờ một quản trị viên khác."))
    if user.id == actor.id and not active:
        raise Refused("active", _l("Bạn không thể tự khoá tài khoản của chính mình."))
    changes = {}
    for name, value in (("full_name", full_name), ("email", email or None), ("role", role),
                        ("unit_id", unit_id), ("active", active)):
        if getattr(user, name) != value:
            changes[name] = value
            setattr(user, name, value)
    ends_access = {"role", "unit_id"} & changes.keys() or changes.get("active") is False
    if ends_access and user.id != actor.id:  # an admin's own unit change does not log them out
        user.session_version += 1
        changes["sessions_ended"] = True
    db.session.flush()
    return changes


def reset_password(actor: User, user: User, password: str) -> None:
    if user.id == actor.id:
        raise Refused(None, _l("Đổi mật khẩu của chính bạn tại trang “Đổi mật khẩu”."))
    if password_problem(password):
        raise Refused("new", _l("Mật khẩu phải từ 12 đến 128 ký tự."))
    user.password_hash = hash_password(password)
    user.password_changed_at = _now()
    user.failed_logins, user.locked_until = 0, None
    user.session_version += 1
    db.session.flush()


def reset_totp(actor: User, user: User) -> None:
    """The user enrols a new authenticator at the next login; current sessions end."""
    if user.id == actor.id:
        raise Refused(None, _l("Bạn không thể tự đặt lại xác thực hai lớp của chính mình; hãy nhờ một quản trị viên khác."))
    user.totp_secret, user.totp_last_step = None, None
    user.session_version += 1
    db.session.flush()


# --------------------------------------------------------------------------- units and services

def _descendant_ids(unit_id: int) -> set[int]:
    parents = dict(db.session.execute(select(Unit.id, Unit.parent_id)).all())
    found, frontier = set(), {unit_id}
    while frontier:
        frontier = {uid for uid, pid in parents.items() if pid in frontier and uid not in found}
        found |= frontier
    return found


def _check_unit(unit: Unit | None, code: str, parent_id: int | None) -> None:
    same = select(Unit.id).where(func.lower(Unit.code) == code.lower())
    if unit is not None:
        same = same.where(Unit.id != unit.id)
    if db.session.execute(same).first():
        raise Refused("code", _l("Mã đơn vị “%(code)s” đã được dùng cho đơn vị khác.", code=code))
    if parent_id is not None:
        if db.session.get(Unit, parent_id) is None:
            raise Refused("parent_id", _l("Đơn vị cấp trên không tồn tại."))
        if unit is not None and (parent_id == unit.id or parent_id in _descendant_ids(unit.id)):
            raise Refused("parent_id", _l("Không thể chọn chính đơn vị này hoặc đơn vị cấp dưới của nó làm đơn vị cấp trên."))


def save_unit(unit: Unit | None, *, code: str, name: str, unit_type: str, parent_id: int | None,
              active: bool, sort_order: int) -> tuple[Unit, dict]:
    _check_unit(unit, code, parent_id)
    if unit is None:
        unit = Unit()
        db.session.add(unit)
    changes = {}
    for field, value in (("code", code), ("name", name), ("unit_type", unit_type), ("parent_id", parent_id),
                         ("active", active), ("sort_order", sort_order)):
        if getattr(unit, field) != value:
            changes[field] = value
            setattr(unit, field, value)
    db.session.flush()
    return unit, changes


def save_service(service: Service | None, unit: Unit, *, code: str, name: str, active: bool) -> tuple[Service, dict]:
    same = select(Service.id).where(func.lower(Service.code) == code.lower())
    if service is not None:
        same = same.where(Service.id != service.id)
    if db.session.execute(same).first():
        raise Refused("code", _l("Mã dịch vụ “%(code)s” đã được dùng.", code=code))
    if service is None:
        service = Service(unit_id=unit.id)
        db.session.add(service)
    changes = {}
    for field, value in (("code", code), ("name", name), ("active", active)):
        if getattr(service, field) != value:
            changes[field] = value
            setattr(service, field, value)
    db.session.flush()
    return service, changes


# --------------------------------------------------------------------------- settings

def current_settings() -> dict[str, str]:
    rows = dict(db.session.execute(select(OrgSetting.key, OrgSetting.value)
                                   .where(OrgSetting.key.in_(SETTING_KEYS))).all())
    return {k: rows.get(k, SETTING_DEFAULTS.get(k, "")) for k in SETTING_KEYS}


def parse_roles(text: str) -> tuple[list[str], list[str]]:
    """(the roles named, in ROLES order, each once; the names that are not roles)."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in ROLES]
    return [r for r in ROLES if r in names], unknown


def save_settings(values: dict[str, str]) -> dict:
    roles, unknown = parse_roles(values.get("totp_required_roles", ""))
    if unknown:
        raise Refused("totp_required_roles", _l("Không có vai trò “%(names)s”. Các vai trò hợp lệ: %(roles)s.",
                                                names=", ".join(unknown), roles=", ".join(ROLES)))
    values = {**values, "totp_required_roles": ",".join(roles)}
    changes = {}
    for key in SETTING_KEYS:
        if key not in values:
            continue
        row = db.session.get(OrgSetting, key)
        if row is None:
            row = OrgSetting(key=key, value="")
            db.session.add(row)
        if row.value != values[key]:
            changes[key] = values[key]
            row.value = values[key]
    db.session.flush()
    return changes


# --------------------------------------------------------------------------- reply / reason templates

def save_template(tpl: ReplyTemplate | None, *, purpose: str, code: str, title: str, body: str,
                  active: bool) -> tuple[ReplyTemplate, dict]:
    same = select(ReplyTemplate.id).where(func.lower(ReplyTemplate.code) == code.lower())
    if tpl is not None:
        same = same.where(ReplyTemplate.id != tpl.id)
    if db.session.execute(same).first():
        raise Refused("code", _l("Mã mẫu “%(code)s” đã được dùng.", code=code))
    if tpl is None:
        tpl = ReplyTemplate()
        db.session.add(tpl)
    changes = {}
    for field, value in (("purpose", purpose), ("code", code), ("title", title), ("body", body), ("active", active)):
        if getattr(tpl, field) != value:
            changes[field] = value if field != "body" else f"{len(value)} ký tự"
            setattr(tpl, field, value)
    db.session.flush()
    return tpl, changes


# --------------------------------------------------------------------------- legal time limits

def update_rule(rule: DeadlineRule, *, days: int, day_unit: str, description: str, source: str,
                active: bool) -> dict:
    """Rules are never deleted (old cases were counted with them): they are edited or deactivated."""
    if days < 0:
        raise Refused("days", _l("Số ngày không được là số âm. Nhập 0 hoặc một số nguyên dương."))
    if day_unit not in ("working", "calendar"):
        raise Refused("day_unit", _l("Vui lòng chọn một mục."))
    changes = {}
    for field, value in (("days", days), ("day_unit", day_unit), ("description", description),
                         ("source", source), ("active", active)):
        if getattr(rule, field) != value:
            changes[field] = value
            setattr(rule, field, value)
    db.session.flush()
    return changes


# --------------------------------------------------------------------------- holidays

def known_days(year: int) -> tuple[list[tuple[date, str]], list[date]]:
    """What ``holidays.VN`` already knows for ``year``: public holidays (with their Vietnamese names)
    and the Saturdays worked in exchange for a bridging day off."""
    vn = holidays.VN(years=year, language="vi")
    days_off = sorted((d, str(name)) for d, name in vn.items() if d.year == year)
    worked = sorted(d for d in getattr(vn, "weekend_workdays", ()) if d.year == year)
    return days_off, worked


def add_holiday(day: date, is_working: bool, note: str) -> HolidayOverride:
    """An override must change the day: an extra day off on a day that is otherwise worked, a worked
    day on a weekend or holiday (including correcting a swap the ``holidays`` package got wrong)."""
    shown = day.strftime("%d/%m/%Y")
    if db.session.get(HolidayOverride, day) is not None:
        raise Refused("day", _l("Ngày %(day)s đã có trong danh sách điều chỉnh; hãy xoá dòng cũ trước nếu muốn đổi.",
                                day=shown))
    already_working = WorkCalendar().is_working_day(day)
    if is_working and already_working:
        raise Refused("day", _l("Ngày %(day)s vốn đã là ngày làm việc; chỉ cần nhập ngày làm bù khi đó là thứ Bảy, "
                                "Chủ nhật hoặc ngày lễ.", day=shown))
    if not is_working and not already_working:
        raise Refused("day", _l("Ngày %(day)s vốn đã là ngày nghỉ (cuối tuần hoặc ngày lễ có sẵn); không cần nhập thêm.",
                                day=shown))
    row = HolidayOverride(day=day, is_working=is_working, note=note)
    db.session.add(row)
    db.session.flush()
    return row
