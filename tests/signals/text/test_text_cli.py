"""The CLI contract: `groupguard text match` and `groupguard terms ...`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from groupguard.cli import app
from groupguard.config import Settings

runner = CliRunner()


def _env(settings: Settings) -> dict[str, str]:
    env = {"GROUPGUARD_HOME": str(settings.home)}
    if settings.database_url:
        env["GROUPGUARD_DATABASE_URL"] = settings.database_url
    return env


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_terms_commands_and_match_json(settings: Settings, tmp_path: Path) -> None:
    env = _env(settings)
    r = runner.invoke(app, ["terms", "create", "ops", "--description", "test"], env=env)
    assert r.exit_code == 0, r.output
    f = tmp_path / "terms.txt"
    f.write_text("zorblax\nregex:(broken\nphrase:glimmer swap\n", encoding="utf-8")
    r = runner.invoke(app, ["terms", "import", "ops", str(f), "--json"], env=env)
    assert r.exit_code == 0, r.output
    [summary] = _lines(r.stdout)
    assert summary["added"] == 2 and summary["errors"][0]["line"] == 2
    r = runner.invoke(app, ["terms", "add", "ops", "fuzzy:snorquelle", "vantrel"], env=env)
    assert r.exit_code == 0 and "2 added" in r.stdout

    r = runner.invoke(app, ["text", "match", "z0rbl@x fans", "Sharma family", "--json"],
                      env=env)
    assert r.exit_code == 0, r.output
    first, second = _lines(r.stdout)
    assert first["text"] == "z0rbl@x fans" and first["normalised"] == "zorblax fans"
    [hit] = first["hits"]
    assert {k: hit[k] for k in ("bank", "term", "mode", "span", "score")} == {
        "bank": "ops", "term": "zorblax", "mode": "exact", "span": [0, 7], "score": 1.0}
    assert second["hits"] == []

    r = runner.invoke(app, ["text", "match", "-", "--json"], input="vantrel\nhello\n", env=env)
    assert [len(x["hits"]) for x in _lines(r.stdout)] == [1, 0]

    r = runner.invoke(app, ["terms", "list", "--json"], env=env)
    [bank] = _lines(r.stdout)
    assert bank["name"] == "ops" and bank["terms"] == 4
    r = runner.invoke(app, ["terms", "list", "ops", "--json"], env=env)
    ids = {t["term"]: t["id"] for t in _lines(r.stdout)}
    r = runner.invoke(app, ["terms", "remove", "ops", str(ids["zorblax"])], env=env)
    assert r.exit_code == 0
    r = runner.invoke(app, ["text", "match", "zorblax", "--json"], env=env)
    assert _lines(r.stdout)[0]["hits"] == []


def test_match_unknown_bank_is_an_error(settings: Settings) -> None:
    r = runner.invoke(app, ["text", "match", "x", "--bank", "nope"], env=_env(settings))
    assert r.exit_code != 0
    assert "no term bank named 'nope'" in str(r.exception)


def test_match_placeholder_without_a_store() -> None:
    r = runner.invoke(app, ["text", "match", "--placeholder", "--json", "kelwatree"])
    assert r.exit_code == 0, r.output
    assert _lines(r.stdout)[0]["hits"][0]["term"] == "kelvatri"
