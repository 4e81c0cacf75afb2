"""A user erased on request (privacy): `erased_at` marks the anonymised account, which can
no longer sign in.

Revision ID: 5e1a9c3d7b20
Revises: 5e55101d7a3b
Create Date: 2026-12-02 01:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1a9c3d7b20'
down_revision = '5e55101d7a3b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
