"""Issued invoices and credit notes are immutable in the database too, not only in the ORM.

PostgreSQL: a row trigger refuses every UPDATE and DELETE of `invoices` (SQLSTATE 23001,
restrict_violation, so drivers raise an integrity error); TRUNCATE, which only maintenance
and the test reset use, fires no row trigger. SQLite: a trigger refuses every UPDATE; DELETE
is left to the ORM guard (`events.services.invoices`), since SQLite has no TRUNCATE and the
test reset empties tables with DELETE. (A later SQLite batch migration that recreates
`invoices` must create the trigger again.)

Revision ID: 5e1f0a7c3b92
Revises: 5e1a9c3d7b20
Create Date: 2026-12-02 01:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e1f0a7c3b92'
down_revision = '5e1a9c3d7b20'
branch_labels = None
depends_on = None

MESSAGE = "issued invoices and credit notes cannot be changed or deleted; issue a credit note"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION invoices_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; END $$"
        )
        op.execute(
            "CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices "
            "FOR EACH ROW EXECUTE FUNCTION invoices_immutable()"
        )
    else:
        op.execute(
            "CREATE TRIGGER invoices_immutable BEFORE UPDATE ON invoices "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS invoices_immutable" + (
        " ON invoices" if op.get_bind().dialect.name == "postgresql" else ""
    ))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS invoices_immutable()")
