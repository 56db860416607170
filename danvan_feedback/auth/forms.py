from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

REQUIRED = _l("Vui lòng điền mục này.")


class LoginForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(REQUIRED), Length(max=128)])


class TotpForm(FlaskForm):
    code = StringField(_l("Mã xác thực 6 số"), validators=[
        DataRequired(REQUIRED), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Mã gồm 6 chữ số."))])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(REQUIRED)])
    new = PasswordField(_l("Mật khẩu mới (12 đến 128 ký tự)"), validators=[
        DataRequired(REQUIRED), Length(min=12, max=128, message=_l("Mật khẩu phải từ 12 đến 128 ký tự."))])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[
        DataRequired(REQUIRED), EqualTo("new", message=_l("Hai lần nhập mật khẩu mới không khớp."))])
