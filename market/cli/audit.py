"""`flask --app wsgi market audit verify | head`: check the chain, publish its head."""
from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from market.services.audit import head, pending, verify_chain


@click.group("audit")
def audit_group():
    """The tamper-evident audit trail."""


@audit_group.command("verify")
@with_appcontext
def verify_command():
    """Walk the chain; exit 1 naming the first entry altered, removed or inserted."""
    uow_factory = current_app.extensions["market"].uow_factory
    found, count, last = verify_chain(uow_factory())
    if found is not None:
        click.echo(f"BROKEN: {found}", err=True)
        sys.exit(1)
    click.echo(f"audit chain holds: {count} entries, head {last}; {pending(uow_factory())} not sealed yet")


@audit_group.command("head")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Also write it to this file (JSON).")
@with_appcontext
def head_command(output):
    """Print the head (seq and hash), to be kept outside: later proof that nothing before it changed."""
    found = head(current_app.extensions["market"].uow_factory())
    found["at"] = current_app.extensions["market"].clock.now().isoformat()
    text = json.dumps(found, ensure_ascii=False)
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    click.echo(text)


COMMANDS = [audit_group]
