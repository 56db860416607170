"""The words the code relies on: case statuses, the built-in kinds, outcomes, and the other small
closed sets stored as strings (DESIGN.md, the case life cycle; domain brief §2).

Each is a ``StrEnum``: a member *is* its string, so it is stored as that string in the database,
compares equal to it, and formats as it in SQL text and JSON. Labels, in the staff's and the
citizen's words, live in ``danvan_feedback.labels``; code elsewhere uses the members, never the
bare strings (tests/unit/test_layout.py checks ``domain/`` and ``services/``).

Kinds are data: the ``case_kinds`` table holds their names, anonymity rule and required fields,
and an organisation may add kinds. ``Kind`` lists only the built-in codes seeded by the
migrations that the law gives rules to (deadlines, outcomes, secrecy); any other kind follows the
defaults.
"""
from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
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


class Kind(StrEnum):
    KHIEU_NAI = "khieu_nai"  # complaint (Law on Complaints 2011)
    TO_CAO = "to_cao"  # denunciation (Law on Denunciations 2018)
    KIEN_NGHI = "kien_nghi"  # petition
    PHAN_ANH = "phan_anh"  # report of a problem
    GOP_Y = "gop_y"  # suggestion


class Outcome(StrEnum):
    DUNG = "dung"  # the complaint or denunciation was right
    SAI = "sai"  # wrong
    DUNG_MOT_PHAN = "dung_mot_phan"  # partly right
    GIU_NGUYEN = "giu_nguyen"  # second-time complaint: first decision upheld
    HUY_SUA = "huy_sua"  # second-time complaint: first decision annulled or amended
    RUT_DON = "rut_don"  # withdrawn
    DA_TRA_LOI = "da_tra_loi"  # answered (kinds without a legal outcome)


class MatterState(StrEnum):
    """The state of the matter when the letter came in (form 02/XLD of TT 06/2025/TT-TTCP)."""

    RESOLVED_ONCE = "resolved_once"
    RESOLVED_MANY = "resolved_many"
    IN_PROGRESS = "in_progress"
    NOT_YET = "not_yet"


class AnonymousPolicy(StrEnum):
    """What a kind does with an anonymous submission (``case_kinds.anonymous``)."""

    ALLOWED = "allowed"
    REFUSED = "refused"  # complaints: TT 05/2021/TT-TTCP art. 6
    INFO_ONLY = "info_only"  # denunciations: information only, Law on Denunciations art. 25


class Complexity(StrEnum):
    NORMAL = "normal"
    COMPLEX = "complex"
    ESPECIALLY_COMPLEX = "especially_complex"


class Handling(StrEnum):
    """How a reception visit was handled (form 01/TCD: tiếp nhận, hướng dẫn, chuyển đơn)."""

    ACCEPTED = "accepted"
    GUIDED = "guided"
    TRANSFERRED = "transferred"
