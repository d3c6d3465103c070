import json

from typer.testing import CliRunner

from groupguard.cli import app


def run(settings, *args, input=None):
    base = ["--home", str(settings.home)]
    if settings.database_url:
        base += ["--database-url", settings.database_url]
    return CliRunner().invoke(app, [*base, *args], input=input)


def test_user_create_and_cases_list_and_decide(settings, db, seeded):
    r = run(settings, "user", "create", "rita", "--role", "reviewer",
            "--password", "correct horse battery")
    assert r.exit_code == 0, r.output
    assert "may view media" in r.output
    r = run(settings, "user", "create", "ada", "--role", "admin",
            input="correct horse battery\ncorrect horse battery\n")
    assert r.exit_code == 0, r.output
    r = run(settings, "cases", "list", "--status", "open", "--json")
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.output.splitlines()]
    assert [x["id"] for x in rows][0] == seeded.cases["zorblax"]
    assert {"id", "status", "severity", "subject", "signals"} <= set(rows[0])
    assert rows[0]["subject"] == "group:grp-zorblax"
    assert rows[0]["signals"] == {"hash.pdq": 1, "text.term": 1}
    r = run(settings, "cases", "list", "--limit", "2", "--json")
    assert len(r.output.splitlines()) == 2
    r = run(settings, "cases", "decide", str(seeded.cases["lakes"]), "--decision", "dismiss",
            "--user", "rita")
    assert r.exit_code == 0, r.output
    assert "dismiss" in r.output
    r = run(settings, "cases", "decide", str(seeded.cases["zorblax"]), "--decision",
            "confirm", "--category", "A1", "--user", "rita", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["outcome"] == "confirm"
    r = run(settings, "cases", "list", "--status", "closed", "--json")
    assert {json.loads(x)["id"] for x in r.output.splitlines()} == {
        seeded.cases["lakes"], seeded.cases["zorblax"]}


def test_cli_errors_are_clear(settings, db, seeded):
    r = run(settings, "cases", "decide", str(seeded.cases["lakes"]), "--decision", "confirm",
            "--user", "ghost")
    assert r.exit_code != 0
    assert "no console user named 'ghost'" in str(r.exception)
    r = run(settings, "user", "create", "bob", "--role", "king", "--password", "x" * 12)
    assert r.exit_code != 0 and "unknown role" in str(r.exception)
