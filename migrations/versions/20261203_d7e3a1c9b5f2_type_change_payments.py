"""type change payments: a payment may pay the difference for a dearer ticket type

Revision ID: d7e3a1c9b5f2
Revises: b00c1a9e5d21
Create Date: 2026-12-03 10:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7e3a1c9b5f2"
down_revision = "b00c1a9e5d21"
branch_labels = None
depends_on = None


def upgrade():
    # plain ALTER TABLE ... ADD COLUMN (no batch copy of `payments`: foreign keys are on)
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("payments")}
    if "ticket_type_id" not in columns:  # left by a SQLite downgrade (see `downgrade`)
        op.execute(
            "ALTER TABLE payments ADD COLUMN ticket_type_id INTEGER"
            " CONSTRAINT fk_payments_ticket_type_id_ticket_types REFERENCES ticket_types (id)"
        )
    op.create_index("ix_payments_ticket_type_id", "payments", ["ticket_type_id"])


def downgrade():
    op.drop_index("ix_payments_ticket_type_id", table_name="payments")
    if op.get_bind().dialect.name == "sqlite":
        # a column with a foreign key cannot be dropped on SQLite: the table keeps it, empty
        op.execute("UPDATE payments SET ticket_type_id = NULL")
    else:
        op.execute("ALTER TABLE payments DROP COLUMN ticket_type_id")
