"""case events record the kind (at filing and on reclassification) and the outcome they set

So the reports can count a case under the kind and outcome it had in the period, not today's.
Plain ADD COLUMN (no batch copy): the table keeps its append-only triggers on SQLite.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("case_events", sa.Column("kind_code", sa.String(length=16), nullable=True))
    op.add_column("case_events", sa.Column("outcome", sa.String(length=32), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+), again without a batch copy that would lose the triggers.
    op.drop_column("case_events", "outcome")
    op.drop_column("case_events", "kind_code")
