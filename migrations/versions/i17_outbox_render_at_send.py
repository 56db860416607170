"""the outbox can hold a template and its context, rendered by the sender; settings_version

A receipt e-mail queued by a public submission stores the template name, a small JSON context and
the recipient's language (body_text empty until sent), so filing renders no template. The
``settings_version`` row of org_settings changes with every change to reference data, so each
process can keep a copy of it and check it with one primary-key read.

Revision ID: i17_outbox_render_at_send
Revises: i08_event_integrity
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "i17_outbox_render_at_send"
down_revision = "i08_event_integrity"
branch_labels = None
depends_on = None

org_settings = sa.table("org_settings", sa.column("key", sa.String), sa.column("value", sa.Text))


def upgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("context", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("locale", sa.String(length=8), server_default="vi", nullable=False))
        batch_op.alter_column("body_text", existing_type=sa.Text(), nullable=True)
    op.execute(org_settings.delete().where(org_settings.c.key == "settings_version"))
    op.bulk_insert(org_settings, [{"key": "settings_version", "value": secrets.token_hex(8)}])


def downgrade():
    op.execute(org_settings.delete().where(org_settings.c.key == "settings_version"))
    outbox = sa.table("outbox", sa.column("body_text", sa.Text))
    op.execute(outbox.update().where(outbox.c.body_text.is_(None)).values(body_text=""))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("body_text", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("locale")
        batch_op.drop_column("context")
        batch_op.drop_column("template")
