"""receipt_holds: a receipt's PIN kept server-side for a few minutes, for a retry of the same form

Revision ID: s3_receipt_holds
Revises: s3_sqlite_fts
"""
import sqlalchemy as sa
from alembic import op

revision = "s3_receipt_holds"
down_revision = "s3_sqlite_fts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "receipt_holds",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("pin", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_receipt_holds_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_holds")),
    )
    op.create_index(op.f("ix_receipt_holds_expires_at"), "receipt_holds", ["expires_at"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_receipt_holds_expires_at"), table_name="receipt_holds")
    op.drop_table("receipt_holds")
