"""secrecy follows the history: cases and reception visits remember having been a denunciation

``cases.protected`` and ``reception_visits.protected`` are set once a case or visit has been a
denunciation (tố cáo) and are never cleared. Backfilled from the history: the kind each case event
recorded (filing, reclassification) and the visits recorded at the reception desk.
Plain ADD COLUMN (no batch copy), so SQLite tables keep their triggers.

Revision ID: i09_identity_protection
Revises: i12_letters
"""
import sqlalchemy as sa
from alembic import op

revision = "i09_identity_protection"
down_revision = "i12_letters"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("cases", sa.Column("protected", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("reception_visits", sa.Column("protected", sa.Boolean(), nullable=False,
                                                server_default=sa.false()))
    op.execute("UPDATE cases SET protected = TRUE WHERE kind_code = 'to_cao' "
               "OR id IN (SELECT case_id FROM case_events WHERE kind_code = 'to_cao') "
               "OR id IN (SELECT case_id FROM reception_visits WHERE kind_code = 'to_cao' "
               "AND case_id IS NOT NULL)")
    op.execute("UPDATE reception_visits SET protected = TRUE WHERE kind_code = 'to_cao' "
               "OR case_id IN (SELECT id FROM cases WHERE protected = TRUE)")


def downgrade():
    op.drop_column("reception_visits", "protected")
    op.drop_column("cases", "protected")
