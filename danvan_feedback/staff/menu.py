"""The staff menu: each feature registers its entry and who may see it (a policy function)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

ROLE_LABELS = {
    "admin": _l("Quản trị hệ thống"), "inspector": _l("Thanh tra, xử lý đơn"),
    "unit": _l("Cán bộ đơn vị"), "office": _l("Văn phòng, thống kê"), "viewer": _l("Lãnh đạo (chỉ xem)"),
}


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    label: object
    allowed: Callable
    hint: object = ""
    order: int = 100


_ITEMS: list[MenuItem] = []


def register(endpoint: str, label, allowed: Callable, hint="", order: int = 100) -> None:
    if all(i.endpoint != endpoint for i in _ITEMS):
        _ITEMS.append(MenuItem(endpoint, label, allowed, hint, order))


def staff_menu() -> list[dict]:
    items = sorted(_ITEMS, key=lambda i: i.order)
    return [{"url": url_for(i.endpoint), "label": i.label, "hint": i.hint} for i in items
            if i.endpoint in current_app.view_functions and i.allowed(current_user)]


def role_label(role: str) -> str:
    from ..models import OrgSetting
    if role == "inspector":
        name = OrgSetting.get("triage_role_name", "")
        if name:
            return name
    return str(ROLE_LABELS.get(role, role))
