"""The inbox's parameters: saved views, filters and order read from the query string (never an
exception: anything malformed is dropped and said), and the choices the filter form offers."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from collections.abc import Mapping

from sqlalchemy import select

from .. import policy
from ..domain import status as st
from ..extensions import db
from ..models import CaseKind, Unit, User


PAGE_SIZE = 25
SEARCH_LIMIT = 50
MAX_Q = 200
MAX_WORDS = 8
COUNT_CAP = 100
DEFAULT_DUE_SOON = 3

# Saved views (the ``xem`` parameter): URL value -> internal code.
VIEWS = ("open", "new", "mine", "unit", "due_soon", "overdue", "waiting", "closed", "all")
VIEW_SLUGS = {"dang-mo": "open", "moi": "new", "cua-toi": "mine", "don-vi": "unit",
              "sap-den-han": "due_soon", "qua-han": "overdue", "cho-cong-dan": "waiting",
              "da-dong": "closed", "tat-ca": "all"}
SLUG_OF_VIEW = {v: k for k, v in VIEW_SLUGS.items()}
DEFAULT_VIEW = "open"
SORTS = {"han": "deadline", "moi-nhan": "received"}
SLUG_OF_SORT = {v: k for k, v in SORTS.items()}
CHANNELS = ("web", "api", "reception", "post", "email", "phone")

@dataclass(frozen=True)
class Choices:
    """What the filters may take, for this user (also what the form offers)."""

    kinds: list[tuple[str, str]]
    units: list[tuple[int, str]]
    assignees: list[tuple[int, str]]
    statuses: tuple[str, ...] = st.ALL
    channels: tuple[str, ...] = CHANNELS


@dataclass(frozen=True)
class InboxParams:
    view: str = DEFAULT_VIEW
    sort: str = "deadline"
    kind: str | None = None
    status: str | None = None
    unit_id: int | None = None  # 0 = no handling unit yet
    assignee_id: int | None = None  # 0 = nobody yet
    channel: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    group: bool | None = None
    q: str = ""
    after: str | None = None  # cursor of the last row of the previous page
    before: str | None = None  # cursor of the first row of the next page

    def query_args(self, **change) -> dict:
        """The URL parameters that reproduce these filters (no cursor unless given in ``change``).
        Never the search words: those travel in POST bodies only (``form_args``)."""
        p = replace(self, after=None, before=None)
        out = {"xem": SLUG_OF_VIEW[p.view]}
        if p.sort != "deadline":
            out["sap_xep"] = SLUG_OF_SORT[p.sort]
        for key, value in (("loai", p.kind), ("trang_thai", p.status), ("don_vi", p.unit_id),
                           ("can_bo", p.assignee_id), ("kenh", p.channel)):
            if value is not None:
                out[key] = value
        if p.received_from:
            out["tu"] = p.received_from.isoformat()
        if p.received_to:
            out["den"] = p.received_to.isoformat()
        if p.group is not None:
            out["dong_nguoi"] = "1" if p.group else "0"
        out.update({k: v for k, v in change.items() if v is not None})
        return out

    def form_args(self, **change) -> dict:
        """What a POST form carries to reproduce these filters and the search words."""
        out = self.query_args(**change)
        if self.q:
            out["q"] = self.q
        return out


# -- parsing -----------------------------------------------------------------------------------

def _parse_date(raw: str) -> date:
    raw = raw.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            d = datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        if 2000 <= d.year <= 2100:
            return d
        raise ValueError(raw)
    raise ValueError(raw)


def _parse_id(raw: str, allowed: set[int]) -> int:
    value = int(raw.strip())
    if value != 0 and value not in allowed:
        raise ValueError(raw)
    return value


def _pick(raw: str, accepted: Mapping, key: str, kw: dict, errors: list, message) -> None:
    """A parameter that names one of a list: kept if ``accepted`` has it, else dropped and
    ``message()`` said."""
    if not raw:
        return
    if raw in accepted:
        kw[key] = accepted[raw]
    else:
        errors.append(message())


def _parse_choices(get, choices: Choices, has_unit: bool, kw: dict, errors: list) -> None:
    """The saved view, the order and the filters that pick one of a list."""
    from flask_babel import gettext as _
    views = {slug: code for slug, code in VIEW_SLUGS.items() if code != "unit" or has_unit}
    _pick(get("xem"), views, "view", kw, errors,
          lambda: _("Không có chế độ xem “%(v)s”; đang hiển thị hồ sơ đang mở.", v=get("xem")[:40]))
    _pick(get("sap_xep"), SORTS, "sort", kw, errors, lambda: _("Cách sắp xếp không hợp lệ; đang sắp theo hạn xử lý."))
    _pick(get("loai"), {c: c for c, _n in choices.kinds}, "kind", kw, errors,
          lambda: _("Loại đơn không hợp lệ; đã bỏ lọc theo loại."))
    _pick(get("trang_thai"), {s: s for s in choices.statuses}, "status", kw, errors,
          lambda: _("Trạng thái không hợp lệ; đã bỏ lọc theo trạng thái."))
    for name, key, allowed, msg in (
            ("don_vi", "unit_id", {i for i, _n in choices.units},
             _("Đơn vị không hợp lệ; đã bỏ lọc theo đơn vị.")),
            ("can_bo", "assignee_id", {i for i, _n in choices.assignees},
             _("Cán bộ không hợp lệ; đã bỏ lọc theo cán bộ."))):
        raw = get(name)
        if raw:
            try:
                kw[key] = _parse_id(raw, allowed)
            except ValueError:
                errors.append(msg)
    _pick(get("kenh"), {c: c for c in choices.channels}, "channel", kw, errors,
          lambda: _("Kênh tiếp nhận không hợp lệ; đã bỏ lọc theo kênh."))


def _parse_dates(get, kw: dict, errors: list) -> None:
    from flask_babel import gettext as _
    for name, key in (("tu", "received_from"), ("den", "received_to")):
        raw = get(name)
        if raw:
            try:
                kw[key] = _parse_date(raw)
            except ValueError:
                errors.append(_("Ngày “%(v)s” không hợp lệ (dạng ngày/tháng/năm); đã bỏ qua.", v=raw[:20]))
    if kw.get("received_from") and kw.get("received_to") and kw["received_from"] > kw["received_to"]:
        errors.append(_("“Nhận từ ngày” sau “đến ngày”; đã bỏ lọc theo ngày nhận."))
        kw.pop("received_from")
        kw.pop("received_to")


def _parse_rest(get, kw: dict, errors: list) -> None:
    from flask_babel import gettext as _
    _pick(get("dong_nguoi"), {"0": False, "1": True}, "group", kw, errors,
          lambda: _("Giá trị lọc đơn đông người không hợp lệ; đã bỏ qua."))
    q = " ".join(get("q").split())
    if len(q) > MAX_Q:
        errors.append(_("Từ khóa tìm kiếm quá dài (tối đa %(n)s ký tự); đã bỏ tìm kiếm.", n=MAX_Q))
    elif q:
        kw["q"] = q
    for name, key in (("sau", "after"), ("truoc", "before")):
        raw = get(name)
        if raw and len(raw) <= 80:
            kw[key] = raw
        elif raw:
            errors.append(_("Liên kết trang không hợp lệ; đang hiển thị trang đầu."))


def parse_params(args: Mapping[str, str], choices: Choices, *, has_unit: bool) -> tuple[InboxParams, list[str]]:
    """Read the inbox's GET parameters. Anything unknown or malformed is dropped (the list then
    shows without that filter) and named in the returned messages; never an exception."""
    errors: list[str] = []
    kw: dict = {}

    def get(name: str) -> str:
        v = args.get(name, "")
        return v.strip() if isinstance(v, str) else ""

    _parse_choices(get, choices, has_unit, kw, errors)
    _parse_dates(get, kw, errors)
    _parse_rest(get, kw, errors)  # a group of people, the search words, the page
    return InboxParams(**kw), errors


# -- choices ---------------------------------------------------------------------------------

def load_choices(user, locale: str) -> Choices:
    name_col = CaseKind.name_en if locale == "en" else CaseKind.name_vi
    kinds = [(r.code, r.name) for r in db.session.execute(
        select(CaseKind.code, name_col.label("name")).order_by(CaseKind.sort_order, CaseKind.code))]
    if policy.is_unit_bound(user):
        unit_q = select(Unit.id, Unit.name).where(Unit.id == user.unit_id)
        staff_q = select(User.id, User.full_name, User.username).where(
            User.active.is_(True), User.role.in_(policy.UNIT_BOUND_ROLES), User.unit_id == user.unit_id)
    else:
        unit_q = select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.sort_order, Unit.name)
        staff_q = select(User.id, User.full_name, User.username).where(
            User.active.is_(True), User.role.in_(policy.CASE_WORKER_ROLES))
    units = [(r.id, r.name) for r in db.session.execute(unit_q)]
    assignees = [(r.id, r.full_name or r.username) for r in db.session.execute(
        staff_q.order_by(User.full_name, User.username))]
    return Choices(kinds=kinds, units=units, assignees=assignees)
