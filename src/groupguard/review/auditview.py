"""The audit log as auditors read it: filtered, paged, exported as CSV or JSON lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from groupguard.review.users import ReviewUser
from groupguard.store.audit import record_audit
from groupguard.store.tables import audit_log
from groupguard.timeutil import as_utc

FIELDS = ("id", "ts", "actor", "action", "subject", "details")


def _query(actor: str | None, action: str | None, subject: str | None,
           since: datetime | None, until: datetime | None):  # type: ignore[no-untyped-def]
    q = select(audit_log)
    if actor:
        q = q.where(audit_log.c.actor == actor)
    if action:
        q = q.where(audit_log.c.action.like(action.replace("*", "%")))
    if subject:
        q = q.where(audit_log.c.subject == subject)
    if since:
        q = q.where(audit_log.c.ts >= since)
    if until:
        q = q.where(audit_log.c.ts < until)
    return q


def _row(r) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"id": r.id, "ts": as_utc(r.ts).isoformat(), "actor": r.actor, "action": r.action,
            "subject": r.subject, "details": r.details}


def list_audit(session: Session, user: ReviewUser, *, actor: str | None = None,
               action: str | None = None, subject: str | None = None,
               since: datetime | None = None, until: datetime | None = None,
               limit: int = 100, before_id: int | None = None) -> list[dict[str, Any]]:
    user.require("audit.view")
    q = _query(actor, action, subject, since, until)
    if before_id:
        q = q.where(audit_log.c.id < before_id)
    rows = session.execute(q.order_by(audit_log.c.id.desc()).limit(max(1, min(limit, 1000))))
    return [_row(r) for r in rows]


def export_audit(session: Session, user: ReviewUser, fmt: str, **filters: Any) -> Iterator[str]:
    """The whole (filtered) log, oldest first. The export itself is audit-logged."""
    user.require("audit.view")
    if fmt not in ("csv", "json"):
        raise ValueError("export format is csv or json")
    record_audit(session, user.actor, "audit.export", None, format=fmt,
                 filters={k: str(v) for k, v in filters.items() if v})
    rows = [_row(r) for r in session.execute(_query(**{
        k: filters.get(k) for k in ("actor", "action", "subject", "since", "until")})
        .order_by(audit_log.c.id))]
    if fmt == "json":
        for r in rows:
            yield json.dumps(r, sort_keys=True) + "\n"
        return
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(FIELDS)
    for r in rows:
        writer.writerow([r["id"], r["ts"], r["actor"], r["action"], r["subject"] or "",
                         json.dumps(r["details"], sort_keys=True) if r["details"] else ""])
    yield buf.getvalue()
