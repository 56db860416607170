"""Absolute links for e-mails, posters and partners: one place that knows the public address.
Templates (e-mails included) get it as the ``public_url`` global; views and the API import it.
Services never build a link: they take it as an argument, or leave it to the e-mail's template."""
from __future__ import annotations

from flask import current_app

DEV_BASE_URL = "http://127.0.0.1:5000"  # what `make run` serves


def public_url(endpoint: str, **values) -> str:
    """An absolute link for emails and posters: PUBLIC_BASE_URL, which production requires. Never
    the request's Host header (a client chooses it: ``Host: evil.example`` would otherwise put
    ``http://evil.example/...`` into a receipt e-mail); without the setting, in development, the
    address ``make run`` serves."""
    base = current_app.config["PUBLIC_BASE_URL"] or DEV_BASE_URL
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base + path
