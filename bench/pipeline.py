"""Pipeline throughput: ingest and process simulated events on SQLite and PostgreSQL.

    .venv/bin/python bench/pipeline.py [--events 100000] [--pg-url URL | --no-pg]

Anchor: a bare bulk INSERT of the same raw events into the same database (what storing
costs with no validation, dedupe or processing), measured in the same run. Printed per
backend: ingest events/s, end-to-end (ingest + extract/match/score/decide/act) events/s,
and the ratios to the anchor. Without --pg-url, a throwaway PostgreSQL server is started
with scripts/start-postgres.sh when PostgreSQL is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from groupguard.config import Settings
from groupguard.runner.demo import load_manifest_banks
from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.runner.pipeline import make_services, run_pending
from groupguard.store import Database, open_database
from groupguard.store.tables import events, metadata
from groupguard.timeutil import utcnow

ROOT = Path(__file__).resolve().parent.parent


def simulate_events(workdir: Path, n_events: int, seed: int) -> tuple[Path, list[str]]:
    from groupguard.sim import simulate

    # The simulator's mix gives 4-5 events per account; make enough, then cut.
    accounts = max(1000, n_events // 4)
    sim = simulate(workdir / "platform", accounts=accounts, groups=max(100, accounts // 10),
                   seed=seed)
    lines = sim.events_path.read_text(encoding="utf-8").splitlines()
    if len(lines) < n_events:
        print(f"note: the simulation has {len(lines)} events, fewer than {n_events}")
    return sim.out, lines[:n_events]


def reset(url: str) -> None:
    db = Database(url)
    with db.engine.begin() as conn:
        if db.is_sqlite:
            metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        else:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    db.dispose()


def anchor_insert(url: str, lines: list[str]) -> float:
    """Bulk INSERT of the raw events, no validation: the storage ceiling."""
    reset(url)
    db = open_database(Settings(database_url=url))
    rows = []
    now = utcnow()
    for line in lines:
        raw = json.loads(line)
        rows.append({"id": raw["id"], "type": raw["type"], "ts": now, "actor": raw.get("actor"),
                     "payload": raw, "received_at": now, "status": "pending"})
    started = time.perf_counter()
    for i in range(0, len(rows), 500):
        with db.session() as s:
            s.execute(events.insert(), rows[i:i + 500])
    seconds = time.perf_counter() - started
    db.dispose()
    return len(rows) / seconds


def groupguard_run(url: str, platform: Path, lines: list[str]) -> tuple[float, float, int]:
    reset(url)
    settings = Settings(database_url=url, media_root=platform / "media",
                        home=platform.parent / "home")
    db = open_database(settings)
    load_manifest_banks(db, platform / "banks" / "manifest.json")
    started = time.perf_counter()
    report = ingest_records(db, numbered_lines(lines))
    ingest_s = time.perf_counter() - started
    run = run_pending(make_services(settings, db))
    total_s = time.perf_counter() - started
    db.dispose()
    return report.accepted / ingest_s, report.accepted / total_s, run.failed


def start_postgres(workdir: Path) -> str | None:
    if not shutil.which("pg_ctl") and not list(Path("/usr/lib/postgresql").glob("*/bin")):
        return None
    out = subprocess.run(["bash", str(ROOT / "scripts/start-postgres.sh"), str(workdir / "pg")],
                         capture_output=True, text=True, env={**os.environ, "PGPORT_TEST": "55439"})
    return out.stdout.strip().splitlines()[-1] if out.returncode == 0 else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pg-url", default=None)
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="gg-bench-pipeline-"))
    workdir.chmod(0o755)  # the PostgreSQL server runs as its own user and must reach pg/
    (workdir / "pg").mkdir()
    platform, lines = simulate_events(workdir, args.events, args.seed)
    backends = {"sqlite": f"sqlite:///{workdir / 'bench.db'}"}
    pg_started = False
    if not args.no_pg:
        url = args.pg_url or start_postgres(workdir)
        pg_started = url is not None and args.pg_url is None
        if url:
            backends["postgresql"] = url
        else:
            print("PostgreSQL not available: skipping that backend")
    print(f"{len(lines)} simulated events (seed {args.seed})")
    print(f"{'backend':<11} {'anchor ins/s':>13} {'ingest ev/s':>12} {'ratio':>6} "
          f"{'end-to-end ev/s':>16} {'ratio':>6} {'failed':>7}")
    for name, url in backends.items():
        anchor = anchor_insert(url, lines)
        ingest_rate, total_rate, failed = groupguard_run(url, platform, lines)
        print(f"{name:<11} {anchor:>13,.0f} {ingest_rate:>12,.0f} {ingest_rate / anchor:>6.2f} "
              f"{total_rate:>16,.0f} {total_rate / anchor:>6.3f} {failed:>7}")
    if pg_started:
        subprocess.run(["bash", str(ROOT / "scripts/stop-postgres.sh"), str(workdir / "pg")],
                       capture_output=True)
    shutil.rmtree(workdir, ignore_errors=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
