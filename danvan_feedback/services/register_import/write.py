"""Pass 2, the write: what the check spooled, in one transaction under the import's lock."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from ...extensions import db
from ...models import Case
from ...models.reception import ReceptionVisit
from ..uow import lock_name
from .letters import _Clocks, _insert_letters, _update_letter
from .plan import BATCH, Plan, Progress, Result, _existing, _spooled, discard
from .visits import _insert_visits, _update_visit

SQLITE_CACHE_KIB = 65536   # the import's page cache on SQLite (random keys: tracking codes, blind indexes)


def apply(plan: Plan, *, actor_id: int | None, now: datetime, tz: str,
          progress: Progress | None = None) -> Result:
    """Write what :func:`check` spooled, in **one transaction**: a failure (the disk full, the
    process killed) writes nothing, like a file refused by the check. The transaction takes the
    import's lock first (an advisory lock on PostgreSQL, so two imports of one register run one
    after the other; SQLite's write lock is the whole database's, held until the commit), then
    writes ``BATCH`` rows at a time; rows whose key appeared in the database since the check are
    classified again under that lock, so a key is never inserted twice. ``progress`` is called
    after each batch (uncommitted work: the caller must record it elsewhere, see
    ``register_import_jobs``)."""
    if not plan.spool:
        raise ValueError("check(spool=True) first")
    zone = ZoneInfo(tz)
    result = Result()
    total = max(1, plan.new + plan.changed)
    done = 0
    model = Case if plan.register == "letters" else ReceptionVisit
    raw_sqlite = cache = None
    try:
        lock_name(f"register_import:{plan.register}")
        conn = db.session.connection()
        if conn.dialect.name == "sqlite":
            raw_sqlite = conn.connection.driver_connection
            cache = raw_sqlite.execute("PRAGMA cache_size").fetchone()[0]
            raw_sqlite.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        clocks = _Clocks(date(1975, 1, 1)) if plan.register == "letters" else None
        taken: set[str] = set()   # tracking codes given by this import
        for chunk in _spooled(plan):
            for i in range(0, len(chunk), BATCH):
                batch = chunk[i:i + BATCH]
                _write_batch(plan.register, model, batch, result, actor_id=actor_id, now=now, zone=zone,
                             clocks=clocks, taken=taken)
                done += len(batch)
                if progress:
                    progress(done / total)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if raw_sqlite is not None:   # the connection goes back to the pool with its usual cache
            raw_sqlite.execute(f"PRAGMA cache_size={int(cache)}")
        discard(plan)
    return result


def _write_batch(register: str, model, batch: list[dict], result: Result, *, actor_id: int | None, now: datetime,
                 zone: ZoneInfo, clocks, taken: set[str]) -> None:
    known = _existing(model, [r["key"] for r in batch])
    new, changed = [], []
    for r in batch:
        hit = known.get(r["key"])
        if hit is None:
            new.append(r)
        elif hit[1] == r["digest"]:
            result.unchanged += 1
        else:
            r["id"] = hit[0]
            changed.append(r)
    if register == "letters":
        if new:
            result.events += _insert_letters(new, now, zone, clocks, taken)
        for r in changed:
            result.events += _update_letter(r, actor_id=actor_id, now=now, tz=zone, clocks=clocks)
    else:
        if new:
            _insert_visits(new, actor_id, now)
        for r in changed:
            _update_visit(r, actor_id=actor_id, now=now)
    db.session.flush()
    result.created += len(new)
    result.updated += len(changed)
