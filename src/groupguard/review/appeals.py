"""Appeals: an actioned account or group asks for a second look. The appeal is a case of
its own that whoever made the original decision may not decide; reversing it undoes the
actions through the same outbox and allow-lists the files, so they do not come back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.errors import GroupguardError
from groupguard.review import effects
from groupguard.review.casefile import case_media, case_signal_rows
from groupguard.review.decide import DecisionError, DecisionResult, _record
from groupguard.review.queue import check_may_work
from groupguard.review.reporters import reverse_confirmations
from groupguard.review.users import ReviewUser
from groupguard.signals.base import Subject
from groupguard.store.audit import record_audit
from groupguard.store.tables import actions, cases, decisions
from groupguard.store.tables_review import appeals, case_exclusions
from groupguard.timeutil import utcnow

UNDO = {"ban_account": "unban_account", "remove_group": "restore_group"}
ENFORCE = {"account": "ban_account", "group": "remove_group"}


class AppealError(GroupguardError):
    """An appeal cannot be filed: the subject was not actioned, or an appeal is open."""


def active_enforcements(session: Session, subject: Subject) -> list[Any]:
    """Actions that enforced against the subject and have not been undone since."""
    rows = session.execute(select(actions).where(
        actions.c.subject_type == subject.type, actions.c.subject_id == subject.id,
        actions.c.kind.in_(list(UNDO) + list(UNDO.values()))).order_by(actions.c.seq)).all()
    active: list[Any] = []
    for r in rows:
        if r.kind in UNDO:
            active.append(r)
        else:
            active = [a for a in active if UNDO[a.kind] != r.kind]
    return active


def undo_enforcements(session: Session, subject: Subject, *, decision_id: int,
                      key_prefix: str, reason: str, extra: list[Any] | None = None
                      ) -> list[int]:
    """Queue the reversal of every enforcement in force on `subject` (and `extra` ones)."""
    out: list[int] = []
    seen: set[int] = set()
    for a in active_enforcements(session, subject) + list(extra or []):
        if a.seq in seen:
            continue
        seen.add(a.seq)
        target = Subject(a.subject_type, a.subject_id)
        undo = UNDO[a.kind]
        seq = effects.enqueue_action(
            session, kind=undo, subject=target, decision_id=decision_id,
            reason=f"{reason}; undoes action {a.seq}", key=f"{key_prefix}:{undo}:{target}",
            payload={"undoes": a.seq})
        effects.apply_state(session, undo, target, reason)
        if seq:
            out.append(seq)
    return out


def open_appeal(session: Session, subject: Subject, statement: str, *, filed_by: str
                ) -> int:
    """Open an appeal case for an actioned subject; returns the case id."""
    statement = (statement or "").strip()
    if not statement:
        raise AppealError("an appeal needs the appellant's statement")
    enforced = active_enforcements(session, subject)
    if not enforced:
        raise AppealError(f"{subject} has no enforcement in force to appeal")
    existing = session.execute(select(cases.c.id).where(
        cases.c.kind == "appeal", cases.c.subject_type == subject.type,
        cases.c.subject_id == subject.id, cases.c.status.in_(("open", "escalated")))).first()
    if existing:
        raise AppealError(f"{subject} already has an open appeal (case {existing[0]})")
    decision_ids = {a.decision_id for a in enforced if a.decision_id}
    deciders: list[str] = []
    original_case = None
    if decision_ids:
        for d in session.execute(select(decisions).where(decisions.c.id.in_(decision_ids))):
            if d.decided_by and d.decided_by not in deciders:
                deciders.append(d.decided_by)
            if d.case_id and (original_case is None or d.case_id > original_case):
                original_case = d.case_id
    now = utcnow()
    reason = f"appeal by {filed_by}: {statement[:200]}"
    case_id = session.execute(insert(cases).values(
        kind="appeal", subject_type=subject.type, subject_id=subject.id, status="open",
        severity=2, priority=0.0, reason=reason, opened_at=now, updated_at=now,
        appeal_of=original_case)).inserted_primary_key[0]
    session.execute(insert(appeals).values(
        case_id=case_id, subject_type=subject.type, subject_id=subject.id,
        statement=statement, filed_by=filed_by, original_decided_by=deciders,
        created_at=now))
    for actor in deciders:
        if actor.startswith("user:"):
            session.execute(insert(case_exclusions).values(case_id=case_id, actor=actor))
    record_audit(session, filed_by, "appeal.open", f"case:{case_id}",
                 about=str(subject), appeal_of=original_case, statement=statement[:500])
    return case_id


def decide_appeal(session: Session, settings: Settings, user: ReviewUser, case_id: int,
                  outcome: str, *, note: str | None = None) -> DecisionResult:
    if outcome not in ("uphold", "reverse"):
        raise DecisionError("an appeal is decided uphold or reverse")
    user.require("appeal.decide")
    case = check_may_work(session, user, case_id)
    if case.kind != "appeal":
        raise DecisionError(f"case {case_id} is not an appeal")
    subject = Subject(case.subject_type, case.subject_id)
    enforced = active_enforcements(session, subject)
    # Collateral enforcements from the same decisions (e.g. the icon setter banned with a
    # removed group) are undone with the subject's.
    decision_ids = {a.decision_id for a in enforced if a.decision_id}
    if decision_ids:
        for a in session.execute(select(actions).where(
                actions.c.decision_id.in_(decision_ids), actions.c.kind.in_(list(UNDO)))):
            other = Subject(a.subject_type, a.subject_id)
            if other != subject and any(x.seq == a.seq for x in
                                        active_enforcements(session, other)):
                enforced.append(a)
    sig_rows = case_signal_rows(session, case)
    shas = [m["sha256"] for m in case_media(session, case, sig_rows)]
    did, _, _, _ = _record(session, user, case, outcome, category=None, note=note,
                           source="appeal")
    result = DecisionResult(case_id=case_id, decision_id=did, outcome=outcome)
    if outcome == "reverse":
        result.actions += undo_enforcements(
            session, subject, decision_id=did, key_prefix=f"appeal:{case_id}",
            reason=f"appeal case {case_id} granted by {user.name}", extra=enforced)
        result.allow_listed = effects.allow_list(session, shas, actor=user.actor,
                                                 source=f"appeal:{case_id}")
        # The confirmation did not stand: its reporters' credit moves to dismissed.
        reverse_confirmations(session, subject_type=case.subject_type,
                              subject_id=case.subject_id, case_id=case.appeal_of,
                              decision_id=did)
    return result
