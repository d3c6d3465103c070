"""Retention: purge evidence once every reason to keep it has expired.

A piece of evidence is kept while any retention row (preservation, CyberTip, law-enforcement
request) is in force or a legal hold is set. Purging deletes the blob from disk and the
evidence, retention and custody rows from the database; the audit log records the purge
(by hash) and nothing else about the content survives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.store.audit import record_audit
from groupguard.store.tables_reporting import evidence, evidence_custody, evidence_retention
from groupguard.timeutil import as_utc, utcnow


@dataclass
class PurgeResult:
    purged: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # expired, kept by a legal hold
    orphans_removed: int = 0  # blobs on disk with no row (a preservation rolled back)


def purge_expired(session: Session, settings: Settings, *, now: datetime | None = None,
                  actor: str = "system:retention", dry_run: bool = False) -> PurgeResult:
    now = as_utc(now) or utcnow()
    result = PurgeResult()
    latest = (select(evidence_retention.c.sha256,
                     func.max(evidence_retention.c.expires_at).label("until"))
              .group_by(evidence_retention.c.sha256).subquery())
    rows = session.execute(
        select(evidence.c.sha256, evidence.c.path, evidence.c.legal_hold, latest.c.until)
        .select_from(evidence.outerjoin(latest, latest.c.sha256 == evidence.c.sha256))
    ).all()
    for row in rows:
        until = as_utc(row.until)
        if until is not None and until > now:
            continue
        if row.legal_hold:
            result.held.append(row.sha256)
            continue
        result.purged.append(row.sha256)
        if dry_run:
            continue
        path = settings.home / row.path
        path.unlink(missing_ok=True)
        for table in (evidence_retention, evidence_custody):
            session.execute(delete(table).where(table.c.sha256 == row.sha256))
        session.execute(delete(evidence).where(evidence.c.sha256 == row.sha256))
        record_audit(session, actor, "evidence.purge", f"evidence:{row.sha256}",
                     retained_until=until.isoformat() if until else None)
    if not dry_run:
        result.orphans_removed = _sweep_orphans(session, settings)
    return result


def _sweep_orphans(session: Session, settings: Settings) -> int:
    root = settings.home / "evidence"
    if not root.exists():
        return 0
    known = set(session.execute(select(evidence.c.sha256)).scalars())
    removed = 0
    for blob in root.glob("*/*/*"):
        sha = blob.name.split(".", 1)[0]
        if sha not in known:
            blob.unlink(missing_ok=True)
            removed += 1
    return removed
