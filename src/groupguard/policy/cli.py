"""`groupguard policy ...`: check and explain policy files."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from groupguard.policy.engine import DEFAULT_POLICY, Policy
from groupguard.signals.base import Subject
from groupguard.store import open_database

policy_app = typer.Typer(help="Policy rules (YAML + CEL).", no_args_is_help=True)


@policy_app.command("check")
def check(path: Path = typer.Argument(DEFAULT_POLICY, help="Policy file")) -> None:
    """Load a policy file and compile every rule; errors name the rule."""
    policy = Policy.load(path)
    for rule in policy.rules:
        typer.echo(f"ok  {rule.name:<28} {rule.outcome:<7} severity {rule.severity}  "
                   f"when {rule.when}")


@policy_app.command("explain")
def explain(
    ctx: typer.Context,
    subject: str = typer.Argument(..., help="group:ID or account:ID"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Decide a stored subject now (nothing is written) and show why."""
    from groupguard.cli import settings_of
    from groupguard.policy.engine import facts_for
    from groupguard.review.reporters import records_for_signals
    from groupguard.runner.pipeline import load_signals

    kind, _, ident = subject.partition(":")
    if kind not in ("group", "account") or not ident:
        raise typer.BadParameter("subject must look like group:ID or account:ID")
    settings = settings_of(ctx)
    db = open_database(settings)
    policy = Policy.load(settings.policy_path)
    with db.session() as s:
        signals = load_signals(s, Subject(kind, ident))  # type: ignore[arg-type]
        records = records_for_signals(s, settings, signals)
    verdict = policy.decide(Subject(kind, ident), signals,  # type: ignore[arg-type]
                            reporter_records=records)
    if as_json:
        typer.echo(json.dumps({"subject": subject, "outcome": verdict.outcome,
                               "rule": verdict.rule, "explanation": verdict.explanation,
                               "facts": facts_for(verdict.subject, signals, verdict.risk,
                                                  records)}))
    else:
        typer.echo(f"{verdict.outcome} ({verdict.rule}): {verdict.explanation}")


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
