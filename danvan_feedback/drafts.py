"""Switching language keeps the draft of a form being filled (issue 14), without JavaScript.

A page with a form being filled names it in its template (``{% set draft_form = 'its-id' %}``);
the language button in the header (templates/base.html) then becomes a submit button of that form,
``name="switch_lang"``, so the browser sends everything typed along with the wish to switch. The
form's view asks :func:`language_asked` first and, when it is set, calls :func:`switch_language`
and renders the same form again, in the other language, with what was typed and no error shown
(nothing is checked, nothing is saved; rate limits that count accepted submissions do not count it).
"""
from __future__ import annotations

from flask import current_app, request, session
from flask_babel import refresh as babel_refresh


def language_asked() -> str | None:
    """The language the header's button of a draft form asked for, or None (an ordinary submission)."""
    lang = request.form.get("switch_lang") if request.method == "POST" else None
    return lang if lang in current_app.config["LANGUAGES"] else None


def switch_language(form, lang: str) -> bool:
    """Remember ``lang`` for this browser and render the rest of the request in it; ``form``'s
    mistakes are not pointed at yet. Returns whether the draft is genuine (its CSRF token is
    valid): only then may the view keep anything on the server for it (held files)."""
    session["lang"] = lang
    babel_refresh()
    form.validate()  # for the CSRF check only: the draft's mistakes are not shown now
    csrf = getattr(form, "csrf_token", None)
    genuine = csrf is None or not csrf.errors
    for field in form:
        field.errors = []
    return genuine
