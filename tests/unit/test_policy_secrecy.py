"""Secrecy follows the history: role × kind × history, decided in the one policy module."""
from __future__ import annotations

from itertools import product
from types import SimpleNamespace

import pytest

from danvan_feedback import policy

KINDS = ("gop_y", "phan_anh", "kien_nghi", "khieu_nai", "to_cao")
# (label, protected flag) — "never" a denunciation, or "ever" one (filed, reclassified, reception)
HISTORIES = (("never", False), ("ever", True))
# who the user is to the case
RELATIONS = ("resolver", "verifier", "other")
ROLES = ("admin", "inspector", "unit", "office", "viewer")
UNIT_ID, RESOLVER, VERIFIER, OTHER = 7, 1, 2, 3


def user(role, relation):
    uid = {"resolver": RESOLVER, "verifier": VERIFIER, "other": OTHER}[relation]
    return SimpleNamespace(is_authenticated=True, role=role, id=uid, unit_id=UNIT_ID if role == "unit" else None)


def case(kind, protected):
    return SimpleNamespace(kind_code=kind, protected=protected, resolver_id=RESOLVER, handling_unit_id=UNIT_ID)


def expected_identity(role, kind, protected, relation):
    views = role in ("inspector", "unit")  # inspectors all cases; the unit its assigned cases
    if not views:
        return False
    if protected or kind == "to_cao":
        return relation in ("resolver", "verifier")
    return True


def expected_reclassify(role, kind, protected, relation):
    if role != "inspector":
        return False
    if protected or kind == "to_cao":
        return relation == "resolver"
    return True


TABLE = list(product(ROLES, KINDS, HISTORIES, RELATIONS))


@pytest.mark.parametrize("role,kind,history,relation", TABLE,
                         ids=[f"{r}-{k}-{h[0]}-{rel}" for r, k, h, rel in TABLE])
def test_identity_and_reclassify_table(role, kind, history, relation):
    u, c = user(role, relation), case(kind, history[1])
    verifiers = [VERIFIER]
    assert policy.can_see_identity(u, c, verifiers) is expected_identity(role, kind, history[1], relation)
    assert policy.can_search_identity(u, c, verifiers) is expected_identity(role, kind, history[1], relation)
    assert policy.can_reclassify(u, c) is expected_reclassify(role, kind, history[1], relation)
    assert policy.is_protected(c) is (history[1] or kind == "to_cao")


def test_once_a_denunciation_always_protected():
    """A tố cáo reclassified as a phản ánh keeps its protection: the flag, not the label, decides."""
    inspector = user("inspector", "other")
    was = case("phan_anh", True)
    assert not policy.can_see_identity(inspector, was, [])
    assert policy.can_see_identity(inspector, case("phan_anh", False), [])


def visit(kind, protected, linked=None, created_by=OTHER):
    return SimpleNamespace(kind_code=kind, protected=protected, case=linked, created_by_id=created_by)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("protected", (False, True))
@pytest.mark.parametrize("linked", (False, True))
@pytest.mark.parametrize("relation", RELATIONS)
def test_reception_identity_table(role, kind, protected, linked, relation):
    u = user(role, relation)
    c = case(kind, protected) if linked else None
    v = visit(kind, protected, c, created_by=RESOLVER)
    secret = protected or kind == "to_cao"
    readers = ("admin", "inspector", "office", "viewer")
    if role not in readers:
        expected = False
    elif not secret:
        expected = True
    elif linked:
        expected = role == "inspector" and relation in ("resolver", "verifier")
    else:  # no case yet: the inspector who recorded the visit
        expected = role == "inspector" and relation == "resolver"
    assert policy.can_see_reception_identity(u, v, [VERIFIER]) is expected
    assert policy.can_see_reception_cccd(u, v, [VERIFIER]) is (expected and role == "inspector")
    # the code of a protected case: only for who may see the visitor and view the case
    code = policy.can_see_visit_case(u, v, [VERIFIER])
    if not linked:
        assert code is False
    elif secret:
        assert code is (expected and role == "inspector")
    else:
        assert code is (role in readers)
