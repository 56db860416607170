"""case events carry the clock they set and a keyed, versioned hash; audit records a keyed hash

case_events: due_on, due_rule_code (the clock after the event), case_digest (the facts as filed, on
the first event), hash_version and key_id (services/events.py). audit_records: hash_version, key_id.
Rows written before keep hash_version NULL (version 1, unkeyed) and still verify.

Plain ADD COLUMN (no batch copy), so the append-only triggers stay on SQLite. The downgrade never
drops a column that holds values covered by a hash (that would silently break every chain): such
columns are kept, and the upgrade adds only what is missing. So ``db downgrade`` and back keeps
``audit verify`` at 0.

Revision ID: i08_event_integrity
Revises: i14s_search_words
"""
import sqlalchemy as sa
from alembic import op

revision = "i08_event_integrity"
down_revision = "i14s_search_words"
branch_labels = None
depends_on = None


def columns() -> dict[str, list[sa.Column]]:
    return {
        "case_events": [
            sa.Column("due_on", sa.Date(), nullable=True),
            sa.Column("due_rule_code", sa.String(length=64), nullable=True),
            sa.Column("case_digest", sa.String(length=64), nullable=True),
            sa.Column("hash_version", sa.Integer(), nullable=True),
            sa.Column("key_id", sa.String(length=16), nullable=True),
        ],
        "audit_records": [
            sa.Column("hash_version", sa.Integer(), nullable=True),
            sa.Column("key_id", sa.String(length=16), nullable=True),
        ],
    }


def _existing(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade():
    for table, cols in columns().items():
        have = _existing(table)
        for col in cols:
            if col.name not in have:  # kept by an earlier downgrade: its values are part of the record
                op.add_column(table, col)


def downgrade():
    bind = op.get_bind()
    for table, cols in columns().items():
        have = _existing(table)
        for col in reversed(cols):
            if col.name not in have:
                continue
            used = bind.execute(sa.text(f"SELECT 1 FROM {table} WHERE {col.name} IS NOT NULL LIMIT 1")).first()
            if used is None:
                op.drop_column(table, col.name)
            # else: kept. The older code ignores the column; the hashes that cover it stay checkable.
