"""Build the in-memory graph from the store's core tables (at runner start)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from groupguard.graph.model import MembershipGraph
from groupguard.store.tables import accounts, groups, invite_links, invite_uses, memberships
from groupguard.timeutil import as_utc

_CHUNK = 50_000


def epoch(value: datetime | None) -> float:
    v = as_utc(value)
    return v.timestamp() if v is not None else float("nan")


def load_graph(session: Session) -> MembershipGraph:
    """Replays the store's state into a graph: accounts, groups, memberships (history
    included), invite links and uses, then removals and bans in time order so that taint
    counts match what incremental updates would have produced."""
    graph = MembershipGraph()
    for row in session.execute(
        select(accounts.c.id, accounts.c.registered_at, accounts.c.display_name,
               accounts.c.profile_media)
    ).yield_per(_CHUNK):
        graph.register_account(row.id, graph.tick(epoch(row.registered_at)),
                               row.display_name)
        if row.profile_media:
            graph.set_photo(row.id, row.profile_media)
    removed: list[tuple[float, str]] = []
    banned: list[tuple[float, str]] = []
    for row in session.execute(
        select(groups.c.id, groups.c.creator, groups.c.created_at, groups.c.status,
               groups.c.removed_at)
    ).yield_per(_CHUNK):
        g = graph.group(row.id)
        graph.g.created_at[g] = graph.tick(epoch(row.created_at))
        if row.creator:
            graph.g.creator[g] = graph.account(row.creator)
        if row.status == "removed":
            removed.append((epoch(row.removed_at), row.id))
    removed_at = {gid: ts for ts, gid in removed}
    for row in session.execute(
        select(memberships.c.group_id, memberships.c.account_id, memberships.c.role,
               memberships.c.joined_at, memberships.c.left_at, memberships.c.active)
    ).yield_per(_CHUNK):
        role = row.role if row.role in ("member", "admin", "creator") else "member"
        joined = graph.tick(epoch(row.joined_at))
        graph.add_member(row.group_id, row.account_id, role, joined)
        if row.active:
            continue
        # Who left before a removal was not in the group when it went; who was drained
        # out by the removal was, and carries its taint.
        left = epoch(row.left_at)
        gone = removed_at.get(row.group_id)
        if gone is None or not left >= gone:
            graph.remove_member(row.group_id, row.account_id)
    for row in session.execute(
        select(accounts.c.id, accounts.c.banned_at).where(accounts.c.status == "banned")
    ):
        banned.append((epoch(row.banned_at), row.id))
    for ts, gid in sorted(removed, key=_by_time):
        graph.remove_group(gid, ts)
    for ts, aid in sorted(banned, key=_by_time):
        graph.ban_account(aid, ts)
    for row in session.execute(
        select(invite_links.c.token, invite_links.c.group_id, invite_links.c.created_by,
               invite_links.c.first_seen_in_group)
    ).yield_per(_CHUNK):
        graph.invite_created(row.token, row.group_id, row.created_by)
    for row in session.execute(
        select(invite_uses.c.token, invite_uses.c.group_id, invite_uses.c.seen_in_group,
               invite_uses.c.ts)
    ).yield_per(_CHUNK):
        graph.invite_used(row.token, row.group_id, row.seen_in_group)
        graph.tick(epoch(row.ts))
    return graph


def _by_time(item: tuple[float, str]) -> tuple[bool, float]:
    return (item[0] != item[0], item[0])  # undated (NaN) last
