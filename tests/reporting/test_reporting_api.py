from fastapi.testclient import TestClient

from groupguard.web.app import create_app
from groupguard.web.tokens import create_token
from tests.reporting.reporting_cases import group_case


def api(settings):
    app = create_app(settings)
    with app.state.db.session() as s:
        token = create_token(s, "compliance")
    return TestClient(app), {"Authorization": f"Bearer {token}"}


def test_reports_need_a_token(db, settings):
    client, _ = api(settings)
    assert client.get("/v1/reports").status_code == 401


def test_draft_and_list_reports(db, settings, make):
    case_id, *_ = group_case(make, db, settings)
    client, auth = api(settings)
    resp = client.post(f"/v1/cases/{case_id}/reports/draft", headers=auth)
    assert resp.status_code == 201
    ids = resp.json()["report_ids"]
    listed = client.get("/v1/reports", params={"case_id": case_id}, headers=auth).json()
    assert sorted(r["id"] for r in listed["reports"]) == sorted(ids)
    one = client.get(f"/v1/reports/{ids[0]}", headers=auth).json()
    assert one["xml"].startswith("<?xml") and one["files"]
    assert client.get("/v1/reports/999", headers=auth).status_code == 404
    bad = client.post("/v1/cases/999/reports/draft", headers=auth)
    assert bad.status_code == 404 and "does not exist" in bad.json()["detail"]


def test_le_requests_over_http(db, settings):
    client, auth = api(settings)
    resp = client.post("/v1/le-requests", headers=auth, json={
        "agency": "Cyber Cell", "jurisdiction": "IN", "legal_process": "notice",
        "accounts": ["acc-1"], "emergency": True})
    assert resp.status_code == 201
    rid = resp.json()["id"]
    assert resp.json()["time_left"].startswith("23h")
    assert client.post("/v1/le-requests", headers=auth, json={
        "agency": "X", "jurisdiction": "IN", "legal_process": "p"}).status_code == 422
    queue = client.get("/v1/le-requests", headers=auth).json()["requests"]
    assert [r["id"] for r in queue] == [rid]
    package = client.post(f"/v1/le-requests/{rid}/disclose", headers=auth).json()["package"]
    from groupguard.reporting.lawenforcement import verify_package
    assert verify_package(package) == []
    assert client.get("/v1/transparency/2026-10", headers=auth).json()["month"] == "2026-10"
