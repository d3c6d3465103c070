"""HTTP routes for banks."""

from __future__ import annotations

from fastapi.testclient import TestClient

from groupguard.web.app import create_app
from groupguard.web.tokens import create_token

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def _client(settings):
    app = create_app(settings)
    with app.state.db.session() as s:
        token = create_token(s, "tns")
    return TestClient(app), {"Authorization": f"Bearer {token}"}


def test_bank_routes_need_a_token(settings):
    client, _ = _client(settings)
    assert client.get("/v1/banks").status_code == 401
    assert client.post("/v1/banks", json={"name": "x"}).status_code == 401


def test_create_add_list_export_import_remove(settings):
    client, auth = _client(settings)
    r = client.post("/v1/banks", json={"name": "known", "action_policy": "act"}, headers=auth)
    assert r.status_code == 201 and r.json()["action_policy"] == "act"
    assert client.post("/v1/banks", json={"name": "known"}, headers=auth).status_code == 409
    assert client.post("/v1/banks", json={"name": "y", "kind": "odd"},
                       headers=auth).status_code == 422
    r = client.post("/v1/banks/known/hashes", headers=auth, json={
        "items": [{"signal_type": "pdq", "value": PDQ, "tags": ["zorblax"]},
                  {"signal_type": "md5", "value": "nope"},
                  {"signal_type": "md5", "value": MD5}]})
    body = r.json()
    assert r.status_code == 201 and body["added"] == 2
    assert body["errors"][0]["index"] == 1 and "MD5" in body["errors"][0]["error"]
    assert client.post("/v1/banks/nope/hashes", headers=auth,
                       json={"items": []}).status_code == 404
    (bank,) = client.get("/v1/banks", headers=auth).json()["banks"]
    assert bank["entries"] == 2
    exported = client.get("/v1/banks/known/export?format=hma", headers=auth)
    assert exported.status_code == 200 and PDQ in exported.text
    client.post("/v1/banks", json={"name": "copy"}, headers=auth)
    r = client.post("/v1/banks/copy/import?format=hma", headers={**auth,
                    "Content-Type": "text/plain"}, content=exported.text + "{bad\n")
    assert r.json()["added"] == 2 and r.json()["errors"][0].startswith("line 3")
    entry = body["entries"][0]
    r = client.delete(f"/v1/banks/known/entries/{entry}", headers=auth)
    assert r.json()["removed"] is True
    assert client.get("/v1/banks/known", headers=auth).json()["entries"] == 1
    assert client.delete("/v1/banks/copy/entries/999", headers=auth).status_code == 404
