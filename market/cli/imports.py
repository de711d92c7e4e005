"""`flask --app wsgi market import --market JS FILE`: import a market's feed
with a progress bar and a summary table."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from market.domain.errors import DomainError
from market.services.demo_feed import import_demo_feeds
from market.services.imports import import_feed

from .common import refuse_in_production


@click.command("import")
@with_appcontext
@click.option("--market", "market_code", required=True, type=click.Choice(["SH", "JS", "ZJ", "AH"], case_sensitive=False),
              help="The market whose export this is.")
@click.option("--kind", type=click.Choice(["achievements", "demands"]),
              help="Refuse the file unless it is this kind (detected from the content otherwise).")
@click.option("--as", "actor_email", help="Record the run as this user's (must operate the market or be admin).")
@click.option("--errors", "show_errors", default=20, show_default=True,
              help="Row errors and warnings to list, each (0: none).")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(market_code, kind, actor_email, show_errors, files):
    """Import one or more export FILES of a market (idempotent: re-importing changes nothing)."""
    services = current_app.extensions["market"]
    console = Console()
    actor_id = _actor_id(services, actor_email) if actor_email else None
    failed = False
    for path in files:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task(f"{market_code.upper()} {path.name}", total=None)

            def progress(done, total, task=task, bar=bar):
                bar.update(task, completed=done, total=total)

            try:
                report = import_feed(services.uow_factory(), market_code.upper(), path, path.name, actor_id,
                                     services.clock.now(), kind=kind, progress=progress)
            except DomainError as exc:
                console.print(f"[red]✗ {path.name}: {exc.message}[/red]")
                failed = True
                continue
        console.print(summary_table(report))
        _print_errors(console, report, show_errors)
    if failed:
        raise SystemExit(1)


def summary_table(report: dict):

    counts = report["counts"]
    table = Table(title=f"导入 #{report['id']} {report['market_code']} {report['kind']} · {report['filename']}",
                  caption=f"sha256 {report['file_hash'][:16]}… · {report['size_bytes']:,} bytes")
    for name in ("rows_read", "created", "updated", "unchanged", "withdrawn", "rejected"):
        table.add_column(name, justify="right")
    table.add_row(*(f"{counts[name]:,}" for name in ("rows_read", "created", "updated", "unchanged",
                                                    "withdrawn", "rejected")))
    return table


def _print_errors(console, report: dict, limit: int) -> None:
    """Row errors, then warnings (rows kept with a deliberate change; row 0 is the file's header)."""

    titles = (("errors", f"被拒绝的行 (rejected rows): {report['counts']['rejected']}"),
              ("warnings", "警告 (warnings: kept with a change, or row 0: the header)"))
    for key, title in titles:
        notes = report.get(key) or []
        if not notes or limit <= 0:
            continue
        table = Table(title=title)
        for column in ("row", "id", "field", "reason"):
            table.add_column(column)
        for note in notes[:limit]:
            table.add_row(str(note["row"]), note["external_id"] or "", note["field"], note["reason"])
        console.print(table)
        if len(notes) > limit:
            console.print(f"… {len(notes) - limit} more: GET /api/v1/markets/{report['market_code']}/imports/{report['id']}")


def _actor_id(services, email: str) -> int:
    with services.uow_factory() as uow:
        user = uow.users.by_email(email)
        if user is None:
            raise click.ClickException(f"no user {email}")
        return user.id


@click.command("import-demo")
@with_appcontext
@click.option("--per-market", default=40, show_default=True, help="Achievements in each market's demo feed.")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the feeds (default: instance/demo_feeds).")
def import_demo_command(per_market, directory):
    """Generate a small demo export of each market (the project's own texts) and import it."""
    refuse_in_production("import-demo")
    services = current_app.extensions["market"]
    directory = directory or Path(current_app.instance_path) / "demo_feeds"
    console = Console()
    for report in import_demo_feeds(services.uow_factory, services.clock.now(), directory, per_market):
        console.print(summary_table(report))


COMMANDS = [import_command, import_demo_command]
