"""old registers come in: row keys on cases and visits, saved mappings, import jobs (issue 16)

Plain ADD COLUMN and CREATE INDEX (no batch copy of ``cases``).

Revision ID: i16_register_import
Revises: i14_survey_optional_factors
"""
import sqlalchemy as sa
from alembic import op

revision = "i16_register_import"
down_revision = "i14_survey_optional_factors"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("cases", "reception_visits"):
        op.add_column(table, sa.Column("import_key", sa.String(length=40), nullable=True))
        op.add_column(table, sa.Column("import_digest", sa.String(length=64), nullable=True))
        op.create_index(f"ix_{table}_import_key", table, ["import_key"], unique=True)
    op.create_table(
        "import_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("register", sa.String(length=16), nullable=False),
        sa.Column("fields_json", sa.Text(), nullable=False),
        sa.Column("words_json", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("register IN ('letters','visits')", name=op.f("ck_import_mappings_register")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name="fk_import_mappings_updated_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_import_mappings"),
        sa.UniqueConstraint("name", name="uq_import_mappings_name"),
    )
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("header_json", sa.Text(), nullable=False),
        sa.Column("mapping_json", sa.Text(), nullable=False),
        sa.Column("words_json", sa.Text(), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("register IN ('letters','visits')", name=op.f("ck_import_jobs_register")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name="fk_import_jobs_requested_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_import_jobs"),
    )
    op.create_index("ix_import_jobs_requested_by_id", "import_jobs", ["requested_by_id"])
    op.create_index("ix_import_jobs_status", "import_jobs", ["status"])


def downgrade():
    op.drop_index("ix_import_jobs_status", table_name="import_jobs")
    op.drop_index("ix_import_jobs_requested_by_id", table_name="import_jobs")
    op.drop_table("import_jobs")
    op.drop_table("import_mappings")
    for table in ("reception_visits", "cases"):
        op.drop_index(f"ix_{table}_import_key", table_name=table)
        op.drop_column(table, "import_digest")
        op.drop_column(table, "import_key")
