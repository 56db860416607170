"""Administration forms. Every message is Vietnamese (WTForms ships no Vietnamese catalogue), so numbers,
dates and choices are parsed here with our own messages instead of IntegerField / DateField defaults."""
from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms import RadioField as _RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp, ValidationError

from .. import policy

REQUIRED = _l("Vui lòng điền mục này.")
TOO_LONG = _l("Tối đa %(max)d ký tự.")
BAD_CHOICE = _l("Lựa chọn không hợp lệ; vui lòng chọn lại trong danh sách.")
YEAR_MIN, YEAR_MAX = 2000, 2100


def _strip(value):
    return value.strip() if isinstance(value, str) else value


F = {"filters": [_strip]}
NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}


def choice_values(field) -> set[str]:
    return {str(c.value if isinstance(c, SelectChoice) else c[0]) for c in field.choices or ()}


class Choice(SelectField):
    """A select with string values whose wrong value gets a Vietnamese message (the view converts ids)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=str, **kwargs)

    def pre_validate(self, form):
        if self.data not in choice_values(self):
            raise ValidationError(str(BAD_CHOICE))


class RadioField(_RadioField):
    """Keeps the name ``RadioField`` so that ``macros/forms.html`` renders it as a fieldset of radios."""

    def pre_validate(self, form):
        if self.data not in choice_values(self):
            raise ValidationError(str(_l("Vui lòng chọn một mục.")))


def whole_number(low: int, high: int, negative_message=None):
    """A text field that must hold a whole number in [low, high]; sets ``field.number``."""
    def check(form, field):
        raw = (field.data or "").strip()
        if not re.fullmatch(r"[+-]?\d{1,6}", raw):
            raise ValidationError(str(_l("Vui lòng nhập một số nguyên (không có phần thập phân), từ %(low)d đến %(high)d.",
                                         low=low, high=high)))
        number = int(raw)
        if number < 0 and negative_message is not None:
            raise ValidationError(str(negative_message))
        if not low <= number <= high:
            raise ValidationError(str(_l("Vui lòng nhập một số từ %(low)d đến %(high)d.", low=low, high=high)))
        field.number = number
    return check


def parse_day(raw: str) -> date | None:
    """``YYYY-MM-DD`` (a date input) or ``DD/MM/YYYY`` (typed by hand); None when neither."""
    raw = (raw or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def _day(form, field):
    day = parse_day(field.data)
    if day is None:
        raise ValidationError(str(_l("Ngày không hợp lệ. Nhập theo dạng ngày/tháng/năm, ví dụ 02/01/2027.")))
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise ValidationError(str(_l("Chỉ nhận ngày trong các năm từ %(a)d đến %(b)d.", a=YEAR_MIN, b=YEAR_MAX)))
    field.day = day


PASSWORD_LENGTH = Length(min=12, max=128, message=_l("Mật khẩu phải từ 12 đến 128 ký tự."))
USERNAME = Regexp(r"^[A-Za-z0-9._-]{3,64}$",
                  message=_l("Tên đăng nhập gồm 3 đến 64 ký tự: chữ không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang."))
CODE = Regexp(r"^[A-Za-z0-9._-]{1,32}$",
              message=_l("Mã gồm 1 đến 32 ký tự: chữ không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang."))


# Created before the shared fields, so the creation form lists (and its error summary orders) it first.
_USERNAME = StringField(_l("Tên đăng nhập"), validators=[DataRequired(REQUIRED), USERNAME], **F)


class _UserFields(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG)], **F)
    email = StringField(_l("Thư điện tử"), validators=[
        Optional(), Length(max=254, message=TOO_LONG),
        Email(message=_l("Địa chỉ thư điện tử không đúng định dạng."), check_deliverability=False)], **F)
    role = Choice(_l("Vai trò"))
    unit_id = Choice(_l("Đơn vị"))

    def validate_unit_id(self, field):
        if policy.role_needs_unit(self.role.data) and not field.data:
            raise ValidationError(str(_l("Cán bộ đơn vị phải thuộc một đơn vị: vui lòng chọn đơn vị.")))


class UserCreateForm(_UserFields):
    username = _USERNAME
    password = PasswordField(_l("Mật khẩu ban đầu (12 đến 128 ký tự)"), validators=[DataRequired(REQUIRED), PASSWORD_LENGTH])


class UserEditForm(_UserFields):
    active = BooleanField(_l("Đang hoạt động (bỏ chọn để khoá tài khoản)"))


class PasswordResetForm(FlaskForm):
    new = PasswordField(_l("Mật khẩu mới (12 đến 128 ký tự)"), validators=[DataRequired(REQUIRED), PASSWORD_LENGTH])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[
        DataRequired(REQUIRED), EqualTo("new", message=_l("Hai lần nhập mật khẩu không khớp."))])


class UnitForm(FlaskForm):
    code = StringField(_l("Mã đơn vị"), validators=[DataRequired(REQUIRED), CODE], **F)
    name = StringField(_l("Tên đơn vị"), validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG)], **F)
    unit_type = Choice(_l("Loại đơn vị"))
    parent_id = Choice(_l("Thuộc đơn vị"))
    sort_order = StringField(_l("Thứ tự hiển thị"), validators=[whole_number(0, 100000)], render_kw=NUMERIC, **F)
    active = BooleanField(_l("Đang hoạt động"))


class ServiceForm(FlaskForm):
    code = StringField(_l("Mã dịch vụ"), validators=[DataRequired(REQUIRED), CODE], **F)
    name = StringField(_l("Tên dịch vụ, thủ tục"), validators=[DataRequired(REQUIRED), Length(max=300, message=TOO_LONG)], **F)
    active = BooleanField(_l("Đang hoạt động"))


class SettingsForm(FlaskForm):
    org_name = StringField(_l("Tên cơ quan"), validators=[DataRequired(REQUIRED), Length(max=300, message=TOO_LONG)], **F)
    org_short_name = StringField(_l("Tên viết tắt"), validators=[DataRequired(REQUIRED), Length(max=100, message=TOO_LONG)], **F)
    triage_role_name = StringField(_l("Tên hiển thị của vai trò xử lý đơn"), validators=[
        DataRequired(REQUIRED), Length(max=100, message=TOO_LONG)], **F)
    report_owner_name = StringField(_l("Đơn vị tổng hợp báo cáo"), validators=[
        DataRequired(REQUIRED), Length(max=200, message=TOO_LONG)], **F)
    totp_required_roles = StringField(_l("Vai trò bắt buộc xác thực hai lớp"), validators=[Length(max=200, message=TOO_LONG)], **F)
    due_soon_days = StringField(_l("Số ngày làm việc báo “sắp đến hạn”"), validators=[whole_number(0, 30)],
                                render_kw=NUMERIC, **F)
    # The plan's target (chỉ tiêu) for the share of satisfied answers, compared in the reports.
    satisfaction_target = StringField(_l("Chỉ tiêu tỷ lệ hài lòng (%)"), validators=[
        Optional(), whole_number(0, 100)], render_kw=NUMERIC, **F)


class TemplateForm(FlaskForm):
    purpose = RadioField(_l("Loại mẫu"), choices=[SelectChoice("reply", _l("Mẫu trả lời công dân")),
                                              SelectChoice("reason", _l("Mẫu lý do (không thụ lý, lưu đơn, trả lại...)"))])
    code = StringField(_l("Mã mẫu"), validators=[DataRequired(REQUIRED), Regexp(
        r"^[A-Za-z0-9._-]{1,48}$", message=_l("Mã gồm 1 đến 48 ký tự: chữ không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang."))], **F)
    title = StringField(_l("Tiêu đề"), validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG)], **F)
    body = TextAreaField(_l("Nội dung"), validators=[DataRequired(REQUIRED), Length(max=10000, message=TOO_LONG)],
                         render_kw={"rows": 10})
    active = BooleanField(_l("Đang sử dụng"))


DAYS_NEGATIVE = _l("Số ngày không được là số âm. Nhập 0 hoặc một số nguyên dương.")


class DeadlineRuleForm(FlaskForm):
    days = StringField(_l("Số ngày"), validators=[whole_number(0, 3650, negative_message=DAYS_NEGATIVE)],
                       render_kw=NUMERIC, **F)
    day_unit = RadioField(_l("Cách tính"), choices=[SelectChoice("working", _l("Ngày làm việc")),
                                              SelectChoice("calendar", _l("Ngày (theo lịch)"))])
    description = TextAreaField(_l("Mô tả"), validators=[DataRequired(REQUIRED), Length(max=2000, message=TOO_LONG)],
                                render_kw={"rows": 3}, **F)
    source = TextAreaField(_l("Căn cứ pháp lý"), validators=[DataRequired(REQUIRED), Length(max=2000, message=TOO_LONG)],
                           render_kw={"rows": 2}, **F)
    active = BooleanField(_l("Đang áp dụng"))


class HolidayForm(FlaskForm):
    day = StringField(_l("Ngày"), validators=[DataRequired(REQUIRED), _day], render_kw={"type": "date"}, **F)
    is_working = RadioField(_l("Loại ngày"), choices=[SelectChoice("0", _l("Ngày nghỉ thêm")),
                                                 SelectChoice("1", _l("Ngày làm bù (thứ Bảy làm việc)"))])
    note = StringField(_l("Ghi chú (căn cứ văn bản)"), validators=[Length(max=300, message=TOO_LONG)], **F)


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""
