"""Key rotation for the identity fields encrypted at rest (see ``crypto``).

To rotate: put the new key first in ``IDENTITY_KEYS`` (``"k2:<new>,k1:<old>"``), restart, run
``flask identity rotate-key``: every encrypted value and blind index is rewritten under the new
key, in batches, each committed. Then the old key can be removed from the setting.
"""
from __future__ import annotations

from collections import Counter

from sqlalchemy import text

from ..crypto import Keyring
from ..extensions import db
from ..models.case import blind_indexes

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


def rotate(ring: Keyring, batch: int = 500) -> int:
    """Re-encrypt every value not under the first key, and recompute every blind index under it.
    Returns the number of rows rewritten. Idempotent: a second run rewrites nothing."""
    written = 0
    primary = ring.primary.kid
    for table, (key, columns) in ENCRYPTED.items():
        last = None
        while True:
            where = f"WHERE {key} > :last " if last is not None else ""
            rows = db.session.execute(text(f"SELECT {key}, {', '.join(columns)} FROM {table} {where}"
                                           f"ORDER BY {key} LIMIT {batch}"), {"last": last}).mappings().all()
            if not rows:
                break
            for row in rows:
                last = row[key]
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
            db.session.commit()
    return written
