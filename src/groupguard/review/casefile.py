"""Everything a reviewer needs on one page for one case: the subject, its people and roles,
each signal with its bank, distance and variant, the media (each distinct file once, with a
count), related groups and accounts from the graph, and the case's history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.review.queue import deadline, get_case_row, pending_signals_clause
from groupguard.review.reporters import reporter_view
from groupguard.review.users import ReviewUser
from groupguard.review.wellness import org_settings
from groupguard.store.tables import (
    accounts,
    actions,
    audit_log,
    cases,
    decisions,
    groups,
    invite_uses,
    media,
    media_uses,
    memberships,
    signals,
)
from groupguard.store.tables_review import appeals, case_items
from groupguard.timeutil import as_utc, utcnow

MEMBER_LIMIT = 200
ROLE_ORDER = {"creator": 0, "admin": 1, "member": 2}


def _iso(value: datetime | None) -> str | None:
    v = as_utc(value)
    return v.isoformat() if v else None


def case_signal_rows(session: Session, case) -> list[Any]:  # type: ignore[no-untyped-def]
    """The signals a case covers. A decided case: what it recorded. An appeal: the signals
    behind the decision appealed. An open case: the subject's signals no earlier case
    decided."""
    recorded = select(case_items.c.signal_id).where(case_items.c.case_id == case.id,
                                                    case_items.c.signal_id.is_not(None))
    if session.execute(recorded.limit(1)).first():
        q = select(signals).where(signals.c.id.in_(recorded))
    elif case.kind == "appeal":
        q = select(signals).where(signals.c.id.in_(_appealed_signal_ids(session, case)))
    else:
        q = select(signals).where(signals.c.subject_type == case.subject_type,
                                  signals.c.subject_id == case.subject_id,
                                  pending_signals_clause())
    return list(session.execute(q.order_by(signals.c.created_at, signals.c.id)))


def _appealed_signal_ids(session: Session, case) -> list[int]:  # type: ignore[no-untyped-def]
    if case.appeal_of:
        ids = session.execute(select(case_items.c.signal_id).where(
            case_items.c.case_id == case.appeal_of, case_items.c.signal_id.is_not(None),
        )).scalars().all()
        if ids:
            return list(ids)
    # An automatic action: the signals its policy decision named.
    out: list[int] = []
    for row in session.execute(select(decisions.c.signal_ids).where(
            decisions.c.subject_type == case.subject_type,
            decisions.c.subject_id == case.subject_id,
            decisions.c.outcome.in_(("act", "confirm")))):
        out += [int(i) for i in (row.signal_ids or [])]
    if not out:
        out = list(session.execute(select(signals.c.id).where(
            signals.c.subject_type == case.subject_type,
            signals.c.subject_id == case.subject_id)).scalars())
    return out


def signal_view(s) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    d = s.details or {}
    return {
        "id": s.id, "kind": s.kind, "strength": round(float(s.strength), 3), "hard": s.hard,
        "reason": s.reason, "bank": d.get("bank"), "banks": d.get("banks"),
        "distance": d.get("distance"), "variant": d.get("variant"), "role": d.get("role"),
        "set_by": d.get("set_by"), "signal_type": d.get("signal_type"),
        "field": d.get("field"), "sha256": s.sha256, "event_id": s.event_id,
        "created_at": _iso(s.created_at), "details": d,
    }


def case_media(session: Session, case, signal_rows) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Each distinct file once: signals about it and uses of it by the subject, counted."""
    by_sha: dict[str, dict[str, Any]] = {}

    def item(sha: str) -> dict[str, Any]:
        return by_sha.setdefault(sha, {"sha256": sha, "count": 0, "roles": set(),
                                       "signal_ids": [], "banks": set(), "distance": None,
                                       "variants": set(), "set_by": set()})

    for s in signal_rows:
        if not s.sha256:
            continue
        it = item(s.sha256)
        it["signal_ids"].append(s.id)
        d = s.details or {}
        if d.get("bank"):
            it["banks"].add(d["bank"])
        if d.get("distance") is not None:
            dist = int(d["distance"])
            it["distance"] = dist if it["distance"] is None else min(it["distance"], dist)
        if d.get("variant"):
            it["variants"].add(d["variant"])
        if d.get("role"):
            it["roles"].add(d["role"])
    uses = session.execute(select(media_uses).where(
        media_uses.c.subject_type == case.subject_type,
        media_uses.c.subject_id == case.subject_id))
    for u in uses:
        if u.sha256 in by_sha or not signal_rows:
            it = item(u.sha256)
            it["count"] += 1
            it["roles"].add(u.role)
            if u.set_by:
                it["set_by"].add(u.set_by)
    if by_sha:
        for m in session.execute(select(media).where(media.c.sha256.in_(list(by_sha)))):
            by_sha[m.sha256].update({"md5": m.md5, "kind": m.kind, "size": m.size,
                                     "pdq": m.pdq, "width": m.width, "height": m.height})
        # How many other open cases show the same file: the scope of a bulk decision.
        others = open_cases_with_media(session, list(by_sha))
        for sha, ids in others.items():
            by_sha[sha]["open_cases"] = sorted(i for i in ids if i != case.id)
    out = []
    for it in by_sha.values():
        it["count"] = max(it["count"], 1)
        it.setdefault("kind", "image")
        it.setdefault("open_cases", [])
        for key in ("roles", "banks", "variants", "set_by"):
            it[key] = sorted(it[key])
        out.append(it)
    out.sort(key=lambda m: (m["distance"] if m["distance"] is not None else 99, m["sha256"]))
    return out


def open_cases_with_media(session: Session, shas: list[str]) -> dict[str, set[int]]:
    """Open or escalated cases whose undecided signals involve each file. Two steps (the
    file's subjects by the SHA-256 index, then their cases by the subject index), so that
    no planner starts from the whole open queue."""
    subjects: dict[tuple[str, str], set[str]] = {}
    for sha, st, sid in session.execute(
            select(signals.c.sha256, signals.c.subject_type, signals.c.subject_id)
            .where(signals.c.sha256.in_(shas), pending_signals_clause())):
        subjects.setdefault((st, sid), set()).add(sha)
    out: dict[str, set[int]] = {}
    if not subjects:
        return out
    conds = [and_(cases.c.subject_type == st, cases.c.subject_id == sid)
             for st, sid in subjects]
    for chunk in range(0, len(conds), 200):
        for cid, st, sid in session.execute(
                select(cases.c.id, cases.c.subject_type, cases.c.subject_id)
                .where(or_(*conds[chunk:chunk + 200]),
                       cases.c.status.in_(("open", "escalated")),
                       cases.c.kind.in_(("review", "triage")))):
            for sha in subjects[(st, sid)]:
                out.setdefault(sha, set()).add(cid)
    return out


def _group_view(session: Session, gid: str) -> dict[str, Any] | None:
    g = session.execute(select(groups).where(groups.c.id == gid)).first()
    if g is None:
        return None
    return {"id": g.id, "name": g.name, "description": g.description, "icon": g.icon_media,
            "creator": g.creator, "name_set_by": g.name_set_by,
            "description_set_by": g.description_set_by, "icon_set_by": g.icon_set_by,
            "status": g.status, "created_at": _iso(g.created_at),
            "removed_at": _iso(g.removed_at), "removal_reason": g.removal_reason}


def _account_view(session: Session, aid: str) -> dict[str, Any]:
    a = session.execute(select(accounts).where(accounts.c.id == aid)).first()
    if a is None:
        return {"id": aid, "display_name": None, "status": "unknown"}
    return {"id": a.id, "display_name": a.display_name, "phone": a.phone,
            "status": a.status, "registered_at": _iso(a.registered_at),
            "profile_media": a.profile_media, "banned_at": _iso(a.banned_at),
            "ban_reason": a.ban_reason}


def _members(session: Session, gid: str) -> tuple[list[dict[str, Any]], int]:
    total = session.execute(select(func.count()).select_from(memberships).where(
        memberships.c.group_id == gid, memberships.c.active.is_(True))).scalar_one()
    rows = session.execute(
        select(memberships, accounts.c.display_name, accounts.c.status)
        .join(accounts, accounts.c.id == memberships.c.account_id, isouter=True)
        .where(memberships.c.group_id == gid, memberships.c.active.is_(True),
               memberships.c.role.in_(("creator", "admin")))
        .order_by(memberships.c.role, memberships.c.account_id)).all()
    rows += session.execute(
        select(memberships, accounts.c.display_name, accounts.c.status)
        .join(accounts, accounts.c.id == memberships.c.account_id, isouter=True)
        .where(memberships.c.group_id == gid, memberships.c.active.is_(True),
               memberships.c.role.not_in(("creator", "admin")))
        .order_by(memberships.c.joined_at, memberships.c.account_id)
        .limit(MEMBER_LIMIT)).all()
    out = [{"account": r.account_id, "role": r.role, "display_name": r.display_name,
            "status": r.status or "unknown", "added_by": r.added_by,
            "invite": r.invite_token, "joined_at": _iso(r.joined_at)} for r in rows]
    out.sort(key=lambda m: ROLE_ORDER.get(m["role"], 3))
    return out, int(total)


def _related_for_group(session: Session, gid: str) -> dict[str, Any]:
    m1, m2 = memberships.alias("m1"), memberships.alias("m2")
    shared = session.execute(
        select(m2.c.group_id, func.count().label("n"))
        .select_from(m1.join(m2, m1.c.account_id == m2.c.account_id))
        .where(m1.c.group_id == gid, m2.c.group_id != gid)
        .group_by(m2.c.group_id).order_by(func.count().desc(), m2.c.group_id).limit(10)).all()
    via_invite = session.execute(
        select(invite_uses.c.group_id, invite_uses.c.seen_in_group, func.count().label("n"))
        .where(or_(and_(invite_uses.c.seen_in_group == gid, invite_uses.c.group_id != gid),
                   and_(invite_uses.c.group_id == gid, invite_uses.c.seen_in_group.is_not(None),
                        invite_uses.c.seen_in_group != gid)))
        .group_by(invite_uses.c.group_id, invite_uses.c.seen_in_group).limit(20)).all()
    ids = {r.group_id for r in shared} | {r.group_id for r in via_invite} | {
        r.seen_in_group for r in via_invite}
    ids.discard(gid)
    info = _group_info(session, ids)
    merged: dict[str, dict[str, Any]] = {}

    def entry(other: str) -> dict[str, Any]:
        return merged.setdefault(other, {**info.get(other, {"id": other}),
                                         "shared_members": None, "links": []})

    for r in shared:
        e = entry(r.group_id)
        e["shared_members"] = r.n
        e["links"].append("shared members")
    for r in via_invite:
        other = r.group_id if r.seen_in_group == gid else r.seen_in_group
        direction = "invite passed from here" if r.seen_in_group == gid else \
            "joined via an invite seen there"
        entry(other)["links"].append(f"{direction} ({r.n})")
    groups_out = list(merged.values())
    for g in groups_out:
        g["link"] = "; ".join(g["links"])
    # Accounts in charge here who also run other groups.
    admins = session.execute(select(memberships.c.account_id).where(
        memberships.c.group_id == gid, memberships.c.role.in_(("creator", "admin")))
    ).scalars().all()
    accounts_out = _accounts_info(session, admins)
    return {"groups": groups_out, "accounts": accounts_out}


def _related_for_account(session: Session, aid: str) -> dict[str, Any]:
    rows = session.execute(select(memberships.c.group_id, memberships.c.role,
                                  memberships.c.active).where(
        memberships.c.account_id == aid).limit(100)).all()
    info = _group_info(session, {r.group_id for r in rows})
    groups_out = [{**info.get(r.group_id, {"id": r.group_id}), "role": r.role,
                   "active": r.active, "link": f"{r.role} of"} for r in rows]
    groups_out.sort(key=lambda g: (ROLE_ORDER.get(g["role"], 3), g["id"]))
    ids = [r.group_id for r in rows if r.role in ("creator", "admin")]
    co_admins: list[str] = []
    if ids:
        co_admins = list(session.execute(select(memberships.c.account_id).where(
            memberships.c.group_id.in_(ids), memberships.c.role.in_(("creator", "admin")),
            memberships.c.account_id != aid).distinct().limit(20)).scalars())
    return {"groups": groups_out, "accounts": _accounts_info(session, co_admins)}


def _group_info(session: Session, ids: set[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    return {g.id: {"id": g.id, "name": g.name, "status": g.status}
            for g in session.execute(select(groups.c.id, groups.c.name, groups.c.status)
                                     .where(groups.c.id.in_(list(ids))))}


def _accounts_info(session: Session, ids: list[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    counts = dict(session.execute(
        select(memberships.c.account_id, func.count()).where(
            memberships.c.account_id.in_(ids), memberships.c.role.in_(("creator", "admin")))
        .group_by(memberships.c.account_id)).all())
    out = []
    for a in session.execute(select(accounts.c.id, accounts.c.display_name, accounts.c.status)
                             .where(accounts.c.id.in_(ids)).order_by(accounts.c.id)):
        out.append({"id": a.id, "display_name": a.display_name, "status": a.status,
                    "groups_run": int(counts.get(a.id, 0))})
    return out


def _history(session: Session, case) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    subj = f"{case.subject_type}:{case.subject_id}"
    decs = session.execute(select(decisions).where(
        decisions.c.subject_type == case.subject_type,
        decisions.c.subject_id == case.subject_id).order_by(decisions.c.id)).all()
    prev = session.execute(select(cases).where(
        cases.c.subject_type == case.subject_type, cases.c.subject_id == case.subject_id,
        cases.c.id != case.id).order_by(cases.c.id)).all()
    acts = session.execute(select(actions).where(or_(
        and_(actions.c.subject_type == case.subject_type,
             actions.c.subject_id == case.subject_id),
        actions.c.decision_id.in_([d.id for d in decs] or [-1]))).order_by(actions.c.seq)).all()
    audit = session.execute(select(audit_log).where(
        audit_log.c.subject.in_([f"case:{case.id}", subj])).order_by(audit_log.c.id)
        .limit(200)).all()
    return {
        "decisions": [{"id": d.id, "source": d.source, "outcome": d.outcome,
                       "category": d.category, "rule": d.rule, "decided_by": d.decided_by,
                       "explanation": d.explanation, "case_id": d.case_id,
                       "created_at": _iso(d.created_at)} for d in decs],
        "cases": [{"id": c.id, "kind": c.kind, "status": c.status,
                   "resolution": c.resolution, "category": c.category,
                   "opened_at": _iso(c.opened_at), "closed_at": _iso(c.closed_at)}
                  for c in prev],
        "actions": [{"seq": a.seq, "kind": a.kind, "subject": f"{a.subject_type}:{a.subject_id}",
                     "reason": a.reason, "status": a.status, "decision_id": a.decision_id,
                     "created_at": _iso(a.created_at)} for a in acts],
        "audit": [{"ts": _iso(a.ts), "actor": a.actor, "action": a.action,
                   "subject": a.subject, "details": a.details} for a in audit],
    }


def case_view(session: Session, case_id: int, user: ReviewUser | None = None, *,
              settings: Settings | None = None) -> dict[str, Any]:
    """The case page's content as plain data (also the API's case document).
    `settings` sets what counts as a trusted reporter (defaults otherwise)."""
    if user is not None:
        user.require("case.view")
    case = get_case_row(session, case_id)
    org = org_settings(session)
    sig_rows = case_signal_rows(session, case)
    opened = as_utc(case.opened_at)
    due = opened + deadline(org, case.severity)
    now = utcnow()
    claim_expires = as_utc(case.claim_expires)
    out: dict[str, Any] = {
        "case": {"id": case.id, "kind": case.kind, "status": case.status,
                 "severity": case.severity, "priority": case.priority, "reason": case.reason,
                 "rule": case.rule, "opened_at": opened.isoformat(), "due_at": due.isoformat(),
                 "overdue": due <= now and case.status != "closed",
                 "resolution": case.resolution, "category": case.category,
                 "closed_at": _iso(case.closed_at), "appeal_of": case.appeal_of,
                 "claimed_by": case.claimed_by if claim_expires and claim_expires > now
                 else None, "claim_expires": _iso(claim_expires),
                 "subject": f"{case.subject_type}:{case.subject_id}"},
        "subject_type": case.subject_type, "subject_id": case.subject_id,
        "signals": [signal_view(s) for s in sig_rows],
        "media": case_media(session, case, sig_rows),
        "reporters": reporter_view(session, settings, sig_rows, case_id=case.id),
        "history": _history(session, case),
    }
    if case.subject_type == "group":
        out["group"] = _group_view(session, case.subject_id) or {"id": case.subject_id}
        out["members"], out["member_count"] = _members(session, case.subject_id)
        out["related"] = _related_for_group(session, case.subject_id)
        out["label"] = out["group"].get("name") or case.subject_id
    else:
        out["account"] = _account_view(session, case.subject_id)
        out["related"] = _related_for_account(session, case.subject_id)
        out["label"] = out["account"].get("display_name") or case.subject_id
    if case.kind == "appeal":
        a = session.execute(select(appeals).where(appeals.c.case_id == case.id)).first()
        if a:
            out["appeal"] = {"statement": a.statement, "filed_by": a.filed_by,
                             "original_decided_by": a.original_decided_by,
                             "created_at": _iso(a.created_at)}
    return out
