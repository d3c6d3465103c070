"""The command line: one entry point, subcommands that mirror the user's concepts.

Each feature area declares its commands in its own `cli` module with a
`register(app)` function; this module only assembles them (see COMMAND_MODULES).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import typer

from groupguard.config import Settings
from groupguard.errors import GroupguardError

app = typer.Typer(
    name="groupguard",
    help="Child-safety enforcement for group messaging platforms.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Every module that adds commands. Adding a feature area means adding one line here.
COMMAND_MODULES = (
    "groupguard.runner.cli",
    "groupguard.signals.cli",
    "groupguard.signals.text.cli",
    "groupguard.banks.cli",
    "groupguard.policy.cli",
    "groupguard.actions.cli",
    "groupguard.review.cli",
    "groupguard.reporting.cli",
    "groupguard.web.cli",
    "groupguard.sim.cli",
)


class State:
    """Carried in the typer context: the settings read once for this invocation."""

    def __init__(self, settings: Settings):
        self.settings = settings


@app.callback()
def _root(
    ctx: typer.Context,
    home: Path = typer.Option(None, "--home", envvar="GROUPGUARD_HOME", help="Data home"),
    database_url: str = typer.Option(
        None, "--database-url", envvar="GROUPGUARD_DATABASE_URL", help="SQLAlchemy URL"
    ),
) -> None:
    ctx.obj = State(Settings.from_env(home=home, database_url=database_url))


def settings_of(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj.settings if obj else Settings.from_env()


for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    try:
        app()
    except GroupguardError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
