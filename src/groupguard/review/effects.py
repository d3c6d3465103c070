"""What a decision sets in motion outside the review area: outbox actions, the allow-list
bank, report drafts. Each reaches another area through its published interface, imported
when used so that the console runs (and records what is pending) before they land."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.errors import GroupguardError
from groupguard.signals.base import Subject
from groupguard.store.tables import bank_entries, banks, media
from groupguard.store.tables_review import review_followups
from groupguard.timeutil import utcnow

ALLOW_BANK = "allow-reviewed"
log = logging.getLogger(__name__)


def _optional(module: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise


def enqueue_action(session: Session, *, kind: str, subject: Subject, reason: str,
                   key: str, decision_id: int | None, payload: dict | None = None
                   ) -> int | None:
    """Through the actions outbox (idempotent by key)."""
    from groupguard.actions.outbox import enqueue

    return enqueue(session, kind=kind, subject=subject, reason=reason, payload=payload,
                   key=key, decision_id=decision_id)


def apply_state(session: Session, kind: str, subject: Subject, reason: str) -> None:
    """Keep groupguard's own view of the platform in step with what a decision enforces
    (as the pipeline does for automatic actions), so that the pipeline does not act again
    on a removed group and the graph sees removals and reversals."""
    from groupguard.store.tables import accounts, groups, invite_links

    now = utcnow()
    if kind == "remove_group":
        session.execute(update(groups).where(groups.c.id == subject.id).values(
            status="removed", removed_at=now, removal_reason=reason))
        session.execute(update(invite_links).where(
            invite_links.c.group_id == subject.id, invite_links.c.revoked_at.is_(None),
        ).values(revoked_at=now))
    elif kind == "restore_group":
        session.execute(update(groups).where(groups.c.id == subject.id).values(
            status="active", removed_at=None, removal_reason=None))
    elif kind == "ban_account":
        session.execute(update(accounts).where(accounts.c.id == subject.id).values(
            status="banned", banned_at=now, ban_reason=reason))
    elif kind == "unban_account":
        session.execute(update(accounts).where(accounts.c.id == subject.id).values(
            status="active", banned_at=None, ban_reason=None))


def allow_list(session: Session, shas: list[str], *, actor: str, source: str) -> int:
    """Add files to the allow-list bank by exact digest (SHA-256 and MD5). Not by PDQ: a
    perceptual allow entry would let an image crafted to collide with a benign one slip
    through. Returns how many entries were added."""
    if not shas:
        return 0
    rows = session.execute(select(media.c.sha256, media.c.md5).where(
        media.c.sha256.in_(shas))).all()
    md5s = {r.sha256: r.md5 for r in rows}
    items: list[tuple[str, str]] = []
    for sha in shas:
        items.append(("sha256", sha))
        if md5s.get(sha):
            items.append(("md5", md5s[sha]))
    existing = set(session.execute(select(bank_entries.c.signal_type, bank_entries.c.value)
                                   .where(bank_entries.c.bank == ALLOW_BANK,
                                          bank_entries.c.removed_at.is_(None))).all())
    items = [i for i in items if tuple(i) not in existing]
    if not items:
        return 0
    service = _optional("groupguard.banks.service")
    if service is not None:
        if not session.execute(select(banks.c.name).where(banks.c.name == ALLOW_BANK)).first():
            service.create_bank(session, ALLOW_BANK, kind="allow", action_policy="none",
                                source="review",
                                description="Media reviewers dismissed or cleared on appeal")
        ids = service.add_hashes(session, ALLOW_BANK, items, source=source, tags=["reviewed"])
        return len(ids)
    now = utcnow()
    bank = session.execute(select(banks).where(banks.c.name == ALLOW_BANK)).first()
    if bank is None:
        session.execute(insert(banks).values(
            name=ALLOW_BANK, kind="allow", source="review", action_policy="none",
            description="Media reviewers dismissed or cleared on appeal", verified=False,
            version=0, created_at=now))
        version = 0
    else:
        version = bank.version
    version += 1
    session.execute(update(banks).where(banks.c.name == ALLOW_BANK).values(version=version))
    for signal_type, value in items:
        session.execute(insert(bank_entries).values(
            bank=ALLOW_BANK, signal_type=signal_type, value=value,
            media_sha256=value if signal_type == "sha256" else None, source=source,
            tags=["reviewed"], added_at=now, added_version=version))
    return len(items)


def draft_reports(session: Session, settings: Settings, case_id: int, *, actor: str
                  ) -> tuple[list[int], str | None]:
    """Ask reporting for the case's CyberTipline drafts. When reporting is not available
    the follow-up is recorded as pending and `run_pending` completes it later."""
    drafts = _optional("groupguard.reporting.ncmec.drafts")
    if drafts is None or not hasattr(drafts, "draft_reports_for_case"):
        _followup(session, case_id, actor, status="pending",
                  error="reporting module not available")
        return [], "report draft pending: reporting module not available"
    try:
        with session.begin_nested():
            ids = list(drafts.draft_reports_for_case(session, settings, case_id, actor=actor))
    except GroupguardError as exc:
        _followup(session, case_id, actor, status="pending", error=str(exc))
        return [], f"report draft pending: {exc}"
    _followup(session, case_id, actor, status="done", result=ids)
    return ids, None


def _followup(session: Session, case_id: int, actor: str, *, status: str,
              error: str | None = None, result: Any = None) -> None:
    row = session.execute(select(review_followups.c.id).where(
        review_followups.c.case_id == case_id, review_followups.c.kind == "report_draft")
    ).first()
    values = {"status": status, "error": error, "result": result,
              "done_at": utcnow() if status == "done" else None}
    if row:
        session.execute(update(review_followups).where(review_followups.c.id == row.id)
                        .values(**values))
    else:
        session.execute(insert(review_followups).values(
            case_id=case_id, kind="report_draft", actor=actor, created_at=utcnow(), **values))


def run_pending(session: Session, settings: Settings) -> dict[str, int]:
    """Retry pending follow-ups (report drafts for confirmed cases)."""
    done = failed = 0
    rows = session.execute(select(review_followups).where(
        review_followups.c.status == "pending")).all()
    for row in rows:
        _, problem = draft_reports(session, settings, row.case_id, actor=row.actor)
        if problem:
            failed += 1
        else:
            done += 1
    return {"done": done, "pending": failed}
