"""Reviewer decisions: confirm (with a category), dismiss, escalate, and the same in bulk
for every open case showing one file. Each records who decided, when, and what they saw
(the signals and files on the page, and which files they revealed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.errors import GroupguardError
from groupguard.review import effects
from groupguard.review.casefile import case_media, case_signal_rows, open_cases_with_media
from groupguard.review.queue import ClaimError, check_may_work
from groupguard.review.reporters import credit_decision
from groupguard.review.users import ReviewUser
from groupguard.signals.base import Subject
from groupguard.store.audit import record_audit
from groupguard.store.tables import audit_log, cases, decisions, groups, media_uses
from groupguard.store.tables_review import case_items
from groupguard.timeutil import utcnow

# The industry categorisation (Tech Coalition / NCMEC): A = prepubescent, B = pubescent;
# 1 = sex act, 2 = lascivious exhibition.
CATEGORIES = {
    "A1": "prepubescent minor, sex act",
    "A2": "prepubescent minor, lascivious exhibition",
    "B1": "pubescent minor, sex act",
    "B2": "pubescent minor, lascivious exhibition",
}
DECISIONS = ("confirm", "dismiss", "escalate")


class DecisionError(GroupguardError):
    """A decision is malformed (unknown decision, missing or unknown category)."""


@dataclass
class DecisionResult:
    case_id: int
    decision_id: int
    outcome: str
    actions: list[int] = field(default_factory=list)
    reports: list[int] = field(default_factory=list)
    allow_listed: int = 0
    pending: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def revealed_by(session: Session, user: ReviewUser, case_id: int, shas: list[str]) -> list[str]:
    """Files of this case the reviewer revealed (from the audit log's media.view)."""
    if not shas:
        return []
    rows = session.execute(select(audit_log.c.subject, audit_log.c.details).where(
        audit_log.c.actor == user.actor, audit_log.c.action == "media.view",
        audit_log.c.subject.in_([f"media:{s}" for s in shas]))).all()
    return sorted({r.subject.removeprefix("media:") for r in rows
                   if (r.details or {}).get("case_id") == case_id})


def _record(session: Session, user: ReviewUser, case, outcome: str, *, category: str | None,
            note: str | None, source: str = "reviewer", close: bool = True,
            status: str | None = None) -> tuple[int, list, list, list[str]]:  # type: ignore[no-untyped-def]
    sig_rows = case_signal_rows(session, case)
    items = case_media(session, case, sig_rows)
    shas = [m["sha256"] for m in items]
    seen = revealed_by(session, user, case.id, shas)
    now = utcnow()
    words = {"confirm": f"confirmed as {category} ({CATEGORIES.get(category or '', '')})",
             "dismiss": "dismissed: not violating", "escalate": "escalated to an investigator",
             "uphold": "appeal rejected: original decision upheld",
             "reverse": "appeal granted: actions reversed"}[outcome]
    explanation = f"{user.name} {words}" + (f". Note: {note}" if note else "")
    decision_id = session.execute(insert(decisions).values(
        subject_type=case.subject_type, subject_id=case.subject_id, source=source,
        rule=case.rule, outcome=outcome, explanation=explanation,
        signal_ids=[s.id for s in sig_rows], decided_by=user.actor, case_id=case.id,
        category=category, created_at=now)).inserted_primary_key[0]
    if close:
        session.execute(insert(case_items), [
            {"case_id": case.id, "decision_id": decision_id, "signal_id": s.id,
             "sha256": s.sha256, "revealed": bool(s.sha256 and s.sha256 in seen),
             "created_at": now} for s in sig_rows] + [
            {"case_id": case.id, "decision_id": decision_id, "signal_id": None,
             "sha256": sha, "revealed": sha in seen, "created_at": now} for sha in shas]
        ) if (sig_rows or shas) else None
        session.execute(update(cases).where(cases.c.id == case.id).values(
            status="closed", resolution=outcome, category=category, closed_at=now,
            updated_at=now, claimed_by=None, claim_expires=None))
    else:
        session.execute(update(cases).where(cases.c.id == case.id).values(
            status=status or case.status, updated_at=now, claimed_by=None,
            claim_expires=None))
    record_audit(session, user.actor, "case.decide", f"case:{case.id}", decision=outcome,
                 category=category, decision_id=decision_id, note=note,
                 about=f"{case.subject_type}:{case.subject_id}",
                 signal_ids=[s.id for s in sig_rows], media=shas, revealed=seen)
    return decision_id, sig_rows, items, shas


def _text_field(details: dict) -> str | None:
    """Which group text a signal is about: `field` (name | description) or the text
    extractor's `where` ("group name", "group description")."""
    field = details.get("field") or str(details.get("where") or "").removeprefix("group ")
    return field if field in ("name", "description") else None


def responsible_accounts(session: Session, case, sig_rows) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """For a group: the accounts that set what was confirmed (icon, name, description),
    never plain members. Returns account -> why."""
    if case.subject_type != "group":
        return {}
    g = session.execute(select(groups).where(groups.c.id == case.subject_id)).first()
    out: dict[str, str] = {}
    icon_setters = {u.sha256: u.set_by for u in session.execute(select(media_uses).where(
        media_uses.c.subject_type == "group", media_uses.c.subject_id == case.subject_id,
        media_uses.c.role == "group_icon"))}
    for s in sig_rows:
        d = s.details or {}
        who, what = None, None
        if d.get("role") == "group_icon" or (s.sha256 and s.sha256 in icon_setters):
            who = d.get("set_by") or icon_setters.get(s.sha256) or (g.icon_set_by if g else None)
            what = "set the group icon"
        elif _text_field(d) and g is not None:
            field = _text_field(d)
            who = d.get("set_by") or (g.name_set_by if field == "name"
                                      else g.description_set_by)
            what = f"set the group {field}"
        if who and who not in out:
            out[who] = what or "responsible"
    return out


def _confirm_effects(session: Session, settings: Settings, user: ReviewUser, case,
                     decision_id: int, category: str, sig_rows, shas: list[str],
                     result: DecisionResult) -> None:  # type: ignore[no-untyped-def]
    subject = Subject(case.subject_type, case.subject_id)
    base = f"reviewer {user.name} confirmed case {case.id} as {category}"
    enq = []
    if case.subject_type == "group":
        enq.append(("remove_group", subject, base))
        for account, why in responsible_accounts(session, case, sig_rows).items():
            enq.append(("ban_account", Subject("account", account), f"{base}; {account} {why}"))
    else:
        enq.append(("ban_account", subject, base))
    from groupguard.review.appeals import active_enforcements

    for kind, subj, reason in enq:
        if any(a.kind == kind for a in active_enforcements(session, subj)):
            # Already enforced (an automatic action, or an earlier decision): the reviewer's
            # confirmation stands behind it; nothing is sent twice.
            continue
        seq = effects.enqueue_action(
            session, kind=kind, subject=subj, reason=reason, decision_id=decision_id,
            key=f"case:{case.id}:{kind}:{subj}", payload={"case_id": case.id,
                                                          "category": category})
        effects.apply_state(session, kind, subj, reason)
        if seq:
            result.actions.append(seq)
    for sha in shas:
        seq = effects.enqueue_action(
            session, kind="preserve_evidence", subject=subject, decision_id=decision_id,
            reason=f"{base}; preserve {sha[:12]}", key=f"case:{case.id}:preserve:{sha}",
            payload={"sha256": sha, "case_id": case.id})
        if seq:
            result.actions.append(seq)
    reports, problem = effects.draft_reports(session, settings, case.id, actor=user.actor)
    result.reports = reports
    if problem:
        result.pending.append(problem)


def decide(session: Session, settings: Settings, user: ReviewUser, case_id: int,
           decision: str, *, category: str | None = None, note: str | None = None
           ) -> DecisionResult:
    """One reviewer decision on one case."""
    decision = decision.strip().lower()
    if decision in ("uphold", "reverse"):
        from groupguard.review.appeals import decide_appeal

        return decide_appeal(session, settings, user, case_id, decision, note=note)
    if decision not in DECISIONS:
        raise DecisionError(f"unknown decision {decision!r}: confirm, dismiss or escalate "
                            "(uphold or reverse for appeals)")
    if decision == "confirm":
        category = (category or "").strip().upper()
        if category not in CATEGORIES:
            raise DecisionError("confirm needs a category: A1, A2, B1 or B2")
    else:
        category = None
    case = check_may_work(session, user, case_id)
    if case.kind == "appeal":
        raise DecisionError(f"case {case_id} is an appeal: decide uphold or reverse")
    if decision == "escalate":
        if case.status == "escalated":
            raise DecisionError(f"case {case_id} is already escalated")
        did, _, _, _ = _record(session, user, case, "escalate", category=None, note=note,
                               close=False, status="escalated")
        if case.kind == "triage":
            # A reviewer who escalates a user's notice corroborates it: it becomes a case.
            from groupguard.review.cases import promote

            promote(session, case_id, actor=user.actor,
                    why=f"escalated by {user.name}")
        return DecisionResult(case_id=case_id, decision_id=did, outcome="escalate")
    did, sig_rows, _items, shas = _record(session, user, case, decision, category=category,
                                          note=note)
    result = DecisionResult(case_id=case_id, decision_id=did, outcome=decision)
    # The reporters of what was decided earn (or lose) trust: policy reads their record.
    credit_decision(session, case, did, decision, sig_rows)
    if decision == "confirm":
        _confirm_effects(session, settings, user, case, did, category or "", sig_rows, shas,
                         result)
    else:
        result.allow_listed = effects.allow_list(session, shas, actor=user.actor,
                                                 source=f"case:{case_id}")
        # A case opened for an automatic action that the reviewer finds not violating:
        # undo the action through the outbox.
        from groupguard.review.appeals import undo_enforcements

        result.actions += undo_enforcements(
            session, Subject(case.subject_type, case.subject_id), decision_id=did,
            key_prefix=f"case:{case_id}",
            reason=f"reviewer {user.name} dismissed case {case_id}")
    return result


def bulk_decide(session: Session, settings: Settings, user: ReviewUser, sha256: str,
                decision: str, *, category: str | None = None, note: str | None = None
                ) -> dict[str, Any]:
    """Apply one decision to every open case showing this file. Cases another reviewer
    has claimed, or that this reviewer may not decide, are skipped and listed."""
    if decision not in ("confirm", "dismiss"):
        raise DecisionError("bulk decisions are confirm or dismiss")
    ids = sorted(open_cases_with_media(session, [sha256]).get(sha256, set()))
    done: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for cid in ids:
        try:
            with session.begin_nested():
                r = decide(session, settings, user, cid, decision, category=category,
                           note=note or f"bulk decision on media {sha256[:12]}")
            done.append(r.as_dict())
        except (ClaimError, GroupguardError) as exc:
            if isinstance(exc, DecisionError) and "category" in str(exc):
                raise
            skipped.append({"case_id": cid, "why": str(exc)})
    record_audit(session, user.actor, "case.bulk_decide", f"media:{sha256}",
                 decision=decision, category=category, cases=[d["case_id"] for d in done],
                 skipped=[s["case_id"] for s in skipped])
    return {"sha256": sha256, "decided": done, "skipped": skipped}
