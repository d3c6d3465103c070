"""The console as a reviewer uses it: Playwright driving Debian's chromium against a real
server on loopback, over a store of realistic cases with benign stand-in media.

Skipped when /usr/bin/chromium is missing, unless GROUPGUARD_REQUIRE_BROWSER=1 (CI)."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from groupguard.store.tables import actions, audit_log, cases
from tests.review.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
OUT = Path(__file__).resolve().parents[2] / "test-output" / "review"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

if not CHROMIUM.exists():
    if os.environ.get("GROUPGUARD_REQUIRE_BROWSER") == "1":
        raise RuntimeError("GROUPGUARD_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
    pytest.skip("no /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(settings, db, seeded, people):
    import uvicorn

    from groupguard.web.app import create_app

    assert seeded.preserved, "the browser journey needs preserved (encrypted) media"
    app = create_app(settings)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    app.state.db.dispose()


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def login(page, base, name):
    page.goto(f"{base}/console/")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/console/")


def frame_filter(page, sha):
    return page.eval_on_selector(f'figure[data-sha="{sha}"] .frame img',
                                 "el => getComputedStyle(el).filter")


def unlabelled_fields(page):
    return page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea')].filter(
        el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(
        el => el.name || el.id)""")


def test_reviewer_works_the_queue(server, browser, db, seeded):
    OUT.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    login(page, server, "rita")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 5
    assert "zorblax swap club" in rows.first.inner_text()
    assert unlabelled_fields(page) == []
    page.screenshot(path=str(OUT / "queue.png"), full_page=True)

    # Work the severity-1 case: media blurred until deliberately revealed.
    rows.first.get_by_role("link").click()
    sha = seeded.media["icon1"]
    page.wait_for_function(
        f"() => document.querySelector('figure[data-sha=\"{sha}\"] img').complete")
    assert "blur(" in frame_filter(page, sha) and "grayscale(1)" in frame_filter(page, sha)
    assert unlabelled_fields(page) == []
    page.screenshot(path=str(OUT / "case.png"), full_page=True)
    reveal = page.get_by_role("button", name="Reveal file 1")
    reveal.click()
    page.wait_for_function(
        f"() => !document.querySelector('figure[data-sha=\"{sha}\"] .frame')"
        ".classList.contains('blurred')")
    assert "blur(" not in frame_filter(page, sha)
    assert page.locator("#exposure-count").inner_text() == "1"
    # Leaving the item blurs it again.
    page.mouse.move(5, 5)
    page.get_by_label("Note (optional)").focus()
    assert "blur(" in frame_filter(page, sha)
    page.get_by_label("Note (optional)").fill("icon matches, flipped")
    page.get_by_role("button", name="A2").click()
    page.wait_for_url("**/console/?flash=*")
    assert "Confirmed case" in page.locator(".flash").inner_text()

    # Dismiss the lake photos group.
    page.goto(f"{server}/console/cases/{seeded.cases['lakes']}")
    page.get_by_role("button", name="Dismiss").click()
    page.wait_for_url("**/console/?flash=*")
    assert "Dismissed" in page.locator(".flash").inner_text()

    # A video case: a strip of frames, blurred; the player only after a reveal, muted.
    page.goto(f"{server}/console/cases/{seeded.cases['clips']}")
    clip = seeded.media["clip"]
    assert "blur(" in frame_filter(page, clip)
    assert page.locator("video").count() == 0
    page.get_by_role("button", name="Reveal file 1").click()
    page.wait_for_selector("video")
    assert page.eval_on_selector("video", "v => v.muted && !v.autoplay && v.paused")
    page.screenshot(path=str(OUT / "case-video.png"), full_page=True)

    # The removed group's owner appeals through support; Rita records it.
    page.goto(f"{server}/console/cases/{seeded.cases['zorblax']}")
    page.get_by_label("Appellant's statement").fill("The icon was a lake photo, not zorblax.")
    page.get_by_role("button", name="Open appeal case").click()
    page.wait_for_url("**/console/?flash=*")
    page.get_by_role("button", name="Log out").click()

    # A different reviewer reverses it.
    login(page, server, "rob")
    page.get_by_role("link", name="Appeals").click()
    page.locator("table.queue tbody tr").first.get_by_role("link").click()
    assert "lake photo" in page.locator(".appeal-box").inner_text()
    page.get_by_role("button", name="Reverse").click()
    page.wait_for_url("**/console/?flash=*")
    assert "Reversed" in page.locator(".flash").inner_text()

    with db.session() as s:
        kinds = {(a.kind, a.subject_id) for a in s.execute(select(actions))}
        assert ("remove_group", "grp-zorblax") in kinds
        assert ("restore_group", "grp-zorblax") in kinds
        views = s.execute(select(audit_log).where(audit_log.c.action == "media.view")).all()
        assert {v.subject for v in views} == {f"media:{sha}", f"media:{clip}"}
        statuses = dict(s.execute(select(cases.c.id, cases.c.resolution)).all())
        assert statuses[seeded.cases["zorblax"]] == "confirm"
        assert statuses[seeded.cases["lakes"]] == "dismiss"


def test_keyboard_only(server, browser, db, seeded):
    page = browser.new_page()
    page.goto(f"{server}/console/")
    # The sign-in form: focus starts in the name field.
    page.keyboard.type("ivy")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/console/")
    page.keyboard.press("n")  # take the next case
    page.wait_for_url(f"**/console/cases/{seeded.cases['zorblax']}")
    sha = seeded.media["icon1"]
    # Tab to the reveal button, reveal with Enter, then Tab away: blurred again.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('reveal')"):
            break
    else:
        pytest.fail("the reveal button cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => !document.querySelector('.frame').classList.contains('blurred')")
    assert "blur(" not in frame_filter(page, sha)
    # Still inside the item (its bulk-decision controls): still revealed.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('figure.media')")
    assert "blur(" not in frame_filter(page, sha)
    for _ in range(10):
        page.keyboard.press("Tab")
        if not page.evaluate("!!document.activeElement.closest('figure.media')"):
            break
    assert "blur(" in frame_filter(page, sha)
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("e")  # escalate
    page.wait_for_url("**/console/?flash=*")
    with db.session() as s:
        status = s.execute(select(cases.c.status).where(
            cases.c.id == seeded.cases["zorblax"])).scalar_one()
    assert status == "escalated"
