"""Writing many new rows at once, in the session's write transaction, without a per-row statement:
``COPY … FROM STDIN`` on PostgreSQL, one prepared ``INSERT`` run by the driver's ``executemany`` on
SQLite. For the import of old registers (100,000 letters, a quarter of a million events).

Values go through the same column types as any insert (``TypeDecorator``s such as ``UTCDateTime``,
the engine's date formats); encrypted identity columns are encrypted here under the current
identity key, as ``crypto.EncryptedText`` would. A column left out of the rows gets its Python
default (a scalar, or a callable evaluated once per call) or, with none, its server default or NULL.
What this skips is the ORM: mapper events (blind indexes, see ``models.case.blind_indexes``) are
the caller's to fill in.
"""
from __future__ import annotations

from itertools import repeat
from operator import itemgetter
from typing import Any, Callable, Sequence

from sqlalchemy import Table, text

from ..crypto import EncryptedText, current_keyring
from ..extensions import db


def _processors(table: Table, names: Sequence[str], dialect) -> list[Callable[[Any], Any] | None]:
    """Per column, what turns a Python value into the driver's value (None: nothing to do). Values
    other than encrypted ones are converted once per distinct value (dates and times repeat a lot)."""
    ring = None
    out: list[Callable[[Any], Any] | None] = []
    for name in names:
        col = table.c[name]
        if isinstance(col.type, EncryptedText):
            ring = ring or current_keyring()
            ctx = col.type.context
            out.append(lambda v, ring=ring, ctx=ctx: None if v is None else ring.encrypt(str(v), ctx))
            continue
        proc = col.type.dialect_impl(dialect).bind_processor(dialect)
        out.append(_remembered(proc) if proc is not None else None)
    return out


def _remembered(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    memo: dict = {}

    def convert(value):
        try:
            return memo[value]
        except KeyError:
            out = memo[value] = proc(value)
            return out
        except TypeError:   # not hashable
            return proc(value)
    return convert


def _defaults(table: Table, given: set[str]) -> dict[str, Any]:
    """Python-side defaults of the columns the rows do not give (evaluated once for the batch)."""
    out = {}
    for col in table.columns:
        if col.name in given or col.default is None or col.primary_key:
            continue
        d = col.default
        if d.is_scalar:
            out[col.name] = d.arg
        elif d.is_callable:
            out[col.name] = d.arg(None)   # SQLAlchemy wraps a zero-argument callable to take a context
    return out


def reserve_ids(table: Table, n: int) -> list[int]:
    """``n`` primary keys for new rows of ``table`` (its integer ``id``), to write the rows and the
    rows that point at them (events sealed with their case's id) in one go. PostgreSQL: drawn from
    the column's sequence. SQLite: the ones after the largest id, which is what SQLite itself would
    give; the caller holds the write lock (``BEGIN IMMEDIATE``), so nobody else takes them."""
    if n <= 0:
        return []
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                            {"t": table.name, "n": n}).scalars().all()
        return sorted(rows)
    top = conn.execute(text(f'SELECT coalesce(max(id), 0) FROM "{table.name}"')).scalar_one()
    has_seq = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")).scalar_one()
    if has_seq:   # an AUTOINCREMENT table never reuses an id, even a deleted one
        seq = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table.name}).scalar()
        top = max(top, seq or 0)
    return list(range(top + 1, top + 1 + n))


def insert_many(table: Table, rows: list[dict]) -> int:
    """INSERT ``rows`` (dicts of column values, every one with the keys of the first) into ``table`` in the
    session's current transaction. Returns the number of rows written."""
    if not rows:
        return 0
    conn = db.session.connection()
    dialect = conn.dialect
    given = list(rows[0])
    extra = _defaults(table, set(given))
    names = given + list(extra)
    procs = _processors(table, names, dialect)
    tail = [p(v) if p else v for p, v in zip(procs[len(given):], extra.values())]
    # column by column (``map`` and ``itemgetter`` run in C), then zipped into the rows' tuples
    columns = [map(p, map(itemgetter(name), rows)) if p else map(itemgetter(name), rows)
               for name, p in zip(given, procs)]
    values = zip(*columns, *(repeat(v, len(rows)) for v in tail))
    raw = conn.connection.driver_connection
    cols = ", ".join(f'"{c}"' for c in names)
    if dialect.name == "postgresql":
        with raw.cursor() as cur:
            with cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
                for row in values:
                    copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in names)
        raw.executemany(f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})', values)
    return len(rows)
