"""ingest, run, stats, schema, demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from groupguard.events import event_json_schema
from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.runner.pipeline import make_services, run_pending
from groupguard.runner.stats import collect_stats
from groupguard.store import open_database

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
        import time

        self.progress, self.task, self.started, self.done = progress, task, time.perf_counter(), 0
        self._time = time

    def __call__(self, n: int) -> None:
        self.done += n
        elapsed = max(self._time.perf_counter() - self.started, 1e-9)
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
    def schema() -> None:
        """Print the event schema (JSON Schema)."""
        typer.echo(json.dumps(event_json_schema(), indent=2))


def collect_stats_pending(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return collect_stats(s)["events_pending"]
