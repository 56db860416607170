"""Forms of the reception log and the dialogue sessions. Format checks here; what a visit needs is
decided by ``domain.reception`` so the rules stay in one place."""
from __future__ import annotations


from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FileField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from .. import clock
from ..domain.validation import Invalid, clean_cccd, clean_phone, clean_text
from ..labels import HANDLING, HEAD_MODE, RECEPTION_TYPE
from ..forms.case import MESSAGES as PUBLIC_MESSAGES
from ..forms.case import TOO_LONG

MESSAGES = {
    **PUBLIC_MESSAGES,  # the same words as the public forms for CCCD, phone, files, required
    "required_for_case": _l("Loại đơn này cần mục này để tạo hồ sơ."),
    "choice_required": _l("Vui lòng chọn một mục trong danh sách."),
    "date_required": _l("Vui lòng nhập ngày (ngày/tháng/năm)."),
    "date_invalid": _l("Ngày không hợp lệ; vui lòng nhập lại theo dạng ngày/tháng/năm."),
    "session_unknown": _l("Buổi tiếp đã chọn không tồn tại."),
    "session_mismatch": _l("Lượt tiếp phải cùng ngày và cùng hình thức (định kỳ, đột xuất) với buổi tiếp đã chọn."),
    "session_duplicate": _l("Đã có buổi tiếp cùng ngày, cùng hình thức."),
    "date_future": _l("Ngày không thể ở tương lai."),
    "head_mode_required": _l("Tiếp định kỳ hoặc đột xuất: vui lòng chọn người đứng đầu tiếp trực tiếp hay ủy quyền."),
    "people_required": _l("Vui lòng ghi số người."),
    "people_min": _l("Số người phải từ 1 trở lên."),
    "people_int": _l("Số người phải là một số nguyên."),
    "group_people": _l("Đoàn đông người phải có từ 2 người trở lên."),
    "agency_required": _l("Vui lòng ghi tên cơ quan có thẩm quyền được chuyển đến."),
    "code_required": _l("Vui lòng nhập mã hồ sơ cần liên kết."),
    "code_format": _l("Mã hồ sơ không đúng dạng. Ví dụ: DV-7K4M-X9QP."),
    "code_unknown": _l("Không tìm thấy hồ sơ có mã %(code)s."),
    "codes_unknown": _l("Không tìm thấy hồ sơ có mã: %(codes)s."),
    "codes_format": _l("Không đọc được mã hồ sơ: %(codes)s. Ví dụ đúng: DV-7K4M-X9QP."),
    "kind_unknown": _l("Loại đơn không hợp lệ; vui lòng chọn lại."),
    "file_again": _l("Vì biểu mẫu chưa được lưu, vui lòng chọn lại tệp biên bản."),
}

CASE_ACTION_LABELS = {"none": _l("Không gắn hồ sơ"), "create": _l("Tạo hồ sơ mới từ lượt tiếp này"),
                      "link": _l("Liên kết với hồ sơ đã có (theo mã)")}


def _strip(value):
    return clean_text(value) if isinstance(value, str) else value


def _none_if_empty(value):
    return value or None


F = {"filters": [_strip]}
FN = {"filters": [_strip, _none_if_empty]}


class DayField(DateField):
    """A date typed or picked; an empty box is "no date" (the rules say whether one is required)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%Y-%m-%d", "%d/%m/%Y"],
                         invalid_value_message=MESSAGES["date_invalid"], **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(k, v) for k, v in labels.items()]


class Radio(RadioField):
    """Radios whose membership is checked by the rules, so nothing picked is "no choice", not a crash."""

    def __init__(self, label=None, choices=(), **kwargs):
        super().__init__(label, choices=_choices(choices),
                         validate_choice=False, **kwargs)
        self.type = "RadioField"  # rendered as a fieldset of radios by macros/forms.html


class VisitForm(FlaskForm):
    class Meta:
        locales = ["vi_VN", "vi"]

    visit_date = DayField(_l("Ngày tiếp"))
    reception_type = Radio(_l("Hình thức tiếp"), RECEPTION_TYPE, default="regular")
    head_mode = Radio(_l("Người đứng đầu tiếp (với tiếp định kỳ, đột xuất)"), HEAD_MODE)
    citizen_name = StringField(_l("Họ và tên công dân (người đại diện nếu là đoàn)"),
                               validators=[Optional(), Length(max=200, message=TOO_LONG)], **F)
    citizen_address = StringField(_l("Địa chỉ"), validators=[Optional(), Length(max=300, message=TOO_LONG)], **FN)
    cccd = StringField(_l("Số CCCD (12 số)"), **FN)
    phone = StringField(_l("Số điện thoại"), **FN)
    content = TextAreaField(_l("Tóm tắt nội dung"), validators=[Optional(), Length(max=10000, message=TOO_LONG)], **F)
    kind_code = SelectField(_l("Phân loại đơn, vụ việc"), validate_choice=False, default="")
    people_count = IntegerField(_l("Số người"), default=1, invalid_value_message=MESSAGES["people_int"])
    is_group = BooleanField(_l("Đoàn đông người"))
    is_repeat = Radio(_l("Vụ việc"), {"first": _l("Lần đầu"), "repeat": _l("Tái diễn (đã đến nhiều lần)")},
                      default="first")
    previous_agency = StringField(_l("Cơ quan đã giải quyết trước đây"),
                                  validators=[Optional(), Length(max=300, message=TOO_LONG)], **FN)
    handling = Radio(_l("Hướng xử lý"), HANDLING)
    handling_agency = StringField(_l("Cơ quan được chuyển đến hoặc được hướng dẫn đến"),
                                  validators=[Optional(), Length(max=300, message=TOO_LONG)], **FN)
    follow_up = TextAreaField(_l("Theo dõi kết quả giải quyết"),
                              validators=[Optional(), Length(max=5000, message=TOO_LONG)], **FN)
    notes = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000, message=TOO_LONG)], **FN)
    session_id = SelectField(_l("Buổi tiếp của Thủ trưởng"), validate_choice=False, default="")
    case_action = Radio(_l("Gắn lượt tiếp với hồ sơ"), CASE_ACTION_LABELS, default="none")
    tracking_code = StringField(_l("Mã hồ sơ cần liên kết"), validators=[Optional(), Length(max=40, message=TOO_LONG)], **F)
    token = HiddenField()

    def validate_cccd(self, field):
        if field.data:
            try:
                field.data = clean_cccd(field.data, clock.today())
            except Invalid as exc:
                raise ValidationError(str(MESSAGES[exc.code])) from None

    def validate_phone(self, field):
        if field.data:
            try:
                field.data = clean_phone(field.data)
            except Invalid as exc:
                raise ValidationError(str(MESSAGES[exc.code])) from None

    def values(self) -> dict:
        """The cleaned values, in the shape the rules and the service take."""
        data = {f.name: f.data for f in self if f.name not in ("csrf_token", "token")}
        data["is_repeat"] = data.get("is_repeat") == "repeat"
        data["is_group"] = bool(data.get("is_group"))
        if data.get("head_mode") == "None":
            data["head_mode"] = None
        raw = data.get("session_id") or ""
        data["session_id"] = int(raw) if str(raw).isdigit() else None
        return data


class DialogueForm(FlaskForm):
    class Meta:
        locales = ["vi_VN", "vi"]

    held_on = DayField(_l("Ngày đối thoại"))
    location = StringField(_l("Địa điểm"), validators=[Optional(), Length(max=300, message=TOO_LONG)], **FN)
    chair = StringField(_l("Người chủ trì"), validators=[Optional(), Length(max=200, message=TOO_LONG)], **F)
    participants = TextAreaField(_l("Thành phần tham dự"), validators=[Optional(), Length(max=5000, message=TOO_LONG)], **F)
    case_codes = TextAreaField(_l("Mã hồ sơ liên quan"), validators=[Optional(), Length(max=2000, message=TOO_LONG)], **F)
    issues = TextAreaField(_l("Vấn đề công dân, doanh nghiệp nêu"),
                           validators=[Optional(), Length(max=20000, message=TOO_LONG)], **F)
    answers = TextAreaField(_l("Nội dung trả lời, giải thích"),
                            validators=[Optional(), Length(max=20000, message=TOO_LONG)], **FN)
    commitments = TextAreaField(_l("Cam kết, thống nhất"), validators=[Optional(), Length(max=10000, message=TOO_LONG)], **FN)
    follow_ups = TextAreaField(_l("Việc cần theo dõi sau đối thoại"),
                               validators=[Optional(), Length(max=10000, message=TOO_LONG)], **FN)
    minutes = FileField(_l("Biên bản đối thoại (PDF hoặc ảnh JPEG, PNG, WebP)"))
    token = HiddenField()

    def values(self) -> dict:
        return {f.name: f.data for f in self if f.name not in ("csrf_token", "token", "minutes", "case_codes")}


class VisitFilterForm(FlaskForm):
    """The list's filters, read from the query string (no CSRF: a GET that changes nothing)."""

    class Meta:
        csrf = False
        locales = ["vi_VN", "vi"]

    date_from = DayField(_l("Từ ngày"))
    date_to = DayField(_l("Đến ngày"))
    reception_type = SelectField(_l("Hình thức tiếp"), validate_choice=False, default="",
                                 choices=_choices({"": _l("Tất cả"), **RECEPTION_TYPE}))
    handling = SelectField(_l("Hướng xử lý"), validate_choice=False, default="",
                           choices=_choices({"": _l("Tất cả"), **HANDLING}))
    group = SelectField(_l("Đoàn đông người"), validate_choice=False, default="",
                        choices=_choices({"": _l("Tất cả"), "yes": _l("Chỉ đoàn đông người"),
                                          "no": _l("Không phải đoàn")}))
    q = StringField(_l("Tìm theo tên, nội dung, mã hồ sơ, số thứ tự"),
                    validators=[Optional(), Length(max=200, message=TOO_LONG)], **F)


class DialogueFilterForm(FlaskForm):
    class Meta:
        csrf = False
        locales = ["vi_VN", "vi"]

    date_from = DayField(_l("Từ ngày"))
    date_to = DayField(_l("Đến ngày"))
    q = StringField(_l("Tìm theo người chủ trì, thành phần, nội dung, mã hồ sơ"),
                    validators=[Optional(), Length(max=200, message=TOO_LONG)], **F)


class RevealForm(FlaskForm):
    """Revealing a protected visitor: a reason, and the password (and TOTP code) again."""

    class Meta:
        locales = ["vi_VN", "vi"]

    reason = StringField(_l("Lý do xem danh tính"), validators=[Optional(), Length(max=500, message=TOO_LONG)])
    password = PasswordField(_l("Nhập lại mật khẩu"))
    code = StringField(_l("Mã xác thực 6 số"))


class SessionForm(FlaskForm):
    """A periodic or unscheduled reception by the head of the agency (a session)."""

    class Meta:
        locales = ["vi_VN", "vi"]

    held_on = DayField(_l("Ngày tiếp"))
    reception_type = Radio(_l("Hình thức"), {"periodic": RECEPTION_TYPE["periodic"], "unscheduled": RECEPTION_TYPE["unscheduled"]},
                           default="periodic")
    head_mode = Radio(_l("Người chủ trì"), HEAD_MODE, default="in_person")
    chair = StringField(_l("Họ tên, chức vụ người chủ trì"), validators=[Optional(), Length(max=200, message=TOO_LONG)], **F)
    location = StringField(_l("Địa điểm"), validators=[Optional(), Length(max=300, message=TOO_LONG)], **FN)
    notes = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000, message=TOO_LONG)], **FN)
    token = HiddenField()
