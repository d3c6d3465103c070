"""The runner thread of `groupguard serve`: processes what arrives and purges expired
evidence on its own."""

import hashlib
import time

from sqlalchemy import select

from groupguard.reporting.evidence import has_evidence, preserve_media
from groupguard.runner.background import BackgroundRunner
from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.runner.pipeline import make_services
from groupguard.store.tables import events
from tests.runner.helpers import Events


def test_background_runner_processes_events_and_purges_expired_evidence(settings, db):
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / "reporting.yaml").write_text(
        "jurisdictions:\n  US:\n    preservation_days: 0\n")
    sha = hashlib.sha256(b"old bytes").hexdigest()
    with db.session() as s:
        preserve_media(s, settings, b"old bytes", sha256=sha, reason="test", actor="test")
    runner = BackgroundRunner(make_services(settings, db), poll_s=0.05)
    runner.start()
    try:
        evs = Events()
        evs.account("alice")
        ingest_records(db, numbered_lines(evs.lines()))
        runner.wake()
        deadline = time.time() + 60
        while time.time() < deadline:
            with db.session() as s:
                done = s.execute(select(events.c.status)).scalars().all() == ["done"]
                gone = not has_evidence(s, settings, sha)
            if done and gone:
                break
            time.sleep(0.05)
    finally:
        runner.stop()
    assert done and gone
