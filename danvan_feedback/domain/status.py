"""Case statuses (DESIGN.md, the case life cycle): which are open, and what a citizen may do.
The statuses themselves are ``vocabulary.Status``; labels live in ``danvan_feedback.labels``."""
from __future__ import annotations

from .vocabulary import Status

ALL: tuple[Status, ...] = tuple(Status)
OPEN = frozenset({Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_CITIZEN})


def citizen_may_add(status: str) -> bool:
    """A citizen may add information or files while the case is still open."""
    return status in OPEN
