"""The audit log keys its scope generically (type, id, name as recorded) instead of a
programme id, so core knows no domain.

Revision ID: 7b1d2c9e4a10
Revises: 2e27b4f5daa2
Create Date: 2026-12-01 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b1d2c9e4a10'
down_revision = '2e27b4f5daa2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope_type', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('scope_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scope_label', sa.String(length=200), nullable=True))
    op.execute(
        "UPDATE audit_entries SET scope_type = 'Programme', scope_id = programme_id, "
        "scope_label = (SELECT name FROM programmes WHERE programmes.id = audit_entries.programme_id) "
        "WHERE programme_id IS NOT NULL"
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_programme_id'))
        batch_op.drop_column('programme_id')
        batch_op.create_index('ix_audit_entries_scope', ['scope_type', 'scope_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE audit_entries SET programme_id = scope_id WHERE scope_type = 'Programme'"
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_scope')
        batch_op.drop_column('scope_label')
        batch_op.drop_column('scope_id')
        batch_op.drop_column('scope_type')
        batch_op.create_index(batch_op.f('ix_audit_entries_programme_id'), ['programme_id'], unique=False)
