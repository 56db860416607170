"""Survey forms. The rated questions come from the current survey version (data), so they are read
by :func:`parse_ratings` rather than declared as fields; everything else is a FlaskForm field."""
from __future__ import annotations

from typing import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from ..domain.validation import parse_int
from ..forms.case import MESSAGES as PUBLIC_MESSAGES
from ..forms.case import TOO_LONG, Choice, F

COMMENT_MAX = 2000

MESSAGES = {
    "rating_missing": _l("Vui lòng chọn một mức đánh giá cho câu này."),
    "rating_invalid": _l("Mức đánh giá không hợp lệ; vui lòng chọn một trong các mức có sẵn."),
    "unit_required": _l("Vui lòng chọn đơn vị bạn muốn đánh giá."),
    "point_gone": _l("Mã khảo sát này không tồn tại hoặc đã ngừng sử dụng. Bạn vẫn có thể đánh giá: vui lòng chọn đơn vị bên dưới, các câu trả lời của bạn vẫn được giữ nguyên."),
    "version_changed": _l("Bảng câu hỏi vừa được cập nhật hoặc không hợp lệ. Vui lòng kiểm tra lại các câu trả lời bên dưới rồi gửi lại."),
    "already_rated": _l("Hồ sơ này đã được đánh giá. Mỗi hồ sơ chỉ được đánh giá một lần."),
    "not_resolved_yet": _l("Hồ sơ chưa có kết quả giải quyết nên chưa thể đánh giá."),
    "resolved_required": _l("Vui lòng cho biết vấn đề của bạn đã thực sự được giải quyết hay chưa."),
    "consent_required": _l("Để ghi nhận thông tin về bạn, vui lòng đánh dấu ô đồng ý; nếu không muốn, hãy bỏ chọn các thông tin đó."),
    "honeypot": _l("Biểu mẫu không gửi được. Nếu bạn thấy ô “Để trống ô này”, hãy xoá nội dung trong ô đó rồi gửi lại."),
    "token": _l("Biểu mẫu thiếu mã phiên. Vui lòng tải lại trang rồi gửi lại."),
    "invalid_choice": PUBLIC_MESSAGES["invalid_choice"],
}

AGE_BANDS = [SelectChoice("", _l("— Không chọn —")), SelectChoice("under_30", _l("Dưới 30 tuổi")),
             SelectChoice("30_44", _l("Từ 30 đến 44 tuổi")), SelectChoice("45_59", _l("Từ 45 đến 59 tuổi")),
             SelectChoice("60_plus", _l("Từ 60 tuổi trở lên"))]


NOT_APPLICABLE = "na"


def parse_ratings(criteria, scale_max: int, data: Mapping) -> tuple[dict[str, int], dict[str, str], dict[str, str]]:
    """Scores by criterion code, errors by code, and the raw answers to show again.

    ``criteria`` are (code, required) pairs. A required question must be rated; any other may be
    left out or answered "not applicable" (``na``), and then has no score.
    """
    scores, errors, raw = {}, {}, {}
    for code, required in criteria:
        value = (data.get(f"q_{code}") or "").strip()[:8]
        raw[code] = value
        if not value or value == NOT_APPLICABLE:
            if required:
                errors[code] = str(MESSAGES["rating_missing"])
        elif (score := parse_int(value, 1, scale_max)) is None:
            errors[code] = str(MESSAGES["rating_invalid"])
        else:
            scores[code] = score
    return scores, errors, raw


class SurveyForm(FlaskForm):
    class Meta:
        locales = ["vi_VN", "vi"]

    unit_id = Choice(_l("Đơn vị bạn đánh giá"))
    service_id = Choice(_l("Dịch vụ, thủ tục hành chính (không bắt buộc)"))
    point = HiddenField()
    version = HiddenField()
    token = HiddenField()
    comment = TextAreaField(_l("Góp ý thêm (không bắt buộc)"),
                            validators=[Optional(), Length(max=COMMENT_MAX, message=TOO_LONG)], **F)
    consent = BooleanField(_l("Tôi đồng ý cung cấp các thông tin dưới đây về tôi, chỉ để thống kê (không ghi tên, không liên hệ)."))
    respondent_type = RadioField(_l("Bạn là"), choices=[
        SelectChoice("citizen", _l("Người dân")), SelectChoice("business", _l("Doanh nghiệp, tổ chức"))],
        validators=[Optional()], validate_choice=False)
    age_band = SelectField(_l("Độ tuổi"), choices=AGE_BANDS, validate_choice=False, default="")
    website = StringField(_l("Để trống ô này"))  # honeypot


class CaseRatingForm(FlaskForm):
    class Meta:
        locales = ["vi_VN", "vi"]

    version = HiddenField()
    token = HiddenField()
    resolved = RadioField(_l("Vấn đề của bạn đã thực sự được giải quyết chưa?"), choices=[
        SelectChoice("yes", _l("Đã được giải quyết")), SelectChoice("no", _l("Chưa được giải quyết"))],
        validators=[Optional()], validate_choice=False)
    comment = TextAreaField(_l("Góp ý thêm (không bắt buộc)"),
                            validators=[Optional(), Length(max=COMMENT_MAX, message=TOO_LONG)], **F)
    website = StringField(_l("Để trống ô này"))


class PointForm(FlaskForm):
    unit_id = Choice(_l("Đơn vị"))
    service_id = Choice(_l("Dịch vụ, thủ tục (không bắt buộc)"))
    label = StringField(_l("Tên điểm khảo sát (ví dụ: Quầy 2 — Bộ phận một cửa)"),
                        validators=[Length(min=1, max=200, message=_l("Vui lòng nhập tên điểm khảo sát, tối đa 200 ký tự."))], **F)


class SpamForm(FlaskForm):
    reason = StringField(_l("Lý do"), validators=[Length(min=3, max=500, message=_l("Vui lòng ghi lý do (3–500 ký tự)."))], **F)


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter, changes nothing

    tu = DateField(_l("Từ ngày"), validators=[Optional()], invalid_value_message=_l("Ngày không hợp lệ."))
    den = DateField(_l("Đến ngày"), validators=[Optional()], invalid_value_message=_l("Ngày không hợp lệ."))
