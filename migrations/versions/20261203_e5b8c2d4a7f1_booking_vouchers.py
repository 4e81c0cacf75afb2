"""booking vouchers: the voucher code typed on a booking form of several attendees

Revision ID: e5b8c2d4a7f1
Revises: d7e1f0a3b5c9
Create Date: 2026-12-03 14:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e5b8c2d4a7f1"
down_revision = "d7e1f0a3b5c9"
branch_labels = None
depends_on = None


def upgrade():
    # plain ALTER TABLE ... ADD COLUMN (no batch copy of `bookings`: foreign keys are on)
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("bookings")}
    if "voucher_id" not in columns:  # left by a SQLite downgrade (see `downgrade`)
        op.execute(
            "ALTER TABLE bookings ADD COLUMN voucher_id INTEGER"
            " CONSTRAINT fk_bookings_voucher_id_vouchers REFERENCES vouchers (id)"
        )
    op.create_index("ix_bookings_voucher_id", "bookings", ["voucher_id"])


def downgrade():
    op.drop_index("ix_bookings_voucher_id", table_name="bookings")
    if op.get_bind().dialect.name == "sqlite":
        # a column with a foreign key cannot be dropped on SQLite: the table keeps it, empty
        op.execute("UPDATE bookings SET voucher_id = NULL")
    else:
        op.execute("ALTER TABLE bookings DROP COLUMN voucher_id")
