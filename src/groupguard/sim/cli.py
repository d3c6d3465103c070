"""`groupguard simulate`: write a synthetic platform with benign stand-in media."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from groupguard.errors import ConfigError
from groupguard.sim.config import BAD_SCENARIOS, HARD_NEGATIVES, SimConfig
from groupguard.sim.simulate import simulate


def _parse_shares(items: list[str]) -> dict[str, float]:
    shares = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            shares[name.strip()] = float(value) if sep else float("nan")
        except ValueError:
            raise ConfigError(f"--share wants SCENARIO=FRACTION, got {item!r}") from None
        if shares[name.strip()] != shares[name.strip()]:
            raise ConfigError(f"--share wants SCENARIO=FRACTION, got {item!r}")
    return shares


def simulate_command(
    out: Path = typer.Option(..., "--out", help="Folder to write (empty, new, or an earlier run)"),
    accounts: int = typer.Option(10_000, "--accounts", help="Number of accounts"),
    groups: int = typer.Option(1_000, "--groups", help="Number of groups"),
    seed: int = typer.Option(0, "--seed", help="Same seed, same bytes"),
    share: list[str] = typer.Option(
        [],
        "--share",
        help="Scenario share of groups, e.g. --share icon_exact=0.05 (repeatable). Scenarios: "
        + ", ".join(BAD_SCENARIOS + HARD_NEGATIVES),
    ),
    days: int = typer.Option(30, "--days", help="Length of the simulated window"),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object"),
) -> None:
    """Simulate a platform: events.jsonl, media/, banks/ (the known list) and truth.json."""
    summary = simulate(
        out,
        accounts=accounts,
        groups=groups,
        seed=seed,
        config=SimConfig(days=days),
        shares=_parse_shares(share),
    )
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
        return
    table = Table(title=f"simulated platform in {summary.out}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, value in (
        ("accounts", summary.accounts),
        ("groups", summary.groups),
        ("events", summary.events),
        ("media files", summary.media_files),
        ("bad groups", summary.bad_groups),
        ("bad accounts", summary.bad_accounts),
    ):
        table.add_row(label, str(value))
    for name, n in summary.scenarios.items():
        table.add_row(f"  scenario {name}", str(n))
    console = Console()
    console.print(table)
    console.print(f"done in {summary.seconds:.1f} s")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.command("simulate")(simulate_command)
