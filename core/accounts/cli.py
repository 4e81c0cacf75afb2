"""`flask users ...`: create or promote the very first admin, list accounts. Every later
admin or staff member is invited on the users page (`core.accounts.admin_views`)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import force_locale

from core.accounts import services
from core.accounts.models import User
from core.clock import now
from core.errors import DomainError
from core.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create-admin")
@click.option("--email", required=True, help="E-mail address (stored in lower case).")
@click.option("--name", required=True, help="Display name.")
@click.option(
    "--password",
    default=None,
    help="Password (at least 10 characters). Asked for, hidden and twice, when left out "
    "for a new account; an existing account keeps its password unless given.",
)
def create_admin(email: str, name: str, password: str | None) -> None:
    """Create a verified admin account, or make an existing account a verified admin."""
    existing = services.find_user(email)
    if password is None and (existing is None or not existing.password_hash):
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with force_locale("en"):  # messages for the operator; there is no request to pick a locale
        try:
            user, created = services.create_admin(
                email=email, name=name, password=password, now=now()
            )
        except DomainError as e:
            db.session.rollback()
            raise click.ClickException(str(e.message)) from e
    db.session.commit()
    click.echo(f"{'Created' if created else 'Promoted'} admin {user.email} (id {user.id}).")


@users_cli.command("list")
@click.option("--admins", is_flag=True, help="Only admins.")
def list_users(admins: bool) -> None:
    """Print one line per account: id, e-mail, name, admin, staff, verified, deactivated."""
    query = sa.select(User).order_by(User.id)
    if admins:
        query = query.where(User.is_admin.is_(True))
    for user in db.session.scalars(query):
        flags = ",".join(
            flag
            for flag, on in (
                ("admin", user.is_admin),
                ("staff", user.is_staff),
                ("verified", user.is_verified),
                ("deactivated", user.deactivated_at is not None),
            )
            if on
        )
        click.echo(f"{user.id}\t{user.email}\t{user.name}\t{flags or '-'}")
