"""`flask --app wsgi market ...` commands."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

market_cli = AppGroup("market", help="长三角技术交易市场 administration commands.")


def _services():
    return current_app.extensions["market"]


def refuse_in_production(command: str) -> None:
    """Demo data has known passwords and made-up listings: never in a production database."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException(f"{command} refuses to run under MARKET_CONFIG=production "
                                   "(demo accounts with a published password)")


@market_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when demo data is already there.")
def seed_demo_command(if_empty):
    """Load the demo markets, organisations, users and ~200 listings."""
    from market.services.seed import seed_demo
    refuse_in_production("seed-demo")
    s = _services()
    summary = seed_demo(s.uow_factory, s.hasher, s.clock.now(), if_empty=if_empty)
    for line in summary:
        click.echo(line)


@market_cli.command("demo-accounts")
def demo_accounts_command():
    """Print the demo accounts that `seed-demo` creates."""
    from market.services.seed import demo_accounts
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
    from market.domain.errors import DomainError
    from market.services.accounts import create_user
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
    from market.services.seed import ensure_markets
    ensure_markets(_services().uow_factory())
    click.echo("markets ready")


FEATURE_COMMANDS: list = []
from market.cli_imports import COMMANDS as _IMPORT_COMMANDS; FEATURE_COMMANDS.extend(_IMPORT_COMMANDS)  # noqa: E402,E702
from market.cli_auctions import COMMANDS as _AUCTION_COMMANDS; FEATURE_COMMANDS.extend(_AUCTION_COMMANDS)  # noqa: E402,E702
from market.cli_search import COMMANDS as _SEARCH_COMMANDS; FEATURE_COMMANDS.extend(_SEARCH_COMMANDS)  # noqa: E402,E702
from market.cli_audit import COMMANDS as _AUDIT_COMMANDS; FEATURE_COMMANDS.extend(_AUDIT_COMMANDS)  # noqa: E402,E702


def register(app) -> None:
    for command in FEATURE_COMMANDS:
        market_cli.add_command(command)
    if "market" not in app.cli.commands:
        app.cli.add_command(market_cli)


def alembic_config(url: str | None = None):
    """Alembic's config for this project, optionally pinned to a database URL."""
    from pathlib import Path

    from alembic.config import Config
    cfg = Config(str(Path(__file__).resolve().parent.parent / "migrations" / "alembic.ini"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@market_cli.command("migrate")
@click.option("--revision", default="head", show_default=True)
def migrate_command(revision):
    """Upgrade the database schema (Alembic)."""
    from alembic import command
    command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"database at {revision}")


@market_cli.command("downgrade")
@click.option("--revision", required=True)
def downgrade_command(revision):
    """Downgrade the database schema to REVISION (e.g. base)."""
    from alembic import command
    command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"database at {revision}")
