"""The API and the console over HTTP (in-process), as a platform and a browser use them."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from groupguard.store.tables import actions
from groupguard.web.app import create_app
from groupguard.web.tokens import create_token

PASSWORD = "correct horse battery"


@pytest.fixture
def app(settings, db, seeded, people):
    application = create_app(settings)
    yield application
    application.state.db.dispose()


@pytest.fixture
def api(app, db):
    with db.session() as s:
        token = create_token(s, "platform")
    client = TestClient(app)
    client.headers.update({"Authorization": f"Bearer {token}"})
    return client


def as_user(client, name):
    client.headers["X-Groupguard-User"] = name
    return client


def test_api_lists_decides_and_appeals(api, seeded):
    assert api.get("/v1/cases").status_code == 400  # no acting user
    as_user(api, "rita")
    body = api.get("/v1/cases").json()
    assert body["total"] == 5 and body["cases"][0]["id"] == seeded.cases["zorblax"]
    assert api.get("/v1/cases", params={"bank": "test-video"}).json()["total"] == 1
    case = api.get(f"/v1/cases/{seeded.cases['zorblax']}").json()
    assert case["signals"][0]["bank"] == "test-known"
    r = api.post(f"/v1/cases/{seeded.cases['zorblax']}/decision",
                 json={"decision": "confirm"})
    assert r.status_code == 400 and "category" in r.json()["detail"]
    r = api.post(f"/v1/cases/{seeded.cases['zorblax']}/decision",
                 json={"decision": "confirm", "category": "A1"})
    assert r.status_code == 200 and r.json()["actions"]
    appeal = api.post("/v1/appeals", json={"subject": "account:acct-001",
                                           "statement": "it was a lake"})
    assert appeal.status_code == 201
    aid = appeal.json()["case_id"]
    r = api.post(f"/v1/cases/{aid}/decision", json={"decision": "reverse"})
    assert r.status_code == 403
    as_user(api, "rob")
    assert api.post(f"/v1/cases/{aid}/decision", json={"decision": "reverse"}).status_code == 200
    as_user(api, "aud")
    export = api.get("/v1/audit/export", params={"format": "csv"})
    assert export.status_code == 200 and "case.decide" in export.text
    assert api.post(f"/v1/cases/{seeded.cases['lakes']}/decision",
                    json={"decision": "dismiss"}).status_code == 403


def test_api_rejects_unknown_user_and_bad_token(app, api):
    as_user(api, "nobody")
    assert api.get("/v1/cases").status_code == 403
    anon = TestClient(app)
    assert anon.get("/v1/cases", headers={"X-Groupguard-User": "rita"}).status_code == 401


def _csrf(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, name, password=PASSWORD):
    page = client.get("/console/login")
    return client.post("/console/login", data={
        "name": name, "password": password, "csrf_token": _csrf(page.text),
        "next": "/console/"}, follow_redirects=False)


def test_console_login_csrf_and_logout(app, db, seeded):
    client = TestClient(app)
    r = client.get("/console/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    assert login(client, "rita", "wrong password!").status_code == 401
    r = login(client, "rita")
    assert r.status_code == 303 and "gg_session" in r.headers["set-cookie"]
    assert "httponly" in r.headers["set-cookie"].lower()
    assert "samesite=strict" in r.headers["set-cookie"].lower()
    page = client.get("/console/")
    assert page.status_code == 200 and "zorblax swap club" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    cid = seeded.cases["lakes"]
    # A state change without the CSRF token is refused.
    r = client.post(f"/console/cases/{cid}/decide", data={"action": "dismiss"})
    assert r.status_code == 403
    token = _csrf(page.text)
    r = client.post(f"/console/cases/{cid}/decide",
                    data={"action": "dismiss", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and "Dismissed" in r.headers["location"].replace("+", " ")
    client.post("/console/logout", data={"csrf_token": token})
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_console_lockout_after_failures(app):
    client = TestClient(app)
    codes = [login(client, "rob", f"bad password {i}").status_code for i in range(5)]
    assert codes == [401, 401, 401, 401, 423]
    assert login(client, "rob").status_code == 423


def test_case_page_shows_media_blurred_with_labels(app, seeded):
    client = TestClient(app)
    login(client, "rita")
    page = client.get(f"/console/cases/{seeded.cases['zorblax']}")
    assert page.status_code == 200
    html = page.text
    assert 'class="frame blurred grey"' in html or 'class="frame placeholder"' in html
    assert "flip_h" in html and "test-known" in html and "acct-002" in html
    # Every form control has a label.
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    assert ids <= labelled
    # Confirm from the page, one click.
    r = client.post(f"/console/cases/{seeded.cases['zorblax']}/decide",
                    data={"action": "confirm:A2", "csrf_token": _csrf(html)},
                    follow_redirects=False)
    assert r.status_code == 303


def test_auditor_console_pages(app, db, seeded):
    client = TestClient(app)
    login(client, "aud")
    assert client.get("/console/audit").status_code == 200
    csv = client.get("/console/audit/export?format=csv")
    assert csv.status_code == 200 and csv.text.startswith("id,ts,actor,action")
    assert client.get("/console/users").status_code == 403
    with db.session() as s:
        assert s.execute(select(actions)).first() is None


def test_settings_pages_apply_org_bounds(app, db, seeded):
    from groupguard.review import wellness
    from groupguard.review.users import get_user

    admin = TestClient(app)
    login(admin, "ada")
    page = admin.get("/console/settings")
    assert "Organisation defaults" in page.text
    r = admin.post("/console/settings", data={
        "csrf_token": _csrf(page.text), "scope": "org", "default_blur_px": "30",
        "min_blur_px": "20", "exposure_counter": "required", "daily_exposure_limit": "10",
        "claim_minutes": "20", "greyscale_default": "on", "preload_blurred": "on",
        "deadline_1": "30"}, follow_redirects=False)
    assert r.status_code == 303
    rev = TestClient(app)
    login(rev, "rita")
    page = rev.get("/console/settings")
    assert "Organisation defaults" not in page.text and "(required)" in page.text
    r = rev.post("/console/settings", data={"csrf_token": _csrf(page.text), "scope": "user",
                                            "blur_px": "5", "greyscale": "on"})
    assert r.status_code == 400 and "org minimum" in r.text
    with db.session() as s:
        org = wellness.org_settings(s)
        eff = wellness.effective_settings(s, get_user(s, "rita"))
    assert org["deadline_minutes"]["1"] == 30 and org["claim_minutes"] == 20
    assert not org["allow_colour"]  # an unchecked box is a choice too
    assert eff.blur_px == 30 and eff.greyscale and eff.exposure_counter


def test_admin_creates_a_user_in_the_console(app, db, seeded):
    admin = TestClient(app)
    login(admin, "ada")
    page = admin.get("/console/users")
    r = admin.post("/console/users", data={
        "csrf_token": _csrf(page.text), "name": "newbie", "role": "reviewer",
        "password": "a long enough pass", "can_view_media": "on"}, follow_redirects=False)
    assert r.status_code == 303
    fresh = TestClient(app)
    assert login(fresh, "newbie", "a long enough pass").status_code == 303
