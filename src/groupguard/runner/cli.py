"""ingest, run, stats, schema, demo."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from groupguard.events import event_json_schema
from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.runner.pipeline import make_services, run_pending
from groupguard.runner.stats import collect_stats
from groupguard.store import Database, open_database

err = Console(stderr=True)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} events/s"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


class _Rate:
    """Feeds a progress task with the events/s so far."""

    def __init__(self, progress: Progress, task: int):
        self.progress, self.task, self.started, self.done = progress, task, time.perf_counter(), 0

    def __call__(self, n: int) -> None:
        self.done += n
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        self.progress.update(self.task, advance=n, rate=f"{self.done / elapsed:,.0f}")


def register(app: typer.Typer) -> None:
    from groupguard.cli import settings_of

    @app.command()
    def ingest(
        ctx: typer.Context,
        source: str = typer.Argument(..., help="A JSONL file of events, or - for stdin"),
        process: bool = typer.Option(True, help="Run the pipeline on the new events"),
        as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
    ) -> None:
        """Store platform events (idempotent by id), then process them."""
        settings = settings_of(ctx)
        db = open_database(settings)
        if source == "-":
            lines = sys.stdin
            total = None
        else:
            path = Path(source)
            if not path.is_file():
                raise typer.BadParameter(f"{source} is not a file")
            total = sum(1 for _ in path.open(encoding="utf-8", errors="replace"))
            lines = path.open(encoding="utf-8", errors="replace")
        with _progress() as progress:
            task = progress.add_task("ingest", total=total, rate="0")
            report = ingest_records(db, numbered_lines(lines), on_progress=_Rate(progress, task))
        for e in report.errors[:50]:
            err.print(f"[red]rejected[/red] {e}")
        if len(report.errors) > 50:
            err.print(f"... and {len(report.errors) - 50} more rejected")
        run = None
        if process:
            services = make_services(settings, db)
            pending = collect_stats_pending(db)
            with _progress() as progress:
                task = progress.add_task("process", total=pending, rate="0")
                run = run_pending(services, on_progress=_Rate(progress, task))
        out = report.to_json()
        if run is not None:
            out["processed"] = run.processed
            out["failed"] = run.failed
            out["failures"] = [{"event": i, "error": e} for i, e in run.errors[:50]]
        if as_json:
            typer.echo(json.dumps(out))
        else:
            err.print(f"accepted {report.accepted}, duplicates {report.duplicates}, "
                      f"rejected {len(report.errors)}"
                      + (f"; processed {run.processed}, failed {run.failed}" if run else ""))
        if report.errors:
            raise typer.Exit(1)

    @app.command()
    def run(
        ctx: typer.Context,
        limit: int = typer.Option(None, help="Process at most this many events"),
    ) -> None:
        """Process stored events that are still pending (resumes after a crash)."""
        settings = settings_of(ctx)
        db = open_database(settings)
        services = make_services(settings, db)
        with _progress() as progress:
            task = progress.add_task("process", total=collect_stats_pending(db), rate="0")
            report = run_pending(services, limit=limit, on_progress=_Rate(progress, task))
        typer.echo(json.dumps({"processed": report.processed, "failed": report.failed,
                               "events_per_s": round(report.events_per_s, 1)}))

    @app.command()
    def stats(
        ctx: typer.Context,
        as_json: bool = typer.Option(False, "--json", help="One JSON object"),
    ) -> None:
        """Counts of events, accounts, groups, open cases and actions by kind."""
        db = open_database(settings_of(ctx))
        with db.session() as s:
            data = collect_stats(s)
        if as_json:
            typer.echo(json.dumps(data))
            return
        for key, value in data.items():
            typer.echo(f"{key}: {value}")

    @app.command()
    def demo(
        ctx: typer.Context,
        accounts: int = typer.Option(3000, help="Simulated accounts"),
        groups: int = typer.Option(300, help="Simulated groups"),
        seed: int = typer.Option(1, help="Simulator seed"),
        serve: bool = typer.Option(True, help="Serve the HTTP API after the summary"),
        port: int = typer.Option(8377),
        as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON"),
    ) -> None:
        """Simulate a platform, run groupguard over it, score it against the truth."""
        import shutil

        from groupguard.runner.demo import run_demo
        from groupguard.web.tokens import create_token

        settings = settings_of(ctx)
        if not settings.database_url:
            # A fresh embedded store each time, beside (not inside) the user's own.
            settings.home = settings.home / "demo"
            shutil.rmtree(settings.home, ignore_errors=True)
        db = open_database(settings)
        with _progress() as progress:

            def tracker(name: str, total: int | None):  # type: ignore[no-untyped-def]
                return _Rate(progress, progress.add_task(name, total=total, rate="0"))

            summary = run_demo(settings, db, out=settings.home / "platform", accounts=accounts,
                               groups=groups, seed=seed, progress=tracker)
        if as_json:
            typer.echo(json.dumps(summary))
        else:
            _print_summary(summary)
        if serve:
            from groupguard.web.cli import serve_app

            with db.session() as s:
                token = create_token(s, f"demo-{int(time.time())}")
            err.print(f"API on http://127.0.0.1:{port}/docs  (token: {token}); Ctrl-C stops")
            serve_app(settings, "127.0.0.1", port)

    @app.command()
    def schema() -> None:
        """Print the event schema (JSON Schema)."""
        typer.echo(json.dumps(event_json_schema(), indent=2))


def _print_summary(summary: dict[str, object]) -> None:
    from rich.table import Table

    table = Table(title="groupguard demo", show_header=True)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in ("groups_removed", "accounts_banned", "cases_opened", "triage_items",
                "precision_actions", "recall_actions", "precision_cases", "precision_triage",
                "precision_cases_and_triage", "recall_cases", "recall_with_triage",
                "recall_bad_groups",
                "events", "events_failed", "events_per_s", "seconds"):
        table.add_row(key, str(summary[key]))
    Console().print(table)
    if summary["innocent_actioned"]:
        err.print(f"[red]actioned but not bad:[/red] {summary['innocent_actioned']}")


def collect_stats_pending(db: Database) -> int:
    with db.session() as s:
        return collect_stats(s)["events_pending"]
