"""Users: the staff role (`is_staff`) and deactivation by an admin (`deactivated_at`); a deactivated account cannot sign in.

Revision ID: 9dd6e74b92b2
Revises: 14ff395d332a
Create Date: 2026-12-02 14:35:59.465408

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9dd6e74b92b2"
down_revision = "14ff395d332a"
branch_labels = None
depends_on = None


def upgrade():
    # plain ALTER TABLE ... ADD COLUMN, also on SQLite (no batch copy of `users`, whose old
    # copy could not be dropped while other tables' rows refer to it)
    op.add_column(
        "users", sa.Column("is_staff", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("users", sa.Column("deactivated_at", sa.DateTime(), nullable=True))


def downgrade():
    # ALTER TABLE ... DROP COLUMN, which SQLite (3.35 on) and PostgreSQL both have: no copy
    for column in ("deactivated_at", "is_staff"):
        op.execute(f"ALTER TABLE users DROP COLUMN {column}")
