"""Key rotation for the identity fields encrypted at rest (see ``crypto``).

To rotate: put the new key first in ``IDENTITY_KEYS`` (``"k2:<new>,k1:<old>"``), restart, run
``flask identity rotate-key``: every encrypted value and blind index is rewritten under the new
key, in batches, each committed. Then the old key can be removed from the setting.

The rotation runs while the application serves: each batch follows the one rule for writes
(:func:`.uow.run_write`: the write transaction begun and the batch's rows locked, ``FOR UPDATE`` on
PostgreSQL, before they are read), so a visit or an identity edited meanwhile is never overwritten
with the value read before the edit.
"""
from __future__ import annotations

from collections import Counter

from sqlalchemy import text

from ..crypto import Keyring
from ..extensions import db
from ..models.case import blind_indexes
from .uow import run_write

# table -> (primary key, encrypted columns)
ENCRYPTED = {
    "case_identities": ("case_id", ("full_name", "address", "cccd", "phone", "email", "company_name",
                                    "tax_code", "representative")),
    "reception_visits": ("id", ("citizen_name", "citizen_address", "cccd")),
    "outbox": ("id", ("to_addr",)),
    "receipt_holds": ("id", ("pin",)),
}


def key_usage(ring: Keyring) -> Counter:
    """How many stored values each key id encrypted (``None``: not encrypted at all)."""
    counts: Counter = Counter()
    for table, (_key, columns) in ENCRYPTED.items():
        for column in columns:
            for (value,) in db.session.execute(text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")):
                counts[ring.key_id_of(value)] += 1
    return counts


def _rotate_batch(ring: Keyring, table: str, key: str, columns: tuple[str, ...], last, batch: int):
    """One batch, inside the write transaction: (rows rewritten, the last key seen or None at the end)."""
    primary = ring.primary.kid
    where = f"WHERE {key} > :last " if last is not None else ""
    lock = " FOR UPDATE" if db.engine.dialect.name == "postgresql" else ""  # SQLite: the write lock
    rows = db.session.execute(text(f"SELECT {key}, {', '.join(columns)} FROM {table} {where}"
                                   f"ORDER BY {key} LIMIT {batch}{lock}"), {"last": last}).mappings().all()
    written = 0
    for row in rows:
        stale = [c for c in columns if row[c] is not None and ring.key_id_of(row[c]) != primary]
        if not stale and table != "case_identities":
            continue
        plain = {c: (ring.decrypt(row[c], f"{table}.{c}") if row[c] is not None else None) for c in columns}
        values = {c: ring.encrypt(plain[c], f"{table}.{c}") for c in stale}
        if table == "case_identities":
            values.update(blind_indexes(ring, phone=plain["phone"], cccd=plain["cccd"],
                                        full_name=plain["full_name"]))
        sets = ", ".join(f"{c} = :{c}" for c in values)
        db.session.execute(text(f"UPDATE {table} SET {sets} WHERE {key} = :_key"), {**values, "_key": row[key]})
        written += bool(stale)
    return written, (rows[-1][key] if rows else None)


def rotate(ring: Keyring, batch: int = 500) -> int:
    """Re-encrypt every value not under the first key, and recompute every blind index under it.
    Returns the number of rows rewritten. Idempotent: a second run rewrites nothing."""
    written = 0
    for table, (key, columns) in ENCRYPTED.items():
        last = None
        while True:
            n, last = run_write(lambda: _rotate_batch(ring, table, key, columns, last, batch))  # noqa: B023
            written += n
            if last is None:
                break
    return written
