"""`groupguard serve` and `groupguard token ...`."""

from __future__ import annotations

import typer

from groupguard.store import open_database
from groupguard.web.tokens import create_token

token_app = typer.Typer(help="API tokens.", no_args_is_help=True)


@token_app.command("create")
def token_create(ctx: typer.Context, name: str) -> None:
    """Create an API token; it is shown once and stored only hashed."""
    from groupguard.cli import settings_of

    db = open_database(settings_of(ctx))
    with db.session() as s:
        token = create_token(s, name)
    typer.echo(token)


def serve_app(settings, host: str, port: int, *, background: bool = True) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    from groupguard.runner.background import BackgroundRunner
    from groupguard.runner.pipeline import make_services
    from groupguard.web.app import create_app

    app = create_app(settings)
    runner = None
    if background:
        runner = BackgroundRunner(make_services(settings, app.state.db))
        app.state.runner = runner
        runner.start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        if runner is not None:
            runner.stop()


def register(app: typer.Typer) -> None:
    from groupguard.cli import settings_of

    app.add_typer(token_app, name="token")

    @app.command()
    def serve(
        ctx: typer.Context,
        host: str = typer.Option("127.0.0.1"),
        port: int = typer.Option(8377),
        background: bool = typer.Option(True, help="Process events and deliver webhooks"),
    ) -> None:
        """Serve the HTTP API (docs at /docs) and the review console."""
        serve_app(settings_of(ctx), host, port, background=background)
