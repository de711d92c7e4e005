"""`flask --app wsgi market scheduler | auction-sweep | seed-auction`."""
from __future__ import annotations

import logging

import click
from flask import current_app

from market.services.auctions import seed_demo_auction, sweep


@click.command("scheduler")
@click.option("--sweep-seconds", type=float, help="Sweep interval (default: SCHEDULER_SWEEP_SECONDS).")
def scheduler_command(sweep_seconds):
    """Run the auction scheduler in this process (opens and closes lots on time; Ctrl-C stops)."""
    from market import scheduler  # APScheduler loads only for the scheduler's own commands
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    click.echo("auction scheduler running (Ctrl-C to stop)")
    scheduler.run(current_app, sweep_seconds=sweep_seconds)


@click.command("auction-sweep")
def sweep_command():
    """Open, close and forfeit whatever is overdue, once (what the scheduler does every few seconds)."""
    from market.scheduler import runtime_from_app  # see scheduler_command
    rt = runtime_from_app(current_app)
    result = sweep(rt.uow_factory, rt.clock, rt.rules, rt.bus)
    click.echo(f"opened {result.opened}, closed {result.closed}, forfeited {result.forfeited}")


@click.command("seed-auction")
def seed_auction_command():
    """Add a live demo auction (needs the demo accounts: `market seed-demo`)."""
    s = current_app.extensions["market"]
    for line in seed_demo_auction(s.uow_factory(), s.clock.now()):
        click.echo(line)


COMMANDS = [scheduler_command, sweep_command, seed_auction_command]
