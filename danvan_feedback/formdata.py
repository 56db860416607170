"""What a submitted form's fields read: the files only for file fields.

Flask-WTF hands a form ``request.files`` combined with ``request.form`` whenever the request
carries a file, so a file sent under a text field's name (no browser does it; a script or a fuzzer
can) reached that field's validators, which cannot read a file (``len()`` of a ``FileStorage``):
a 500 on the public lookup, "bổ sung" and survey forms. :func:`install` makes every form take a
file only under the name of one of its file fields; other files are left out, as if not sent
(views that read ``request.files`` themselves are unaffected).
"""
from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.fields import FileField

_flask_wtf_wrap = FlaskForm.Meta.wrap_formdata


def _wrap_formdata(meta, form, formdata):
    data = _flask_wtf_wrap(meta, form, formdata)
    if data is formdata or not isinstance(data, CombinedMultiDict) or not request.files:
        return data  # formdata given by the view, or no file sent
    names = {field.name for field in form if isinstance(field, FileField)}
    files = MultiDict([(k, v) for k, v in request.files.items(multi=True) if k in names])
    return CombinedMultiDict((files, request.form))


def install() -> None:
    FlaskForm.Meta.wrap_formdata = _wrap_formdata
