"""signed-off reports (issue 5)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=64), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("figures_json", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["signed_by_id"], ["users.id"], name="fk_report_snapshots_signed_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_report_snapshots"),
        sa.UniqueConstraint("period_key", name="uq_report_snapshots_period_key"),
    )
    op.create_table(
        "report_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("fmt", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["snapshot_id"], ["report_snapshots.id"],
                                name="fk_report_files_snapshot_id_report_snapshots"),
        sa.PrimaryKeyConstraint("id", name="pk_report_files"),
    )
    op.create_index("ix_report_files_snapshot_id", "report_files", ["snapshot_id"])


def downgrade():
    op.drop_index("ix_report_files_snapshot_id", table_name="report_files")
    op.drop_table("report_files")
    op.drop_table("report_snapshots")
