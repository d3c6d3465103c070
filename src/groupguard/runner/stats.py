"""Counts other tools script against (`groupguard stats --json`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from groupguard.store.tables import accounts, actions, cases, events, groups


def collect_stats(session: Session) -> dict[str, Any]:
    def count(q: Any) -> int:
        return int(session.execute(q).scalar_one())

    by_status = dict(session.execute(
        select(events.c.status, func.count()).group_by(events.c.status)).all())
    by_kind = dict(session.execute(
        select(actions.c.kind, func.count()).group_by(actions.c.kind)).all())
    open_by_kind = dict(session.execute(
        select(cases.c.kind, func.count()).where(cases.c.status.in_(("open", "escalated")))
        .group_by(cases.c.kind)).all())
    return {
        "events": sum(by_status.values()),
        "events_pending": int(by_status.get("pending", 0)),
        "events_failed": int(by_status.get("failed", 0)),
        "accounts": count(select(func.count()).select_from(accounts)),
        "accounts_banned": count(
            select(func.count()).select_from(accounts).where(accounts.c.status == "banned")),
        "groups": count(select(func.count()).select_from(groups)),
        "groups_removed": count(
            select(func.count()).select_from(groups).where(groups.c.status == "removed")),
        # Every open queue item; by kind, cases (review) apart from report-triage items
        # (user reports nothing corroborated) and appeals.
        "open_cases": sum(int(v) for v in open_by_kind.values()),
        "open_by_kind": {k: int(open_by_kind.get(k, 0)) for k in ("review", "triage", "appeal")},
        "actions": {k: int(v) for k, v in sorted(by_kind.items())},
    }
