"""Case statuses (DESIGN.md, the case life cycle). Labels live in the web layer, translated."""

RECEIVED = "received"
ACCEPTED = "accepted"
IN_PROGRESS = "in_progress"
WAITING_CITIZEN = "waiting_citizen"
RESOLVED = "resolved"
CLOSED = "closed"
TRANSFERRED = "transferred"
GUIDED = "guided"
STORED = "stored"
MERGED = "merged"
REJECTED = "rejected"

ALL = (RECEIVED, ACCEPTED, IN_PROGRESS, WAITING_CITIZEN, RESOLVED, CLOSED, TRANSFERRED, GUIDED,
       STORED, MERGED, REJECTED)
OPEN = frozenset({RECEIVED, ACCEPTED, IN_PROGRESS, WAITING_CITIZEN})


def citizen_may_add(status: str) -> bool:
    """A citizen may add information or files while the case is still open."""
    return status in OPEN
