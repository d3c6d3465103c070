"""Kill the runner mid-run; a restart neither loses nor double-applies anything."""

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.store.tables import actions, cases, decisions, events, signals
from tests.runner.helpers import Events

N_GROUPS = 1500


def build_events() -> Events:
    evs = Events()
    evs.account("reporter")
    for i in range(N_GROUPS):
        evs.account(f"owner{i}")
        evs.add("group.created", f"owner{i}", group_id=f"g{i}", name=f"Group {i}")
        evs.add("report.filed", "reporter", reporter="reporter", target_group=f"g{i}",
                reason="spam")
    return evs


def counts(db):
    with db.session() as s:
        return {
            name: s.execute(select(func.count()).select_from(t)).scalar_one()
            for name, t in (("actions", actions), ("cases", cases), ("decisions", decisions),
                            ("signals", signals))
        } | {"done": s.execute(select(func.count()).select_from(events)
                               .where(events.c.status == "done")).scalar_one()}


def test_killed_runner_resumes_without_loss_or_duplicates(db, cli_env):
    evs = build_events()
    ingest_records(db, numbered_lines(evs.lines()))
    env = dict(cli_env, GROUPGUARD_BATCH_SIZE="20")
    cmd = [sys.executable, "-m", "groupguard.cli", "run"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        done = counts(db)["done"]
        if done >= 60:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = counts(db)["done"]
    assert 0 < partial < len(evs.items), "the kill must land mid-run"

    subprocess.run(cmd, env=env, check=True, capture_output=True)
    after = counts(db)
    assert after["done"] == len(evs.items)

    # Each group got exactly one report -> one signal, one decision, one case, one action.
    assert {k: after[k] for k in ("signals", "decisions", "cases", "actions")} == {
        "signals": N_GROUPS, "decisions": N_GROUPS, "cases": N_GROUPS, "actions": N_GROUPS}
