"""Tampering as a database superuser (triggers bypassed): ``audit verify`` exits non-zero and names
the case, for every row of the threat model in README ("Tamper evidence")."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from danvan_feedback.extensions import db
from danvan_feedback.models import Case, CaseEvent, CaseKind, User
from danvan_feedback.services import triage, uow
from danvan_feedback.services.events import keyed_hash, legacy_hash
from danvan_feedback.services.intake import submission_from, submit_case
from danvan_feedback.storage import LocalStorage
from tests.app.staff_helpers import make_user
from tests.factories import complaint

TZ = "Asia/Ho_Chi_Minh"


def _file(app, i: int) -> int:
    kind = db.session.get(CaseKind, "khieu_nai")
    sub = submission_from("khieu_nai", kind.anonymous, {**complaint(), "anonymous": False, "is_group": False,
                                                        "subject": f"Khiếu nại số {i}"},
                          token=f"tamper-{i}", channel="web", locale="vi")
    code = submit_case(sub, [], storage=LocalStorage(app.config["UPLOAD_DIR"]), pin_key=app.config["PIN_HMAC_KEY"],
                       now=datetime.now(timezone.utc), tz=TZ).code
    return db.session.execute(select(Case.id).where(Case.tracking_code == code)).scalar_one()


@pytest.fixture
def history(app):
    """Two complaints, each accepted and then given an internal note; returns (victim, bystander)."""
    uid = make_user(app, "thanhtra", "inspector")["id"]
    with app.app_context():
        ids = [_file(app, i) for i in range(2)]
        for cid in ids:
            for step in ("accept", "note"):
                case = uow.lock_case(cid)
                ctx = triage.Ctx(actor=db.session.get(User, uid), now=datetime.now(timezone.utc), tz=TZ)
                triage.accept(case, ctx) if step == "accept" else triage.add_note(case, ctx, "Ghi chú nội bộ")
                db.session.commit()
        db.session.remove()
    return ids


def superuser(app, *statements, **params):
    """Run SQL the way a database superuser would: past the append-only triggers."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for name in ("case_events_no_update", "case_events_no_delete"):
                db.session.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        for sql in statements:
            db.session.execute(text(sql), params)
        db.session.commit()
        db.session.remove()


def rehash(app, victim: int, how: str):
    """Edit the acceptance event's note and recompute its hash and every later one, with the app's
    own functions but without the key: the unkeyed (version 1) function, or a guessed key."""
    with app.app_context():
        events = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == victim)
                                    .order_by(CaseEvent.seq)).scalars().all()
        prev, rows = events[0].hash, []
        for ev in events[1:]:
            note = "Thụ lý (đã sửa)" if ev.action == "accept" else ev.note
            if how == "legacy":
                h = legacy_hash(prev, ev.case_id, ev.seq, ev.actor_type, ev.actor_id, ev.action, ev.from_status,
                                ev.to_status, note, ev.is_public, ev.created_at, ev.kind_code, ev.outcome)
                rows.append((ev.id, note, h, prev, None))
            else:
                fields = {k: getattr(ev, k) for k in ("case_id", "seq", "actor_type", "actor_id", "action",
                                                     "from_status", "to_status", "is_public", "created_at",
                                                     "kind_code", "outcome", "due_on", "due_rule_code", "case_digest")}
                h = keyed_hash(b"a guessed key", 2, prev, {**fields, "note": note})
                rows.append((ev.id, note, h, prev, 2))
            prev = h
        db.session.remove()
    for ev_id, note, h, p, version in rows:
        superuser(app, "UPDATE case_events SET note = :n, hash = :h, prev_hash = :p, hash_version = :v WHERE id = :i",
                  n=note, h=h, p=p, v=version, i=ev_id)


TAMPER = {
    # row of the threat model: (SQL, detected even without a checkpoint?)
    "delete the last event": (["DELETE FROM case_events WHERE case_id = :v AND seq = "
                               "(SELECT max(seq) FROM case_events WHERE case_id = :v)"], False),
    "delete all events of a case": (["DELETE FROM case_events WHERE case_id = :v"], True),
    "delete a whole case": (["DELETE FROM case_events WHERE case_id = :v", "DELETE FROM outbox WHERE case_id = :v",
                             "DELETE FROM case_identities WHERE case_id = :v", "DELETE FROM cases WHERE id = :v"], False),
    "change the status": (["UPDATE cases SET status = 'rejected' WHERE id = :v"], True),
    "change the subject": (["UPDATE cases SET subject = 'Nội dung đã bị sửa' WHERE id = :v"], True),
    "change the kind": (["UPDATE cases SET kind_code = 'kien_nghi' WHERE id = :v"], True),
    "change the deadline": (["UPDATE cases SET due_on = '2099-12-31' WHERE id = :v"], True),
    "edit an event, re-hash unkeyed": ("legacy", True),
    "edit an event, re-hash with a guessed key": ("guess", True),
}


@pytest.mark.parametrize("row", list(TAMPER))
def test_tampering_is_detected_and_names_the_case(app, runner, history, row, tmp_path):
    victim, bystander = history
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    clean = runner.invoke(args=["audit", "verify"])
    assert clean.exit_code == 0, clean.output
    how, without_checkpoint = TAMPER[row]
    if isinstance(how, str):
        rehash(app, victim, how)
    else:
        superuser(app, *how, v=victim)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"case {victim} " in result.output and f"case {bystander} " not in result.output, result.output
    bare = runner.invoke(args=["audit", "verify", "--checkpoints", str(tmp_path / "none")])
    assert (bare.exit_code == 1) == without_checkpoint, bare.output


def test_an_edited_checkpoint_is_refused(app, runner, history):
    from pathlib import Path
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    folder = Path(app.config["AUDIT_CHECKPOINT_DIR"])
    path = next(folder.glob("checkpoint-*.json"))
    path.chmod(0o600)
    path.write_text(path.read_text().replace('"cases": 2', '"cases": 1'))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "signature does not match" in result.output


def test_an_event_that_does_not_start_where_the_last_ended_is_refused(app, history):
    victim, _ = history
    superuser(app, "UPDATE cases SET status = 'received' WHERE id = :v", v=victim)
    with app.app_context():
        case = uow.lock_case(victim)
        ctx = triage.Ctx(actor=db.session.execute(select(User)).scalars().first(),
                         now=datetime.now(timezone.utc) + timedelta(seconds=1), tz=TZ)
        with pytest.raises(uow.Conflict):
            triage.refuse(case, ctx, "Không đủ điều kiện")
        db.session.rollback()
        db.session.remove()


DRIFT = {
    # the case row says one thing, its history another: (SQL, the line audit verify prints)
    "status": ("UPDATE cases SET status = 'rejected' WHERE id = :v",
               "cases: case {v} status rejected differs from its history (accepted)"),
    "kind": ("UPDATE cases SET kind_code = 'kien_nghi' WHERE id = :v",
             "cases: case {v} kind kien_nghi differs from its history (khieu_nai)"),
    "deadline": ("UPDATE cases SET due_on = '2099-12-31' WHERE id = :v",
                 "cases: case {v} deadline 2099-12-31 ({rule}) differs from its history ({due}, {rule})"),
    "deadline rule": ("UPDATE cases SET due_rule_code = 'tampered' WHERE id = :v",
                      "cases: case {v} deadline {due} (tampered) differs from its history ({due}, {rule})"),
}


@pytest.mark.parametrize("what", list(DRIFT))
def test_drift_between_the_case_row_and_its_history_is_named(app, runner, history, what):
    """Point 3 of the issue: status, kind and deadlines are recomputed from the events; a case row
    that says otherwise is drift, reported with both values."""
    victim, bystander = history
    with app.app_context():
        case = db.session.get(Case, victim)
        due, rule = case.due_on, case.due_rule_code
        last = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == victim)
                                  .order_by(CaseEvent.seq.desc()).limit(1)).scalar_one()
        assert (case.status, case.kind_code, due, rule) == (last.to_status, "khieu_nai", last.due_on, last.due_rule_code)
        assert due is not None and rule
        db.session.remove()
    sql, line = DRIFT[what]
    superuser(app, sql, v=victim)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert line.format(v=victim, due=due, rule=rule) in result.output, result.output
    assert f"case {bystander} " not in result.output


def test_verify_streams_the_record_instead_of_loading_it(app, monkeypatch):
    """``audit verify`` reads the cases and their events a few rows at a time: with a batch of 4,
    at most two batches (the one being read and the next) and one case's history are in memory at
    once, whatever the number of events."""
    import weakref

    from sqlalchemy import event

    from danvan_feedback.services import audit
    with app.app_context():
        for i in range(30):
            _file(app, 100 + i)
        total = db.session.execute(select(db.func.count()).select_from(CaseEvent)).scalar_one()
        db.session.remove()
    monkeypatch.setattr(audit, "STREAM_BATCH", 4)
    alive, peak = weakref.WeakSet(), [0]

    def loaded(target, _ctx):
        alive.add(target)
        peak[0] = max(peak[0], len(alive))
    event.listen(CaseEvent, "load", loaded)
    try:
        with app.app_context():
            assert audit.verify_all(checkpoint_dir="") == []
            db.session.remove()
    finally:
        event.remove(CaseEvent, "load", loaded)
    assert total >= 30 and 0 < peak[0] <= 2 * 4 + 1, (peak[0], total)
