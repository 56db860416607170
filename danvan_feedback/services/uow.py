"""One rule for writes: the only way code changes state.

1. Start the write transaction and take the lock of the row whose state you validate *before*
   reading that state: :func:`lock` / :func:`lock_case` (``SELECT … FOR UPDATE`` on PostgreSQL,
   ``BEGIN IMMEDIATE`` on SQLite, where the write lock is the whole database's).
2. Validate against the fresh row (never against an object loaded earlier in the request), and
   against what the user saw when the form was rendered (the last event's ``seq`` the page carried:
   :func:`changes_since`); a stale decision is a :class:`Conflict`, answered with a 409 page.
3. Write; services flush, never commit.
4. Commit once, in the request (or :func:`run_write` for a use case that commits itself, with the
   one retry loop of the code base).

Row locks are taken in one order to avoid deadlocks: cases before events, users before cases;
a merge locks both cases in id order.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..extensions import db

T = TypeVar("T")

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available. A deadlock can still
# happen between two writers that lock the same rows in opposite orders (a merge vs. another
# merge); the loser is simply run again.
_RETRYABLE_PG = {"40001", "40P01", "55P03"}


class Conflict(Exception):
    """The state changed since the user looked at it (or since the work was validated).

    ``changes`` are the events written since (newest last); the web layer shows them in a 409 page.
    """

    def __init__(self, code: str = "conflict", changes: list | None = None, **params):
        super().__init__(code)
        self.code = code
        self.changes = changes or []
        self.params = params


def begin_write() -> None:
    """Start a fresh write transaction; on SQLite it takes the write lock at once (BEGIN IMMEDIATE).

    Whatever the session read before is rolled back (and its objects expired), so every read that
    follows sees the state as it is under the lock.
    """
    db.session.rollback()
    db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def lock(model: type[T], pk, *, begin: bool = True) -> T | None:
    """Load ``model`` row ``pk`` with its row lock (``FOR UPDATE OF`` its table on PostgreSQL).

    ``begin`` starts the write transaction first (the usual case: the first lock of a request); a
    second row in the same transaction passes ``begin=False``.
    """
    if begin:
        begin_write()
    column = sa_inspect(model).primary_key[0]
    stmt = (select(model).where(column == pk).with_for_update(of=model)
            .execution_options(populate_existing=True))
    return db.session.execute(stmt).scalar_one_or_none()


def lock_name(name: str, *, begin: bool = True) -> None:
    """Serialise the writers of something that has no row yet (a period to sign off, a setting
    before its first value): a transaction-scoped advisory lock on PostgreSQL, keyed by ``name``;
    on SQLite the write transaction already holds the whole database's lock."""
    if begin:
        begin_write()
    if db.engine.dialect.name == "postgresql":
        import hashlib
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def lock_case(case_id: int, *, begin: bool = True):
    from ..models import Case
    return lock(Case, case_id, begin=begin)


def last_seq(case_id: int) -> int:
    from ..models import CaseEvent
    return db.session.execute(select(db.func.max(CaseEvent.seq)).where(CaseEvent.case_id == case_id)).scalar() or 0


def changes_since(case_id: int, seen_seq: int | None) -> list:
    """The events written after ``seen_seq`` that changed the case's state (status or kind): what a
    decision taken on the page rendered at ``seen_seq`` did not know. Empty when nothing changed
    or when the caller did not say what it saw."""
    if seen_seq is None:
        return []
    from ..models import CaseEvent
    events = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.seq > seen_seq)
                                .order_by(CaseEvent.seq)).scalars().all()
    return [e for e in events if e.from_status != e.to_status or e.kind_code is not None or e.action == "merge"]


def retryable(exc: BaseException) -> bool:
    """A transient refusal of the database that running the same work again can cure."""
    if isinstance(exc, IntegrityError) or not isinstance(exc, DBAPIError):
        return False
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if code in _RETRYABLE_PG:
        return True
    return "database is locked" in str(getattr(exc, "orig", exc))


def run_write(work: Callable[[], T], *, attempts: int = 3,
              on_integrity: Callable[[IntegrityError], T | None] | None = None,
              cleanup: Callable[[], None] | None = None) -> T:
    """The one retry loop: ``begin_write()``, ``work()``, commit; return what ``work`` returned.

    - An ``IntegrityError`` (a unique constraint: a token already used, a drawn code or serial
      taken) rolls back and asks ``on_integrity``: a value is the answer (e.g. the case the same
      token already created); ``None`` runs ``work`` again (a fresh code is drawn).
    - A transient refusal (deadlock, serialization failure, SQLite busy) runs ``work`` again.
    - Anything else, or the last attempt, rolls back, calls ``cleanup`` and raises.
    """
    for attempt in range(1, attempts + 1):
        try:
            begin_write()
            result = work()
            db.session.commit()
            return result
        except IntegrityError as exc:
            db.session.rollback()
            if on_integrity is not None:
                try:
                    answer = on_integrity(exc)
                except BaseException:
                    db.session.rollback()
                    if cleanup:
                        cleanup()
                    raise
                if answer is not None:
                    return answer
            if attempt == attempts:
                if cleanup:
                    cleanup()
                raise
        except BaseException as exc:
            db.session.rollback()
            if attempt < attempts and retryable(exc):
                continue
            if cleanup:
                cleanup()
            raise
    raise RuntimeError("unreachable")
