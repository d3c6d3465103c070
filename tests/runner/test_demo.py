"""The demo end to end on a small simulated platform: automatic actions never hit an
innocent subject, and bad groups reach action or review."""

import json

from typer.testing import CliRunner

from groupguard.cli import app


def test_demo_summary_json_meets_the_precision_bar(settings, cli_env, tmp_path):
    env = {k: v for k, v in cli_env.items() if k.startswith("GROUPGUARD_")}
    result = CliRunner().invoke(
        app,
        ["demo", "--accounts", "600", "--groups", "60", "--seed", "3", "--no-serve", "--json"],
        env=env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("precision_actions", "recall_actions", "precision_cases", "recall_cases",
                "events", "events_per_s"):
        assert key in summary
    assert summary["precision_actions"] == 1.0, summary["innocent_actioned"]
    assert summary["recall_bad_groups"] >= 0.9
    assert summary["events"] > 1000 and summary["events_failed"] == 0
