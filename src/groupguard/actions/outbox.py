"""The outbox: every enforcement groupguard decides is a row here first.

Delivery (webhook push or pull by cursor) reads from it; an idempotency key per action
means a repeated decision adds nothing and a redelivered action is applied once by the
platform.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from groupguard.signals.base import Subject
from groupguard.store.tables import actions
from groupguard.timeutil import as_utc, utcnow

ACTION_KINDS = (
    "ban_account",
    "unban_account",
    "remove_group",
    "restore_group",
    "revoke_invite",
    "preserve_evidence",
    "open_case",
)


@dataclass(frozen=True)
class ActionRecord:
    seq: int
    idempotency_key: str
    kind: str
    subject_type: str
    subject_id: str
    reason: str
    payload: dict[str, Any] | None
    status: str
    attempts: int
    created_at: datetime
    delivered_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "idempotency_key": self.idempotency_key,
            "kind": self.kind,
            "subject": {"type": self.subject_type, "id": self.subject_id},
            "reason": self.reason,
            "payload": self.payload or {},
            "status": self.status,
            "created_at": self.created_at.isoformat(),
        }


def default_key(kind: str, subject: Subject, discriminator: str = "") -> str:
    raw = f"{kind}|{subject.type}|{subject.id}|{discriminator}"
    return f"{kind}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


def enqueue(
    session: Session,
    *,
    kind: str,
    subject: Subject,
    reason: str,
    payload: dict[str, Any] | None = None,
    key: str | None = None,
    decision_id: int | None = None,
) -> int | None:
    """Add an action unless one with the same key exists. Returns the new seq, or None
    when the key was already there (a repeated decision)."""
    if kind not in ACTION_KINDS:
        raise ValueError(f"unknown action kind {kind!r}")
    key = key or default_key(kind, subject)
    if session.execute(select(actions.c.seq).where(actions.c.idempotency_key == key)).first():
        return None
    try:
        with session.begin_nested():
            result = session.execute(
                insert(actions).values(
                    idempotency_key=key,
                    kind=kind,
                    subject_type=subject.type,
                    subject_id=subject.id,
                    reason=reason,
                    payload=payload,
                    decision_id=decision_id,
                    status="pending",
                    attempts=0,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        return None  # a concurrent writer enqueued the same key
    return int(result.inserted_primary_key[0])


def _record(row: Any) -> ActionRecord:
    return ActionRecord(
        seq=row.seq,
        idempotency_key=row.idempotency_key,
        kind=row.kind,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        reason=row.reason,
        payload=row.payload,
        status=row.status,
        attempts=row.attempts,
        created_at=as_utc(row.created_at),  # type: ignore[arg-type]
        delivered_at=as_utc(row.delivered_at),
    )


def list_actions(
    session: Session, *, after: int = 0, limit: int = 100, kind: str | None = None
) -> list[ActionRecord]:
    q = select(actions).where(actions.c.seq > after).order_by(actions.c.seq).limit(limit)
    if kind:
        q = q.where(actions.c.kind == kind)
    return [_record(r) for r in session.execute(q)]
