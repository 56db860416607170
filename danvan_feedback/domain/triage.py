"""What an inspector may do to a case in each status, and which outcomes each kind records.

The life cycle (DESIGN.md): received → accepted (thụ lý) → in_progress → resolved → closed, with
transferred (chuyển đơn), guided (hướng dẫn), stored (lưu đơn), rejected (không thụ lý) and merged as
other ends of the triage, waiting_citizen as a pause, and reopen from any end.
"""
from __future__ import annotations

from . import status as st
from .vocabulary import AnonymousPolicy, Kind, MatterState, Outcome, Status

ACTIONS: dict[str, frozenset[str]] = {
    # action: statuses it may start from
    "accept": frozenset({Status.RECEIVED}),
    "refuse": frozenset({Status.RECEIVED}),
    "transfer": frozenset({Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS}),
    "guide": frozenset({Status.RECEIVED}),
    "store": frozenset({Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS}),
    "merge": frozenset({Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_CITIZEN}),
    "reclassify": frozenset({Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_CITIZEN}),
    "mark_group": frozenset(st.OPEN),
    "assign": frozenset({Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_CITIZEN}),
    "request_info": frozenset({Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS}),
    "resume": frozenset({Status.WAITING_CITIZEN}),
    "extend": frozenset({Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS}),
    "record_outcome": frozenset({Status.ACCEPTED, Status.IN_PROGRESS}),
    "close": frozenset({Status.RESOLVED, Status.TRANSFERRED, Status.GUIDED, Status.STORED, Status.REJECTED, Status.MERGED}),
    "reopen": frozenset({Status.RESOLVED, Status.CLOSED, Status.TRANSFERRED, Status.GUIDED, Status.STORED, Status.REJECTED}),
    # đôn đốc: urge the agency a letter was transferred to (counted in form 02/XLD)
    "urge": frozenset({Status.TRANSFERRED}),
    "note": frozenset(st.ALL),
    "reply": frozenset(st.ALL),
}

TARGET = {
    "accept": Status.ACCEPTED, "refuse": Status.REJECTED, "transfer": Status.TRANSFERRED, "guide": Status.GUIDED,
    "store": Status.STORED, "merge": Status.MERGED, "request_info": Status.WAITING_CITIZEN,
    "record_outcome": Status.RESOLVED, "close": Status.CLOSED,
}

OUTCOMES = {
    # kind (and attempt for complaints): allowed outcome codes
    (Kind.KHIEU_NAI, 1): (Outcome.DUNG, Outcome.SAI, Outcome.DUNG_MOT_PHAN, Outcome.RUT_DON),
    (Kind.KHIEU_NAI, 2): (Outcome.GIU_NGUYEN, Outcome.HUY_SUA, Outcome.RUT_DON),
    (Kind.TO_CAO, 1): (Outcome.DUNG, Outcome.SAI, Outcome.DUNG_MOT_PHAN, Outcome.RUT_DON),
}
DEFAULT_OUTCOMES = (Outcome.DA_TRA_LOI, Outcome.RUT_DON)

# The state of the matter when the letter came in, recorded when the letter is classified (form
# 02/XLD of TT 06/2025/TT-TTCP, "Phân loại vụ việc theo tình trạng giải quyết": đã được giải quyết
# lần đầu / nhiều lần, đang giải quyết, chưa được giải quyết).
MATTER_STATES: tuple[MatterState, ...] = tuple(MatterState)


def default_matter_state(kind_code: str, attempt: int) -> str:
    """A second-time complaint (Law on Complaints 2011 art. 33) is about a matter already resolved
    once; otherwise, unless the inspector records more, the matter was not resolved before."""
    return MatterState.RESOLVED_ONCE if kind_code == Kind.KHIEU_NAI and attempt == 2 else MatterState.NOT_YET


def check_matter_state(kind_code: str, attempt: int, state: str) -> None:
    if state not in MATTER_STATES:
        raise NotAllowed("bad_matter_state")
    if kind_code == Kind.KHIEU_NAI and attempt == 2 and state not in (MatterState.RESOLVED_ONCE,
                                                                       MatterState.RESOLVED_MANY):
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
    return OUTCOMES.get((kind_code, attempt if kind_code == Kind.KHIEU_NAI else 1), DEFAULT_OUTCOMES)


def check_outcome(kind_code: str, attempt: int, outcome: str) -> None:
    if outcome not in outcomes_for(kind_code, attempt):
        raise NotAllowed("wrong_outcome")


def check_accept(kind_code: str, is_anonymous: bool, anonymous_policy: str) -> None:
    """An anonymous complaint cannot be accepted (TT 05/2021 art. 6); an anonymous denunciation is
    information only (Law on Denunciations art. 25): neither is accepted for resolution."""
    if is_anonymous and anonymous_policy in (AnonymousPolicy.REFUSED, AnonymousPolicy.INFO_ONLY):
        raise NotAllowed("anonymous_not_accepted")
