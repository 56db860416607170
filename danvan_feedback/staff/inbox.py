"""The inspectors' inbox: saved views, filters, search, pagination (``staff.inbox``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from .. import labels, policy
from ..domain import status as st
from ..domain.calendar import WorkCalendar
from ..domain.deadlines import days_left
from ..extensions import db
from ..models import HolidayOverride, OrgSetting
from ..services.intake import local_date
from . import inbox_params as ip
from . import inbox_query as iq
from ..console import register, requires
from .views import bp

register("staff.inbox", _l("Hộp thư đơn"), policy.can_use_inbox, _l("Phân loại, theo dõi hạn xử lý"), order=10)

VIEW_LABELS = {
    "open": _l("Đang mở"), "new": _l("Mới, chờ phân loại"), "mine": _l("Của tôi"),
    "unit": _l("Đơn vị tôi"), "due_soon": _l("Sắp đến hạn"), "overdue": _l("Quá hạn"),
    "waiting": _l("Chờ công dân bổ sung"), "closed": _l("Đã đóng"), "all": _l("Tất cả"),
}
SUBJECT_CHARS = 80
CALENDAR_SPAN_DAYS = 400


def staff_status(code: str) -> str:
    return labels.staff_status_label(code)


@dataclass(frozen=True)
class Row:
    """One line of the list, every word already in the user's language (no lookups per cell)."""

    id: int
    tracking_code: str
    subject: str
    kind_name: str
    unit_name: str
    status_text: str
    received_on: str
    due_on: str | None
    urgency: str  # "" | "due-soon" | "overdue": a CSS class; the badge says it in words
    badge: str
    left_text: str
    group_text: str
    matched: str = ""  # a search result: which field the words matched in ("Khớp: tên")


def _due_soon_days() -> int:
    try:
        n = int(OrgSetting.get("due_soon_days", str(ip.DEFAULT_DUE_SOON)))
    except ValueError:
        return ip.DEFAULT_DUE_SOON
    return min(max(n, 0), 60)


def _calendar(today: date) -> WorkCalendar:
    """Overrides a year around today: enough for the deadlines a list shows (±60 days typical)."""
    span = timedelta(days=CALENDAR_SPAN_DAYS)
    rows = db.session.execute(select(HolidayOverride.day, HolidayOverride.is_working)
                              .where(HolidayOverride.day.between(today - span, today + span))).all()
    return WorkCalendar({r.day: r.is_working for r in rows})


class RowMaker:
    """Turns query rows into :class:`Row`; translations and working-day counts are looked up once
    per request (a gettext call costs tens of microseconds; many rows share a deadline)."""

    def __init__(self, cal: WorkCalendar, today: date, soon_until: date, tz: str):
        self.cal, self.today, self.soon_until, self.tz = cal, today, soon_until, tz
        self.status = {code: staff_status(code) for code in st.ALL}
        self.words = {
            "overdue_n": _("Quá hạn %(n)s ngày làm việc"), "overdue": _("Quá hạn"),
            "soon": _("Sắp đến hạn"), "today": _("hết hạn hôm nay"),
            "left": _("còn %(n)s ngày làm việc"), "no_clock": _("Không tính hạn"),
            "no_unit": _("Chưa giao"), "group_n": _("Đông người (%(n)s)"), "group": _("Đông người"),
        }
        self.matched = {"code": _("Khớp: mã"), "name": _("Khớp: tên"), "subject": _("Khớp: tiêu đề"),
                        "content": _("Khớp: nội dung")}
        self._left: dict[date, int | None] = {}

    def days_left(self, due: date) -> int | None:
        if due not in self._left:
            # Beyond the calendar's span counting would be slow and pointless: show the date only.
            near = abs((due - self.today).days) <= CALENDAR_SPAN_DAYS
            self._left[due] = days_left(self.cal, self.today, due) if near else None
        return self._left[due]

    def __call__(self, r) -> Row:
        w = self.words
        urgency = badge = left_text = ""
        if r.due_on is None:
            left_text = w["no_clock"]
        elif r.status in st.OPEN:
            left = self.days_left(r.due_on)
            if r.due_on < self.today:
                urgency = "overdue"
                badge = w["overdue_n"] % {"n": -left} if left is not None else w["overdue"]
            else:
                if r.due_on <= self.soon_until:
                    urgency, badge = "due-soon", w["soon"]
                if left == 0:
                    left_text = w["today"]
                elif left is not None:
                    left_text = w["left"] % {"n": left}
        group_text = ""
        if r.is_group:
            group_text = w["group_n"] % {"n": r.group_size} if r.group_size else w["group"]
        return Row(id=r.id, tracking_code=r.tracking_code, subject=r.subject, kind_name=r.kind_name,
                   unit_name=r.unit_name or w["no_unit"],
                   status_text=self.status.get(r.status) or labels.staff_status_label(r.status),
                   received_on=local_date(r.received_at, self.tz).strftime("%d/%m/%Y"),
                   due_on=r.due_on.strftime("%d/%m/%Y") if r.due_on else None,
                   urgency=urgency, badge=badge, left_text=left_text, group_text=group_text,
                   matched=self.matched.get(iq.match_field(getattr(r, "match_score", None)), ""))


@bp.route("/hop-thu", methods=["GET", "POST"])
@requires(policy.can_use_inbox)
def inbox():
    """Filters come as query parameters, but the search words (which may be a name, a phone or an
    ID number) only in a POST body, so they never reach an address bar, a history or an access log."""
    locale = str(get_locale())
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    today = local_date(clock.now(), tz)
    cal = _calendar(today)
    soon_until = cal.add_working_days(today, _due_soon_days())
    choices = ip.load_choices(current_user, locale)
    source = request.form if request.method == "POST" else {k: v for k, v in request.args.items() if k != "q"}
    params, messages = ip.parse_params(source, choices, has_unit=current_user.unit_id is not None)
    if request.method == "GET" and request.args.get("q"):
        messages.append(_("Từ khóa tìm kiếm không được gửi trong địa chỉ trang; hãy nhập vào ô tìm kiếm."))
    page = iq.fetch_page(current_user, params, today=today, soon_until=soon_until, tz=tz, locale=locale)
    if page.cursor_reset:
        messages.append(_("Liên kết trang không hợp lệ; đang hiển thị trang đầu."))
    make = RowMaker(cal, today, soon_until, tz)
    rows = [make(r) for r in page.rows]
    views = [(v, str(VIEW_LABELS[v])) for v in ip.VIEWS if v != "unit" or current_user.unit_id is not None]
    return render_template(
        "staff/inbox.html", rows=rows, page=page, params=params, messages=list(dict.fromkeys(messages)),
        choices=choices, views=views, view_label=str(VIEW_LABELS[params.view]),
        channels=[(c, str(labels.CHANNEL.get(c, c))) for c in choices.channels],
        statuses=[(c, make.status[c]) for c in choices.statuses], subject_chars=SUBJECT_CHARS,
        slug_of_view=ip.SLUG_OF_VIEW, is_unit=policy.is_unit_bound(current_user), max_q=ip.MAX_Q)
