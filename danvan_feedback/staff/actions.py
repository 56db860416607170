"""The action pages of a case ("Bạn muốn làm gì?"): one page per action allowed now, saying what it
does, with its form; a legal decision (and anything the citizen sees) then asks for confirmation
on a page of its own, showing what was entered, before it is written.

The write itself is the case page's ``case_action`` (one rule for writes: the row lock, the
``seq`` the page showed, the 409 page on a conflict). The confirmation step checks the action
against the locked row and rolls back (nothing is written), so mistakes are shown next to their
field before the confirmation, not after it. A signed file chosen on the form is held on the
server for the confirmation (``services.held``), as a citizen's photo is.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import policy
from ..domain import kinds
from ..labels import ACTION, MATTER_STATE, OUTCOME
from ..domain.triage import outcomes_for
from ..extensions import db
from ..models import Case, CaseKind, Unit, User
from ..services import held as held_files
from ..services import decisions
from ..services import triage
from ..extensions import file_stores
from ..storage import StorageError

# What each action does, said before the form (the consequences a new inspector needs to know).
WHAT = {
    "accept": _l("Thụ lý đơn để giải quyết theo thẩm quyền. Hồ sơ chuyển sang “Đã thụ lý”, thời hạn giải quyết theo luật bắt đầu tính từ ngày có hiệu lực; công dân thấy trạng thái mới khi tra cứu."),
    "refuse": _l("Không thụ lý đơn (không đủ điều kiện thụ lý). Hồ sơ kết thúc xử lý với lý do bạn ghi; công dân thấy lý do khi tra cứu."),
    "transfer": _l("Chuyển đơn đến cơ quan có thẩm quyền giải quyết. Hồ sơ chuyển sang “Đã chuyển đơn”; công dân được báo cơ quan nhận đơn."),
    "guide": _l("Hướng dẫn công dân gửi đơn đến nơi có thẩm quyền. Hồ sơ chuyển sang “Đã hướng dẫn”; công dân thấy nội dung hướng dẫn."),
    "store": _l("Lưu đơn (đơn trùng, ẩn danh, không rõ nội dung). Hồ sơ không được giải quyết tiếp; thời hạn dừng."),
    "merge": _l("Gộp hồ sơ này vào một hồ sơ khác (đơn trùng, đơn đông người). Hồ sơ này dừng xử lý; mọi việc tiếp theo làm trên hồ sơ được gộp vào."),
    "reclassify": _l("Đổi loại đơn (ví dụ từ phản ánh sang khiếu nại). Thời hạn và biểu báo cáo tính theo loại mới; hồ sơ từng là tố cáo vẫn được bảo mật danh tính."),
    "mark_group": _l("Ghi nhận đơn do nhiều người cùng ký (đơn đông người), với số người và người đại diện."),
    "assign": _l("Giao hồ sơ cho đơn vị, cán bộ xử lý, người giải quyết và người xác minh. Đơn vị được giao sẽ thấy hồ sơ trong hộp thư của mình."),
    "request_info": _l("Đề nghị công dân bổ sung thông tin. Thời hạn tạm dừng đến khi công dân bổ sung hoặc bạn chọn “Tiếp tục tính hạn”; công dân thấy nội dung đề nghị."),
    "resume": _l("Tiếp tục tính thời hạn khi không còn chờ công dân bổ sung."),
    "extend": _l("Gia hạn thời hạn giải quyết theo quyết định gia hạn, trong giới hạn luật cho phép. Phải quyết định trước khi hết hạn."),
    "record_outcome": _l("Ghi kết quả giải quyết. Hồ sơ chuyển sang “Đã có kết quả”; công dân thấy tóm tắt kết quả và được mời đánh giá."),
    "close": _l("Kết thúc hồ sơ đã có kết quả hoặc đã chuyển, hướng dẫn, lưu. Hồ sơ có thể được mở lại nếu cần."),
    "reopen": _l("Mở lại hồ sơ đã kết thúc, với lý do. Hồ sơ trở lại trạng thái xử lý."),
    "note": _l("Ghi chú nội bộ vào lịch sử hồ sơ. Công dân không thấy ghi chú này."),
    "reply": _l("Gửi câu trả lời cho công dân. Câu trả lời hiện trên trang tra cứu hồ sơ và được gửi email nếu công dân có để lại email."),
    "urge": _l("Ghi nhận văn bản đôn đốc cơ quan đã nhận đơn chuyển mà chưa phúc đáp (tính vào Biểu 02/XLD)."),
}

# One line each for the list "Bạn muốn làm gì?" on the case page.
BRIEF = {
    "accept": _l("nhận giải quyết, bắt đầu tính hạn"), "refuse": _l("đơn không đủ điều kiện thụ lý"),
    "transfer": _l("gửi đến cơ quan có thẩm quyền"), "guide": _l("chỉ dẫn công dân nơi gửi đơn"),
    "store": _l("đơn trùng, ẩn danh, không rõ nội dung"), "merge": _l("gộp vào hồ sơ trùng"),
    "reclassify": _l("đổi loại đơn"), "mark_group": _l("đơn nhiều người cùng ký"),
    "assign": _l("chọn đơn vị, cán bộ xử lý"), "request_info": _l("hỏi công dân thêm, tạm dừng hạn"),
    "resume": _l("tính hạn trở lại"), "extend": _l("theo quyết định gia hạn"),
    "record_outcome": _l("kết quả giải quyết"), "close": _l("đóng hồ sơ"), "reopen": _l("mở lại hồ sơ đã đóng"),
    "note": _l("công dân không thấy"), "reply": _l("công dân xem được"), "urge": _l("nhắc cơ quan nhận đơn chuyển"),
}

# Actions that ask for a confirmation page: legal decisions, and what the citizen sees or what ends a case.
CONFIRM = frozenset(decisions.DECISION_ACTIONS) | {"merge", "reclassify", "close", "reopen", "reply", "request_info"}

CONFIRM_BUTTON = {
    "accept": _l("Xác nhận thụ lý"), "refuse": _l("Xác nhận không thụ lý"), "transfer": _l("Xác nhận chuyển đơn"),
    "guide": _l("Xác nhận hướng dẫn"), "store": _l("Xác nhận lưu đơn"), "merge": _l("Xác nhận gộp hồ sơ"),
    "reclassify": _l("Xác nhận phân loại lại"), "extend": _l("Xác nhận gia hạn"),
    "record_outcome": _l("Xác nhận ghi kết quả"), "close": _l("Xác nhận kết thúc"), "reopen": _l("Xác nhận mở lại"),
    "reply": _l("Xác nhận gửi trả lời"), "request_info": _l("Xác nhận đề nghị bổ sung"),
}


@dataclass
class Field:
    name: str
    label: object
    kind: str = "text"  # text | textarea | date | number | select | check | checks
    hint: object = None
    rows: int = 3
    choices: list = field(default_factory=list)  # (value, label) for select and checks
    required: bool = False


def _text(name, label, **kw) -> Field:
    return Field(name, label, "text", **kw)


def _area(name, label, rows=3, **kw) -> Field:
    return Field(name, label, "textarea", rows=rows, **kw)


DECISION_FIELD_LABELS = {
    "doc_no_decision": _l("Số văn bản"), "signed_on": _l("Ngày ký"), "signer": _l("Người ký"),
    "effective_on": _l("Ngày có hiệu lực"), "signed_file": _l("Bản ký"),
}


def _reclassify_fields(matter: list, secret: bool) -> list[Field]:
    kinds = db.session.execute(select(CaseKind).where(CaseKind.active.is_(True))
                               .order_by(CaseKind.sort_order)).scalars().all()
    return [Field("kind", _l("Loại đơn mới"), "select", choices=[(k.code, k.name_vi) for k in kinds]),
            Field("matter_state", _l("Tình trạng giải quyết của vụ việc khi nhận đơn"), "select",
                  hint=_l("Dùng cho Biểu 02/XLD. Khiếu nại lần hai là vụ việc đã được giải quyết."),
                  choices=[("", str(_l("Không đổi")))] + matter),
            _text("reason", _l("Lý do phân loại lại"), required=secret,
                  hint=_l("Hồ sơ đã là tố cáo: danh tính người gửi vẫn được bảo mật sau khi phân loại lại; thao tác được ghi vết.") if secret else None)]


def _assign_fields() -> list[Field]:
    from ..labels import role_label
    units = db.session.execute(select(Unit).where(Unit.active.is_(True)).order_by(Unit.sort_order)).scalars().all()
    users = db.session.execute(select(User).where(User.active.is_(True), User.role.in_(policy.CASE_WORKER_ROLES))
                               .order_by(User.username)).scalars().all()
    none = [("", "—")]
    return [Field("unit_id", _l("Đơn vị xử lý"), "select", choices=none + [(str(u.id), u.name) for u in units]),
            Field("assignee_id", _l("Cán bộ xử lý"), "select", choices=none + [
                (str(u.id), f"{u.full_name or u.username} ({u.unit.name if u.unit else role_label(u.role)})")
                for u in users]),
            Field("resolver_id", _l("Người giải quyết"), "select", choices=none + [
                (str(u.id), u.full_name or u.username) for u in users if policy.can_triage(u)]),
            Field("verifier_ids", _l("Người xác minh"), "checks",
                  choices=[(str(u.id), u.full_name or u.username) for u in users])]


def fields_for(action: str, case: Case, secret: bool) -> list[Field]:
    """The fields of ``action``'s form for ``case``, with their choices (names as the services read them)."""
    matter = [(k, str(v)) for k, v in MATTER_STATE.items()]
    match action:
        case "accept":
            out = []
            if kinds.has_attempts(case.kind_code):
                out.append(Field("attempt", _l("Lần giải quyết"), "select",
                                 choices=[("1", str(_l("Lần đầu"))), ("2", str(_l("Lần hai")))]))
            out.append(Field("matter_state", _l("Tình trạng giải quyết của vụ việc khi nhận đơn"), "select",
                             hint=_l("Dùng cho Biểu 02/XLD. Khiếu nại lần hai là vụ việc đã được giải quyết."),
                             choices=[("", str(_l("Theo mặc định")))] + matter))
            out.append(Field("is_remote", _l("Vùng sâu, vùng xa, đi lại khó khăn"), "check"))
            return out
        case "refuse":
            return [_area("reason", _l("Lý do không thụ lý"), 3, required=True)]
        case "transfer":
            return [_text("agency", _l("Cơ quan có thẩm quyền"), required=True),
                    _text("doc_no", _l("Số văn bản chuyển"), required=True),
                    Field("doc_date", _l("Ngày văn bản"), "date", required=True)]
        case "guide":
            return [_area("note", _l("Hướng dẫn công dân gửi đến"), 3, required=True)]
        case "store":
            return [_area("reason", _l("Lý do lưu đơn (trùng, ẩn danh, không có nội dung)"), 3, required=True)]
        case "merge":
            return [_text("target", _l("Mã tra cứu của hồ sơ gộp vào"), required=True,
                          hint=_l("Ví dụ: DV-7K4M-X9QP."))]
        case "reclassify":
            return _reclassify_fields(matter, secret)
        case "mark_group":
            return [Field("group_size", _l("Số người"), "number", required=True),
                    _text("representative", _l("Người đại diện"))]
        case "assign":
            return _assign_fields()
        case "request_info":
            return [_area("message", _l("Nội dung cần công dân bổ sung (tạm dừng tính hạn)"), 4, required=True)]
        case "extend":
            return [_text("decision_no", _l("Số quyết định gia hạn"), required=True),
                    _area("reason", _l("Lý do"), 3, required=True)]
        case "record_outcome":
            labels = OUTCOME
            return [Field("outcome", _l("Kết quả"), "select",
                          choices=[(o, str(labels[o])) for o in outcomes_for(case.kind_code, case.attempt)]),
                    _area("summary", _l("Tóm tắt kết quả (công dân xem được)"), 4, required=True)]
        case "reopen":
            return [_area("reason", _l("Lý do mở lại"), 3, required=True)]
        case "note":
            return [_area("text", _l("Ghi chú nội bộ (công dân không xem được)"), 4, required=True)]
        case "reply":
            return [_area("text", _l("Nội dung trả lời (công dân xem được)"), 6, required=True)]
        case "urge":
            return [_text("doc_no", _l("Số văn bản đôn đốc"), required=True), _area("note", _l("Ghi chú"), 2)]
    return []  # resume, close: nothing to fill in


def defaults(action: str, case: Case, verifiers: list[int]) -> dict:
    """What the form shows before anything is typed: the case's current choices."""
    if action == "accept":
        return {"matter_state": case.matter_state or "", "attempt": "1"}
    if action == "reclassify":
        return {"kind": case.kind_code, "matter_state": case.matter_state or ""}
    if action == "assign":
        return {"unit_id": str(case.handling_unit_id or ""), "assignee_id": str(case.assignee_id or ""),
                "resolver_id": str(case.resolver_id or ""), "verifier_ids": [str(v) for v in verifiers]}
    if action == "record_outcome":
        outcomes = outcomes_for(case.kind_code, case.attempt)
        return {"outcome": outcomes[0] if outcomes else ""}
    return {}


def submitted_values(fields: list[Field], action: str) -> dict:
    """What the form sent, by field (lists for multiple checks)."""
    form = request.form
    out: dict = {}
    for f in fields:
        out[f.name] = form.getlist(f.name) if f.kind == "checks" else form.get(f.name, "")
    if action in decisions.DECISION_ACTIONS:
        for name in ("doc_no_decision", "signed_on", "signer", "effective_on"):
            out[name] = form.get(name, "")
    return out


def summary(fields: list[Field], values: dict, action: str, held: list) -> list[tuple[str, str]]:
    """(label, value in words) for the confirmation page; empty fields are left out."""
    from datetime import date
    rows: list[tuple[str, str]] = []

    def day(raw: str) -> str:
        try:
            return date.fromisoformat(raw).strftime("%d/%m/%Y")
        except ValueError:
            return raw

    for f in fields:
        raw = values.get(f.name)
        if f.kind == "checks":
            names = [label for v, label in f.choices if v in (raw or [])]
            if names:
                rows.append((str(f.label), ", ".join(names)))
            continue
        if not raw:
            continue
        if f.kind == "select":
            raw = dict(f.choices).get(raw, raw)
        elif f.kind == "check":
            raw = _("Có")
        elif f.kind == "date":
            raw = day(raw)
        rows.append((str(f.label), str(raw)))
    if action in decisions.DECISION_ACTIONS:
        for name in ("doc_no_decision", "signed_on", "signer", "effective_on"):
            if values.get(name):
                rows.append((str(DECISION_FIELD_LABELS[name]), day(values[name]) if name.endswith("_on") else values[name]))
        if not values.get("effective_on"):
            rows.append((str(DECISION_FIELD_LABELS["effective_on"]), _("Hôm nay")))
        for h in held:
            rows.append((str(DECISION_FIELD_LABELS["signed_file"]), h.name))
    return rows


def hold_signed_file(signed_file) -> tuple[str, list]:
    """Hold the signed file chosen on the form for the confirmation page: (its token, references)."""
    token = secrets.token_hex(16)
    if signed_file is None:
        return token, []
    try:
        return token, held_files.hold([signed_file], token=token, secret=current_app.config["SECRET_KEY"],
                                      storage=file_stores.attachments)
    except StorageError:
        raise triage.TriageError("signed_file", field="signed_file",
                                 reason=_("không lưu được tệp, vui lòng thử lại.")) from None


def held_signed_file() -> tuple[list, list]:
    """The signed file held by the confirmation page: (cleaned files, held references)."""
    token = request.form.get("held_token", "")
    if not (16 <= len(token) <= 64 and token.isalnum()):
        return [], []
    held, _dropped = held_files.read_refs(request.form.getlist("held"), token=token,
                                          secret=current_app.config["SECRET_KEY"], limit=1)
    files, _gone = held_files.load(held, file_stores.attachments)
    return files, held


def release_held(held: list) -> None:
    held_files.release(held, file_stores.attachments)


def field_errors(exc: triage.TriageError, message: str, fields: list[Field], action: str) -> dict:
    """The error of ``exc`` next to its field (the decision fields included), else at the top."""
    name = exc.params.get("field")
    # the transfer's own number and date, the extension's decision number, are its document's
    if action == "transfer" and name == "signed_on" and not request.form.get("signed_on"):
        name = "doc_date"
    if name == "doc_no" and action == "extend":
        name = "decision_no"
    elif name == "doc_no" and action not in ("transfer", "urge"):
        name = "doc_no_decision"
    known = {f.name for f in fields} | (set(DECISION_FIELD_LABELS) if action in decisions.DECISION_ACTIONS else set())
    return {name: message} if name in known else {}


def human_message(exc: triage.TriageError, errors_table: dict, fields: list[Field]) -> str:
    """The words of a triage error; a missing field is named by its label, not its internal name."""
    from ..labels import staff_status_label
    params = {k: (staff_status_label(v) if k == "status" else v) for k, v in exc.params.items()}
    if exc.code == "required":
        labels = {f.name: str(f.label) for f in fields} | {k: str(v) for k, v in DECISION_FIELD_LABELS.items()}
        return _("Vui lòng điền mục “%(field)s” (bắt buộc).", field=labels.get(params.get("field"), params.get("field", "")))
    template = str(errors_table.get(exc.code, errors_table["unknown_action"]))
    return template % params if params else template


def known_action(action: str) -> bool:
    return action in ACTION


def guard(action: str) -> None:
    if not known_action(action):
        abort(404)
