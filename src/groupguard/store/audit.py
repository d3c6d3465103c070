"""The append-only audit log: every view of evidence, decision and setting change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from groupguard.store.tables import audit_log
from groupguard.timeutil import utcnow


def record_audit(
    session: Session, actor: str, action: str, subject: str | None = None, **details: Any
) -> None:
    session.execute(
        insert(audit_log).values(
            ts=utcnow(), actor=actor, action=action, subject=subject, details=details or None
        )
    )
