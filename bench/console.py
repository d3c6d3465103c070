"""Review console latency over loopback: the queue page and a case page with many open
cases, beside a minimal static page served by the same server (the anchor).

  .venv/bin/python bench/console.py            # 2,000 open cases, 60 requests per page
  .venv/bin/python bench/console.py --full     # 10,000 open cases (the issue's size)

The server runs in its own process (uvicorn, one worker) so that the client does not share
its interpreter; each figure is a median and p95 of wall time per request, and the ratio to
the static page shows what the console itself costs."""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import re
import socket
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from groupguard.config import Settings
from groupguard.review.users import create_user
from groupguard.store import open_database
from groupguard.store.tables import accounts, cases, groups, memberships, signals
from groupguard.timeutil import utcnow

PASSWORD = "bench password 1234"


def populate(settings: Settings, n_cases: int, seed: int = 7) -> None:
    """n_cases open cases about groups (3 in 4) and accounts, each with 1-4 signals and a
    handful of members; sizes and ages vary as in a busy queue."""
    rng = random.Random(seed)
    db = open_database(settings)
    now = utcnow()
    n_groups = n_cases * 3 // 4
    n_accounts = max(n_cases, 2000)
    with db.session() as s:
        create_user(s, "bench", role="reviewer", password=PASSWORD)
        s.execute(insert(accounts), [
            {"id": f"a{i}", "phone": f"+1555{i:07d}", "display_name": f"Account {i}",
             "status": "active"} for i in range(n_accounts)])
        s.execute(insert(groups), [
            {"id": f"g{i}", "name": f"group {i}", "description": "placeholder zorblax",
             "creator": f"a{i % n_accounts}", "icon_set_by": f"a{i % n_accounts}",
             "name_set_by": f"a{i % n_accounts}", "status": "active",
             "created_at": now - timedelta(days=2)} for i in range(n_groups)])
        rows, seen = [], set()
        for g in range(n_groups):
            for k in range(rng.randint(3, 12)):
                a = (g + k * 37) % n_accounts
                if (g, a) in seen:
                    continue
                seen.add((g, a))
                rows.append({"group_id": f"g{g}", "account_id": f"a{a}",
                             "role": "creator" if k == 0 else "member", "active": True,
                             "joined_at": now - timedelta(days=1)})
        s.execute(insert(memberships), rows)
        sig_rows, case_rows = [], []
        for c in range(n_cases):
            subject = ("group", f"g{c}") if c < n_groups else ("account", f"a{c - n_groups}")
            for _ in range(rng.randint(1, 4)):
                sha = f"{rng.getrandbits(256):064x}"
                sig_rows.append({
                    "subject_type": subject[0], "subject_id": subject[1], "kind": "hash.pdq",
                    "strength": 0.7, "hard": False, "sha256": sha,
                    "reason": "group icon matches bank 'bench' at PDQ distance 20",
                    "details": {"bank": "bench", "distance": rng.randint(0, 31),
                                "variant": "original", "role": "group_icon"},
                    "created_at": now})
            opened = now - timedelta(minutes=rng.randint(1, 4000))
            case_rows.append({"kind": "review", "subject_type": subject[0],
                              "subject_id": subject[1], "status": "open",
                              "severity": rng.choice((1, 2, 2, 3, 3, 3, 4)), "priority": 0.0,
                              "reason": "perceptual match", "opened_at": opened,
                              "updated_at": opened})
        s.execute(insert(signals), sig_rows)
        s.execute(insert(cases), case_rows)
    db.dispose()


def serve(settings: Settings, port: int) -> None:
    import uvicorn
    from fastapi.responses import HTMLResponse

    from groupguard.web.app import create_app

    app = create_app(settings)
    page = "<!doctype html><html><head><title>static</title></head><body><p>ok</p></body></html>"
    app.add_api_route("/bench/static", lambda: HTMLResponse(page), methods=["GET"])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed(client: httpx.Client, url: str, n: int) -> list[float]:
    client.get(url).raise_for_status()  # warm
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = client.get(url)
        out.append(time.perf_counter() - t0)
        r.raise_for_status()
    return out


def summary(xs: list[float]) -> tuple[float, float]:
    xs = sorted(xs)
    return statistics.median(xs) * 1000, xs[min(len(xs) - 1, int(len(xs) * 0.95))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--full", action="store_true", help="10,000 open cases")
    ap.add_argument("--requests", type=int, default=60)
    ap.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    args = ap.parse_args()
    n_cases = 10_000 if args.full else args.cases
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp) / "home", database_url=args.database_url)
        t0 = time.perf_counter()
        populate(settings, n_cases)
        print(f"populated {n_cases} open cases in {time.perf_counter() - t0:.1f}s "
              f"({'SQLite' if settings.is_sqlite else 'PostgreSQL'})")
        port = free_port()
        proc = mp.get_context("spawn").Process(target=serve, args=(settings, port), daemon=True)
        proc.start()
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                for _ in range(200):
                    try:
                        client.get("/healthz")
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
                login = client.get("/console/login")
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
                client.post("/console/login", data={"name": "bench", "password": PASSWORD,
                                                     "csrf_token": csrf, "next": "/console/"})
                rng = random.Random(1)
                anchor = timed(client, "/bench/static", args.requests)
                queue = timed(client, "/console/", args.requests)
                filtered = timed(client, "/console/?severity=3&bank=bench", args.requests)
                case_urls = [f"/console/cases/{rng.randint(1, n_cases)}"
                             for _ in range(args.requests)]
                client.get(case_urls[0]).raise_for_status()
                case = []
                for url in case_urls:
                    t = time.perf_counter()
                    client.get(url).raise_for_status()
                    case.append(time.perf_counter() - t)
        finally:
            proc.terminate()
            proc.join(5)
    am, ap95 = summary(anchor)
    print(f"{'page':<28}{'median ms':>10}{'p95 ms':>10}{'x static':>10}")
    print(f"{'static page (anchor)':<28}{am:>10.2f}{ap95:>10.2f}{1.0:>10.1f}")
    for name, xs in (("queue (first 50)", queue), ("queue filtered", filtered),
                     ("case page", case)):
        m, p = summary(xs)
        print(f"{name:<28}{m:>10.2f}{p:>10.2f}{m / am:>10.1f}")


if __name__ == "__main__":
    sys.exit(main())
