"""What every command module shares: the app's services, the production guard."""
from __future__ import annotations

import click
from flask import current_app


def app_services():
    return current_app.extensions["market"]


def refuse_in_production(command: str) -> None:
    """Demo data has known passwords and made-up listings: never in a production database."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException(f"{command} refuses to run under MARKET_CONFIG=production "
                                   "(demo accounts with a published password)")
