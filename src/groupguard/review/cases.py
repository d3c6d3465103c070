"""Review cases: one open case per subject (a group or an account) with all its items.

Later signals about the same subject update the open case (reason, severity, priority)
rather than opening another, so reviewers see a group once, not once per file.

Kinds:
- `review`: a case, groupguard asserting likely abuse from its own signals;
- `triage`: a report-triage item, a user's notice that nothing corroborates yet. Every
  notice reaches a person, but it is not groupguard's claim: it waits at the lowest
  severity, labelled as an unverified user report. When a signal, a second reporter or a
  reviewer corroborates it, the same row becomes a `review` case (promoted), so the queue
  keeps one item per subject and its history;
- `appeal`: an appeal against an earlier decision.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from groupguard.signals.base import Subject
from groupguard.store.audit import record_audit
from groupguard.store.tables import cases
from groupguard.timeutil import utcnow

OPEN_STATUSES = ("open", "escalated")
CASE_KINDS = ("review", "triage", "appeal")
# A case and a triage item about one subject are one queue entry: the case absorbs it.
_SHARED = ("review", "triage")


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
    an update only ever raises urgency. `kind="triage"` opens a report-triage item unless a
    case is already open; `kind="review"` promotes an open triage item to a case."""
    if kind not in CASE_KINDS:
        raise ValueError(f"unknown case kind {kind!r}")
    now = utcnow()
    kinds = _SHARED if kind in _SHARED else (kind,)
    existing = session.execute(
        select(cases.c.id, cases.c.kind, cases.c.severity, cases.c.priority).where(
            cases.c.subject_type == subject.type,
            cases.c.subject_id == subject.id,
            cases.c.kind.in_(kinds),
            cases.c.status.in_(OPEN_STATUSES),
        ).order_by(cases.c.id)
    ).first()
    if existing:
        values = dict(severity=min(existing.severity, severity),
                      priority=max(existing.priority, priority), updated_at=now)
        promote = existing.kind == "triage" and kind == "review"
        if kind == existing.kind or promote:
            # A triage request never overwrites what the case was opened for.
            values.update(reason=reason, rule=rule)
        if promote:
            values["kind"] = "review"
            record_audit(session, "policy", "case.promote", f"case:{existing.id}",
                         rule=rule, about=str(subject),
                         why="a user report was corroborated")
        session.execute(update(cases).where(cases.c.id == existing.id).values(**values))
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


def promote(session: Session, case_id: int, *, actor: str, why: str) -> bool:
    """Turn a report-triage item into a case (a reviewer corroborated it). Returns whether
    the row was a triage item."""
    row = session.execute(select(cases.c.kind).where(cases.c.id == case_id)).first()
    if row is None or row.kind != "triage":
        return False
    session.execute(update(cases).where(cases.c.id == case_id).values(
        kind="review", updated_at=utcnow()))
    record_audit(session, actor, "case.promote", f"case:{case_id}", why=why)
    return True
