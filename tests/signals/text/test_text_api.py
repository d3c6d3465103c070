"""HTTP: /v1/text/match and the term-bank routes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from groupguard.config import Settings
from groupguard.store import open_database
from groupguard.web.app import create_app
from groupguard.web.tokens import create_token


@pytest.fixture
def client(settings: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    db = open_database(settings)
    with db.session() as s:
        token = create_token(s, "tester")
    db.dispose()
    app = create_app(settings)
    with TestClient(app) as c:
        yield c, {"Authorization": f"Bearer {token}"}
    app.state.db.dispose()


def test_term_bank_routes_and_match(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    assert c.post("/v1/text/match", json={"texts": ["x"]}).status_code == 401
    r = c.post("/v1/term-banks", json={"name": "ops", "strength": 0.5}, headers=auth)
    assert r.status_code == 201 and r.json()["name"] == "ops"
    assert c.post("/v1/term-banks", json={"name": "ops"}, headers=auth).status_code == 409
    r = c.post("/v1/term-banks/ops/terms", headers=auth, json={"terms": [
        {"term": "zorblax"}, {"term": "(bad", "mode": "regex"}, {"term": "glimmer swap"}]})
    assert r.status_code == 200
    body = r.json()
    assert body["added"] == 2 and len(body["errors"]) == 1 and len(body["ids"]) == 2
    r = c.post("/v1/text/match", headers=auth,
               json={"texts": ["ZORB LAX", "glimmer-swap", ""], "banks": ["ops"]})
    results = r.json()["results"]
    assert [[h["term"] for h in x["hits"]] for x in results] == [
        ["zorblax"], ["glimmer swap"], []]
    assert results[0]["hits"][0]["span"] == [0, 8]
    r = c.delete(f"/v1/term-banks/ops/terms/{body['ids'][0]}", headers=auth)
    assert r.status_code == 200 and r.json()["removed"] == 1
    terms = c.get("/v1/term-banks/ops/terms", headers=auth).json()["terms"]
    assert [t["term"] for t in terms] == ["glimmer swap"]
    assert c.get("/v1/term-banks", headers=auth).json()["banks"][0]["terms"] == 1
    assert c.get("/v1/term-banks/nope/terms", headers=auth).status_code == 404
    assert c.post("/v1/text/match", headers=auth,
                  json={"texts": ["a"], "banks": ["nope"]}).status_code == 404
    assert c.post("/v1/text/match", headers=auth, json={"texts": []}).status_code == 422
