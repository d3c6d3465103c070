"""Review cases: one open case per subject (a group or an account) with all its items.

Later signals about the same subject update the open case (reason, severity, priority)
rather than opening another, so reviewers see a group once, not once per file.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from groupguard.signals.base import Subject
from groupguard.store.tables import cases
from groupguard.timeutil import utcnow

OPEN_STATUSES = ("open", "escalated")


def open_case(
    session: Session,
    *,
    subject: Subject,
    severity: int,
    reason: str,
    rule: str | None = None,
    priority: float = 0.0,
    kind: str = "review",
) -> int:
    """Open a case for the subject, or update its open one. Severity 1 is the most urgent;
    an update only ever raises urgency."""
    now = utcnow()
    existing = session.execute(
        select(cases.c.id, cases.c.severity, cases.c.priority).where(
            cases.c.subject_type == subject.type,
            cases.c.subject_id == subject.id,
            cases.c.kind == kind,
            cases.c.status.in_(OPEN_STATUSES),
        )
    ).first()
    if existing:
        session.execute(
            update(cases)
            .where(cases.c.id == existing.id)
            .values(
                severity=min(existing.severity, severity),
                priority=max(existing.priority, priority),
                reason=reason,
                rule=rule,
                updated_at=now,
            )
        )
        return int(existing.id)
    result = session.execute(
        insert(cases).values(
            kind=kind,
            subject_type=subject.type,
            subject_id=subject.id,
            status="open",
            severity=severity,
            priority=priority,
            reason=reason,
            rule=rule,
            opened_at=now,
            updated_at=now,
        )
    )
    return int(result.inserted_primary_key[0])
