"""Forms of the office's letter register. The letter form *is* the public case form with the
register's own fields added: every field rule (lengths, CCCD, phone, tax code, e-mail) is the
public form's, and what each kind requires is ``domain.validation.submission_errors``."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FileField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from ..forms.case import F, TOO_LONG, CaseForm

CHANNELS = {
    "post": _l("Bưu điện (thư gửi qua bưu chính)"),
    "in_person": _l("Nộp trực tiếp tại bộ phận tiếp nhận"),
    "email": _l("Thư điện tử"),
    "phone": _l("Điện thoại (ghi lại nội dung)"),
}
SIGNATORIES = {
    "one": _l("Một người đứng tên"),
    "several": _l("Nhiều người cùng ký (đơn đông người)"),
    "unknown": _l("Không rõ người gửi (không ký tên, không ghi họ tên)"),
}
BAD_DATE = _l("Ngày không hợp lệ; vui lòng nhập theo dạng ngày/tháng/năm.")


class LetterForm(CaseForm):
    kind_code = SelectField(_l("Loại đơn"), choices=[], validate_choice=False)
    received_on = DateField(_l("Ngày nhận đơn"), validators=[Optional()], invalid_value_message=BAD_DATE)
    channel = RadioField(_l("Đơn đến qua"), choices=[SelectChoice(k, v) for k, v in CHANNELS.items()],
                         default="post", validate_choice=False)
    sender_doc_no = StringField(_l("Số văn bản, số đơn của người gửi (nếu có)"),
                                validators=[Optional(), Length(max=100, message=TOO_LONG)], **F)
    sender_doc_date = DateField(_l("Ngày ghi trên đơn (nếu có)"), validators=[Optional()], invalid_value_message=BAD_DATE)
    signatories = RadioField(_l("Người ký đơn"), choices=[SelectChoice(k, v) for k, v in SIGNATORIES.items()],
                             default="one", validate_choice=False)


class IssueForm(FlaskForm):
    """Issue a numbered document; the number is the register's next one unless one is typed."""

    number = IntegerField(_l("Số văn bản (để trống: lấy số tiếp theo trong sổ)"), validators=[
        Optional(), NumberRange(min=1, max=999999, message=_l("Số phải từ 1 trở lên."))],
        invalid_value_message=_l("Số văn bản phải là một số nguyên."))
    issued_on = DateField(_l("Ngày ban hành"), validators=[Optional()], invalid_value_message=BAD_DATE)
    signer = StringField(_l("Người ký"), validators=[Optional(), Length(max=200, message=TOO_LONG)], **F)
    agency = StringField(_l("Cơ quan nhận (phiếu chuyển đơn, phiếu hướng dẫn)"),
                         validators=[Optional(), Length(max=300, message=TOO_LONG)], **F)
    note = TextAreaField(_l("Nội dung bổ sung (lý do, hướng dẫn)"), validators=[Optional(), Length(max=5000, message=TOO_LONG)], **F)


class AgencyReplyForm(FlaskForm):
    agency = StringField(_l("Cơ quan trả lời"), validators=[Optional(), Length(max=300, message=TOO_LONG)], **F)
    doc_no = StringField(_l("Số văn bản phúc đáp"), validators=[Optional(), Length(max=100, message=TOO_LONG)], **F)
    doc_date = DateField(_l("Ngày văn bản"), validators=[Optional()], invalid_value_message=BAD_DATE)
    summary = TextAreaField(_l("Tóm tắt nội dung trả lời"), validators=[Optional(), Length(max=5000, message=TOO_LONG)], **F)
    file = FileField(_l("Bản chụp văn bản (PDF hoặc ảnh, không bắt buộc)"))
    token = HiddenField()
