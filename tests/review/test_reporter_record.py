"""Reporter track record: reviewers' confirmations and dismissals credit the reporters,
policy reads the record (reliability, trusted reporters), triage items are ordered by it,
and the console shows it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, select

from groupguard.config import Settings
from groupguard.policy.engine import Policy
from groupguard.review import decide, queue
from groupguard.review.appeals import decide_appeal, open_appeal
from groupguard.review.reporters import (
    ReporterRecord,
    TrackRecords,
    record_of,
    records_for_signals,
    track_records,
)
from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.runner.pipeline import make_services, run_pending
from groupguard.signals.base import Signal, Subject
from groupguard.store.tables import actions, cases
from groupguard.store.tables_reporters import reporter_credits
from tests.runner.helpers import Events

REPORTERS = ("dan", "eve", "fay", "gus")


def world(groups: int) -> Events:
    evs = Events()
    for a in ("alice",) + REPORTERS:
        evs.account(a)
    for i in range(1, groups + 1):
        evs.add("group.created", "alice", group_id=f"g{i}", name=f"Club {i}")
    return evs


def report(evs: Events, reporter: str, group: str) -> None:
    evs.add("report.filed", reporter, reporter=reporter, target_group=group, reason="other",
            messages=[{"sender": "alice", "text": "see you on sunday"}])


def run(settings, db, evs: Events) -> None:
    ingest_records(db, numbered_lines(evs.lines()))
    assert run_pending(make_services(settings, db)).failed == 0


def item_of(db, group: str):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.execute(select(cases).where(cases.c.subject_id == group)
                         .order_by(cases.c.id.desc())).first()


def decide_on(db, settings, user, group: str, decision: str) -> None:
    with db.session() as s:
        decide.decide(s, settings, user, item_of(db, group).id, decision,
                      category="A2" if decision == "confirm" else None)


def record(db, reporter: str) -> tuple[int, int]:
    with db.session() as s:
        r = record_of(s, reporter)
    return r.confirmed, r.dismissed


def test_confirm_and_dismiss_credit_each_distinct_reporter_once(settings, db, people):
    evs = world(2)
    report(evs, "dan", "g1")
    report(evs, "dan", "g1")  # the same person twice: one credit
    report(evs, "eve", "g1")
    report(evs, "dan", "g2")
    run(settings, db, evs)
    decide_on(db, settings, people["rita"], "g1", "confirm")
    decide_on(db, settings, people["rita"], "g2", "dismiss")
    assert record(db, "dan") == (1, 1)
    assert record(db, "eve") == (1, 0)
    assert record(db, "fay") == (0, 0)
    with db.session() as s:
        credits = s.execute(select(reporter_credits.c.reporter, reporter_credits.c.outcome,
                                   reporter_credits.c.subject_id)
                            .order_by(reporter_credits.c.id)).all()
    assert [tuple(c) for c in credits] == [("dan", "confirm", "g1"), ("eve", "confirm", "g1"),
                                           ("dan", "dismiss", "g2")]


def test_escalation_credits_nobody_until_decided(settings, db, people):
    evs = world(1)
    report(evs, "dan", "g1")
    run(settings, db, evs)
    decide_on(db, settings, people["rita"], "g1", "escalate")
    assert record(db, "dan") == (0, 0)
    decide_on(db, settings, people["ivy"], "g1", "confirm")
    assert record(db, "dan") == (1, 0)


def test_an_appeal_reversing_the_confirmation_moves_the_credit_to_dismissed(
        settings, db, people):
    evs = world(1)
    report(evs, "dan", "g1")
    report(evs, "eve", "g1")
    run(settings, db, evs)
    decide_on(db, settings, people["rita"], "g1", "confirm")
    assert record(db, "dan") == (1, 0)
    with db.session() as s:
        appeal = open_appeal(s, Subject("group", "g1"), "we are a hiking club",
                             filed_by="account:alice")
    with db.session() as s:
        decide_appeal(s, settings, people["rob"], appeal, "reverse")
    assert record(db, "dan") == (0, 1)
    assert record(db, "eve") == (0, 1)
    with db.session() as s:
        reversed_ = s.execute(select(reporter_credits.c.reversed_by)).scalars().all()
    assert len(reversed_) == 2 and all(reversed_)


def test_facts_best_smoothed_precision_and_trusted_count():
    book = TrackRecords({"dan": ReporterRecord("dan", 4, 1),  # 0.80 raw, 5/7 smoothed
                         "eve": ReporterRecord("eve", 0, 5),
                         "fay": ReporterRecord("fay", 2, 0)},  # too few to be trusted
                        trusted_min=3, trusted_precision=0.8)
    assert book.reliability(["dan", "eve"]) == pytest.approx(5 / 7)
    assert book.reliability(["eve"]) == pytest.approx(1 / 7)
    assert book.reliability(["newcomer"]) == 0.5
    assert book.reliability([]) == 0.5
    assert book.trusted(["dan", "eve", "fay", "dan"]) == 1
    assert book.get("dan").words() == "4 of 5 earlier reports confirmed"

    policy = Policy.load()

    def rep(who: str) -> Signal:
        return Signal(Subject("group", "g9"), "report.user", 0.6, f"reported by {who}",
                      details={"reporter": who}, event_id=f"e-{who}")

    trusted = policy.decide(Subject("group", "g9"), [rep("dan")], reporter_records=book)
    assert (trusted.outcome, trusted.rule, trusted.severity) == (
        "review", "reports-trusted-reporter", 3)
    poor = policy.decide(Subject("group", "g9"), [rep("eve")], reporter_records=book)
    assert (poor.outcome, poor.rule) == ("triage", "user-report")
    assert poor.priority == pytest.approx(1 / 7)
    # Without records every reporter counts as new: never trusted, neutral priority.
    plain = policy.decide(Subject("group", "g9"), [rep("dan")])
    assert (plain.outcome, plain.priority) == ("triage", 0.5)


def test_thresholds_come_from_settings(db):
    with db.session() as s:
        for who, c, d in (("dan", 4, 1), ("eve", 9, 1)):
            from groupguard.review.reporters import _bump

            _bump(s, who, confirmed=c, dismissed=d)
    with db.session() as s:
        default = track_records(s, Settings(), ["dan", "eve"])
        strict = track_records(s, Settings(trusted_reporter_min=10,
                                           trusted_reporter_precision=0.9), ["dan", "eve"])
    assert default.trusted(["dan", "eve"]) == 2
    assert strict.trusted(["dan", "eve"]) == 1


def test_records_take_one_query_however_many_report_signals(db):
    sigs = [Signal(Subject("group", "g1"), "report.user", 0.6, "r",
                   details={"reporter": f"r{i % 40}"}) for i in range(200)]
    sigs += [Signal(Subject("group", "g1"), "text.term", 0.6, "t")]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        with db.session() as s:
            statements.clear()
            book = records_for_signals(s, None, sigs)
            n = len([x for x in statements if "reporter_records" in x])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert n == 1
    assert book.reliability([f"r{i}" for i in range(40)]) == 0.5


def test_a_trusted_reporters_report_becomes_a_case_and_never_acts(settings, db, people):
    evs = world(5)
    for g in ("g1", "g2", "g3"):
        report(evs, "dan", g)
    report(evs, "eve", "g4")
    run(settings, db, evs)
    for g in ("g1", "g2", "g3"):
        assert item_of(db, g).kind == "triage"
        decide_on(db, settings, people["rita"], g, "confirm")
    decide_on(db, settings, people["rita"], "g4", "dismiss")
    assert record(db, "dan") == (3, 0)
    with db.session() as s:
        before = s.execute(select(actions.c.seq)).scalars().all()
    report(evs, "dan", "g5")
    run(settings, db, evs)
    case = item_of(db, "g5")
    assert (case.kind, case.rule, case.severity) == ("review", "reports-trusted-reporter", 3)
    with db.session() as s:
        new_kinds = s.execute(select(actions.c.kind).where(
            actions.c.seq.notin_(before))).scalars().all()
    assert new_kinds == ["open_case"]  # a case for a person, nothing enforced


def test_triage_items_are_read_best_reporter_first_and_poor_reporters_still_are(
        settings, db, people):
    evs = world(9)
    # Earlier records: dan 2 of 2 confirmed, eve 0 of 3; fay and gus new.
    for g in ("g1", "g2"):
        report(evs, "dan", g)
    for g in ("g3", "g4", "g5"):
        report(evs, "eve", g)
    run(settings, db, evs)
    for g in ("g1", "g2"):
        decide_on(db, settings, people["rita"], g, "confirm")
    for g in ("g3", "g4", "g5"):
        decide_on(db, settings, people["rita"], g, "dismiss")
    # New notices, oldest first: the poor reporter's, a newcomer's, the reliable one's.
    report(evs, "eve", "g6")
    report(evs, "fay", "g7")
    report(evs, "dan", "g8")
    run(settings, db, evs)
    with db.session() as s:
        order = queue.list_queue(s, people["rita"], queue.QueueFilters(kind="triage"))
    assert [e.subject_id for e in order] == ["g8", "g7", "g6"]
    assert [round(e.priority, 3) for e in order] == [0.75, 0.5, 0.2]
    assert order[2].kind == "triage" and order[2].reporters[0]["record"] == (
        "0 of 3 earlier reports confirmed")
    assert order[0].as_dict()["reporters"][0]["reliability"] == 0.75


def test_cases_list_json_and_case_page_show_each_reporters_record(
        settings, db, cli_env, people):
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from groupguard.cli import app
    from groupguard.web.app import create_app
    from tests.review.test_review_http import login

    evs = world(6)
    for g in ("g1", "g2", "g3", "g4"):
        report(evs, "dan", g)
    report(evs, "eve", "g5")
    run(settings, db, evs)
    for g in ("g1", "g2", "g3"):
        decide_on(db, settings, people["rita"], g, "confirm")
    decide_on(db, settings, people["rita"], "g4", "dismiss")
    report(evs, "dan", "g6")
    report(evs, "eve", "g6")
    run(settings, db, evs)
    res = CliRunner().invoke(app, ["cases", "list", "--json"], env=cli_env)
    assert res.exit_code == 0, res.output
    rows = {r["subject"]: r for r in map(json.loads, res.output.splitlines())}
    assert {r["reporter"]: r["record"] for r in rows["group:g6"]["reporters"]} == {
        "dan": "3 of 4 earlier reports confirmed", "eve": "no earlier report decided"}
    cid = rows["group:g6"]["id"]
    web = create_app(settings)
    try:
        client = TestClient(web)
        assert login(client, "rita").status_code == 303
        page = client.get(f"/console/cases/{cid}")
        assert page.status_code == 200
        assert "3 of 4 earlier reports confirmed" in page.text
        assert "no earlier report decided" in page.text
        # Once decided, the page still shows the record from before this decision.
        with db.session() as s:
            decide.decide(s, settings, people["rita"], cid, "confirm", category="A2")
        assert record(db, "dan") == (4, 1)
        closed = client.get(f"/console/cases/{cid}")
        assert "3 of 4 earlier reports confirmed" in closed.text
    finally:
        web.state.db.dispose()
