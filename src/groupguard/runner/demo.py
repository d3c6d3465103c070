"""The demo: simulate a platform, load its banks, ingest and process every event, and
score what groupguard did against the simulator's truth."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from groupguard.config import Settings
from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.runner.pipeline import make_services, run_pending
from groupguard.store import Database
from groupguard.store.tables import actions, cases


def load_manifest_banks(db: Database, manifest_path: Path) -> dict[str, int]:
    """Create and fill the banks a manifest lists (the simulator writes one). Returns the
    number of entries loaded per bank."""
    from groupguard.banks import service
    from groupguard.signals.text import banks as term_banks

    manifest = json.loads(manifest_path.read_text())
    loaded: dict[str, int] = {}
    with db.session() as s:
        for bank in manifest["banks"]:
            text = (manifest_path.parent / bank["file"]).read_text(encoding="utf-8")
            if bank.get("kind") == "terms":
                if not any(b["name"] == bank["name"] for b in term_banks.list_term_banks(s)):
                    term_banks.create_term_bank(s, bank["name"],
                                                description=bank.get("description"),
                                                source=bank.get("source"))
                result = term_banks.import_terms(s, bank["name"], text)
                loaded[bank["name"]] = len(result.added)
                continue
            if not any(b.name == bank["name"] for b in service.list_banks(s)):
                service.create_bank(s, bank["name"], kind=bank.get("kind", "hash"),
                                    action_policy=bank.get("action_policy", "review"),
                                    pdq_threshold=bank.get("pdq_threshold"),
                                    source=bank.get("source", "simulator"),
                                    description=bank.get("description"))
            values = [v.strip() for v in text.splitlines() if v.strip()]
            ids = service.add_hashes(s, bank["name"], [(bank["signal_type"], v) for v in values])
            loaded[bank["name"]] = len(ids)
    return loaded


@dataclass
class Score:
    predicted: set[str]
    bad: set[str]

    @property
    def precision(self) -> float:
        return len(self.predicted & self.bad) / len(self.predicted) if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return len(self.predicted & self.bad) / len(self.bad) if self.bad else 1.0


def score_against_truth(db: Database, truth: dict[str, Any]) -> dict[str, Any]:
    bad = {f"group:{g}" for g, r in truth["groups"].items() if r.get("bad")}
    bad |= {f"account:{a}" for a, r in truth["accounts"].items() if r.get("bad")}
    bad_groups = {b for b in bad if b.startswith("group:")}
    with db.session() as s:
        acted = {f"{r.subject_type}:{r.subject_id}" for r in s.execute(
            select(actions.c.subject_type, actions.c.subject_id)
            .where(actions.c.kind.in_(("remove_group", "ban_account"))))}
        case_rows = s.execute(select(cases.c.subject_type, cases.c.subject_id, cases.c.kind))
        cased: set[str] = set()
        triaged: set[str] = set()
        for r in case_rows:
            key = f"{r.subject_type}:{r.subject_id}"
            # Cases are groupguard's own assertion; triage items are user reports nothing
            # corroborated (every notice is read by a person): measured apart, and together.
            if r.kind == "review":
                cased.add(key)
            elif r.kind == "triage":
                triaged.add(key)
        triaged -= cased
    act = Score(acted, bad)
    reviewed = Score(cased, bad)
    either = Score(acted | cased, bad)
    groups_either = Score({p for p in acted | cased | triaged if p.startswith("group:")},
                          bad_groups)
    return {
        "precision_actions": round(act.precision, 4),
        "recall_actions": round(act.recall, 4),
        "precision_cases": round(reviewed.precision, 4),
        "precision_triage": round(Score(triaged, bad).precision, 4),
        "precision_cases_and_triage": round(Score(cased | triaged, bad).precision, 4),
        "recall_cases": round(either.recall, 4),
        "recall_with_triage": round(Score(acted | cased | triaged, bad).recall, 4),
        "recall_bad_groups": round(groups_either.recall, 4),
        "groups_removed": sum(1 for p in acted if p.startswith("group:")),
        "accounts_banned": sum(1 for p in acted if p.startswith("account:")),
        "cases_opened": len(cased),
        "triage_items": len(triaged),
        "innocent_actioned": sorted(acted - bad)[:20],
        "bad_groups": len(bad_groups),
        "bad_subjects": len(bad),
    }


def run_demo(
    settings: Settings,
    db: Database,
    *,
    out: Path,
    accounts: int,
    groups: int,
    seed: int,
    progress: Callable[[str, int | None], Callable[[int], None]] | None = None,
) -> dict[str, Any]:
    from groupguard.sim import simulate

    sim = simulate(out, accounts=accounts, groups=groups, seed=seed)
    settings.media_root = sim.media_root
    loaded = load_manifest_banks(db, sim.manifest_path)
    lines = sim.events_path.read_text(encoding="utf-8").splitlines()
    started = time.perf_counter()
    ingest = ingest_records(db, numbered_lines(lines),
                            on_progress=progress("ingest", len(lines)) if progress else None)
    run = run_pending(make_services(settings, db),
                      on_progress=progress("process", len(lines)) if progress else None)
    seconds = time.perf_counter() - started
    truth = json.loads(sim.truth_path.read_text())
    summary = score_against_truth(db, truth)
    summary.update({
        "events": ingest.accepted,
        "events_failed": run.failed,
        "events_per_s": round(ingest.accepted / seconds, 1) if seconds else 0.0,
        "seconds": round(seconds, 2),
        "banks": loaded,
        "seed": seed,
        "simulation": str(out),
    })
    return summary
