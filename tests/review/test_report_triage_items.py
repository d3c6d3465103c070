"""Report-triage items: a user's notice that nothing corroborates, kept apart from cases
in storage, the queue filters, the CLI and decisions."""

import pytest
from sqlalchemy import select

from groupguard.errors import GroupguardError
from groupguard.review import decide, queue
from groupguard.review.cases import open_case
from groupguard.signals.base import Subject
from groupguard.store.tables import audit_log, cases

G = Subject("group", "g1")


def test_a_signal_promotes_the_triage_item_and_a_later_report_never_demotes(db):
    with db.session() as s:
        item = open_case(s, subject=G, severity=4, reason="reported by bob",
                         rule="user-report", kind="triage")
        case = open_case(s, subject=G, severity=3, reason="name matches a term",
                         rule="solicitation-terms")
        again = open_case(s, subject=G, severity=4, reason="reported by carol",
                          rule="user-report", kind="triage")
    assert item == case == again
    with db.session() as s:
        row = s.execute(select(cases)).one()
        audited = s.execute(select(audit_log.c.action)).scalars().all()
    assert (row.kind, row.rule, row.severity) == ("review", "solicitation-terms", 3)
    assert row.reason == "name matches a term"
    assert audited == ["case.promote"]


def test_unknown_case_kind_is_refused(db):
    with db.session() as s, pytest.raises(ValueError, match="kind"):
        open_case(s, subject=G, severity=4, reason="x", kind="rumour")


def test_queue_filters_cases_from_triage_items(db, people):
    with db.session() as s:
        open_case(s, subject=G, severity=4, reason="reported by bob", rule="user-report",
                  kind="triage")
        open_case(s, subject=Subject("group", "g2"), severity=2, reason="recreated",
                  rule="network-evidence")
    rita = people["rita"]
    with db.session() as s:
        triage = queue.list_queue(s, rita, queue.QueueFilters(kind="triage"))
        review = queue.list_queue(s, rita, queue.QueueFilters(kind="review"))
        everything = queue.list_queue(s, rita)
        with pytest.raises(GroupguardError, match="triage"):
            queue.list_queue(s, rita, queue.QueueFilters(kind="reports"))
    assert [e.subject for e in triage] == ["group:g1"]
    assert [e.as_dict()["kind"] for e in triage] == ["triage"]
    assert [e.subject for e in review] == ["group:g2"]
    # One queue, worked by severity: unverified notices come after cases.
    assert [e.subject for e in everything] == ["group:g2", "group:g1"]


def test_escalating_a_triage_item_makes_it_a_case(db, settings, people):
    with db.session() as s:
        cid = open_case(s, subject=G, severity=4, reason="reported by bob",
                        rule="user-report", kind="triage")
    with db.session() as s:
        decide.decide(s, settings, people["rita"], cid, "escalate", note="looks real")
    with db.session() as s:
        row = s.execute(select(cases)).one()
    assert (row.kind, row.status) == ("review", "escalated")


def test_dismissing_a_triage_item_closes_it_without_actions(db, settings, people):
    with db.session() as s:
        cid = open_case(s, subject=G, severity=4, reason="reported by bob",
                        rule="user-report", kind="triage")
    with db.session() as s:
        r = decide.decide(s, settings, people["rita"], cid, "dismiss")
    with db.session() as s:
        row = s.execute(select(cases)).one()
    assert (row.kind, row.status, row.resolution) == ("triage", "closed", "dismiss")
    assert r.actions == []


def test_cases_list_cli_labels_triage_items(db, settings, cli_env, people):
    from typer.testing import CliRunner

    from groupguard.cli import app

    with db.session() as s:
        open_case(s, subject=G, severity=4, reason="reported by bob", rule="user-report",
                  kind="triage")
    res = CliRunner().invoke(app, ["cases", "list", "--kind", "triage"], env=cli_env)
    assert res.exit_code == 0, res.output
    assert "\ttriage\topen\tsev 4\tgroup:g1\t" in res.output
    res = CliRunner().invoke(app, ["cases", "list", "--kind", "review"], env=cli_env)
    assert res.exit_code == 0 and "group:g1" not in res.output


def test_console_and_api_show_triage_items_apart(settings, db, people):
    from fastapi.testclient import TestClient

    from groupguard.web.app import create_app
    from groupguard.web.tokens import create_token
    from tests.review.test_review_http import login

    with db.session() as s:
        cid = open_case(s, subject=G, severity=4, reason="reported by bob",
                        rule="user-report", kind="triage")
        token = create_token(s, "platform")
    app = create_app(settings)
    try:
        client = TestClient(app)
        assert login(client, "rita").status_code == 303
        queue_page = client.get("/console/?kind=triage")
        assert queue_page.status_code == 200
        assert "Report triage" in queue_page.text and "unverified user report" in queue_page.text
        case_page = client.get(f"/console/cases/{cid}")
        assert "report triage: unverified user report" in case_page.text
        api = TestClient(app)
        api.headers.update({"Authorization": f"Bearer {token}", "X-Groupguard-User": "rita"})
        listed = api.get("/v1/cases", params={"kind": "triage"}).json()
        assert [c["kind"] for c in listed["cases"]] == ["triage"]
        assert api.get("/v1/cases", params={"kind": "review"}).json()["total"] == 0
    finally:
        app.state.db.dispose()
