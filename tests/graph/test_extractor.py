from datetime import timedelta

from sqlalchemy import insert

from groupguard.graph.extractor import GraphExtractor, GraphService
from groupguard.graph.load import load_graph
from groupguard.runner.context import PipelineContext, Services
from groupguard.signals.base import Enforcement, Subject
from groupguard.store.tables import accounts, groups, invite_uses, memberships

from .helpers import T0, ev


def seed_store(session):
    session.execute(insert(accounts), [
        {"id": a, "registered_at": T0, "status": "active", "banned_at": None}
        for a in ("boss", "a1", "a2", "x")
    ] + [{"id": "b", "registered_at": T0, "status": "banned",
          "banned_at": T0 + timedelta(hours=5)}])
    session.execute(insert(groups), [
        {"id": "G", "creator": "boss", "created_at": T0, "status": "removed",
         "removed_at": T0 + timedelta(hours=2)},
        {"id": "K", "creator": "x", "created_at": T0, "status": "active", "removed_at": None},
    ])
    rows = [("G", "boss", "creator", False, 3), ("G", "a1", "admin", False, 3),
            ("G", "a2", "member", False, 1),  # left an hour before the removal
            ("K", "x", "creator", True, None), ("K", "a1", "member", True, None),
            ("K", "a2", "member", True, None), ("K", "b", "member", False, 6)]
    session.execute(insert(memberships), [
        {"group_id": g, "account_id": a, "role": r, "active": act, "joined_at": T0,
         "left_at": None if left is None else T0 + timedelta(hours=left)}
        for g, a, r, act, left in rows])
    session.execute(insert(invite_uses), [
        {"token": "tok", "group_id": "K", "account_id": "x", "seen_in_group": "G",
         "ts": T0 + timedelta(hours=7)}])


def test_graph_loads_from_the_store_with_removals_bans_and_who_left_before(db):
    with db.session() as s:
        seed_store(s)
    with db.session() as s:
        graph = load_graph(s)
    k = graph.groups.get("K")
    # a1 was in G when it went; a2 had left before; b is banned (and left K after).
    assert graph.a.taint[graph.accounts.get("a1")] == 1
    assert graph.a.taint[graph.accounts.get("a2")] == 0
    assert graph.a.banned[graph.accounts.get("b")]
    assert (graph.g.n_members[k], graph.g.tainted_members[k]) == (3, 1)
    assert graph.invite_sources[k] == {graph.groups.get("G"): 1}
    assert graph.now() == (T0 + timedelta(hours=7)).timestamp()


def test_extractor_updates_its_service_from_events_and_does_not_repeat_itself(db, settings):
    services = Services(settings=settings, db=db)
    extractor = GraphExtractor()
    with db.session() as s:
        seed_store(s)
    with db.session() as s:
        ctx = PipelineContext(services=services, session=s)
        svc = extractor.service(ctx)
        assert isinstance(svc, GraphService) and ctx.service("graph", None) is svc
        first = extractor.on_event(ctx, ev(8, "group.created", "boss", group_id="G3", name="n"))
        assert [x.kind for x in first] == ["graph.removed_overlap"]
        assert first[0].reason.startswith("the creator boss was an admin of group G, removed")
        again = extractor.on_event(ctx, ev(8, "member.added", "boss", group_id="G3",
                                           account_id="zz"))
        assert again == []  # nothing grew enough to say it again
        out = extractor.on_enforcement(
            ctx, Enforcement("remove_group", Subject("group", "K"), "test"))
        assert [str(x.subject) for x in out] == ["account:x"]
        assert out[0].reason == "was the creator of group K when it was removed"
