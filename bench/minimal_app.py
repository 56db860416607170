"""The yardstick of ``python -m bench --only submit``: a minimal Flask app on our stack.

Flask + Flask-WTF (CSRF in the session cookie) + Flask-SQLAlchemy, the same drivers and the same
durability (SQLite WAL with ``synchronous=FULL``; PostgreSQL with its default fsync), served by the
same gunicorn. One form: validation of a named letter (name, address, CCCD, phone, e-mail, subject,
content, decision complained about, request, consent), an optional file written to disk and
fsynced, two inserts (the letter and its first history row), one commit, a 303 redirect.
It does what a plain, careful Flask app would do and nothing of ours (no clocks, no hash chain, no
outbox, no image re-encoding).

Run by the benchmark as ``gunicorn bench.minimal_app:app`` with ``MINIMAL_DATABASE_URL`` and
``MINIMAL_UPLOAD_DIR`` set; ``python -m bench.minimal_app init`` creates the two tables.
"""
from __future__ import annotations

import os
import secrets
import sys
from datetime import datetime, timezone

from flask import Flask, redirect, render_template_string
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.engine import Engine
from wtforms import BooleanField, HiddenField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

db = SQLAlchemy()


class Letter(db.Model):
    __tablename__ = "letters"
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(16), nullable=False)
    token = db.Column(db.String(64), nullable=False)
    full_name = db.Column(db.String(200), nullable=False)
    address = db.Column(db.String(300), nullable=False)
    cccd = db.Column(db.String(12))
    phone = db.Column(db.String(20))
    email = db.Column(db.String(254))
    subject = db.Column(db.String(200), nullable=False)
    content = db.Column(db.Text, nullable=False)
    complained_decision = db.Column(db.Text)
    request_text = db.Column(db.Text)
    file_key = db.Column(db.String(64))
    received_at = db.Column(db.DateTime(timezone=True), nullable=False)


class LetterEvent(db.Model):
    __tablename__ = "letter_events"
    id = db.Column(db.Integer, primary_key=True)
    letter_id = db.Column(db.ForeignKey("letters.id"), nullable=False)
    action = db.Column(db.String(32), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False)


class LetterForm(FlaskForm):
    full_name = StringField(validators=[DataRequired(), Length(max=200)])
    address = StringField(validators=[DataRequired(), Length(max=300)])
    cccd = StringField(validators=[Optional(), Regexp(r"^\d{12}$")])
    phone = StringField(validators=[Optional(), Regexp(r"^(\+84|0)[1-9]\d{8,9}$")])
    email = StringField(validators=[Optional(), Length(max=254), Email(check_deliverability=False)])
    subject = StringField(validators=[DataRequired(), Length(max=200)])
    content = TextAreaField(validators=[DataRequired(), Length(max=20000)])
    complained_decision = TextAreaField(validators=[Optional(), Length(max=5000)])
    request_text = TextAreaField(validators=[Optional(), Length(max=5000)])
    consent = BooleanField(validators=[DataRequired()])
    attachments = MultipleFileField()
    token = HiddenField()


PAGE = """<!doctype html><title>Gửi đơn</title><form method=post enctype=multipart/form-data>
{{ form.csrf_token }}<input type=hidden name=token value="{{ token }}">
{% for f in form if f.name not in ('csrf_token', 'token') %}<p>{{ f.name }} {{ f() }} {{ f.errors|join(' ') }}</p>{% endfor %}
<button>Gửi</button></form>"""


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_conn, _record):
    if type(dbapi_conn).__module__.startswith("sqlite3"):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()


def _store(upload_dir: str, data: bytes) -> str:
    key = secrets.token_hex(20)
    path = os.path.join(upload_dir, key)
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return key


def create_app() -> Flask:
    app = Flask(__name__)
    url = os.environ["MINIMAL_DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    app.config.update(SECRET_KEY=os.environ.get("SECRET_KEY", "minimal-app-secret-key-0123456789abcdef"),
                      SQLALCHEMY_DATABASE_URI=url, MAX_CONTENT_LENGTH=20 * 1024 * 1024,
                      UPLOAD_DIR=os.environ.get("MINIMAL_UPLOAD_DIR", "/tmp"))
    db.init_app(app)

    @app.route("/gui", methods=["GET", "POST"])
    def submit():
        form = LetterForm()
        if not form.validate_on_submit():
            return render_template_string(PAGE, form=form, token=secrets.token_hex(16)), (
                422 if form.is_submitted() else 200)
        files = [f for f in form.attachments.data or [] if f and f.filename]
        key = _store(app.config["UPLOAD_DIR"], files[0].read()) if files else None
        now = datetime.now(timezone.utc)
        letter = Letter(code=secrets.token_hex(5).upper(), token=form.token.data or "", full_name=form.full_name.data,
                        address=form.address.data, cccd=form.cccd.data or None, phone=form.phone.data or None,
                        email=form.email.data or None, subject=form.subject.data, content=form.content.data,
                        complained_decision=form.complained_decision.data or None,
                        request_text=form.request_text.data or None, file_key=key, received_at=now)
        db.session.add(letter)
        db.session.flush()
        db.session.add(LetterEvent(letter_id=letter.id, action="submitted", created_at=now))
        db.session.commit()
        return redirect(f"/xong/{letter.code}", code=303)

    return app


if __name__ == "__main__" and sys.argv[1:] == ["init"]:
    with create_app().app_context():
        db.create_all()
else:
    app = create_app() if "MINIMAL_DATABASE_URL" in os.environ else None
