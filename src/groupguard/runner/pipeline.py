"""The pipeline: stored event -> extract -> match -> score -> decide -> act.

Events are processed in batches, one transaction per batch with a savepoint per event: a
crash rolls the whole batch back and a restart processes it again, so nothing is lost and
nothing is applied twice (actions are also idempotent by key). An event that fails on its
own is marked failed with its error; the batch goes on.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from groupguard import events as ev
from groupguard.actions.outbox import enqueue, publish
from groupguard.config import Settings
from groupguard.errors import GroupguardError
from groupguard.events import MediaRef, parse_event
from groupguard.policy.engine import Policy, Verdict
from groupguard.review.cases import open_case
from groupguard.review.reporters import records_for_signals
from groupguard.runner.context import BoundedCache, PipelineContext, Services
from groupguard.runner.fetch import fetch_media
from groupguard.runner.state import KnownIds, apply_event
from groupguard.signals.base import Enforcement, Signal, Subject
from groupguard.signals.hash_match import MatchedMedia, matcher_of, signals_for_matches
from groupguard.signals.registry import extractors
from groupguard.signals.reports import report_targets
from groupguard.store import Database
from groupguard.store.tables import (
    accounts,
    actions,
    decisions,
    events,
    groups,
    invite_links,
    media,
    media_uses,
    signals,
)
from groupguard.store.upsert import insert_ignore
from groupguard.timeutil import utcnow

log = logging.getLogger(__name__)

# Enforcement may propagate (a removal raises the risk of related groups); the chain is
# cut after this many steps so one event cannot cascade without bound.
MAX_PROPAGATION_DEPTH = 2
HASH_CACHE_SIZE = 512


@dataclass
class EventMedia:
    field: str
    role: str
    subjects: list[Subject]
    responsible: str | None
    hashes: Any | None = None


@dataclass
class RunReport:
    processed: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def events_per_s(self) -> float:
        return self.processed / self.seconds if self.seconds else 0.0


def make_services(settings: Settings, db: Database) -> Services:
    """Services for a runner; the policy is loaded now so a bad policy fails at start."""
    services = Services(settings=settings, db=db)
    _policy(services)
    return services


def _policy(services: Services) -> Policy:
    return services.get("policy", lambda s: Policy.load(s.settings.policy_path))


def _extractors(services: Services) -> list[Any]:
    return services.get("extractors", lambda s: extractors())


# ------------------------------------------------------------------ extract: media


def _media_fields(event: Any) -> list[tuple[str, str, MediaRef, list[Subject], str | None]]:
    """(field, role, ref, subjects, responsible account) for each media the event carries."""
    out: list[tuple[str, str, MediaRef, list[Subject], str | None]] = []
    match event:
        case ev.GroupCreated() | ev.GroupUpdated() if event.icon is not None:
            out.append(("icon", "group_icon", event.icon, [Subject("group", event.group_id)],
                        event.actor))
        case ev.ProfilePhotoSet() if event.photo is not None:
            out.append(("photo", "profile_photo", event.photo,
                        [Subject("account", event.account_id)], event.account_id))
        case ev.ReportFiled():
            targets = report_targets(event)
            for i, msg in enumerate(event.messages):
                if msg.media is not None:
                    out.append((f"messages[{i}].media", "reported_media", msg.media, targets,
                                msg.sender))
    return out


def _store_media(session: Session, hashes: Any) -> None:
    insert_ignore(
        session,
        media,
        dict(
            sha256=hashes.sha256,
            md5=hashes.md5,
            kind=hashes.kind,
            size=hashes.size,
            pdq=hashes.pdq,
            pdq_quality=hashes.pdq_quality,
            vpdq=[f.to_dict() for f in hashes.vpdq] if hashes.vpdq else None,
            width=hashes.width,
            height=hashes.height,
            first_seen=utcnow(),
            error=hashes.not_matchable_reason,
        ),
        keys=["sha256"],
    )


def _hash_cached(ctx: PipelineContext, data: bytes) -> Any:
    """Hash media, reusing the result for bytes seen recently: icons and profile photos are
    often reused across groups and accounts, and hashing (with query variants) is the
    costliest step. The cache holds hashes and the decoded image, bounded."""
    from groupguard.signals.hashing import hash_bytes

    cache: BoundedCache[str, Any] = ctx.service(
        "hash_cache", lambda services: BoundedCache(HASH_CACHE_SIZE))
    key = hashlib.sha256(data).hexdigest()
    hashes = cache.get(key)
    if hashes is None:
        hashes = hash_bytes(data, settings=ctx.settings, keep_image=True, variants=True)
        cache.put(key, hashes)
    return hashes


def extract_media(ctx: PipelineContext, event: Any) -> tuple[dict[str, str | None], list[str]]:
    """Fetch and hash each media field; returns the field -> sha256 map and the errors."""
    ids: dict[str, str | None] = {}
    errors: list[str] = []
    for field_name, role, ref, subjects, responsible in _media_fields(event):
        item = EventMedia(field_name, role, subjects, responsible)
        try:
            data = fetch_media(ref, ctx.settings, inline_allowed=role != "reported_media")
            hashes = _hash_cached(ctx, data)
        except GroupguardError as exc:
            errors.append(f"{field_name} ({ref.describe()}): {exc}")
            ids[field_name] = None
            ctx.event_media.append(item)
            continue
        item.hashes = hashes
        ids[field_name] = hashes.sha256
        ctx.media_bytes[hashes.sha256] = data
        if hashes.image is not None:
            ctx.media_images[hashes.sha256] = hashes.image
        _store_media(ctx.session, hashes)
        for subject in subjects:
            ctx.session.execute(
                insert(media_uses).values(
                    sha256=hashes.sha256,
                    subject_type=subject.type,
                    subject_id=subject.id,
                    role=role,
                    set_by=responsible,
                    event_id=event.id,
                    ts=event.ts,
                )
            )
        ctx.event_media.append(item)
    return ids, errors


# ------------------------------------------------------------------ signals, decide, act


def persist_signals(session: Session, found: list[Signal]) -> None:
    if not found:
        return
    now = utcnow()
    session.execute(
        insert(signals),
        [
            {
                "subject_type": s.subject.type,
                "subject_id": s.subject.id,
                "kind": s.kind,
                "strength": float(s.strength),
                "hard": bool(s.hard),
                "reason": s.reason,
                "details": s.details or None,
                "event_id": s.event_id,
                "sha256": s.sha256,
                "created_at": now,
            }
            for s in found
        ],
    )


def load_signals(session: Session, subject: Subject) -> list[Signal]:
    rows = session.execute(
        select(signals).where(
            signals.c.subject_type == subject.type, signals.c.subject_id == subject.id
        )
    )
    return [
        Signal(subject=subject, kind=r.kind, strength=r.strength, reason=r.reason, hard=r.hard,
               details=r.details or {}, sha256=r.sha256, event_id=r.event_id)
        for r in rows
    ]


def _subject_status(session: Session, subject: Subject) -> str | None:
    table = groups if subject.type == "group" else accounts
    row = session.execute(select(table.c.status).where(table.c.id == subject.id)).first()
    return row[0] if row else None


def _record_decision(session: Session, verdict: Verdict) -> int | None:
    """A decision row when the outcome or rule changed since the subject's last one."""
    last = session.execute(
        select(decisions.c.rule, decisions.c.outcome)
        .where(
            decisions.c.subject_type == verdict.subject.type,
            decisions.c.subject_id == verdict.subject.id,
            decisions.c.source == "policy",
        )
        .order_by(decisions.c.id.desc())
        .limit(1)
    ).first()
    if last and (last.rule, last.outcome) == (verdict.rule, verdict.outcome):
        return None
    result = session.execute(
        insert(decisions).values(
            subject_type=verdict.subject.type,
            subject_id=verdict.subject.id,
            source="policy",
            rule=verdict.rule,
            outcome=verdict.outcome,
            explanation=verdict.explanation,
            signal_ids=None,
            decided_by="policy",
            created_at=utcnow(),
        )
    )
    return int(result.inserted_primary_key[0])


def _preserve(ctx: PipelineContext, verdict: Verdict) -> list[str]:
    """Preserve the bytes of media a decision rests on while they are still in hand: bank
    matches, and media the classifier flagged (a reviewer must see what they decide on).
    Least exposure: no other media is kept. Returns the SHA-256s preserved now."""
    from groupguard.reporting.evidence import preserve_media

    kept = []
    evidence_families = ("hash", "classifier")
    for sha in {s.sha256 for s in verdict.signals
                if s.sha256 and s.family in evidence_families}:
        data = ctx.media_bytes.get(sha)
        if data is not None:
            preserve_media(ctx.session, ctx.settings, data, sha256=sha,
                           reason=f"{verdict.outcome}: {verdict.rule}", actor="policy")
            kept.append(sha)
    return kept


def act(ctx: PipelineContext, verdict: Verdict, decision_id: int | None) -> list[Enforcement]:
    s = ctx.session
    subject = verdict.subject
    reason = verdict.explanation
    enforced: list[Enforcement] = []
    media_shas = sorted({sig.sha256 for sig in verdict.signals if sig.sha256})
    payload = {"rule": verdict.rule, "media": media_shas, "risk": round(verdict.risk.score, 3)}
    if subject.type == "group":
        enqueue(s, kind="remove_group", subject=subject, reason=reason, payload=payload,
                decision_id=decision_id)
        s.execute(update(groups).where(groups.c.id == subject.id).values(
            status="removed", removed_at=ctx.now(), removal_reason=reason))
        links = s.execute(select(invite_links.c.token).where(
            invite_links.c.group_id == subject.id, invite_links.c.revoked_at.is_(None)))
        for (token,) in links:
            enqueue(s, kind="revoke_invite", subject=subject, reason=f"group removed: {reason}",
                    payload={"token": token}, key=f"revoke_invite:{token}",
                    decision_id=decision_id)
            s.execute(update(invite_links).where(invite_links.c.token == token)
                      .values(revoked_at=ctx.now()))
        enforced.append(Enforcement("remove_group", subject, reason))
    else:
        enqueue(s, kind="ban_account", subject=subject, reason=reason, payload=payload,
                decision_id=decision_id)
        s.execute(update(accounts).where(accounts.c.id == subject.id).values(
            status="banned", banned_at=ctx.now(), ban_reason=reason))
        enforced.append(Enforcement("ban_account", subject, reason))
    preserved = _preserve(ctx, verdict)
    enqueue(s, kind="preserve_evidence", subject=subject,
            reason="preserve account and group records for a report",
            payload={"media": media_shas, "preserved_media": preserved},
            decision_id=decision_id)
    # Automatic actions still owe a CyberTipline report: a severity-1 case carries it to a
    # reviewer (who also sees what was done and can reverse it).
    case_id = open_case(s, subject=subject, severity=1, reason=f"actioned automatically: "
                        f"{reason}", rule=verdict.rule, priority=verdict.risk.score)
    enqueue(s, kind="open_case", subject=subject, reason="report owed for automatic action",
            payload={"case_id": case_id}, key=f"open_case:{case_id}")
    return enforced


def decide_and_act(ctx: PipelineContext, subjects: set[Subject], depth: int = 0) -> None:
    policy = _policy(ctx.services)
    enforced: list[Enforcement] = []
    for subject in sorted(subjects, key=str):
        if _subject_status(ctx.session, subject) in ("removed", "banned"):
            continue
        found = load_signals(ctx.session, subject)
        verdict = policy.decide(subject, found, reporter_records=records_for_signals(
            ctx.session, ctx.settings, found))
        if verdict.outcome == "none":
            continue
        decision_id = _record_decision(ctx.session, verdict)
        if verdict.outcome == "act":
            enforced += act(ctx, verdict, decision_id)
        else:
            _preserve(ctx, verdict)
            # 'triage': an uncorroborated user report, read by a person but not a case.
            kind = "triage" if verdict.outcome == "triage" else "review"
            case_id = open_case(ctx.session, subject=subject, severity=verdict.severity,
                                reason=verdict.explanation, rule=verdict.rule,
                                priority=verdict.priority, kind=kind)
            enqueue(ctx.session, kind="open_case", subject=subject, reason=verdict.explanation,
                    payload={"case_id": case_id, "severity": verdict.severity, "kind": kind},
                    key=f"open_case:{case_id}" + (":triage" if kind == "triage" else ""),
                    decision_id=decision_id)
    if enforced and depth < MAX_PROPAGATION_DEPTH:
        propagate(ctx, enforced, depth + 1)


def propagate(ctx: PipelineContext, enforced: list[Enforcement], depth: int) -> None:
    found: list[Signal] = []
    for enforcement in enforced:
        for extractor in _extractors(ctx.services):
            found += extractor.on_enforcement(ctx, enforcement)
    persist_signals(ctx.session, found)
    decide_and_act(ctx, {s.subject for s in found}, depth)


ENFORCEMENT_KINDS = ("remove_group", "restore_group", "ban_account", "unban_account")


@dataclass
class _Cursor:
    published: int | None = None


def follow_outside_enforcement(services: Services, session: Session) -> int:
    """Enforcement decided outside this runner's batches (a reviewer confirming a case, an
    appeal reversing one, another runner) reaches the extractors too, so the graph sees a
    reviewer's ban and the evader who comes back afterwards is caught. The pipeline's own
    actions come round again here; extractors apply enforcement idempotently, so that
    costs a lookup, not a double count. Follows the outbox by its published cursor, which
    has no gaps a late commit could fall into (call `outbox.publish` before the batch).
    Returns how many enforcements were followed."""
    cursor: _Cursor = services.get("enforcement_cursor", lambda s: _Cursor())
    last = int(session.execute(select(func.max(actions.c.published_seq))).scalar() or 0)
    if cursor.published is None or last < cursor.published:
        # At start the graph loads from the store, which already shows what was enforced.
        cursor.published = last
        return 0
    if last == cursor.published:
        return 0
    rows = session.execute(
        select(actions.c.kind, actions.c.subject_type, actions.c.subject_id, actions.c.reason)
        .where(actions.c.published_seq > cursor.published, actions.c.published_seq <= last,
               actions.c.kind.in_(ENFORCEMENT_KINDS))
        .order_by(actions.c.published_seq)
    ).all()
    cursor.published = last
    enforced = [Enforcement(r.kind, Subject(r.subject_type, r.subject_id), r.reason)
                for r in rows]
    if enforced:
        ctx = PipelineContext(services=services, session=session)
        with session.begin_nested():
            propagate(ctx, enforced, 1)
    return len(enforced)


def process_event(ctx: PipelineContext, event: Any) -> str | None:
    """Run one parsed event through every stage. Returns media errors, if any, as text."""
    ctx.event_ts = event.ts
    media_ids, media_errors = extract_media(ctx, event)
    apply_event(ctx.session, event, media_ids, ctx.known)
    found: list[Signal] = []
    for extractor in _extractors(ctx.services):
        found += extractor.on_event(ctx, event)
    persist_signals(ctx.session, found)
    decide_and_act(ctx, {s.subject for s in found})
    return "; ".join(media_errors) or None


# ------------------------------------------------------------------ the runner


def _refresh(services: Services, session: Session) -> None:
    matcher = services.peek("matcher")
    if matcher is not None:
        matcher.refresh(session)


def run_pending(
    services: Services,
    *,
    limit: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> RunReport:
    """Process stored events that are still pending, oldest first, in batches."""
    report = RunReport()
    started = time.perf_counter()
    batch_size = services.settings.batch_size
    while limit is None or report.processed + report.failed < limit:
        take = batch_size if limit is None else min(batch_size,
                                                    limit - report.processed - report.failed)
        known: KnownIds = services.get("known_ids", lambda s: KnownIds())
        try:
            batch_rows = _run_batch(services, known, take, report)
        except BaseException:
            known.rollback()
            raise
        known.commit()
        if not batch_rows:
            break
        if on_progress:
            on_progress(batch_rows)
    report.seconds = time.perf_counter() - started
    return report


def _run_batch(services: Services, known: KnownIds, take: int, report: RunReport) -> int:
    """One transaction over up to `take` pending events; returns how many it handled."""
    publish(services.db)  # its own short transaction, so the cursor below sees it
    with services.db.session(write=True) as session:
        _refresh(services, session)
        rows = session.execute(
            select(events.c.seq, events.c.id, events.c.payload)
            .where(events.c.status == "pending")
            .order_by(events.c.seq)
            .limit(take)
        ).all()
        # Also when no event is pending: a reviewer's removal re-scores related groups now.
        follow_outside_enforcement(services, session)
        for row in rows:
            ctx = PipelineContext(services=services, session=session, known=known)
            status, error = "done", None
            try:
                with session.begin_nested():
                    error = process_event(ctx, parse_event(row.payload))
                known.keep_event()
            except GroupguardError as exc:
                status, error = "failed", str(exc)
                known.drop_event()
            except Exception as exc:  # noqa: BLE001 - one bad event must not stop the rest
                log.exception("event %s failed", row.id)
                status, error = "failed", f"{type(exc).__name__}: {exc}"
                known.drop_event()
            session.execute(update(events).where(events.c.seq == row.seq).values(
                status=status, error=error, processed_at=utcnow()))
            if status == "failed":
                report.failed += 1
                report.errors.append((row.id, error or ""))
            else:
                report.processed += 1
    return len(rows)


def on_new_matches(services: Services, sha256s: set[str]) -> int:
    """Retroactive matching: bank entries were added, stored media now match. Turn the new
    matches into signals on every subject that used the media, and decide again. Evidence
    bytes are gone by now (least exposure), so cases ask the platform to preserve them."""
    count = 0
    with services.db.session(write=True) as session:
        ctx = PipelineContext(services=services, session=session)
        matcher = matcher_of(ctx)
        matcher.refresh(session)
        found: list[Signal] = []
        for sha in sorted(sha256s):
            row = session.execute(select(media).where(media.c.sha256 == sha)).first()
            if row is None:
                continue
            hashes = _hashes_from_row(row)
            results = matcher.match(hashes)
            uses = session.execute(select(media_uses).where(media_uses.c.sha256 == sha)).all()
            for use in uses:
                mm = MatchedMedia(sha256=sha, role=use.role,
                                  subjects=[Subject(use.subject_type, use.subject_id)],
                                  responsible=use.set_by, event_id=use.event_id)
                found += signals_for_matches(session, mm, results)
        persist_signals(session, found)
        count = len(found)
        decide_and_act(ctx, {s.subject for s in found})
    return count


def _hashes_from_row(row: Any) -> Any:
    from groupguard.signals.hashing import MediaHashes
    from groupguard.signals.vpdq import VpdqFrame

    frames = [VpdqFrame(**f) for f in row.vpdq] if row.vpdq else None
    return MediaHashes(sha256=row.sha256, md5=row.md5, kind=row.kind, size=row.size,
                       pdq=row.pdq, pdq_quality=row.pdq_quality, vpdq=frames,
                       width=row.width or 0, height=row.height or 0)
