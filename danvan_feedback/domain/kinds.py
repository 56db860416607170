"""What the law ties to the built-in kinds. The rest of a kind (names, anonymity rule, required
fields) is data in ``case_kinds``; templates ask these through ``CaseKind`` and ``Case``
properties, never by comparing codes."""
from __future__ import annotations

from typing import Iterable

from .vocabulary import Kind

# Kinds whose sender's identity is secret (Law on Denunciations 2018 arts. 8, 9, 47).
SECRET_IDENTITY = frozenset({Kind.TO_CAO})


def protects_identity(kind_code: str | None) -> bool:
    return kind_code in SECRET_IDENTITY


def has_attempts(kind_code: str | None) -> bool:
    """A complaint is resolved a first and possibly a second time (Law on Complaints 2011 art. 37)."""
    return kind_code == Kind.KHIEU_NAI


def contests_decision(kind_code: str | None, required_fields: Iterable[str] = ()) -> bool:
    """The form asks for the decision or act complained of, and what the sender asks for."""
    return kind_code == Kind.KHIEU_NAI or "complained_decision" in required_fields


def may_be_group(kind_code: str | None) -> bool:
    """A letter signed by several people (đơn đông người); a suggestion is never counted as one."""
    return kind_code != Kind.GOP_Y


def acceptance_extendable(kind_code: str | None) -> bool:
    """A denunciation's acceptance deadline may be extended (Law on Denunciations 2018 art. 24)."""
    return kind_code == Kind.TO_CAO


class KindFlags:
    """The flags above as properties, for any object with ``code`` and ``required_fields`` (the
    ``CaseKind`` row, the reference-data copy): what templates ask instead of comparing codes."""

    @property
    def contests_decision(self) -> bool:
        return contests_decision(self.code, self.required_fields)

    @property
    def may_be_group(self) -> bool:
        return may_be_group(self.code)

    @property
    def protects_identity(self) -> bool:
        return protects_identity(self.code)
