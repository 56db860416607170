"""The decision fields of the case page's action forms (number, signing date, signer, effective
date, signed file): parsed here, checked by ``services.decisions``."""
from __future__ import annotations

from datetime import date

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from ..extensions import file_stores
from ..services import decisions
from ..services.triage import Ctx, TriageError

ERRORS = {
    "before_previous": _l("Ngày có hiệu lực không thể trước sự kiện trước đó của hồ sơ (%(d)s)."),
    "too_far_back": _l("Chỉ được ghi nhận muộn tối đa %(n)s ngày sau ngày có hiệu lực."),
    "signed_after_effect": _l("Ngày ký không thể sau ngày có hiệu lực."),
    "duplicate_doc_no": _l("Số văn bản %(no)s đã được dùng cho một quyết định năm %(year)s."),
    "bad_date": _l("Ngày không hợp lệ; vui lòng nhập theo dạng ngày/tháng/năm."),
    "signed_file": _l("Tệp bản ký: %(reason)s"),
}


def _date(name: str) -> date | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise TriageError("bad_date", field=name) from None


def decision_context(action: str, case, ctx: Ctx):
    """(the context to run ``action`` in, the signed file or None); unchanged for other actions."""
    if action not in decisions.DECISION_ACTIONS:
        return ctx, None
    from ..forms.parts import _read_files
    files, errors = _read_files("signed_file", 1)
    if errors:
        raise TriageError("signed_file", field="signed_file", reason=" ".join(errors))
    own = {"transfer": "doc_no", "extend": "decision_no"}.get(action)  # these forms already ask for it
    doc_no = request.form.get(own, "") if own else request.form.get("doc_no_decision", "")
    signed_on = _date("signed_on") or (_date("doc_date") if action == "transfer" else None)
    run = decisions.decision_ctx(case, ctx, effective_on=_date("effective_on"), doc_no=doc_no,
                                 signed_on=signed_on, signer=request.form.get("signer", ""),
                                 late_days=current_app.config["LATE_ENTRY_DAYS"])
    return run, (files[0] if files else None)


def finish(action: str, event, case, *, entered: Ctx, signed_file) -> str | None:
    if action not in decisions.DECISION_ACTIONS or event is None:
        return None
    return decisions.after_decision(event, case, entered=entered, signed_file=signed_file,
                                    storage=file_stores.attachments)
