"""invoice_files: each invoice's rendered PDF, stored once

Revision ID: d7e1f0a3b5c9
Revises: d7e3a1c9b5f2
Create Date: 2026-12-03 11:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7e1f0a3b5c9"
down_revision = "d7e3a1c9b5f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "invoice_files",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_files_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_invoice_files")),
    )


def downgrade():
    op.drop_table("invoice_files")
