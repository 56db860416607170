"""Open311 service definitions: each kind of case as a service, its attributes, in Vietnamese or
English. Nothing here writes."""
from __future__ import annotations

from ..domain.limits import CASE_NUMBER_RANGE, CASE_TEXT_MAX
from ..domain.validation import fold_diacritics
from ..domain import kinds
from ..domain.vocabulary import AnonymousPolicy, Kind

# Kinds whose cases the API never shows (denunciations: Law on Denunciations 2018 arts. 8, 47).
# ``open311_id`` is never set for them either; this is the second lock on the same door.
HIDDEN_KINDS = frozenset({Kind.TO_CAO})
LIST_MAX = 1000
LIST_DEFAULT_DAYS = 90
MAX_IDS = 200
IDEMPOTENCY_KEY_MAX = 200


# ---------------------------------------------------------------- service definitions

def _loc(locale: str, vi: str, en: str) -> str:
    return en if locale == "en" else vi


_BOOL_VALUES = {"vi": [{"key": "true", "name": "Có"}, {"key": "false", "name": "Không"}],
                "en": [{"key": "true", "name": "Yes"}, {"key": "false", "name": "No"}]}

# code -> (datatype, datatype_description, description vi, description en)
ATTRIBUTES: dict[str, tuple[str, str | None, str, str]] = {
    "subject": ("string", f"max {CASE_TEXT_MAX['subject']} characters",
                "Tiêu đề ngắn; nếu bỏ trống, lấy 100 ký tự đầu của nội dung (description).",
                "Short title; when empty, the first 100 characters of description are used."),
    "submitter_type": ("singlevaluelist", None,
                       "Người gửi là cá nhân hay doanh nghiệp, tổ chức (mặc định: cá nhân).",
                       "Whether a person or a business/organisation files it (default: citizen)."),
    "anonymous": ("singlevaluelist", "true or false",
                  "Gửi ẩn danh: thông tin cá nhân gửi kèm sẽ không được lưu.",
                  "File anonymously: any personal data sent with it is not stored."),
    "info_only_ack": ("singlevaluelist", "true or false",
                      "Bắt buộc khi tố cáo ẩn danh: người gửi xác nhận đã hiểu tố cáo ẩn danh chỉ được "
                      "lưu làm thông tin, không được giải quyết theo Luật Tố cáo (Điều 25).",
                      "Required for an anonymous denunciation: the citizen acknowledges it is kept as "
                      "information only, not handled under the Law on Denunciations (art. 25)."),
    "cccd": ("string", "12 digits",
             "Số căn cước công dân (CCCD) của người gửi.",
             "The citizen's identity card number (CCCD)."),
    "complained_decision": ("text", f"max {CASE_TEXT_MAX['complained_decision']} characters",
                            "Quyết định hoặc hành vi hành chính bị khiếu nại.",
                            "The administrative decision or act complained about."),
    "request_text": ("text", f"max {CASE_TEXT_MAX['request_text']} characters",
                     "Yêu cầu của người khiếu nại.",
                     "What the complainant asks for."),
    "company_name": ("string", f"max {CASE_TEXT_MAX['company_name']} characters",
                     "Tên doanh nghiệp, tổ chức (bắt buộc khi submitter_type là business).",
                     "Name of the business or organisation (required when submitter_type is business)."),
    "tax_code": ("string", "10 digits, or 10 digits-3 digits for a branch",
                 "Mã số thuế (bắt buộc khi submitter_type là business).",
                 "Enterprise tax code (required when submitter_type is business)."),
    "is_group": ("singlevaluelist", "true or false",
                 "Đơn của nhiều người (đông người).",
                 "Filed jointly by several people."),
    "group_size": ("number", "whole number from {} to {}".format(*CASE_NUMBER_RANGE["group_size"]),
                   "Số người cùng ký đơn (bắt buộc khi is_group là true).",
                   "How many people signed (required when is_group is true)."),
    "representative": ("string", f"max {CASE_TEXT_MAX['representative']} characters",
                       "Người đại diện (bắt buộc khi is_group là true và không ẩn danh).",
                       "The group's representative (required when is_group is true and not anonymous)."),
    "consent": ("singlevaluelist", "true or false",
                "Người gửi đã đọc thông báo xử lý dữ liệu cá nhân và đồng ý; bắt buộc khi có thông tin cá nhân.",
                "The citizen has read and agreed to the personal data notice; required whenever personal "
                "data is given."),
    "contact_address": ("string", f"max {CASE_TEXT_MAX['address']} characters",
                        "Địa chỉ liên hệ của người gửi (thông tin cá nhân). Nơi xảy ra sự việc là "
                        "address_string / lat, long.",
                        "The citizen's contact address (personal data). Where the matter is goes in "
                        "address_string / lat, long."),
    "idempotency_key": ("string", f"max {IDEMPOTENCY_KEY_MAX} printable ASCII characters",
                        "Khoá chống gửi trùng: gửi lại cùng khoá chỉ tạo một hồ sơ (có thể dùng header "
                        "Idempotency-Key).",
                        "Retrying with the same key files one case, not two (the Idempotency-Key header "
                        "works too)."),
}
BOOLEAN_ATTRS = ("anonymous", "info_only_ack", "is_group", "consent")


def kind_attributes(kind) -> list[str]:
    """The attribute codes a kind takes: what its web form shows (templates/public/case_form.html)."""
    req = kind.required_fields
    codes = ["subject", "submitter_type"]
    if kind.anonymous != AnonymousPolicy.REFUSED:
        codes.append("anonymous")
    if kind.anonymous == AnonymousPolicy.INFO_ONLY:
        codes.append("info_only_ack")
    codes.append("contact_address")
    if "cccd" in req:
        codes.append("cccd")
    if kinds.contests_decision(kind.code, req):
        codes += ["complained_decision", "request_text"]
    codes += ["company_name", "tax_code"]
    if kinds.may_be_group(kind.code):
        codes += ["is_group", "group_size", "representative"]
    codes += ["consent", "idempotency_key"]
    return codes


def _standard_fields_notice(kind, locale: str) -> str:
    req = kind.required_fields
    need = []
    if "full_name" in req:
        need.append("last_name/first_name")
    if "address" in req:
        need.append("attribute[contact_address]")
    if "contact" in req:
        need.append("phone " + _loc(locale, "hoặc", "or") + " email")
    need_text = ", ".join(need) if need else _loc(locale, "không có", "none")
    text = _loc(
        locale,
        "Trường chuẩn Open311: description là nội dung (bắt buộc); last_name là họ, first_name là tên "
        "(ghép thành họ và tên theo thứ tự tiếng Việt); lat, long (WGS84), address_string và "
        "address_id là nơi xảy ra sự việc (không bắt buộc, được công khai cùng trạng thái); địa chỉ "
        "liên hệ là attribute[contact_address]. "
        f"Bắt buộc khi không ẩn danh: {need_text}.",
        "Standard Open311 fields: description is the content (required); last_name is the family name "
        "and first_name the given name (joined in Vietnamese order); lat, long (WGS84), address_string "
        "and address_id say where the matter is (optional, shown publicly with the status); the "
        f"contact address is attribute[contact_address]. Required unless anonymous: {need_text}.")
    if kind.anonymous == AnonymousPolicy.ALLOWED:
        text += " " + _loc(locale, "Không ghi họ tên thì đơn là ẩn danh (thông tin cá nhân không được lưu).",
                           "Without a name the request is anonymous (no personal data is kept).")
    if kind.legal_basis:
        text += " " + _loc(locale, "Căn cứ: ", "Legal basis: ") + kind.legal_basis
    return text


def service_definition(kind, locale: str) -> dict:
    req = set(kind.required_fields)
    attrs = [{"variable": False, "code": "notice", "datatype": "string", "required": False,
              "datatype_description": None, "order": 1,
              "description": _standard_fields_notice(kind, locale), "values": []}]
    for order, code in enumerate(kind_attributes(kind), start=2):
        datatype, dt_desc, vi, en = ATTRIBUTES[code]
        if code == "submitter_type":
            values = [{"key": "citizen", "name": _loc(locale, "Cá nhân", "Citizen")},
                      {"key": "business", "name": _loc(locale, "Doanh nghiệp, tổ chức", "Business or organisation")}]
        elif code in BOOLEAN_ATTRS:
            values = _BOOL_VALUES[locale]
        else:
            values = []
        required = ("address" if code == "contact_address" else code) in req or (
            code == "consent" and kind.anonymous == AnonymousPolicy.REFUSED)
        attrs.append({"variable": True, "code": code, "datatype": datatype, "required": required,
                      "datatype_description": dt_desc, "order": order,
                      "description": _loc(locale, vi, en), "values": values})
    return {"service_code": kind.code, "attributes": attrs}


def service_group(kind, locale: str) -> str:
    """Kinds handled under the Laws on Complaints and Denunciations (anonymity restricted) form one
    group; suggestions, reports and recommendations the other."""
    if kind.anonymous == AnonymousPolicy.ALLOWED:
        return _loc(locale, "Góp ý, phản ánh, kiến nghị", "Feedback, reports and recommendations")
    return _loc(locale, "Khiếu nại, tố cáo", "Complaints and denunciations")


def service_entry(kind, locale: str) -> dict:
    words = [kind.name_vi.lower(), fold_diacritics(kind.name_vi), kind.name_en.lower(), kind.code]
    keywords = ", ".join(dict.fromkeys(words))
    return {"service_code": kind.code, "service_name": kind.name(locale),
            "description": kind.summary(locale), "metadata": True, "type": "realtime",
            "keywords": keywords, "group": service_group(kind, locale)}
