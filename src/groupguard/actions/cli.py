"""`groupguard actions ...`: read the outbox, push it to the webhook."""

from __future__ import annotations

import json

import typer

from groupguard.actions.outbox import list_actions, publish
from groupguard.actions.webhook import deliver_pending
from groupguard.store import open_database

actions_app = typer.Typer(help="The outbox of enforcement actions.", no_args_is_help=True)


@actions_app.command("list")
def list_cmd(
    ctx: typer.Context,
    after: int = typer.Option(0, help="Cursor: only actions after this one (the `cursor` "
                              "field of the last action seen)"),
    limit: int = typer.Option(100),
    kind: str = typer.Option(None, help="Only this kind"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line"),
) -> None:
    """List actions in order."""
    from groupguard.cli import settings_of

    db = open_database(settings_of(ctx))
    publish(db)
    with db.session() as s:
        items = list_actions(s, after=after, limit=limit, kind=kind)
    for a in items:
        if as_json:
            typer.echo(json.dumps(a.to_json()))
        else:
            typer.echo(f"{a.cursor:>6} {a.kind:<18} {a.subject_type}:{a.subject_id:<20} "
                       f"{a.status:<10} {a.reason[:80]}")


@actions_app.command("deliver")
def deliver_cmd(ctx: typer.Context) -> None:
    """Push pending actions to the configured webhook once (retries follow backoff)."""
    from groupguard.cli import settings_of

    settings = settings_of(ctx)
    report = deliver_pending(open_database(settings), settings)
    typer.echo(json.dumps(report.__dict__))


def register(app: typer.Typer) -> None:
    app.add_typer(actions_app, name="actions")
