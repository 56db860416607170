"""cases: where the matter is (latitude, longitude, a partner's address id)

Open311 GeoReport v2 locates a request by lat/long, address_string (kept in incident_place) or
address_id; the public form's "use my location" gives lat/long too. Plain ADD COLUMN: no batch copy
of the cases table.

Revision ID: i15_case_location
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "i15_case_location"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("cases", sa.Column("latitude", sa.Float(), nullable=True))
    op.add_column("cases", sa.Column("longitude", sa.Float(), nullable=True))
    op.add_column("cases", sa.Column("address_id", sa.String(length=100), nullable=True))


def downgrade():
    op.drop_column("cases", "address_id")
    op.drop_column("cases", "longitude")
    op.drop_column("cases", "latitude")
