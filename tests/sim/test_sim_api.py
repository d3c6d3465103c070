"""Determinism, the CLI, and bad arguments."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from groupguard.cli import app
from groupguard.errors import ConfigError
from groupguard.sim import SimConfig, simulate

TINY = SimConfig(
    known_items=4, icon_pool=8, photo_pool=8, icon_size=192, known_size=256, photo_size=128
)


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_output(tmp_path):
    a = simulate(tmp_path / "a", accounts=150, groups=45, seed=5, config=TINY)
    b = simulate(tmp_path / "b", accounts=150, groups=45, seed=5, config=TINY)
    simulate(tmp_path / "c", accounts=150, groups=45, seed=6, config=TINY)
    assert a.events == b.events
    digest_a = _tree_digest(tmp_path / "a")
    assert digest_a == _tree_digest(tmp_path / "b")
    assert len(digest_a) > 20
    assert digest_a["events.jsonl"] != _tree_digest(tmp_path / "c")["events.jsonl"]


def test_rerun_into_an_earlier_simulation_replaces_it(tmp_path):
    out = tmp_path / "sim"
    simulate(out, accounts=120, groups=40, seed=1, config=TINY)
    first = _tree_digest(out)
    simulate(out, accounts=120, groups=40, seed=2, config=TINY)
    second = _tree_digest(out)
    assert first["events.jsonl"] != second["events.jsonl"]
    # No stale media from the first run is left behind.
    truth = json.loads((out / "truth.json").read_text())
    assert truth["seed"] == 2


def test_refuses_a_folder_that_is_not_a_simulation(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        simulate(tmp_path, accounts=120, groups=40, seed=1, config=TINY)
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"accounts": 5}, "accounts"),
        ({"groups": 1}, "groups"),
        ({"seed": -1}, "seed"),
        ({"shares": {"nonsense": 0.1}}, "unknown scenario"),
        ({"shares": {"icon_exact": 0.95}}, "more than 0.9"),
        ({"shares": {"icon_exact": -0.1}}, ">= 0"),
    ],
)
def test_bad_arguments_are_typed_errors(tmp_path, kwargs, message):
    args = {"accounts": 120, "groups": 40, "seed": 1, "config": TINY, **kwargs}
    with pytest.raises(ConfigError, match=message):
        simulate(tmp_path / "x", **args)
    assert not (tmp_path / "x").exists()


def test_shares_change_the_mix(tmp_path):
    s = simulate(
        tmp_path / "s",
        accounts=150,
        groups=50,
        seed=1,
        config=TINY,
        shares={"icon_exact": 0.2, "recreated": 0.0, "invite_spread": 0.0},
    )
    assert s.scenarios["icon_exact"] == 10
    assert "recreated" not in s.scenarios


def test_cli_simulate_json(tmp_path):
    out = tmp_path / "cli"
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--out",
            str(out),
            "--accounts",
            "120",
            "--groups",
            "40",
            "--seed",
            "4",
            "--share",
            "icon_exact=0.1",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["accounts"] == 120 and summary["groups"] == 40
    assert summary["scenarios"]["icon_exact"] == 4
    assert (out / "events.jsonl").is_file() and (out / "banks" / "manifest.json").is_file()


def test_cli_rejects_malformed_share(tmp_path):
    result = CliRunner().invoke(
        app, ["simulate", "--out", str(tmp_path / "o"), "--share", "icon_exact"]
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError)
