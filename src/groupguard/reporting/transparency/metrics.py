"""The month's figures, computed from the store.

Every ban and group removal (outbox actions) is traced back to the signals behind it:
through its decision's `signal_ids` when it has them, else the subject's signals up to the
action. The detection source of an action is the source of its earliest signal (what found
it); an action is proactive unless a user report found it. The time to action is from that
first signal to the action.
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from groupguard.errors import GroupguardError
from groupguard.store.tables import actions, cases, decisions, signals
from groupguard.store.tables_reporting import le_requests, ncmec_report_files, ncmec_reports
from groupguard.timeutil import as_utc

SOURCES = ("hash match", "classifier", "text", "graph", "user report", "other")
# Ordered: the first hint found in a signal kind names its source.
_HINTS = (
    ("user report", ("user_report", "report")),
    ("text", ("text", "term", "solicit", "name", "description")),
    ("classifier", ("classif", "model", "nsfw")),
    ("graph", ("graph", "invite", "evasion", "overlap", "member", "propagat")),
    ("hash match", ("hash", "pdq", "md5", "sha256", "digest", "match")),
)
ENFORCEMENTS = {"ban_account": "accounts banned", "remove_group": "groups removed"}
REVERSALS = ("unban_account", "restore_group")


# Signal kinds are dotted families (signals/base.py): hash.exact, text.term, report.user...
_FAMILIES = {"hash": "hash match", "text": "text", "classifier": "classifier",
             "graph": "graph", "report": "user report"}


def source_of(kind: str) -> str:
    k = kind.lower()
    if k.split(".", 1)[0] in _FAMILIES:
        return _FAMILIES[k.split(".", 1)[0]]
    for source, hints in _HINTS:
        if any(h in k for h in hints):
            return source
    return "other"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    try:
        year, mon = (int(x) for x in month.split("-"))
        start = datetime(year, mon, 1, tzinfo=UTC)
    except (ValueError, TypeError) as exc:
        raise GroupguardError(f"month must be YYYY-MM, not {month!r}") from exc
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=UTC)
    return start, end


def _signals_for(session: Session, action: Any) -> list[Any]:
    ids: list[int] = []
    if action.decision_id is not None:
        row = session.execute(select(decisions.c.signal_ids).where(
            decisions.c.id == action.decision_id)).first()
        ids = [int(i) for i in (row.signal_ids or [])] if row else []
    query = select(signals.c.kind, signals.c.created_at)
    if ids:
        query = query.where(signals.c.id.in_(ids))
    else:
        query = query.where(signals.c.subject_type == action.subject_type,
                            signals.c.subject_id == action.subject_id,
                            signals.c.created_at <= action.created_at)
    return session.execute(query.order_by(signals.c.created_at, signals.c.id)).all()


def month_metrics(session: Session, month: str) -> dict[str, Any]:
    start, end = month_bounds(month)

    def in_month(col: Any) -> Any:
        return (col >= start) & (col < end)

    by_source = {label: dict.fromkeys(SOURCES, 0) for label in ENFORCEMENTS.values()}
    proactive = {"proactive": 0, "reactive": 0}
    delays: list[float] = []
    for act in session.execute(select(actions).where(
            actions.c.kind.in_(tuple(ENFORCEMENTS)), in_month(actions.c.created_at))).all():
        sigs = _signals_for(session, act)
        source = source_of(sigs[0].kind) if sigs else "other"
        by_source[ENFORCEMENTS[act.kind]][source] += 1
        proactive["reactive" if source == "user report" else "proactive"] += 1
        if sigs:
            delays.append((as_utc(act.created_at) - as_utc(sigs[0].created_at))
                          .total_seconds())
    # A reversal is an appeal granted (decision "reverse") or an enforcement undone by an
    # unban/restore action that no such decision explains.
    granted = set(session.execute(select(decisions.c.id).where(
        decisions.c.outcome == "reverse", in_month(decisions.c.created_at))).scalars())
    undone = session.execute(select(actions.c.decision_id).where(
        actions.c.kind.in_(REVERSALS), in_month(actions.c.created_at))).scalars().all()
    reversals = len(granted) + sum(1 for d in undone if d not in granted)
    appeals = session.execute(select(cases.c.id).where(
        cases.c.kind == "appeal", in_month(cases.c.opened_at))).all()
    finished = session.execute(select(ncmec_reports.c.id).where(
        ncmec_reports.c.status == "finished", in_month(ncmec_reports.c.finished_at))
    ).scalars().all()
    files = session.execute(select(ncmec_report_files.c.id).where(
        ncmec_report_files.c.report_id.in_(finished))).all() if finished else []
    le_rows = session.execute(select(le_requests).where(
        in_month(le_requests.c.received_at))).all()
    answered = [r for r in le_rows if r.answered_at is not None]
    in_time = [r for r in answered if as_utc(r.answered_at) <= as_utc(r.deadline)]
    return {
        "month": month,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "enforcement": {
            label: {"total": sum(counts.values()), "by_source": counts}
            for label, counts in by_source.items()},
        "proactive_vs_reactive": proactive,
        "median_hours_first_signal_to_action":
            round(statistics.median(delays) / 3600, 2) if delays else None,
        "ncmec_reports_filed": {"reports": len(finished), "files": len(files)},
        "law_enforcement_requests": {
            "received": len(le_rows), "answered": len(answered),
            "answered_in_time": len(in_time), "answered_late": len(answered) - len(in_time),
            "open": len(le_rows) - len(answered)},
        "appeals": {"received": len(appeals), "reversals": reversals},
    }
