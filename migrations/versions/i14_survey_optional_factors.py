"""survey: only the overall question is required; English wording of criteria and scale

Criteria get ``required`` (only the overall question is, a factor the visitor did not meet is
"not applicable") and ``label_en``; versions get ``scale_en_json``. The seeded questions get their
English wording.

Revision ID: i14_survey_optional_factors
Revises: i15_case_location
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "i14_survey_optional_factors"
down_revision = "i15_case_location"
branch_labels = None
depends_on = None

REQUIRED = ("overall", "handling_overall")
SCALE_VI = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
SCALE_EN = ["Very dissatisfied", "Dissatisfied", "Neither", "Satisfied", "Very satisfied"]
LABELS_EN = {  # frozen copy: keyed by (code, Vietnamese wording), so an edited question is left alone
    ("access", "Tiếp cận dịch vụ: nơi tiếp nhận, trang thiết bị, thông tin hướng dẫn"):
        "Access to the service: reception place, equipment, guidance",
    ("procedure", "Thủ tục hành chính: hồ sơ, thời gian giải quyết, phí, lệ phí"):
        "Administrative procedure: documents, processing time, fees and charges",
    ("staff", "Công chức trực tiếp giải quyết công việc: thái độ, hướng dẫn"):
        "The civil servant who handled your matter: attitude, guidance",
    ("result", "Kết quả dịch vụ: đúng quy định, đúng hẹn"): "Result of the service: lawful and on time",
    ("feedback", "Tiếp nhận, giải quyết góp ý, phản ánh, kiến nghị"):
        "Receiving and handling suggestions, reports and recommendations",
    ("overall", "Nhìn chung, bạn hài lòng với dịch vụ ở mức nào?"):
        "Overall, how satisfied are you with the service?",
    ("timeliness", "Thời gian giải quyết, trả lời đúng hạn"): "Time taken to resolve and answer: on time",
    ("clarity", "Nội dung trả lời rõ ràng, dễ hiểu"): "The answer is clear and easy to understand",
    ("fairness", "Giải quyết khách quan, công bằng, đúng quy định"): "Resolved objectively, fairly and lawfully",
    ("attitude", "Thái độ của cán bộ, công chức"): "Attitude of the officials",
    ("handling_overall", "Nhìn chung, bạn hài lòng với việc giải quyết ở mức nào?"):
        "Overall, how satisfied are you with how your matter was handled?",
}


def upgrade():
    op.add_column("survey_criteria", sa.Column("label_en", sa.String(length=300), nullable=True))
    op.add_column("survey_criteria", sa.Column("required", sa.Boolean(), nullable=False,
                                               server_default=sa.false()))
    op.add_column("survey_versions", sa.Column("scale_en_json", sa.Text(), nullable=True))
    conn = op.get_bind()
    crit = sa.table("survey_criteria", sa.column("id", sa.Integer), sa.column("code", sa.String),
                    sa.column("label", sa.String), sa.column("label_en", sa.String),
                    sa.column("required", sa.Boolean))
    vers = sa.table("survey_versions", sa.column("id", sa.Integer), sa.column("scale_json", sa.Text),
                    sa.column("scale_en_json", sa.Text))
    conn.execute(crit.update().where(crit.c.code.in_(REQUIRED)).values(required=True))
    for row in conn.execute(sa.select(crit.c.id, crit.c.code, crit.c.label)).all():
        en = LABELS_EN.get((row.code, row.label))
        if en:
            conn.execute(crit.update().where(crit.c.id == row.id).values(label_en=en))
    for row in conn.execute(sa.select(vers.c.id, vers.c.scale_json)).all():
        if json.loads(row.scale_json or "[]") == SCALE_VI:
            conn.execute(vers.update().where(vers.c.id == row.id)
                         .values(scale_en_json=json.dumps(SCALE_EN)))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of survey_versions would trip its foreign keys.
    op.drop_column("survey_versions", "scale_en_json")
    op.drop_column("survey_criteria", "required")
    op.drop_column("survey_criteria", "label_en")
