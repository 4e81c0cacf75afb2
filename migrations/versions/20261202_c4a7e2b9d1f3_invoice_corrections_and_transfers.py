"""Invoice corrections (several invoices per registration, one chain) and ticket transfers.

`invoices`: the unique (registration_id, series) goes; instead one first invoice per
registration (a partial unique index), `replaces_invoice_id` (a foreign key to the
`credits_invoice_id` of the credit note that credited the replaced invoice: only a credited
invoice can be replaced), each invoice replaced at most once and credited at most once.

PostgreSQL changes the table in place. On SQLite a table constraint can only go with a
new table; a copy under the usual name first would fail (foreign keys are on, and the new
table's self-reference would point at the one being dropped), so the old table is renamed
first (SQLite moves its self-reference along), the new one created and filled, the old one
dropped; then the index and the immutability trigger (5e1f0a7c3b92) are made again. Nothing
else references `invoices`.

`registration_transfers`: a new table.

Revision ID: c4a7e2b9d1f3
Revises: f3f9cf285f31
Create Date: 2026-12-02 17:55:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4a7e2b9d1f3"
down_revision = "f3f9cf285f31"
branch_labels = None
depends_on = None

MESSAGE = "issued invoices and credit notes cannot be changed or deleted; issue a credit note"
FIRST = "series = 'invoice' AND replaces_invoice_id IS NULL"
COLUMNS = (
    "id, series, year, sequence, number, registration_id, credits_invoice_id, issued_at, "
    "supplier, customer, lines, net_cents, vat_cents, gross_cents, reverse_charge, locale"
)


def _invoice_columns() -> list:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("credits_invoice_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("supplier", sa.JSON(), nullable=False),
        sa.Column("customer", sa.JSON(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("net_cents", sa.Integer(), nullable=False),
        sa.Column("vat_cents", sa.Integer(), nullable=False),
        sa.Column("gross_cents", sa.Integer(), nullable=False),
        sa.Column("reverse_charge", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(
            ["credits_invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoices_credits_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_invoices_registration_id_registrations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
        sa.UniqueConstraint(
            "series", "year", "sequence", name=op.f("uq_invoices_series_year_sequence")
        ),
    ]


def _chain_indexes() -> None:
    op.create_index("uq_invoices_credits_invoice_id", "invoices", ["credits_invoice_id"], unique=True)
    op.create_index(
        "uq_invoices_replaces_invoice_id", "invoices", ["replaces_invoice_id"], unique=True
    )
    op.create_index(
        "uq_invoices_first_per_registration",
        "invoices",
        ["registration_id"],
        unique=True,
        sqlite_where=sa.text(FIRST),
        postgresql_where=sa.text(FIRST),
    )


def _sqlite_rebuild(new_columns: list, *, chain: bool) -> None:
    """Make `invoices` again with `new_columns`, keeping its rows (see the docstring)."""
    op.execute("DROP TRIGGER IF EXISTS invoices_immutable")
    op.execute("DROP INDEX IF EXISTS ix_invoices_registration_id")
    op.execute("ALTER TABLE invoices RENAME TO _invoices_before")
    op.create_table("invoices", *new_columns)
    if chain:
        _chain_indexes()
    op.execute(f"INSERT INTO invoices ({COLUMNS}) SELECT {COLUMNS} FROM _invoices_before")
    op.execute("DROP TABLE _invoices_before")
    op.create_index("ix_invoices_registration_id", "invoices", ["registration_id"], unique=False)
    op.execute(
        "CREATE TRIGGER invoices_immutable BEFORE UPDATE ON invoices "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(
            [
                *_invoice_columns(),
                sa.Column("replaces_invoice_id", sa.Integer(), nullable=True),
                sa.ForeignKeyConstraint(
                    ["replaces_invoice_id"],
                    ["invoices.credits_invoice_id"],
                    name=op.f("fk_invoices_replaces_invoice_id_invoices"),
                ),
            ],
            chain=True,
        )
    else:
        op.execute("ALTER TABLE invoices DROP CONSTRAINT uq_invoices_registration_series")
        op.execute("ALTER TABLE invoices ADD COLUMN replaces_invoice_id INTEGER")
        _chain_indexes()
        op.execute(
            "ALTER TABLE invoices ADD CONSTRAINT fk_invoices_replaces_invoice_id_invoices "
            "FOREIGN KEY (replaces_invoice_id) REFERENCES invoices (credits_invoice_id)"
        )

    op.create_table(
        "registration_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_registration_transfers_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_registration_transfers_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_transfers")),
        sa.UniqueConstraint("token", name=op.f("uq_registration_transfers_token")),
    )
    op.create_index(
        "ix_registration_transfers_registration_id",
        "registration_transfers",
        ["registration_id"],
        unique=False,
    )
    op.create_index(
        "ix_registration_transfers_email", "registration_transfers", ["email"], unique=False
    )
    op.create_index(
        "uq_registration_transfers_pending",
        "registration_transfers",
        ["registration_id"],
        unique=True,
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )


def downgrade():
    """Back to one invoice per registration; fails while a registration has a corrected
    (second) invoice, which the old schema cannot hold."""
    op.drop_index("uq_registration_transfers_pending", table_name="registration_transfers")
    op.drop_index("ix_registration_transfers_email", table_name="registration_transfers")
    op.drop_index(
        "ix_registration_transfers_registration_id", table_name="registration_transfers"
    )
    op.drop_table("registration_transfers")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(
            [
                *_invoice_columns(),
                sa.UniqueConstraint(
                    "registration_id", "series", name="uq_invoices_registration_series"
                ),
            ],
            chain=False,
        )
    else:
        op.execute(
            "ALTER TABLE invoices DROP CONSTRAINT fk_invoices_replaces_invoice_id_invoices"
        )
        op.drop_index("uq_invoices_first_per_registration", table_name="invoices")
        op.drop_index("uq_invoices_replaces_invoice_id", table_name="invoices")
        op.drop_index("uq_invoices_credits_invoice_id", table_name="invoices")
        op.execute("ALTER TABLE invoices DROP COLUMN replaces_invoice_id")
        op.execute(
            "ALTER TABLE invoices ADD CONSTRAINT uq_invoices_registration_series "
            "UNIQUE (registration_id, series)"
        )
