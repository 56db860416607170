"""citizen reception log and dialogue sessions

Revision ID: 0005
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reception_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("reception_type", sa.String(length=16), nullable=False),
        sa.Column("head_mode", sa.String(length=16), nullable=True),
        sa.Column("citizen_name", sa.String(length=200), nullable=False),
        sa.Column("citizen_address", sa.String(length=300), nullable=True),
        sa.Column("cccd", sa.String(length=12), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("kind_code", sa.String(length=16), nullable=False),
        sa.Column("people_count", sa.Integer(), nullable=False),
        sa.Column("is_group", sa.Boolean(), nullable=False),
        sa.Column("is_repeat", sa.Boolean(), nullable=False),
        sa.Column("previous_agency", sa.String(length=300), nullable=True),
        sa.Column("handling", sa.String(length=16), nullable=False),
        sa.Column("handling_agency", sa.String(length=300), nullable=True),
        sa.Column("follow_up", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("submission_token", sa.String(length=64), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("reception_type IN ('regular','periodic','unscheduled')",
                           name=op.f("ck_reception_visits_reception_type")),
        sa.CheckConstraint("head_mode IS NULL OR head_mode IN ('in_person','delegated')",
                           name=op.f("ck_reception_visits_head_mode")),
        sa.CheckConstraint("handling IN ('accepted','guided','transferred')",
                           name=op.f("ck_reception_visits_handling")),
        sa.CheckConstraint("people_count >= 1", name=op.f("ck_reception_visits_people_count")),
        sa.ForeignKeyConstraint(["kind_code"], ["case_kinds.code"],
                                name=op.f("fk_reception_visits_kind_code_case_kinds")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_reception_visits_case_id_cases")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_reception_visits_created_by_id_users")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"],
                                name=op.f("fk_reception_visits_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_visits")),
        sa.UniqueConstraint("year", "serial", name="uq_reception_visits_year_serial"),
        sa.UniqueConstraint("submission_token", name=op.f("uq_reception_visits_submission_token")),
    )
    with op.batch_alter_table("reception_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reception_visits_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_reception_visits_date_serial", ["visit_date", "serial"], unique=False)

    op.create_table(
        "dialogue_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("chair", sa.String(length=200), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("issues", sa.Text(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=True),
        sa.Column("commitments", sa.Text(), nullable=True),
        sa.Column("follow_ups", sa.Text(), nullable=True),
        sa.Column("minutes_key", sa.String(length=80), nullable=True),
        sa.Column("minutes_name", sa.String(length=200), nullable=True),
        sa.Column("minutes_type", sa.String(length=64), nullable=True),
        sa.Column("minutes_size", sa.Integer(), nullable=True),
        sa.Column("minutes_sha256", sa.String(length=64), nullable=True),
        sa.Column("submission_token", sa.String(length=64), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_dialogue_sessions_created_by_id_users")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"],
                                name=op.f("fk_dialogue_sessions_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogue_sessions")),
        sa.UniqueConstraint("minutes_key", name=op.f("uq_dialogue_sessions_minutes_key")),
        sa.UniqueConstraint("submission_token", name=op.f("uq_dialogue_sessions_submission_token")),
    )
    with op.batch_alter_table("dialogue_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dialogue_sessions_held_on"), ["held_on"], unique=False)

    op.create_table(
        "dialogue_cases",
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["dialogue_id"], ["dialogue_sessions.id"], ondelete="CASCADE",
                                name=op.f("fk_dialogue_cases_dialogue_id_dialogue_sessions")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_dialogue_cases_case_id_cases")),
        sa.PrimaryKeyConstraint("dialogue_id", "case_id", name=op.f("pk_dialogue_cases")),
    )


def downgrade():
    op.drop_table("dialogue_cases")
    with op.batch_alter_table("dialogue_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dialogue_sessions_held_on"))
    op.drop_table("dialogue_sessions")
    with op.batch_alter_table("reception_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_reception_visits_date_serial")
        batch_op.drop_index(batch_op.f("ix_reception_visits_case_id"))
    op.drop_table("reception_visits")
