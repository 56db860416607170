"""Public forms. Format checks call ``domain.validation``; what each kind requires is decided by
``domain.validation.submission_errors`` in the view, so the rules live in one place."""
from __future__ import annotations


from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, MultipleFileField,
                     RadioField, SelectField, StringField, TextAreaField)
from wtforms.validators import Email, Length, NumberRange, Optional, ValidationError

from .. import clock
from ..domain.limits import CASE_NUMBER_RANGE, CASE_TEXT_MAX
from ..domain.validation import Invalid, clean_cccd, clean_phone, clean_tax_code, clean_text

MESSAGES = {
    "required": _l("Vui lòng điền mục này."),
    "contact_required": _l("Vui lòng cho biết số điện thoại hoặc email để cơ quan liên hệ với bạn."),
    "anonymous_refused": _l("Khiếu nại không thể gửi ẩn danh: theo quy định (Thông tư 05/2021/TT-TTCP, Điều 6), đơn khiếu nại không ghi rõ họ tên, địa chỉ sẽ không được xử lý. Vui lòng điền thông tin của bạn."),
    "info_only_ack_required": _l("Vui lòng xác nhận bạn đã hiểu: tố cáo ẩn danh chỉ được lưu làm thông tin, không được giải quyết theo Luật Tố cáo."),
    "consent_required": _l("Vui lòng đánh dấu đồng ý với thông báo xử lý dữ liệu cá nhân để gửi đơn có thông tin cá nhân."),
    "group_size": _l("Đơn đông người cần ghi số người (từ 2 người trở lên)."),
    "cccd_format": _l("Số CCCD phải gồm đúng 12 chữ số."),
    "cccd_province": _l("Số CCCD không hợp lệ: 3 chữ số đầu không phải mã tỉnh."),
    "cccd_birth_year": _l("Số CCCD không hợp lệ: năm sinh trong số CCCD ở tương lai."),
    "tax_format": _l("Mã số thuế gồm 10 chữ số (hoặc 10 chữ số, dấu gạch ngang và 3 chữ số cho chi nhánh)."),
    "tax_checksum": _l("Mã số thuế không đúng (chữ số kiểm tra không khớp). Vui lòng kiểm tra lại."),
    "phone_format": _l("Số điện thoại không đúng định dạng. Ví dụ: 0912 345 678."),
    "phone_invalid": _l("Đây không phải là số điện thoại Việt Nam hợp lệ."),
    "file_empty": _l("Tệp %(name)s rỗng."),
    "file_too_big": _l("Tệp %(name)s vượt quá %(mb)s MB."),
    "file_type": _l("Tệp %(name)s không được chấp nhận: chỉ nhận ảnh JPEG, PNG, WebP hoặc tệp PDF."),
    "file_broken": _l("Tệp %(name)s bị hỏng hoặc không đúng định dạng như tên tệp."),
    "file_bomb": _l("Ảnh %(name)s quá lớn (số điểm ảnh vượt giới hạn)."),
    "image_too_large": _l("Ảnh %(name)s quá lớn để xử lý: ảnh PNG, WebP tối đa %(mp)s triệu điểm ảnh. Vui lòng gửi ảnh JPEG (ảnh chụp từ điện thoại) hoặc thu nhỏ ảnh."),
    "image_budget": _l("Ảnh %(name)s không được nhận: tổng kích thước các ảnh gửi kèm vượt giới hạn. Vui lòng gửi ít ảnh hơn hoặc ảnh nhỏ hơn (tối đa %(side)s điểm ảnh mỗi chiều là đủ)."),
    "storage_failed": _l("Hệ thống tạm thời không lưu được tệp đính kèm (sự cố ổ lưu trữ), nên đơn CHƯA được gửi. Nội dung bạn nhập vẫn còn nguyên bên dưới: vui lòng thử lại sau ít phút, hoặc gửi không kèm tệp."),
    "pdf_active": _l("Tệp PDF %(name)s chứa mã lệnh hoặc tệp nhúng không gỡ bỏ được. Vui lòng in tệp ra PDF mới (chức năng “In ra PDF”) hoặc gửi ảnh chụp các trang."),
    "file_encrypted": _l("Tệp PDF %(name)s có mật khẩu; vui lòng gửi bản không đặt mật khẩu."),
    "too_many_files": _l("Chỉ được gửi tối đa %(n)s tệp."),
    "held_gone": _l("Tệp đã đính kèm ở lần gửi trước không còn được giữ (quá thời gian chờ): %(names)s. Vui lòng chọn lại tệp."),
    "invalid_choice": _l("Lựa chọn không hợp lệ; vui lòng chọn lại trong danh sách."),
    "case_closed": _l("Hồ sơ đã kết thúc nên không thể bổ sung thêm."),
    "location": _l("Vị trí không hợp lệ. Vui lòng bấm “Bỏ vị trí” rồi lấy lại, hoặc chọn xã, phường."),
}


def file_error_message(code: str, filename: str, max_bytes: int, messages: dict | None = None) -> str:
    """The message for a refused file (a :class:`~danvan_feedback.storage.RejectedFile` code)."""
    from ..storage import IMAGE_FILE_MAX_PIXELS, IMAGE_MAX_SIDE
    return str((messages or MESSAGES)[code]) % {
        "name": filename[:80], "mb": max_bytes // (1024 * 1024),
        "mp": IMAGE_FILE_MAX_PIXELS // 1_000_000, "side": IMAGE_MAX_SIDE}


# What to do, said for the field at hand, when a required field is empty ("Nhập địa chỉ liên hệ"
# rather than a generic "fill in this field").
REQUIRED_BY_FIELD = {
    "full_name": _l("Nhập họ và tên của bạn."),
    "address": _l("Nhập địa chỉ liên hệ."),
    "cccd": _l("Nhập số căn cước công dân (12 chữ số)."),
    "phone": _l("Nhập số điện thoại."),
    "company_name": _l("Nhập tên doanh nghiệp, tổ chức."),
    "tax_code": _l("Nhập mã số thuế của doanh nghiệp."),
    "subject": _l("Nhập tiêu đề ngắn cho đơn."),
    "content": _l("Trình bày nội dung sự việc."),
    "complained_decision": _l("Ghi quyết định hoặc hành vi hành chính bị khiếu nại."),
    "request_text": _l("Ghi yêu cầu của bạn (ví dụ: huỷ quyết định)."),
    "representative": _l("Nhập họ tên người đại diện cho những người cùng ký đơn."),
    "incident_place": _l("Ghi nơi xảy ra sự việc."),
}


def message_for(field: str, code: str) -> str:
    """The message of a domain error ``code`` on ``field``, specific to the field when it is missing."""
    if code == "required" and field in REQUIRED_BY_FIELD:
        return str(REQUIRED_BY_FIELD[field])
    return str(MESSAGES[code])


def show_as_typed(form) -> None:
    """Before showing a form again: every text field as the person typed it, not as it was cleaned
    (a phone typed 0912 345 678 must not come back as +84912345678)."""
    for f in form:
        if f.type in ("StringField", "TelField", "EmailField") and f.raw_data:
            f.data = f.raw_data[0]


TOO_LONG = _l("Tối đa %(max)d ký tự; bạn đã nhập %(length)d ký tự.")


def _domain_check(fn):
    def check(form, field):
        if field.data:
            try:
                field.data = fn(field.data)
            except Invalid as exc:
                raise ValidationError(str(MESSAGES[exc.code])) from None
    return check


def _cccd(form, field):
    if field.data:
        try:
            field.data = clean_cccd(field.data, clock.today())
        except Invalid as exc:
            raise ValidationError(str(MESSAGES[exc.code])) from None


class Choice(SelectField):
    """A select whose missing value means "none chosen"; the view checks the chosen id."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=str, default="", validate_choice=True, **kwargs)

    def pre_validate(self, form):
        """Membership is checked by the view against the database (only what was chosen)."""
        if self.data is None:
            self.data = ""


def _strip(value):
    return clean_text(value) if isinstance(value, str) else value


F = {"filters": [_strip]}


def _max_length(name: str) -> Length:
    """The length limit of a case field (``domain.limits``, which the API enforces too)."""
    return Length(max=CASE_TEXT_MAX[name], message=TOO_LONG)


class CaseForm(FlaskForm):
    class Meta:
        locales = ["vi_VN", "vi"]

    submitter_type = RadioField(_l("Bạn gửi với tư cách"), choices=[
        SelectChoice("citizen", _l("Cá nhân")), SelectChoice("business", _l("Doanh nghiệp, tổ chức"))],
        default="citizen")
    anonymous = BooleanField(_l("Gửi ẩn danh (không ghi họ tên, địa chỉ)"))
    info_only_ack = BooleanField(_l("Tôi hiểu rằng tố cáo ẩn danh chỉ được lưu làm thông tin, không được giải quyết theo Luật Tố cáo."))
    full_name = StringField(_l("Họ và tên"), validators=[Optional(), _max_length("full_name")], **F)
    company_name = StringField(_l("Tên doanh nghiệp, tổ chức"), validators=[Optional(), _max_length("company_name")], **F)
    tax_code = StringField(_l("Mã số thuế"), validators=[Optional(), _domain_check(clean_tax_code)], **F)
    address = StringField(_l("Địa chỉ liên hệ"), validators=[Optional(), _max_length("address")], **F)
    cccd = StringField(_l("Số căn cước công dân (CCCD, 12 số)"), validators=[Optional(), _cccd], **F)
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), _domain_check(clean_phone)], **F)
    email = StringField(_l("Email"), validators=[
        Optional(), _max_length("email"), Email(message=_l("Địa chỉ email không hợp lệ."), check_deliverability=False)], **F)
    commune_id = Choice(_l("Xã, phường nơi xảy ra sự việc"))
    unit_id = Choice(_l("Đơn vị liên quan"))
    service_id = Choice(_l("Dịch vụ, thủ tục liên quan"))
    subject = StringField(_l("Tiêu đề ngắn"), validators=[Optional(), _max_length("subject")], **F)
    content = TextAreaField(_l("Nội dung"), validators=[Optional(), _max_length("content")], **F)
    incident_date = DateField(_l("Ngày xảy ra sự việc"), validators=[Optional()],
                              invalid_value_message=_l("Ngày không hợp lệ; vui lòng chọn lại ngày."))
    incident_place = StringField(_l("Nơi xảy ra sự việc"), validators=[Optional(), _max_length("incident_place")], **F)
    # "Use my location" (static/js/locate.js) fills these; without JavaScript they stay empty.
    latitude = HiddenField()
    longitude = HiddenField()
    complained_decision = TextAreaField(_l("Quyết định hoặc hành vi hành chính bị khiếu nại"), validators=[Optional(), _max_length("complained_decision")], **F)
    request_text = TextAreaField(_l("Yêu cầu của người khiếu nại"), validators=[Optional(), _max_length("request_text")], **F)
    is_group = BooleanField(_l("Đơn của nhiều người (đông người)"))
    group_size = IntegerField(_l("Số người cùng ký đơn"), invalid_value_message=_l("Số người phải là một số nguyên."), validators=[
        Optional(), NumberRange(*CASE_NUMBER_RANGE["group_size"], message=_l("Số người phải từ 2 trở lên."))])
    representative = StringField(_l("Người đại diện"), validators=[Optional(), _max_length("representative")], **F)
    attachments = MultipleFileField(_l("Tệp đính kèm (ảnh JPEG, PNG, WebP hoặc PDF)"))
    consent = BooleanField(_l("Tôi đã đọc thông báo về xử lý dữ liệu cá nhân ở trên và đồng ý để cơ quan xử lý thông tin tôi cung cấp; tôi cam đoan nội dung trình bày là đúng sự thật."))
    token = HiddenField()
    website = StringField(_l("Để trống ô này"))  # honeypot: people never see it

    def validate_incident_date(self, field):
        if field.data and field.data > clock.today():
            raise ValidationError(str(_l("Ngày xảy ra không thể ở tương lai.")))


class LookupForm(FlaskForm):
    code = StringField(_l("Mã tra cứu"), validators=[Length(max=40, message=TOO_LONG)], **F)
    secret = StringField(_l("Mã PIN, hoặc số điện thoại / email đã khai"), validators=[Length(max=254, message=TOO_LONG)], **F)


class AddInfoForm(FlaskForm):
    token = HiddenField()  # names this form's held files (see services.held)
    text = TextAreaField(_l("Thông tin bổ sung"), validators=[Optional(), Length(max=10000, message=TOO_LONG)], **F)
    attachments = MultipleFileField(_l("Tệp đính kèm (ảnh JPEG, PNG, WebP hoặc PDF)"))
    website = StringField(_l("Để trống ô này"))
