"""letters registered by the office, issued documents, agency replies, reception sessions (issue 12)

Revision ID: i12_letters
Revises: i13_matter_state
"""
import sqlalchemy as sa
from alembic import op

revision = "i12_letters"
down_revision = "i13_matter_state"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reception_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("reception_type", sa.String(length=16), nullable=False),
        sa.Column("head_mode", sa.String(length=16), nullable=False),
        sa.Column("chair", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("submission_token", sa.String(length=64), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("reception_type IN ('periodic','unscheduled')", name=op.f("ck_reception_sessions_reception_type")),
        sa.CheckConstraint("head_mode IN ('in_person','delegated')", name=op.f("ck_reception_sessions_head_mode")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_reception_sessions_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_sessions")),
        sa.UniqueConstraint("submission_token", name=op.f("uq_reception_sessions_submission_token")),
    )
    op.create_index(op.f("ix_reception_sessions_held_on"), "reception_sessions", ["held_on"])
    with op.batch_alter_table("reception_visits") as batch_op:
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_reception_visits_session_id"), ["session_id"])
        batch_op.create_foreign_key(batch_op.f("fk_reception_visits_session_id_reception_sessions"),
                                    "reception_sessions", ["session_id"], ["id"])
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("sender_doc_no", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("sender_doc_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("entered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("registered_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_cases_registered_by_id_users"), "users", ["registered_by_id"], ["id"])
    op.create_table(
        "issued_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        sa.Column("series", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("signer", sa.String(length=200), nullable=True),
        sa.Column("storage_key", sa.String(length=80), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_issued_documents_number_positive")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_issued_documents_case_id_cases")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_issued_documents_issued_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_documents")),
        sa.UniqueConstraint("series", "year", "number", name="uq_issued_documents_series_year_number"),
        sa.UniqueConstraint("storage_key", name=op.f("uq_issued_documents_storage_key")),
    )
    op.create_index("ix_issued_documents_case_id_doc_type", "issued_documents", ["case_id", "doc_type"])
    op.create_table(
        "agency_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("agency", sa.String(length=300), nullable=False),
        sa.Column("doc_no", sa.String(length=100), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=False),
        sa.Column("doc_year", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_agency_replies_case_id_cases")),
        sa.ForeignKeyConstraint(["event_id"], ["case_events.id"], name=op.f("fk_agency_replies_event_id_case_events")),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachments.id"], name=op.f("fk_agency_replies_attachment_id_attachments")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_agency_replies_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_replies")),
        sa.UniqueConstraint("case_id", "doc_year", "doc_no", name="uq_agency_replies_case_year_no"),
    )
    op.create_index(op.f("ix_agency_replies_case_id"), "agency_replies", ["case_id"])


def downgrade():
    op.drop_index(op.f("ix_agency_replies_case_id"), table_name="agency_replies")
    op.drop_table("agency_replies")
    op.drop_index("ix_issued_documents_case_id_doc_type", table_name="issued_documents")
    op.drop_table("issued_documents")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_registered_by_id_users"), type_="foreignkey")
        batch_op.drop_column("registered_by_id")
        batch_op.drop_column("entered_at")
        batch_op.drop_column("sender_doc_date")
        batch_op.drop_column("sender_doc_no")
    with op.batch_alter_table("reception_visits") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reception_visits_session_id_reception_sessions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_reception_visits_session_id"))
        batch_op.drop_column("session_id")
    op.drop_index(op.f("ix_reception_sessions_held_on"), table_name="reception_sessions")
    op.drop_table("reception_sessions")
