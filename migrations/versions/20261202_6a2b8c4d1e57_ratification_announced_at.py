"""Winners and nominees are told at the announcement moment: `ratifications.announced_at`
marks the category whose e-mails were queued (`flask awards announce`, once per category).

A category whose results were already public before this migration is marked announced at
its programme's `publish_at`, so the first run after an upgrade does not e-mail the winners
and nominees of earlier years again.

Revision ID: 6a2b8c4d1e57
Revises: 5e1f0a7c3b92
Create Date: 2026-12-02 04:40:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6a2b8c4d1e57'
down_revision = '5e1f0a7c3b92'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ratifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announced_at', sa.DateTime(), nullable=True))
    ratifications = sa.table(
        'ratifications',
        sa.column('category_id', sa.Integer),
        sa.column('announced_at', sa.DateTime),
    )
    categories = sa.table('categories', sa.column('id', sa.Integer), sa.column('programme_id', sa.Integer))
    programmes = sa.table('programmes', sa.column('id', sa.Integer), sa.column('publish_at', sa.DateTime))
    publish_at = (
        sa.select(programmes.c.publish_at)
        .join(categories, categories.c.programme_id == programmes.c.id)
        .where(categories.c.id == ratifications.c.category_id)
        .scalar_subquery()
    )
    # the columns hold naive UTC (core.db.UTCDateTime)
    moment = datetime.now(UTC).replace(tzinfo=None)
    op.execute(
        ratifications.update()
        .where(publish_at <= moment)
        .values(announced_at=publish_at)
    )


def downgrade():
    with op.batch_alter_table('ratifications', schema=None) as batch_op:
        batch_op.drop_column('announced_at')
