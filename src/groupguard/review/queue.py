"""The review queue: cases by severity, then by how close each is to its severity's
deadline; filters; claims that expire so that two reviewers never work one case at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from groupguard.errors import GroupguardError, NotFoundError, PermissionDeniedError
from groupguard.review.users import ReviewUser
from groupguard.review.wellness import org_settings
from groupguard.store.audit import record_audit
from groupguard.store.tables import accounts, cases, groups, memberships, signals
from groupguard.store.tables_review import case_exclusions, case_items
from groupguard.timeutil import as_utc, utcnow

OPEN_STATES = ("open", "escalated")


class ClaimError(GroupguardError):
    """The case is claimed by someone else (until the claim expires), or not open."""


@dataclass
class QueueFilters:
    status: str = "open"  # open | escalated | closed | all
    kind: str | None = None  # review (cases) | triage (user reports) | appeal
    signal_type: str | None = None  # a kind (hash.pdq) or a family (hash)
    bank: str | None = None
    group: str | None = None  # cases about this group or its members
    min_age_hours: float | None = None
    max_age_hours: float | None = None
    severity: int | None = None
    include_claimed: bool = True

    def as_params(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", True)}


@dataclass
class QueueEntry:
    id: int
    kind: str
    status: str
    subject_type: str
    subject_id: str
    label: str
    severity: int
    priority: float
    reason: str
    opened_at: datetime
    due_at: datetime
    overdue: bool
    claimed_by: str | None
    claim_expires: datetime | None
    signal_kinds: dict[str, int] = field(default_factory=dict)
    media_count: int = 0
    # The reporters of the item's pending reports with their track record.
    reporters: list[dict[str, Any]] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return f"{self.subject_type}:{self.subject_id}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "status": self.status, "subject": self.subject,
            "label": self.label, "severity": self.severity, "priority": self.priority,
            "reason": self.reason, "opened_at": self.opened_at.isoformat(),
            "due_at": self.due_at.isoformat(), "overdue": self.overdue,
            "claimed_by": self.claimed_by,
            "claim_expires": self.claim_expires.isoformat() if self.claim_expires else None,
            "signals": self.signal_kinds, "media_count": self.media_count,
            "reporters": self.reporters,
        }


def deadline(org: dict[str, Any], severity: int) -> timedelta:
    minutes = org["deadline_minutes"].get(str(severity), org["deadline_minutes"]["4"])
    return timedelta(minutes=int(minutes))


def pending_signals_clause():  # type: ignore[no-untyped-def]
    """Signals not yet covered by a decided case: what an open case about them shows."""
    return ~exists().where(case_items.c.signal_id == signals.c.id)


def subject_signals(subject_type: Any, subject_id: Any):  # type: ignore[no-untyped-def]
    return and_(signals.c.subject_type == subject_type, signals.c.subject_id == subject_id)


def _visible(user: ReviewUser | None, f: QueueFilters):  # type: ignore[no-untyped-def]
    conds = []
    if f.status == "all":
        pass
    elif f.status in OPEN_STATES + ("closed",):
        conds.append(cases.c.status == f.status)
    else:
        raise GroupguardError(f"unknown status {f.status!r}: open, escalated, closed or all")
    if user is not None:
        if f.status == "escalated" and not user.can("case.escalated"):
            raise PermissionDeniedError("only investigators and admins see escalated cases")
        if f.status == "all" and not user.can("case.escalated"):
            conds.append(cases.c.status != "escalated")
        # An appeal is never shown to whoever made the decision under appeal.
        conds.append(~exists().where(case_exclusions.c.case_id == cases.c.id,
                                     case_exclusions.c.actor == user.actor))
    return conds


def _filters(f: QueueFilters, now: datetime):  # type: ignore[no-untyped-def]
    conds = []
    if f.kind:
        from groupguard.review.cases import CASE_KINDS

        if f.kind not in CASE_KINDS:
            raise GroupguardError(f"unknown kind {f.kind!r}: review (cases), triage "
                                  "(unverified user reports) or appeal")
        conds.append(cases.c.kind == f.kind)
    if f.severity:
        conds.append(cases.c.severity == int(f.severity))
    if f.signal_type or f.bank:
        sig = [subject_signals(cases.c.subject_type, cases.c.subject_id)]
        if f.signal_type:
            st = f.signal_type.strip()
            sig.append(signals.c.kind == st if "." in st else signals.c.kind.like(f"{st}.%"))
        if f.bank:
            sig.append(signals.c.details["bank"].as_string() == f.bank.strip())
        conds.append(exists().where(*sig))
    if f.group:
        g = f.group.strip()
        member = exists().where(memberships.c.group_id == g,
                                memberships.c.account_id == cases.c.subject_id)
        conds.append(or_(and_(cases.c.subject_type == "group", cases.c.subject_id == g),
                         and_(cases.c.subject_type == "account", member)))
    if f.min_age_hours is not None:
        conds.append(cases.c.opened_at <= now - timedelta(hours=float(f.min_age_hours)))
    if f.max_age_hours is not None:
        conds.append(cases.c.opened_at >= now - timedelta(hours=float(f.max_age_hours)))
    if not f.include_claimed:
        conds.append(or_(cases.c.claimed_by.is_(None), cases.c.claim_expires <= now))
    return conds


def count_queue(session: Session, user: ReviewUser | None, f: QueueFilters) -> int:
    now = utcnow()
    q = select(func.count()).select_from(cases).where(*_visible(user, f), *_filters(f, now))
    return int(session.execute(q).scalar_one())


def list_queue(session: Session, user: ReviewUser | None, f: QueueFilters | None = None, *,
               limit: int = 50, offset: int = 0) -> list[QueueEntry]:
    """Cases in work order. Within a severity, the case nearest (or furthest past) its
    deadline comes first; since the deadline depends only on severity, that is the oldest
    case. Report-triage items come after the cases of their severity, ordered by their
    priority (the reporters' track record, review/reporters.py) and then by age, so
    reliable reporters' notices are read first and poor reporters' notices still are, last."""
    f = f or QueueFilters()
    now = utcnow()
    org = org_settings(session)
    q = (select(cases).where(*_visible(user, f), *_filters(f, now))
         .order_by(cases.c.severity, _triage_rank(), cases.c.opened_at,
                   cases.c.priority.desc(), cases.c.id)
         .limit(max(1, min(limit, 500))).offset(max(0, offset)))
    rows = session.execute(q).all()
    return _entries(session, rows, org, now)


def _triage_rank():  # type: ignore[no-untyped-def]
    # Cases rank below any triage priority (which lies in [0, 1]): cases first.
    return sql_case((cases.c.kind == "triage", -cases.c.priority), else_=-1000.0)


def _entries(session: Session, rows, org, now) -> list[QueueEntry]:  # type: ignore[no-untyped-def]
    if not rows:
        return []
    group_ids = [r.subject_id for r in rows if r.subject_type == "group"]
    account_ids = [r.subject_id for r in rows if r.subject_type == "account"]
    labels: dict[tuple[str, str], str] = {}
    if group_ids:
        for g in session.execute(select(groups.c.id, groups.c.name).where(
                groups.c.id.in_(group_ids))):
            labels[("group", g.id)] = g.name or g.id
    if account_ids:
        for a in session.execute(select(accounts.c.id, accounts.c.display_name).where(
                accounts.c.id.in_(account_ids))):
            labels[("account", a.id)] = a.display_name or a.id
    kinds: dict[tuple[str, str], dict[str, int]] = {}
    media: dict[tuple[str, str], set[str]] = {}
    subject_conds = []
    if group_ids:
        subject_conds.append(and_(signals.c.subject_type == "group",
                                  signals.c.subject_id.in_(group_ids)))
    if account_ids:
        subject_conds.append(and_(signals.c.subject_type == "account",
                                  signals.c.subject_id.in_(account_ids)))
    q = (select(signals.c.subject_type, signals.c.subject_id, signals.c.kind, signals.c.sha256)
         .where(or_(*subject_conds), pending_signals_clause()))
    for s in session.execute(q):
        key = (s.subject_type, s.subject_id)
        kinds.setdefault(key, {})
        kinds[key][s.kind] = kinds[key].get(s.kind, 0) + 1
        if s.sha256:
            media.setdefault(key, set()).add(s.sha256)
    reporters = _reporters(session, subject_conds)
    out = []
    for r in rows:
        key = (r.subject_type, r.subject_id)
        opened = as_utc(r.opened_at)
        due = opened + deadline(org, r.severity)
        claim_expires = as_utc(r.claim_expires)
        claimed = r.claimed_by if claim_expires and claim_expires > now else None
        out.append(QueueEntry(
            id=r.id, kind=r.kind, status=r.status, subject_type=r.subject_type,
            subject_id=r.subject_id, label=labels.get(key, r.subject_id), severity=r.severity,
            priority=r.priority, reason=r.reason, opened_at=opened, due_at=due,
            overdue=due <= now and r.status in OPEN_STATES, claimed_by=claimed,
            claim_expires=claim_expires if claimed else None,
            signal_kinds=kinds.get(key, {}), media_count=len(media.get(key, ())),
            reporters=reporters.get(key, []),
        ))
    return out


def _reporters(session: Session, subject_conds) -> dict[tuple[str, str], list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """Reporters of the listed subjects' pending reports with their records: two
    queries for the page, whatever its length."""
    from groupguard.review.reporters import REPORT_KIND, reporters_of, track_records

    by_subject: dict[tuple[str, str], list[Any]] = {}
    for s in session.execute(select(signals.c.subject_type, signals.c.subject_id,
                                    signals.c.kind, signals.c.details)
                             .where(or_(*subject_conds), signals.c.kind == REPORT_KIND,
                                    pending_signals_clause())):
        by_subject.setdefault((s.subject_type, s.subject_id), []).append(s)
    if not by_subject:
        return {}
    who = {k: reporters_of(rows) for k, rows in by_subject.items()}
    book = track_records(session, None, {r for rs in who.values() for r in rs})
    return {k: [book.get(r).as_dict() for r in rs] for k, rs in who.items()}


def get_case_row(session: Session, case_id: int):  # type: ignore[no-untyped-def]
    row = session.execute(select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        raise NotFoundError(f"no case {case_id}")
    return row


def check_may_work(session: Session, user: ReviewUser, case_id: int, *,
                   permission: str = "case.decide"):  # type: ignore[no-untyped-def]
    """Raise unless `user` may act on the case now; returns the case row."""
    user.require(permission)
    row = get_case_row(session, case_id)
    if row.status not in OPEN_STATES:
        raise ClaimError(f"case {case_id} is {row.status}")
    if row.status == "escalated" and not user.can("case.escalated"):
        raise PermissionDeniedError(f"case {case_id} is escalated to investigators")
    excluded = session.execute(select(case_exclusions.c.case_id).where(
        case_exclusions.c.case_id == case_id, case_exclusions.c.actor == user.actor)).first()
    if excluded:
        raise PermissionDeniedError(
            f"case {case_id} appeals a decision by {user.name}; a different reviewer decides")
    expires = as_utc(row.claim_expires)
    if row.claimed_by and row.claimed_by != user.actor and expires and expires > utcnow():
        raise ClaimError(f"case {case_id} is claimed by {row.claimed_by.removeprefix('user:')} "
                         f"until {expires:%H:%M} UTC")
    return row


def claim_case(session: Session, user: ReviewUser, case_id: int) -> datetime:
    """Claim (or extend one's own claim on) a case; returns when the claim expires."""
    check_may_work(session, user, case_id, permission="case.claim")
    org = org_settings(session)
    now = utcnow()
    expires = now + timedelta(minutes=int(org["claim_minutes"]))
    # Conditional update: if another reviewer claimed it in between, nothing changes.
    result = session.execute(update(cases).where(
        cases.c.id == case_id,
        or_(cases.c.claimed_by.is_(None), cases.c.claimed_by == user.actor,
            cases.c.claim_expires <= now),
    ).values(claimed_by=user.actor, claim_expires=expires, updated_at=now))
    if result.rowcount == 0:
        raise ClaimError(f"case {case_id} was just claimed by someone else")
    record_audit(session, user.actor, "case.claim", f"case:{case_id}",
                 expires=expires.isoformat())
    return expires


def release_case(session: Session, user: ReviewUser, case_id: int) -> None:
    row = get_case_row(session, case_id)
    if row.claimed_by not in (None, user.actor) and not user.can("users.manage"):
        raise ClaimError(f"case {case_id} is claimed by {row.claimed_by}")
    session.execute(update(cases).where(cases.c.id == case_id).values(
        claimed_by=None, claim_expires=None, updated_at=utcnow()))
    record_audit(session, user.actor, "case.release", f"case:{case_id}")


def next_case(session: Session, user: ReviewUser, f: QueueFilters | None = None) -> int | None:
    """Claim the first unclaimed case in work order; None when the queue is empty."""
    f = f or QueueFilters()
    f.include_claimed = False
    for entry in list_queue(session, user, f, limit=20):
        try:
            claim_case(session, user, entry.id)
        except ClaimError:
            continue
        return entry.id
    return None
