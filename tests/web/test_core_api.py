import json

from fastapi.testclient import TestClient

from groupguard.runner.pipeline import make_services, run_pending
from groupguard.web.app import create_app
from groupguard.web.tokens import create_token
from tests.runner.helpers import Events


def client_and_token(settings):
    app = create_app(settings)
    with app.state.db.session() as s:
        token = create_token(s, "platform")
    return TestClient(app), {"Authorization": f"Bearer {token}"}, app


def test_every_endpoint_but_health_needs_a_token(settings):
    client, _, _ = client_and_token(settings)
    assert client.get("/healthz").status_code == 200
    assert client.get("/v1/actions").status_code == 401
    assert client.post("/v1/events", json={}).status_code == 401
    bad = {"Authorization": "Bearer gg_nope"}
    assert client.get("/v1/stats", headers=bad).status_code == 401


def test_events_in_actions_out_by_cursor(settings):
    client, auth, app = client_and_token(settings)
    evs = Events()
    evs.account("alice")
    evs.add("group.created", "alice", group_id="g1", name="Club")
    evs.add("report.filed", "alice", reporter="alice", target_group="g1", reason="spam")
    body = [json.loads(line) for line in evs.lines()] + [{"id": "broken", "type": "nope"}]
    resp = client.post("/v1/events", json=body, headers=auth)
    assert resp.status_code == 202
    report = resp.json()
    assert report["accepted"] == 3 and report["errors"][0]["line"] == 4
    assert client.post("/v1/events", json=body[:3], headers=auth).json()["duplicates"] == 3
    run_pending(make_services(settings, app.state.db))
    page = client.get("/v1/actions", headers=auth).json()
    assert [a["kind"] for a in page["actions"]] == ["open_case"]
    assert client.get(f"/v1/actions?after={page['cursor']}", headers=auth).json()["actions"] == []
    stats = client.get("/v1/stats", headers=auth).json()
    assert stats["events"] == 3 and stats["open_cases"] == 1
    # A report nothing corroborates is a triage item, not a case.
    assert stats["open_by_kind"] == {"review": 0, "triage": 1, "appeal": 0}


def test_docs_render_without_a_cdn(settings):
    client, _, _ = client_and_token(settings)
    html = client.get("/docs").text
    assert "/_docs-assets/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    assert client.get("/_docs-assets/swagger-ui-bundle.js").status_code == 200
    assert "/v1/events" in client.get("/openapi.json").json()["paths"]
