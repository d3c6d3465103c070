"""Write a simulated platform to a folder: events.jsonl, media/, banks/, truth.json."""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from groupguard.errors import ConfigError
from groupguard.sim.config import SimConfig
from groupguard.sim.media import MediaStore
from groupguard.sim.terms import bank_text, parse_terms
from groupguard.sim.world import World, _iso

GENERATOR = "groupguard.sim"
TRUTH_VERSION = 1
BANK_NAMES = {
    "md5": "sim-known-md5",
    "pdq": "sim-known-pdq",
    "vpdq": "sim-known-vpdq",
    "terms": "sim-terms",
}


@dataclass
class SimSummary:
    out: Path
    seed: int
    accounts: int
    groups: int
    events: int
    media_files: int
    bad_groups: int
    bad_accounts: int
    scenarios: dict[str, int] = field(default_factory=dict)
    event_types: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def events_path(self) -> Path:
        return self.out / "events.jsonl"

    @property
    def media_root(self) -> Path:
        return self.out / "media"

    @property
    def banks_dir(self) -> Path:
        return self.out / "banks"

    @property
    def manifest_path(self) -> Path:
        return self.out / "banks" / "manifest.json"

    @property
    def truth_path(self) -> Path:
        return self.out / "truth.json"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["out"] = str(self.out)
        d["seconds"] = round(self.seconds, 3)
        return d


def _prepare(out: Path) -> None:
    """Use an empty or new folder, or replace an earlier simulation's output; refuse any
    other folder so that a typo never deletes someone's files."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        truth = out / "truth.json"
        previous = False
        if truth.is_file():
            try:
                previous = json.loads(truth.read_text()).get("generator") == GENERATOR
            except (json.JSONDecodeError, OSError, AttributeError):
                previous = False
        if not previous:
            raise ConfigError(
                f"{out} is not empty and holds no earlier simulation; choose an empty folder"
            )
        for name in ("events.jsonl", "truth.json"):
            (out / name).unlink(missing_ok=True)
        for name in ("media", "banks"):
            shutil.rmtree(out / name, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)


def simulate(
    out: Path | str,
    *,
    accounts: int = 10_000,
    groups: int = 1_000,
    seed: int = 0,
    config: SimConfig | None = None,
    shares: dict[str, float] | None = None,
) -> SimSummary:
    """Simulate a platform into `out`. Byte-identical output for the same arguments.
    `config` sets everything else (sizes from `accounts`/`groups`/`seed` win); `shares`
    overrides scenario shares by name."""
    started = time.perf_counter()
    out = Path(out)
    cfg = config or SimConfig()
    cfg = SimConfig(**{**cfg.__dict__, "accounts": accounts, "groups": groups, "seed": seed})
    if shares:
        cfg = cfg.with_shares(**shares)
    cfg.validate()
    _prepare(out)
    term_text, term_source = bank_text()
    media = MediaStore(out / "media")
    world = World(cfg, media, parse_terms(term_text))
    world.build()

    n_events, types = _write_events(out / "events.jsonl", world, cfg)
    _write_banks(out / "banks", world, term_text, term_source)
    truth = _truth(world, cfg, term_source)
    (out / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    scenarios = Counter(rec["scenario"] for rec in truth["groups"].values())
    return SimSummary(
        out=out,
        seed=seed,
        accounts=len(world.accounts),
        groups=len(world.groups),
        events=n_events,
        media_files=media.files,
        bad_groups=sum(1 for r in truth["groups"].values() if r["bad"]),
        bad_accounts=sum(1 for r in truth["accounts"].values() if r["bad"]),
        scenarios=dict(sorted(scenarios.items())),
        event_types=dict(sorted(types.items())),
        seconds=time.perf_counter() - started,
    )


def _write_events(path: Path, world: World, cfg: SimConfig) -> tuple[int, Counter]:
    world.events.sort(key=lambda e: (e[0], e[1]))
    types: Counter = Counter()
    prefix = f"sim{cfg.seed}-"
    width = len(str(len(world.events)))
    cache_ts, cache_iso = -1, ""
    with path.open("w", encoding="utf-8") as fh:
        for i, (ts, _, body) in enumerate(world.events):
            if ts != cache_ts:
                cache_ts, cache_iso = ts, _iso(cfg.start, ts)
            event = {"id": f"{prefix}{i:0{width}d}", "ts": cache_iso, "v": 1, **body}
            types[body["type"]] += 1
            fh.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
    return len(world.events), types


def _write_banks(folder: Path, world: World, term_text: str, term_source: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    md5s = [k["md5"] for k in world.known] + [v["md5"] for v in world.known_videos]
    (folder / "known-md5.txt").write_text("".join(m + "\n" for m in md5s))
    (folder / "known-pdq.txt").write_text("".join(k["pdq"] + "\n" for k in world.known))
    (folder / "known-vpdq.txt").write_text(
        "".join(json.dumps(v["vpdq"]) + "\n" for v in world.known_videos)
    )
    (folder / "terms.txt").write_text(term_text, encoding="utf-8")
    manifest = {
        "generator": GENERATOR,
        "banks": [
            {
                "name": BANK_NAMES["md5"],
                "kind": "hash",
                "signal_type": "md5",
                "format": "hex",
                "file": "known-md5.txt",
                "action_policy": "act",
                "description": "Exact digests of the simulator's known stand-in items",
            },
            {
                "name": BANK_NAMES["pdq"],
                "kind": "hash",
                "signal_type": "pdq",
                "format": "hex",
                "file": "known-pdq.txt",
                "action_policy": "review",
                "pdq_threshold": world.cfg.pdq_threshold,
                "description": "PDQ hashes of the same known stand-in items",
            },
            {
                "name": BANK_NAMES["vpdq"],
                "kind": "hash",
                "signal_type": "vpdq",
                "format": "vpdq-json-lines",
                "file": "known-vpdq.txt",
                "action_policy": "review",
                "description": "vPDQ of the known stand-in clips: one JSON list of "
                "'pdq,quality,seconds' frames per line",
            },
            {
                "name": BANK_NAMES["terms"],
                "kind": "terms",
                "format": "terms",
                "file": "terms.txt",
                "action_policy": "review",
                "source": term_source,
                "description": "Placeholder terms (invented words)",
            },
        ],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


def _truth(world: World, cfg: SimConfig, term_source: str) -> dict[str, Any]:
    groups = {g.id: world.truth_groups[g.id] for g in sorted(world.groups, key=lambda g: g.id)}
    accounts = {k: world.truth_accounts[k] for k in sorted(world.truth_accounts)}
    return {
        "generator": GENERATOR,
        "version": TRUTH_VERSION,
        "seed": cfg.seed,
        "start": _iso(cfg.start, 0),
        "days": cfg.days,
        "note": (
            "Every group is listed. Accounts: the bad ones, and hard negatives (bad=false) "
            "with a note; every account not listed is good."
        ),
        "counts": {
            "accounts": len(world.accounts),
            "groups": len(world.groups),
            "bad_groups": sum(1 for r in groups.values() if r["bad"]),
            "bad_accounts": sum(1 for r in accounts.values() if r["bad"]),
        },
        "banks": BANK_NAMES,
        "term_source": term_source,
        "known_items": [{k: v for k, v in item.items() if k != "data"} for item in world.known],
        "known_videos": world.known_videos,
        "media": dict(sorted(world.truth_media.items())),
        "groups": groups,
        "accounts": accounts,
    }
