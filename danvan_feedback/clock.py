"""The one clock of the app: "now" in UTC and "today" in the organisation's time zone.

Tests and tools inject a clock by setting ``app.config["CLOCK"]`` to a callable returning an aware
UTC ``datetime``; otherwise it is the system clock. "Today" is always the local date in
``BABEL_DEFAULT_TIMEZONE`` (Asia/Ho_Chi_Minh), never the server's or UTC's date: at 05:30 on
1 January in Hà Nội it is already the new year, while UTC still shows 31 December.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Ho_Chi_Minh"


def org_tz() -> str:
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_TZ


def now() -> datetime:
    """The current instant (aware, UTC), from the injected clock when there is one (outside an app,
    in a bare script, the system clock)."""
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    moment = clock() if clock is not None else datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise ValueError("CLOCK must return an aware datetime")
    return moment.astimezone(timezone.utc)


def today(tz: str | None = None) -> date:
    """The organisation's local date now."""
    return now().astimezone(ZoneInfo(tz or org_tz())).date()
