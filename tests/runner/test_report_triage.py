"""User reports through the real pipeline: an uncorroborated notice is a report-triage
item; a second reporter, or a signal from what the report carries, makes it a case."""

from sqlalchemy import select

from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.runner.pipeline import make_services, run_pending
from groupguard.store.tables import actions, audit_log, cases
from tests.runner.helpers import Events


def world() -> Events:
    evs = Events()
    for a in ("alice", "bob", "carol"):
        evs.account(a)
    evs.add("group.created", "alice", group_id="g1", name="Hiking club")
    for a in ("bob", "carol"):
        evs.add("member.added", "alice", group_id="g1", account_id=a)
    return evs


def report(evs: Events, reporter: str) -> None:
    evs.add("report.filed", reporter, reporter=reporter, target_group="g1", reason="other",
            messages=[{"sender": "alice", "text": "see you on sunday"}])


def run(settings, db, evs: Events) -> None:
    ingest_records(db, numbered_lines(evs.lines()))
    assert run_pending(make_services(settings, db)).failed == 0


def test_second_independent_reporter_promotes_the_triage_item_to_a_case(settings, db):
    evs = world()
    report(evs, "bob")
    run(settings, db, evs)
    with db.session() as s:
        [item] = s.execute(select(cases)).all()
    assert (item.kind, item.rule, item.severity) == ("triage", "user-report", 4)

    report(evs, "bob")  # the same person again: still one voice
    run(settings, db, evs)
    with db.session() as s:
        assert s.execute(select(cases.c.kind)).scalars().all() == ["triage"]

    report(evs, "carol")
    run(settings, db, evs)
    with db.session() as s:
        [case] = s.execute(select(cases)).all()
        opened = s.execute(select(actions.c.payload).where(actions.c.kind == "open_case")
                           ).scalars().all()
        promoted = s.execute(select(audit_log.c.subject).where(
            audit_log.c.action == "case.promote")).scalars().all()
    assert case.id == item.id  # one queue entry per subject, its history kept
    assert (case.kind, case.rule, case.severity) == ("review", "reports-corroborated", 3)
    assert [p["kind"] for p in opened] == ["triage", "review"]
    assert promoted == [f"case:{case.id}"]


def test_a_report_whose_forwarded_text_matches_a_term_is_a_case(settings, db):
    from groupguard.signals.text.banks import create_term_bank, import_terms

    with db.session() as s:
        create_term_bank(s, "solicitation")
        import_terms(s, "solicitation", "phrase:zorblax quexfin\n")
    evs = world()
    evs.add("report.filed", "bob", reporter="bob", target_group="g1", reason="child_safety",
            messages=[{"sender": "alice", "text": "who has zorblax quexfin tonight"}])
    run(settings, db, evs)
    with db.session() as s:
        [case] = s.execute(select(cases)).all()
    assert (case.kind, case.rule) == ("review", "solicitation-terms")
