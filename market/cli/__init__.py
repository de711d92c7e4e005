"""`flask --app wsgi market ...` commands: the group, the accounts and schema commands
here, each feature's commands in its own module of this package."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from market.domain.errors import DomainError
from market.services.accounts import create_user
from market.services.seed import demo_accounts, ensure_markets, seed_demo

from . import auctions as auction_commands
from . import audit as audit_commands
from . import imports as import_commands
from . import search as search_commands
from .common import app_services, refuse_in_production  # noqa: F401  (refuse_in_production: part of this package's API)

market_cli = AppGroup("market", help="长三角技术交易市场 administration commands.")


_services = app_services


@market_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when demo data is already there.")
def seed_demo_command(if_empty):
    """Load the demo markets, organisations, users and ~200 listings."""
    refuse_in_production("seed-demo")
    s = _services()
    summary = seed_demo(s.uow_factory, s.hasher, s.clock.now(), if_empty=if_empty)
    for line in summary:
        click.echo(line)


@market_cli.command("demo-accounts")
def demo_accounts_command():
    """Print the demo accounts that `seed-demo` creates."""
    for line in demo_accounts():
        click.echo(line)


@market_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice(["member", "operator", "admin"]), required=True)
@click.option("--organisation-id", type=int)
@click.option("--market", "market_code", type=click.Choice(["SH", "JS", "ZJ", "AH"]))
def create_user_command(email, password, display_name, role, organisation_id, market_code):
    """Create a user (e.g. the first regional admin)."""
    s = _services()
    try:
        user = create_user(s.uow_factory(), s.hasher, email=email, password=password, display_name=display_name,
                           role=role, organisation_id=organisation_id, market_code=market_code, now=s.clock.now())
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} {exc.errors or ''}")
    click.echo(f"created user {user['id']} <{user['email']}> ({user['role']})")


@market_cli.command("create-markets")
def create_markets_command():
    """Insert the four markets if missing (migrations do this too)."""
    ensure_markets(_services().uow_factory())
    click.echo("markets ready")


FEATURE_COMMANDS: list = [*import_commands.COMMANDS, *auction_commands.COMMANDS, *search_commands.COMMANDS,
                          *audit_commands.COMMANDS]


def register(app) -> None:
    for command in FEATURE_COMMANDS:
        market_cli.add_command(command)
    if "market" not in app.cli.commands:
        app.cli.add_command(market_cli)


def alembic_config(url: str | None = None):
    """Alembic's config for this project, optionally pinned to a database URL."""
    from alembic.config import Config  # alembic loads only for the commands that need it (not at every app start)
    cfg = Config(str(Path(__file__).resolve().parents[2] / "migrations" / "alembic.ini"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@market_cli.command("migrate")
@click.option("--revision", default="head", show_default=True)
def migrate_command(revision):
    """Upgrade the database schema (Alembic)."""
    from alembic import command  # see alembic_config
    command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"database at {revision}")


@market_cli.command("downgrade")
@click.option("--revision", required=True)
def downgrade_command(revision):
    """Downgrade the database schema to REVISION (e.g. base)."""
    from alembic import command  # see alembic_config
    command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"database at {revision}")
