"""Sealing events in bulk gives the hash the one-at-a-time path gives, and tracking codes drawn in
bulk are distinct (the import of old registers writes 100,000 cases at once)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from danvan_feedback.services import events as ev
from danvan_feedback.services.register_import import tracking_codes

KEY = ("k1", b"k" * 32)


def row(**over) -> dict:
    r = {"case_id": 7, "seq": 2, "actor_type": "import", "actor_id": None, "action": "accept",
         "from_status": "received", "to_status": "accepted", "note": "Nhập từ sổ cũ, dòng 5", "is_public": False,
         "kind_code": None, "outcome": None, "created_at": datetime(2024, 3, 5, 8, tzinfo=timezone(timedelta(hours=7))),
         "due_on": date(2024, 5, 2), "due_rule_code": "kn_resolve", "case_digest": "d" * 64, "prev_hash": "p" * 64,
         "not_hashed": "ignored"}
    r.update(over)
    return r


def test_seal_is_the_keyed_hash_of_the_hashed_columns():
    for r in (row(), row(actor_id=3, is_public=True, outcome="dung"), row(due_on=None, created_at=datetime(
            2024, 3, 5, 1, tzinfo=timezone.utc))):
        expect = ev.keyed_hash(KEY[1], ev.HASH_VERSION, r["prev_hash"], {n: r.get(n) for n in ev.HASHED})
        sealed = ev.seal(dict(r), KEY)
        assert sealed["hash"] == expect and (sealed["hash_version"], sealed["key_id"]) == (ev.HASH_VERSION, "k1")
    # the same instant in another zone is the same text (one cache entry serves both)
    a = ev.seal(row(), KEY)["hash"]
    b = ev.seal(row(created_at=datetime(2024, 3, 5, 1, tzinfo=timezone.utc)), KEY)["hash"]
    assert a == b


def test_tracking_codes_in_bulk_are_distinct_and_skip_the_taken_ones():
    taken: set[str] = set()
    first = tracking_codes(5000, taken)
    second = tracking_codes(5000, taken)
    assert len(set(first) | set(second)) == 10000 == len(taken)
    assert all(len(c) == 12 and c.startswith("DV-") for c in first[:10])
