"""the satisfaction survey (issue 4)

Survey versions and their criteria (seeded: the five SIPAS factors plus an overall rating on a
five-point scale, and the questions rating the handling of a case), survey points (QR posters),
responses, answers and the append-only log of spam decisions.

Revision ID: 0004
Revises: 0003
"""
import json
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Frozen copy of the first version (the app's defaults may change later; this migration may not).
SCALE_5 = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
SERVICE_CRITERIA = [  # SIPAS (Bộ Nội vụ, 2017): five factors, then an overall question
    ("access", "access", "Tiếp cận dịch vụ: nơi tiếp nhận, trang thiết bị, thông tin hướng dẫn"),
    ("procedure", "procedure", "Thủ tục hành chính: hồ sơ, thời gian giải quyết, phí, lệ phí"),
    ("staff", "staff", "Công chức trực tiếp giải quyết công việc: thái độ, hướng dẫn"),
    ("result", "result", "Kết quả dịch vụ: đúng quy định, đúng hẹn"),
    ("feedback", "feedback", "Tiếp nhận, giải quyết góp ý, phản ánh, kiến nghị"),
    ("overall", "overall", "Nhìn chung, bạn hài lòng với dịch vụ ở mức nào?"),
]
CASE_CRITERIA = [  # rating the handling of a case: all feed the fifth SIPAS factor
    ("timeliness", "feedback", "Thời gian giải quyết, trả lời đúng hạn"),
    ("clarity", "feedback", "Nội dung trả lời rõ ràng, dễ hiểu"),
    ("fairness", "feedback", "Giải quyết khách quan, công bằng, đúng quy định"),
    ("attitude", "feedback", "Thái độ của cán bộ, công chức"),
    ("handling_overall", "feedback", "Nhìn chung, bạn hài lòng với việc giải quyết ở mức nào?"),
]
APPEND_ONLY = "survey_spam_log"


def _dt():
    return sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "survey_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _dt(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_survey_points_created_by_id_users")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_survey_points_service_id_services")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_survey_points_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_points")),
        sa.UniqueConstraint("slug", name=op.f("uq_survey_points_slug")),
    )
    with op.batch_alter_table("survey_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_points_unit_id"), ["unit_id"], unique=False)

    versions = op.create_table(
        "survey_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("scale_json", sa.Text(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _dt(), nullable=False),
        sa.CheckConstraint("questionnaire IN ('service','case')", name=op.f("ck_survey_versions_questionnaire")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_survey_versions_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_versions")),
        sa.UniqueConstraint("questionnaire", "number", name="uq_survey_versions_questionnaire_number"),
    )
    criteria = op.create_table(
        "survey_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("factor", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["survey_versions.id"], name=op.f("fk_survey_criteria_version_id_survey_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_criteria")),
        sa.UniqueConstraint("version_id", "code", name="uq_survey_criteria_version_code"),
    )
    with op.batch_alter_table("survey_criteria", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_criteria_version_id"), ["version_id"], unique=False)

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("point_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("case_kind_code", sa.String(length=16), nullable=True),
        sa.Column("problem_resolved", sa.Boolean(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("respondent_type", sa.String(length=16), nullable=True),
        sa.Column("age_band", sa.String(length=16), nullable=True),
        sa.Column("consent_at", _dt(), nullable=True),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("repeat_flag", sa.Boolean(), nullable=False),
        sa.Column("is_spam", sa.Boolean(), nullable=False),
        sa.Column("created_at", _dt(), nullable=False),
        sa.CheckConstraint("channel IN ('web','qr','case')", name=op.f("ck_survey_responses_channel")),
        sa.CheckConstraint("respondent_type IS NULL OR respondent_type IN ('citizen','business')",
                           name=op.f("ck_survey_responses_respondent_type")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_survey_responses_case_id_cases")),
        sa.ForeignKeyConstraint(["point_id"], ["survey_points.id"], name=op.f("fk_survey_responses_point_id_survey_points")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_survey_responses_service_id_services")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_survey_responses_unit_id_units")),
        sa.ForeignKeyConstraint(["version_id"], ["survey_versions.id"], name=op.f("fk_survey_responses_version_id_survey_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("case_id", name=op.f("uq_survey_responses_case_id")),
        sa.UniqueConstraint("token", name=op.f("uq_survey_responses_token")),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index("ix_survey_responses_client", ["client_hash", "created_at"], unique=False)
        batch_op.create_index("ix_survey_responses_created_at", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_responses_point_id"), ["point_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_responses_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_responses_version_id"), ["version_id"], unique=False)

    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("criterion_code", sa.String(length=32), nullable=False),
        sa.Column("factor", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.CheckConstraint("score >= 1 AND score <= scale_max", name=op.f("ck_survey_answers_score_range")),
        sa.ForeignKeyConstraint(["criterion_id"], ["survey_criteria.id"], name=op.f("fk_survey_answers_criterion_id_survey_criteria")),
        sa.ForeignKeyConstraint(["response_id"], ["survey_responses.id"], name=op.f("fk_survey_answers_response_id_survey_responses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
        sa.UniqueConstraint("response_id", "criterion_id", name="uq_survey_answers_response_criterion"),
    )
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_answers_response_id"), ["response_id"], unique=False)

    op.create_table(
        "survey_spam_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("is_spam", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", _dt(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_survey_spam_log_actor_id_users")),
        sa.ForeignKeyConstraint(["response_id"], ["survey_responses.id"], name=op.f("fk_survey_spam_log_response_id_survey_responses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_spam_log")),
    )
    with op.batch_alter_table("survey_spam_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_spam_log_response_id"), ["response_id"], unique=False)

    # Seed: version 1 of each questionnaire.
    now = datetime.now(timezone.utc)
    op.bulk_insert(versions, [
        dict(id=1, questionnaire="service", number=1, scale_json=json.dumps(SCALE_5, ensure_ascii=False),
             is_current=True, note="SIPAS", created_by_id=None, created_at=now),
        dict(id=2, questionnaire="case", number=1, scale_json=json.dumps(SCALE_5, ensure_ascii=False),
             is_current=True, note="", created_by_id=None, created_at=now),
    ])
    rows = [dict(version_id=1, code=c, factor=f, label=t, position=i)
            for i, (c, f, t) in enumerate(SERVICE_CRITERIA)]
    rows += [dict(version_id=2, code=c, factor=f, label=t, position=i)
             for i, (c, f, t) in enumerate(CASE_CRITERIA)]
    op.bulk_insert(criteria, rows)
    if op.get_bind().dialect.name == "postgresql":
        # explicit ids were inserted: move the sequence past them
        op.execute("SELECT setval(pg_get_serial_sequence('survey_versions', 'id'), 2)")
        op.execute(f"CREATE TRIGGER {APPEND_ONLY}_append_only BEFORE UPDATE OR DELETE ON {APPEND_ONLY} "
                   "FOR EACH ROW EXECUTE FUNCTION refuse_change()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {APPEND_ONLY}_no_{verb.lower()} BEFORE {verb} ON {APPEND_ONLY} "
                       f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY} is append-only'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {APPEND_ONLY}_append_only ON {APPEND_ONLY}")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {APPEND_ONLY}_no_{verb}")
    with op.batch_alter_table("survey_spam_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_spam_log_response_id"))
    op.drop_table("survey_spam_log")
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_answers_response_id"))
    op.drop_table("survey_answers")
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_responses_version_id"))
        batch_op.drop_index(batch_op.f("ix_survey_responses_unit_id"))
        batch_op.drop_index(batch_op.f("ix_survey_responses_point_id"))
        batch_op.drop_index("ix_survey_responses_created_at")
        batch_op.drop_index("ix_survey_responses_client")
    op.drop_table("survey_responses")
    with op.batch_alter_table("survey_criteria", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_criteria_version_id"))
    op.drop_table("survey_criteria")
    op.drop_table("survey_versions")
    with op.batch_alter_table("survey_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_points_unit_id"))
    op.drop_table("survey_points")
