"""Users: the staff role (`is_staff`) and deactivation by an admin (`deactivated_at`,
`deactivated_by_id`); a deactivated account cannot sign in.

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
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_staff", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("deactivated_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_users_deactivated_by_id_users"),
            "users",
            ["deactivated_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_deactivated_by_id_users"), type_="foreignkey")
        batch_op.drop_column("deactivated_by_id")
        batch_op.drop_column("deactivated_at")
        batch_op.drop_column("is_staff")
