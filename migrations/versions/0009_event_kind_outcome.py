"""case events record the kind (at filing and on reclassification) and the outcome they set

So the reports can count a case under the kind and outcome it had in the period, not today's.
Plain ADD COLUMN (no batch copy): the table keeps its append-only triggers on SQLite.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("case_events", sa.Column("kind_code", sa.String(length=16), nullable=True))
    op.add_column("case_events", sa.Column("outcome", sa.String(length=32), nullable=True))


def downgrade():
    # The event hashes cover these columns: dropping values would silently break every chain that
    # holds one. Refuse, unless forced (`flask db downgrade -x force_drop_hashed=yes REV`); a forced
    # drop is recorded outside the database (AUDIT_CHECKPOINT_DIR), and `audit verify` will report
    # the chains it broke.
    bind = op.get_bind()
    used = bind.execute(sa.text("SELECT count(*) FROM case_events WHERE kind_code IS NOT NULL "
                                "OR outcome IS NOT NULL")).scalar()
    if used:
        forced = context.get_x_argument(as_dictionary=True).get("force_drop_hashed") in ("1", "yes", "true")
        if not forced:
            raise RuntimeError(f"refusing to drop case_events.kind_code/outcome: {used} events hold values "
                               "covered by their hashes (use -x force_drop_hashed=yes to force; it is recorded)")
        from danvan_feedback.services.audit import record_forced_migration
        record_forced_migration("0009", f"dropped case_events.kind_code/outcome of {used} events")
    # Plain DROP COLUMN (SQLite 3.35+), again without a batch copy that would lose the triggers.
    op.drop_column("case_events", "outcome")
    op.drop_column("case_events", "kind_code")
