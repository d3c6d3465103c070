"""The outbox: every enforcement groupguard decides is a row here first.

Delivery (webhook push or pull by cursor) reads from it; an idempotency key per action
means a repeated decision adds nothing and a redelivered action is applied once by the
platform.

Pull order. `seq` is taken when a row is inserted, but on PostgreSQL two transactions can
commit in the other order: a platform that had read up to seq 102 would never see 101,
committed a moment later, and a ban would be lost. So pulls follow `published_seq`, which
`publish` hands out after commit, under one lock, in the order it finds committed rows:
anything committed later gets a later number. Every reader calls `publish` first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from groupguard.signals.base import Subject
from groupguard.store.db import Database
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
    cursor: int | None  # published_seq: the pull position
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
            "cursor": self.cursor,
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
        cursor=row.published_seq,
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


# Any constant both writers agree on; it names the lock that serialises publishing.
_PUBLISH_LOCK = 0x67676F7574626F78  # "ggoutbox"


def publish(db: Database) -> int:
    """Number every committed, unpublished action, after all numbered before: the pull
    cursor. Its own short transaction, serialised (an advisory lock on PostgreSQL; the
    write lock on SQLite), so two publishers never hand out interleaved numbers. Returns
    how many it numbered."""
    with db.session(write=True) as session:
        if not db.is_sqlite:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                            {"key": _PUBLISH_LOCK})
        fresh = session.execute(select(actions.c.seq).where(actions.c.published_seq.is_(None))
                                .order_by(actions.c.seq)).scalars().all()
        if not fresh:
            return 0
        top = session.execute(select(func.max(actions.c.published_seq))).scalar() or 0
        session.execute(
            update(actions).where(actions.c.seq == bindparam("s"))
            .values(published_seq=bindparam("p")),
            [{"s": seq, "p": top + i} for i, seq in enumerate(fresh, 1)])
        return len(fresh)


def list_actions(
    session: Session, *, after: int = 0, limit: int = 100, kind: str | None = None
) -> list[ActionRecord]:
    """Published actions after the cursor `after`, in cursor order (call `publish` first
    to include the newest)."""
    q = (select(actions).where(actions.c.published_seq > after)
         .order_by(actions.c.published_seq).limit(limit))
    if kind:
        q = q.where(actions.c.kind == kind)
    return [_record(r) for r in session.execute(q)]
