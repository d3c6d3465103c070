"""The "graph" extractor: keeps the in-memory membership graph current from events and
turns removals and bans into signals about related groups and accounts.

The graph is a runner service (`ctx.service("graph", ...)`), loaded from the store once per
process (through the pipeline's session) and then updated by every event; updates are
idempotent, so an event replayed after a crash changes nothing twice. Enforcement is dated
by the latest event time seen, so simulated and replayed histories read like live ones.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select

from groupguard.graph.load import epoch, load_graph
from groupguard.graph.model import MembershipGraph
from groupguard.graph.propagation import (
    GraphParams,
    ban_evasion_signal,
    invite_signal,
    recreated_signal,
    removed_overlap_signals,
)
from groupguard.signals.base import Enforcement, Signal, Subject
from groupguard.store.tables import accounts
from groupguard.timeutil import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from groupguard.runner.context import PipelineContext

# A signal is emitted again for the same subject only when it grew by this much: a group
# gaining members one by one must not write a signal per join.
_REEMIT_STEP = 0.1


class GraphService:
    def __init__(self, graph: MembershipGraph, params: GraphParams | None = None):
        self.graph = graph
        self.params = params or GraphParams()
        self.emitted: dict[tuple[str, str], float] = {}

    @classmethod
    def from_session(cls, session: Session) -> GraphService:
        # The pipeline's own session: a second connection would wait on its write lock
        # (SQLite), and this one already sees the event being processed.
        return cls(load_graph(session))

    def fresh(self, signals: list[Signal]) -> list[Signal]:
        out = []
        for s in signals:
            key = (s.kind, str(s.subject))
            last = self.emitted.get(key)
            if last is None or s.strength >= last + _REEMIT_STEP:
                self.emitted[key] = s.strength
                out.append(s)
        return out


class GraphExtractor:
    name = "graph"

    def __init__(self, service: GraphService | None = None):
        self._service = service

    def service(self, ctx: PipelineContext) -> GraphService:
        if self._service is not None:
            return self._service
        return ctx.service("graph", lambda _services: GraphService.from_session(ctx.session))

    def on_event(self, ctx: PipelineContext, event: Any) -> list[Signal]:
        svc = self.service(ctx)
        if event.type == "account.profile_photo_set":
            # The photo's digest, as the core state recorded it for this event.
            sha = ctx.session.execute(
                select(accounts.c.profile_media).where(accounts.c.id == event.account_id)
            ).scalar()
            svc.graph.set_photo(event.account_id, sha)
        return svc.fresh(apply_event(svc.graph, event, svc.params))

    def on_enforcement(self, ctx: PipelineContext, enforcement: Enforcement) -> list[Signal]:
        svc = self.service(ctx)
        return svc.fresh(apply_enforcement(svc.graph, enforcement, svc.params))


def apply_event(graph: MembershipGraph, event: Any, params: GraphParams) -> list[Signal]:
    """Update the graph from one event and return the signals it causes."""
    ts = graph.tick(epoch(event.ts))
    kind = event.type
    eid = event.id
    out: list[Signal | None] = []
    if kind == "account.registered":
        graph.register_account(event.account_id, ts, event.display_name)
    elif kind == "group.created":
        g = graph.create_group(event.group_id, event.actor, ts)
        out.append(recreated_signal(graph, g, params, eid))
        out.extend(removed_overlap_signals(graph, np.array([g]), params, eid))
    elif kind == "member.added":
        # Already known (a replay, or loaded with this very event): score all the same;
        # GraphService.fresh() drops what was said before.
        graph.add_member(event.group_id, event.account_id, event.role, ts)
        g = graph.group(event.group_id)
        a = graph.account(event.account_id)
        out.extend(removed_overlap_signals(graph, np.array([g]), params, eid))
        out.append(recreated_signal(graph, g, params, eid))
        out.append(ban_evasion_signal(graph, a, params, eid))
    elif kind == "member.removed":
        graph.remove_member(event.group_id, event.account_id)
    elif kind in ("admin.granted", "admin.revoked"):
        graph.set_admin(event.group_id, event.account_id, kind == "admin.granted", ts)
        g = graph.group(event.group_id)
        out.extend(removed_overlap_signals(graph, np.array([g]), params, eid))
    elif kind == "invite.created":
        graph.invite_created(event.token, event.group_id, event.actor)
    elif kind == "invite.used":
        graph.invite_used(event.token, event.group_id, event.seen_in_group)
        out.append(invite_signal(graph, graph.group(event.group_id), params, eid))
    return [s for s in out if s is not None]


def apply_enforcement(
    graph: MembershipGraph, enforcement: Enforcement, params: GraphParams
) -> list[Signal]:
    """Re-score what a removal or a ban touches: groups sharing members with a removed
    group (or a banned account), and groups whose invite links circulated in it."""
    now = graph.now()
    if math.isnan(now):
        now = graph.tick(utcnow().timestamp())
    subj = enforcement.subject
    out: list[Signal | None] = []
    if enforcement.kind == "remove_group" and subj.type == "group":
        affected = graph.remove_group(subj.id, now)
        out.extend(removed_overlap_signals(graph, affected, params))
        g = graph.group(subj.id)
        for target in sorted(graph.invite_targets.get(g, ())):
            out.append(invite_signal(graph, target, params))
        out.extend(_admins_of_removed(graph, g))
    elif enforcement.kind == "restore_group" and subj.type == "group":
        graph.restore_group(subj.id)
    elif enforcement.kind == "ban_account" and subj.type == "account":
        affected = graph.ban_account(subj.id, now)
        out.extend(removed_overlap_signals(graph, affected, params))
    elif enforcement.kind == "unban_account" and subj.type == "account":
        graph.unban_account(subj.id)
    return [s for s in out if s is not None]


def _admins_of_removed(graph: MembershipGraph, g: int) -> list[Signal]:
    """Role-aware: the people who ran a removed group carry it; plain members do not."""
    accts, roles = graph.members(g)
    name = graph.groups.name(g)
    out = []
    for a, r in zip(accts.tolist(), roles.tolist(), strict=True):
        if r < 1 or graph.a.banned[a]:
            continue
        word = "the creator" if r == 2 else "an admin"
        out.append(Signal(Subject("account", graph.accounts.name(a)), "graph.removed_overlap",
                          0.4 if r == 2 else 0.3, f"was {word} of group {name} when it was removed",
                          details={"source_group": name,
                                   "actor_role": "creator" if r == 2 else "admin"}))
    return out
