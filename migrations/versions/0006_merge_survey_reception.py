"""merge the survey and reception branches (developed side by side)

Revision ID: 0006
Revises: 0004, 0005
"""
revision = "0006"
down_revision = ("0004", "0005")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
