"""`flask --app wsgi market reindex` and `market check-index`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from market.services.search import check_index, reindex


def _parts():
    s = current_app.extensions["market"]
    return s.search_index, s.extra["session_factory"]


@click.command("reindex")
@with_appcontext
def reindex_command():
    """Rebuild the search index from the database (with a progress bar)."""
    index, session_factory = _parts()
    indexer = current_app.extensions["market"].extra.get("search_indexer")
    with Progress(TextColumn("reindex"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=False) as progress:
        task = progress.add_task("reindex", total=None)
        count = reindex(index, session_factory,
                        progress=lambda n: progress.advance(task, n),
                        on_total=lambda total: progress.update(task, total=total), indexer=indexer)
        progress.update(task, total=count, completed=count)
    click.echo(f"indexed {count} public listings")


@click.command("check-index")
@with_appcontext
@click.option("--show", default=10, help="How many drifting ids to list per kind.")
def check_index_command(show):
    """Compare the search index with the database; exit 1 on drift."""
    index, session_factory = _parts()
    report = check_index(index, session_factory)
    click.echo(f"database: {report['database']} public listings, index: {report['index']} documents, "
               f"outbox pending: {report['pending_outbox']}")
    for kind in ("missing", "extra", "stale"):
        ids = report[kind]
        click.echo(f"{kind}: {len(ids)}" + (f"  e.g. {', '.join(ids[:show])}" if ids else ""))
    if report["in_sync"]:
        click.echo("index is in sync")
    else:
        click.echo("index drifted: run `market reindex`")
        raise SystemExit(1)


@click.command("drain-index")
@with_appcontext
def drain_index_command():
    """Apply pending search_outbox rows to the index (e.g. after the index was locked)."""
    n = current_app.extensions["market"].extra["search_indexer"].drain()
    click.echo(f"applied {n} pending changes")


COMMANDS = [reindex_command, check_index_command, drain_index_command]
