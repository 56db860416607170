"""The reception blueprint and what its pages share (the log, dialogues, the head's sessions).

Inspectors record and edit; admin, office and viewer read the lists (never the ID numbers). Forms
check their own CSRF token (FlaskForm), so a stale or missing token re-renders the form with what
was typed instead of a bare error page; every POST here validates a FlaskForm.
"""
from __future__ import annotations


from flask import (
    Blueprint,
    abort,
    request,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from .. import policy
from ..extensions import csrf, db
from ..models import CaseKind, User
from ..labels import HANDLING, HEAD_MODE, RECEPTION_TYPE
from .. import console
from ..console import guard_blueprint
from .forms import (
    CASE_ACTION_LABELS,
    MESSAGES,
)

bp = Blueprint("reception", __name__)
guard_blueprint(bp)  # every page here needs a recent staff login
csrf.exempt(bp)  # see the module docstring: each form validates its CSRF token itself


@bp.context_processor
def _case_code_visibility():
    """A protected case's code only for those who may view that case."""
    return {"code_visible": lambda c: not policy.is_protected(c) or policy.can_view_case(current_user, c)}

console.register("reception.visits", _l("Sổ tiếp công dân"), policy.can_view_reception_log,
              _l("Ghi và tra cứu các lượt tiếp công dân; tạo hoặc liên kết hồ sơ; xuất CSV."), 40)
console.register("reception.dialogues", _l("Đối thoại"), policy.can_view_reception_log,
              _l("Các buổi đối thoại với công dân, doanh nghiệp: nội dung, cam kết, biên bản."), 41)

PER_PAGE = 50





def _page() -> int:
    raw = _source().get("trang", "1")
    return max(1, min(int(raw), 100000)) if raw.isascii() and raw.isdigit() and len(raw) < 12 else 1


def _kinds() -> list[CaseKind]:
    return list(db.session.execute(select(CaseKind).order_by(CaseKind.sort_order)).scalars())


def _labels() -> dict:
    return {"type": RECEPTION_TYPE, "head": HEAD_MODE, "handling": HANDLING,
            "case_action": CASE_ACTION_LABELS}


def _add_errors(form, codes: dict[str, str], **fmt) -> None:
    for name, code in codes.items():
        field = form[name]
        if not field.errors:
            field.errors = list(field.errors) + [str(MESSAGES[code]) % fmt if fmt else str(MESSAGES[code])]


def _token_ok(token: str | None) -> bool:
    return bool(token) and 8 <= len(token) <= 64 and token.isalnum()


def _source() -> MultiDict:
    """Filters as query parameters; the search words (a name, perhaps) only in a POST body, so
    they never reach an address bar, a history or an access log."""
    if request.method == "POST":
        return MultiDict((k, v) for k, v in request.form.items(multi=True) if k != "csrf_token")
    return MultiDict((k, v) for k, v in request.args.items(multi=True) if k != "q")


def _args() -> dict:
    """What links to other pages of the list carry: never the search words."""
    return {k: v for k, v in _source().items() if k not in ("trang", "q") and v}



def _conflict(exc) -> dict:
    """What the 409 notice says when a save lost a race (``uow.Conflict`` from the service): who
    saved the item last, and when. The form below it shows the item as it is now."""
    db.session.rollback()
    if exc.code == "gone":
        abort(404)
    who = db.session.get(User, exc.params["who_id"]) if exc.params.get("who_id") else None
    name = (who.full_name or who.username) if who else "—"
    at = format_datetime(exc.params["at"], "HH:mm:ss dd/MM/yyyy") if exc.params.get("at") else "—"
    if exc.code == "session_exists":
        return {"title": _("Buổi tiếp này đã được ghi — buổi tiếp của bạn CHƯA được ghi thêm"),
                "text": _("%(who)s đã ghi buổi tiếp cùng ngày, cùng hình thức lúc %(at)s. Mỗi ngày chỉ có một "
                          "buổi tiếp mỗi hình thức; hãy xem danh sách buổi tiếp.", who=name, at=at)}
    return {"title": _("Mục này vừa được người khác thay đổi — thay đổi của bạn CHƯA được lưu"),
            "text": _("%(who)s đã lưu mục này lúc %(at)s%(fields)s.", who=name, at=at, fields="") + " "
            + _("Biểu mẫu dưới đây là nội dung hiện tại; hãy xem lại rồi lưu lại nếu vẫn cần thay đổi.")}
