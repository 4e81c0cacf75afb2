"""bookings: several attendees in one booking

Revision ID: b00c1a9e5d21
Revises: c4a7e2b9d1f3
Create Date: 2026-12-02 18:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b00c1a9e5d21"
down_revision = "c4a7e2b9d1f3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("booker_name", sa.String(length=200), nullable=False),
        sa.Column("booker_email", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_bookings_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("token", name=op.f("uq_bookings_token")),
    )
    op.create_index(op.f("ix_bookings_event_id"), "bookings", ["event_id"], unique=False)
    op.create_index(op.f("ix_bookings_booker_email"), "bookings", ["booker_email"], unique=False)
    # plain ALTER TABLE ... ADD COLUMN (no batch copy of `registrations`: foreign keys are on)
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("registrations")}
    if "booking_id" not in columns:  # left by a SQLite downgrade (see `downgrade`)
        op.execute(
            "ALTER TABLE registrations ADD COLUMN booking_id INTEGER"
            " CONSTRAINT fk_registrations_booking_id_bookings REFERENCES bookings (id)"
        )
    op.create_index("ix_registrations_booking_id", "registrations", ["booking_id"])


def downgrade():
    op.drop_index("ix_registrations_booking_id", table_name="registrations")
    if op.get_bind().dialect.name == "sqlite":
        # a column with a foreign key cannot be dropped on SQLite: the table keeps it, empty
        op.execute("UPDATE registrations SET booking_id = NULL")
    else:
        op.execute("ALTER TABLE registrations DROP COLUMN booking_id")
    op.drop_index(op.f("ix_bookings_booker_email"), table_name="bookings")
    op.drop_index(op.f("ix_bookings_event_id"), table_name="bookings")
    op.drop_table("bookings")
