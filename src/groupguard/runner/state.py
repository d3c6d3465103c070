"""Apply an event's state change to the platform model (accounts, groups, memberships,
invite links), role-aware: who set a group's icon, name and description is recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from groupguard import events as ev
from groupguard.store.tables import accounts, groups, invite_links, invite_uses, memberships
from groupguard.store.upsert import insert_ignore


class KnownIds:
    """Accounts and groups known to exist, so most events skip the existence upsert.
    Ids become known for good only when the transaction that created them commits:
    `stage` per event, `keep_event` when its savepoint holds, `commit` with the batch."""

    def __init__(self) -> None:
        self.committed: set[str] = set()
        self.batch: set[str] = set()
        self.event: set[str] = set()

    def __contains__(self, key: str) -> bool:
        return key in self.committed or key in self.batch or key in self.event

    def stage(self, key: str) -> None:
        self.event.add(key)

    def keep_event(self) -> None:
        self.batch |= self.event
        self.event = set()

    def drop_event(self) -> None:
        self.event = set()

    def commit(self) -> None:
        self.committed |= self.batch
        self.batch = set()

    def rollback(self) -> None:
        self.batch = set()
        self.event = set()


def _ensure_account(session: Session, account_id: str | None, known: KnownIds) -> None:
    if not account_id or "a:" + account_id in known:
        return
    insert_ignore(session, accounts, {"id": account_id, "status": "active"}, keys=["id"])
    known.stage("a:" + account_id)


def _ensure_group(session: Session, group_id: str, ts: Any, known: KnownIds) -> None:
    if "g:" + group_id in known:
        return
    insert_ignore(session, groups, {"id": group_id, "status": "active", "created_at": ts},
                  keys=["id"])
    known.stage("g:" + group_id)


def _set_member(
    session: Session,
    group_id: str,
    account_id: str,
    *,
    role: str,
    added_by: str | None,
    ts: Any,
    invite_token: str | None = None,
) -> None:
    key = (memberships.c.group_id == group_id) & (memberships.c.account_id == account_id)
    row = session.execute(select(memberships.c.role, memberships.c.active).where(key)).first()
    if row is None:
        session.execute(
            insert(memberships).values(
                group_id=group_id,
                account_id=account_id,
                role=role,
                added_by=added_by,
                invite_token=invite_token,
                joined_at=ts,
                active=True,
            )
        )
    else:
        # A creator stays creator; re-joining reactivates.
        new_role = row.role if row.role == "creator" else role
        session.execute(
            update(memberships)
            .where(key)
            .values(role=new_role, active=True, left_at=None, added_by=added_by, joined_at=ts)
        )


def apply_event(
    session: Session,
    event: Any,
    media_ids: dict[str, str | None],
    known: KnownIds | None = None,
) -> None:
    """`media_ids` maps the event's media fields ("icon", "photo") to the SHA-256 they
    hashed to (None if the media failed)."""
    known = known if known is not None else KnownIds()
    _ensure_account(session, event.actor, known)
    match event:
        case ev.AccountRegistered():
            _ensure_account(session, event.account_id, known)
            session.execute(
                update(accounts)
                .where(accounts.c.id == event.account_id)
                .values(
                    phone=event.phone, display_name=event.display_name, registered_at=event.ts
                )
            )
        case ev.ProfilePhotoSet():
            _ensure_account(session, event.account_id, known)
            session.execute(
                update(accounts)
                .where(accounts.c.id == event.account_id)
                .values(profile_media=media_ids.get("photo"))
            )
        case ev.GroupCreated():
            _ensure_group(session, event.group_id, event.ts, known)
            session.execute(
                update(groups)
                .where(groups.c.id == event.group_id)
                .values(
                    name=event.name,
                    description=event.description,
                    icon_media=media_ids.get("icon"),
                    creator=event.actor,
                    name_set_by=event.actor,
                    description_set_by=event.actor if event.description else None,
                    icon_set_by=event.actor if event.icon else None,
                    created_at=event.ts,
                    updated_at=event.ts,
                )
            )
            if event.actor:
                _set_member(
                    session, event.group_id, event.actor, role="creator", added_by=None,
                    ts=event.ts,
                )
        case ev.GroupUpdated():
            _ensure_group(session, event.group_id, event.ts, known)
            values: dict[str, Any] = {"updated_at": event.ts}
            if event.name is not None:
                values.update(name=event.name, name_set_by=event.actor)
            if event.description is not None:
                values.update(description=event.description, description_set_by=event.actor)
            if event.icon is not None:
                values.update(icon_media=media_ids.get("icon"), icon_set_by=event.actor)
            session.execute(update(groups).where(groups.c.id == event.group_id).values(**values))
        case ev.MemberAdded():
            _ensure_group(session, event.group_id, event.ts, known)
            _ensure_account(session, event.account_id, known)
            _set_member(
                session,
                event.group_id,
                event.account_id,
                role=event.role,
                added_by=event.actor if event.actor != event.account_id else None,
                ts=event.ts,
                invite_token=event.invite_token,
            )
        case ev.MemberRemoved():
            session.execute(
                update(memberships)
                .where(
                    memberships.c.group_id == event.group_id,
                    memberships.c.account_id == event.account_id,
                )
                .values(active=False, left_at=event.ts)
            )
        case ev.AdminGranted() | ev.AdminRevoked():
            _ensure_group(session, event.group_id, event.ts, known)
            _ensure_account(session, event.account_id, known)
            role = "admin" if isinstance(event, ev.AdminGranted) else "member"
            _set_member(
                session, event.group_id, event.account_id, role=role, added_by=event.actor,
                ts=event.ts,
            )
        case ev.InviteCreated():
            _ensure_group(session, event.group_id, event.ts, known)
            if not session.execute(
                select(invite_links.c.token).where(invite_links.c.token == event.token)
            ).first():
                session.execute(
                    insert(invite_links).values(
                        token=event.token,
                        group_id=event.group_id,
                        created_by=event.actor,
                        created_at=event.ts,
                    )
                )
        case ev.InviteRevoked():
            session.execute(
                update(invite_links)
                .where(invite_links.c.token == event.token)
                .values(revoked_at=event.ts)
            )
        case ev.InviteUsed():
            _ensure_group(session, event.group_id, event.ts, known)
            _ensure_account(session, event.account_id, known)
            link = session.execute(
                select(invite_links.c.first_seen_in_group).where(
                    invite_links.c.token == event.token
                )
            ).first()
            if link is None:
                session.execute(
                    insert(invite_links).values(
                        token=event.token,
                        group_id=event.group_id,
                        first_seen_in_group=event.seen_in_group,
                    )
                )
            elif link.first_seen_in_group is None and event.seen_in_group:
                session.execute(
                    update(invite_links)
                    .where(invite_links.c.token == event.token)
                    .values(first_seen_in_group=event.seen_in_group)
                )
            session.execute(
                insert(invite_uses).values(
                    token=event.token,
                    group_id=event.group_id,
                    account_id=event.account_id,
                    seen_in_group=event.seen_in_group,
                    ts=event.ts,
                )
            )
        case ev.ReportFiled():
            _ensure_account(session, event.reporter, known)
            _ensure_account(session, event.target_account, known)
            if event.target_group:
                _ensure_group(session, event.target_group, event.ts, known)
