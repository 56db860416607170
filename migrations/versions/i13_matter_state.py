"""the state of the matter when a letter came in (02/XLD); an index for events by action and time

``cases.matter_state`` is recorded when the letter is classified (accept, reclassify): resolved_once,
resolved_many, in_progress or not_yet (form 02/XLD "Phân loại theo tình trạng giải quyết"). The
index serves the report's counts of events dated in a period (resolutions per month, urges, agency
replies). Plain ADD/DROP (no batch copy), like 0009.

Revision ID: i13_matter_state
Revises: i16_register_import
"""
import sqlalchemy as sa
from alembic import op

revision = "i13_matter_state"
down_revision = "i16_register_import"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("cases", sa.Column("matter_state", sa.String(length=16), nullable=True))
    op.create_index("ix_case_events_action_created_at", "case_events", ["action", "created_at"])


def downgrade():
    op.drop_index("ix_case_events_action_created_at", table_name="case_events")
    op.drop_column("cases", "matter_state")
