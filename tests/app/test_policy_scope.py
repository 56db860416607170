"""Permissions asked one way (issue 11): the SQL that scopes lists of cases (``policy.case_scope``)
says the same as ``policy.can_view_case``, for every role × case, on both engines."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from danvan_feedback import policy
from danvan_feedback.extensions import db
from danvan_feedback.models import Case, Unit, User
from danvan_feedback.models.auth import ROLES
from danvan_feedback.staff.inbox_query import scope_clause
from tests.app.helpers import post_case
from tests.app.staff_helpers import make_user
from tests.factories import complaint, denunciation

# Users: every role, and a unit officer with no unit yet.
USERS = [(role, "CCTT" if role == "unit" else None) for role in ROLES] + [("unit", "")]


@pytest.fixture
def world(app, client):
    """Cases handled by no unit, by the unit CCTT and by another unit (one of each a denunciation);
    one user per role."""
    for data, kind in ((complaint(), "khieu_nai"), (denunciation(), "to_cao")) * 3:
        assert post_case(client, kind, data).status_code in (200, 302, 303)
    with app.app_context():
        units = dict(db.session.execute(select(Unit.code, Unit.id)).all())
        other = next(uid for code, uid in units.items() if code != "CCTT")
        ids = db.session.execute(select(Case.id).order_by(Case.id)).scalars().all()
        assert len(ids) == 6
        for cid, unit in zip(ids, [None, None, units["CCTT"], units["CCTT"], other, other]):
            db.session.execute(update(Case).where(Case.id == cid).values(handling_unit_id=unit))
        db.session.commit()
    users = []
    for n, (role, unit_code) in enumerate(USERS):
        u = make_user(app, f"scope_{n}_{role}", role, unit_code=unit_code or None, totp=False)
        if unit_code == "":
            with app.app_context():
                db.session.execute(update(User).where(User.id == u["id"]).values(unit_id=None))
                db.session.commit()
        users.append(u["id"])
    return users


def test_the_scope_clause_agrees_with_can_view_case(app, world):
    with app.app_context():
        dialect = db.engine.dialect.name
        cases = db.session.execute(select(Case)).scalars().all()
        rows = []
        for user in db.session.execute(select(User).where(User.id.in_(world))).scalars():
            allowed = {c.id for c in cases if policy.can_view_case(user, c)}
            listed = set(db.session.execute(select(Case.id).where(policy.case_scope(user))).scalars())
            # the inbox's form of the same clause (a unit column SQLite will not use an index for)
            inbox = set(db.session.execute(select(Case.id).where(scope_clause(user, dialect))).scalars())
            rows.append((user.role, user.unit_id, sorted(allowed), sorted(listed), sorted(inbox)))
        assert all(allowed == listed == inbox for _r, _u, allowed, listed, inbox in rows), rows
        # the table is not trivial: some see all six, some two, some none
        assert sorted({len(allowed) for _r, _u, allowed, _l, _i in rows}) == [0, 2, 6], rows


def test_every_role_is_covered():
    assert {role for role, _unit in USERS} == set(ROLES) == set(policy.STAFF_ROLES)
