"""Enforcement decided outside the pipeline (a reviewer's confirmation) reaches the graph,
so the account that comes back after a reviewer's ban is caught."""

from sqlalchemy import select

from groupguard.review.cases import open_case
from groupguard.review.decide import decide
from groupguard.review.users import create_user
from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.runner.pipeline import follow_outside_enforcement, make_services, run_pending
from groupguard.signals.base import Subject
from groupguard.store.tables import signals
from tests.runner.helpers import Events


def test_a_reviewers_ban_reaches_the_graph_of_a_running_pipeline(settings, db):
    evs = Events()
    evs.add("account.registered", "mira", account_id="mira", phone="+15550001111",
            display_name="Mira Quexfin")
    for owner, gid in (("olga", "g1"), ("omar", "g2")):
        evs.account(owner)
        evs.add("group.created", owner, group_id=gid, name=f"club {gid}")
        evs.add("member.added", owner, group_id=gid, account_id="mira")
    services = make_services(settings, db)
    ingest_records(db, numbered_lines(evs.lines()))
    assert run_pending(services).failed == 0

    with db.session() as s:
        rita = create_user(s, "rita", role="reviewer", password="correct horse battery")
        cid = open_case(s, subject=Subject("account", "mira"), severity=2,
                        reason="profile photo matched", rule="perceptual-match")
    with db.session() as s:
        decide(s, settings, rita, cid, "confirm", category="B2")

    # The same runner (its graph in memory) goes on: the same person under a new number
    # comes back to both groups.
    later = Events()
    later.n = evs.n
    later.add("account.registered", "mira2", account_id="mira2", phone="+15550002222",
              display_name="mira.quexfin")
    for gid in ("g1", "g2"):
        later.add("member.added", "mira2", group_id=gid, account_id="mira2")
    ingest_records(db, numbered_lines(later.lines()))
    assert run_pending(services).failed == 0
    with db.session() as s:
        found = s.execute(select(signals.c.reason).where(
            signals.c.kind == "graph.ban_evasion", signals.c.subject_id == "mira2")
        ).scalars().all()
        # Followed once: a second look finds nothing new.
        assert follow_outside_enforcement(services, s) == 0
    assert found and "groups of banned account mira" in found[-1]


def test_a_reviewers_removal_rescores_related_groups_without_waiting_for_events(settings, db):
    # Five members of g1 also run g2 together; a reviewer removes g1; the next run of the
    # (idle) pipeline re-scores g2 from the removal.
    evs = Events()
    people = [f"m{i}" for i in range(6)]
    for a in people:
        evs.account(a)
    for gid in ("g1", "g2"):
        evs.add("group.created", "m0", group_id=gid, name=f"club {gid}")
        for a in people[1:]:
            evs.add("member.added", "m0", group_id=gid, account_id=a)
            evs.add("admin.granted", "m0", group_id=gid, account_id=a)
    services = make_services(settings, db)
    ingest_records(db, numbered_lines(evs.lines()))
    assert run_pending(services).failed == 0
    with db.session() as s:
        rita = create_user(s, "rita", role="reviewer", password="correct horse battery")
        cid = open_case(s, subject=Subject("group", "g1"), severity=2, reason="icon matched",
                        rule="perceptual-match")
    with db.session() as s:
        decide(s, settings, rita, cid, "confirm", category="B2")
    assert run_pending(services).processed == 0  # nothing pending, enforcement followed
    with db.session() as s:
        found = s.execute(select(signals.c.reason).where(
            signals.c.kind == "graph.removed_overlap", signals.c.subject_id == "g2")
        ).scalars().all()
    assert found and "group g1" in found[-1]
