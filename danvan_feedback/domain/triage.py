"""What an inspector may do to a case in each status, and which outcomes each kind records.

The life cycle (DESIGN.md): received → accepted (thụ lý) → in_progress → resolved → closed, with
transferred (chuyển đơn), guided (hướng dẫn), stored (lưu đơn), rejected (không thụ lý) and merged as
other ends of the triage, waiting_citizen as a pause, and reopen from any end.
"""
from __future__ import annotations

from . import status as st

ACTIONS: dict[str, frozenset[str]] = {
    # action: statuses it may start from
    "accept": frozenset({st.RECEIVED}),
    "refuse": frozenset({st.RECEIVED}),
    "transfer": frozenset({st.RECEIVED, st.ACCEPTED, st.IN_PROGRESS}),
    "guide": frozenset({st.RECEIVED}),
    "store": frozenset({st.RECEIVED, st.ACCEPTED, st.IN_PROGRESS}),
    "merge": frozenset({st.RECEIVED, st.ACCEPTED, st.IN_PROGRESS, st.WAITING_CITIZEN}),
    "reclassify": frozenset({st.RECEIVED, st.ACCEPTED, st.IN_PROGRESS, st.WAITING_CITIZEN}),
    "mark_group": frozenset(st.OPEN),
    "assign": frozenset({st.RECEIVED, st.ACCEPTED, st.IN_PROGRESS, st.WAITING_CITIZEN}),
    "request_info": frozenset({st.RECEIVED, st.ACCEPTED, st.IN_PROGRESS}),
    "resume": frozenset({st.WAITING_CITIZEN}),
    "extend": frozenset({st.RECEIVED, st.ACCEPTED, st.IN_PROGRESS}),
    "record_outcome": frozenset({st.ACCEPTED, st.IN_PROGRESS}),
    "close": frozenset({st.RESOLVED, st.TRANSFERRED, st.GUIDED, st.STORED, st.REJECTED, st.MERGED}),
    "reopen": frozenset({st.RESOLVED, st.CLOSED, st.TRANSFERRED, st.GUIDED, st.STORED, st.REJECTED}),
    # đôn đốc: urge the agency a letter was transferred to (counted in form 02/XLD)
    "urge": frozenset({st.TRANSFERRED}),
    "note": frozenset(st.ALL),
    "reply": frozenset(st.ALL),
}

TARGET = {
    "accept": st.ACCEPTED, "refuse": st.REJECTED, "transfer": st.TRANSFERRED, "guide": st.GUIDED,
    "store": st.STORED, "merge": st.MERGED, "request_info": st.WAITING_CITIZEN,
    "record_outcome": st.RESOLVED, "close": st.CLOSED,
}

OUTCOMES = {
    # kind (and attempt for complaints): allowed outcome codes
    ("khieu_nai", 1): ("dung", "sai", "dung_mot_phan", "rut_don"),
    ("khieu_nai", 2): ("giu_nguyen", "huy_sua", "rut_don"),
    ("to_cao", 1): ("dung", "sai", "dung_mot_phan", "rut_don"),
}
DEFAULT_OUTCOMES = ("da_tra_loi", "rut_don")

# The state of the matter when the letter came in, recorded when the letter is classified (form
# 02/XLD of TT 06/2025/TT-TTCP, "Phân loại vụ việc theo tình trạng giải quyết": đã được giải quyết
# lần đầu / nhiều lần, đang giải quyết, chưa được giải quyết).
MATTER_STATES = ("resolved_once", "resolved_many", "in_progress", "not_yet")


def default_matter_state(kind_code: str, attempt: int) -> str:
    """A second-time complaint (Law on Complaints 2011 art. 33) is about a matter already resolved
    once; otherwise, unless the inspector records more, the matter was not resolved before."""
    return "resolved_once" if kind_code == "khieu_nai" and attempt == 2 else "not_yet"


def check_matter_state(kind_code: str, attempt: int, state: str) -> None:
    if state not in MATTER_STATES:
        raise NotAllowed("bad_matter_state")
    if kind_code == "khieu_nai" and attempt == 2 and state not in ("resolved_once", "resolved_many"):
        raise NotAllowed("bad_matter_state")


class NotAllowed(ValueError):
    """An illegal transition; ``code`` names the reason for the message shown."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def check_action(action: str, status: str) -> None:
    allowed = ACTIONS.get(action)
    if allowed is None:
        raise NotAllowed("unknown_action")
    if status not in allowed:
        raise NotAllowed("wrong_status")


def outcomes_for(kind_code: str, attempt: int = 1) -> tuple[str, ...]:
    return OUTCOMES.get((kind_code, attempt if kind_code == "khieu_nai" else 1), DEFAULT_OUTCOMES)


def check_outcome(kind_code: str, attempt: int, outcome: str) -> None:
    if outcome not in outcomes_for(kind_code, attempt):
        raise NotAllowed("wrong_outcome")


def check_accept(kind_code: str, is_anonymous: bool, anonymous_policy: str) -> None:
    """An anonymous complaint cannot be accepted (TT 05/2021 art. 6); an anonymous denunciation is
    information only (Law on Denunciations art. 25): neither is accepted for resolution."""
    if is_anonymous and anonymous_policy in ("refused", "info_only"):
        raise NotAllowed("anonymous_not_accepted")
