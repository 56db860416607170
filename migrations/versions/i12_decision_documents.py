"""case events carry their decision's document (number, signing date, signer) and when they were entered

``created_at`` is when the legal fact took effect (clocks and reports use it); ``entered_at`` is
when it was typed in, kept beside it (a late entry shows as "ghi nhận muộn" and is audited).
These columns are covered by the event hash (services/events.py ``HASHED``).

Plain ADD COLUMN (no batch copy), so the append-only triggers stay on SQLite; as in
``i08_event_integrity``, the downgrade never drops a column that holds hashed values.

Revision ID: i12_decision_documents
Revises: i09_identity_protection
"""
import sqlalchemy as sa
from alembic import op

revision = "i12_decision_documents"
down_revision = "i09_identity_protection"
branch_labels = None
depends_on = None


def columns() -> list[sa.Column]:
    return [
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("doc_no", sa.String(length=100), nullable=True),
        sa.Column("doc_signed_on", sa.Date(), nullable=True),
        sa.Column("doc_signer", sa.String(length=200), nullable=True),
    ]


def _existing() -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns("case_events")}


def upgrade():
    have = _existing()
    for col in columns():
        if col.name not in have:
            op.add_column("case_events", col)


def downgrade():
    bind = op.get_bind()
    have = _existing()
    for col in reversed(columns()):
        if col.name in have and bind.execute(sa.text(
                f"SELECT 1 FROM case_events WHERE {col.name} IS NOT NULL LIMIT 1")).first() is None:
            op.drop_column("case_events", col.name)
