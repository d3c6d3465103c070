import csv
import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from groupguard.errors import GroupguardError
from groupguard.reporting.transparency import month_metrics, write_report
from groupguard.reporting.transparency.metrics import source_of
from groupguard.store.tables import actions, cases, decisions
from groupguard.store.tables_reporting import le_requests, ncmec_report_files, ncmec_reports

OUT = Path(__file__).parents[2] / "test-output"
T = datetime(2026, 10, 10, 12, tzinfo=UTC)


def enforce(make, kind, subject_type, subject_id, signal_kinds, *, hours_after=2.0,
            via_decision=True, at=T):
    ids = [make.signal(subject_type, subject_id, k, at=at + timedelta(minutes=i))
           for i, k in enumerate(signal_kinds)]
    decision = None
    if via_decision:
        decision = make._exec(insert(decisions).values(
            subject_type=subject_type, subject_id=subject_id, source="policy", outcome="act",
            explanation="x", signal_ids=ids, created_at=at)).inserted_primary_key[0]
    make._exec(insert(actions).values(
        idempotency_key=f"{kind}:{subject_id}", kind=kind, subject_type=subject_type,
        subject_id=subject_id, reason="x", decision_id=decision, status="delivered",
        created_at=at + timedelta(hours=hours_after)))


@pytest.fixture
def month_data(db, make):
    enforce(make, "ban_account", "account", "a1", ["hash.exact", "text.term"], hours_after=1)
    enforce(make, "ban_account", "account", "a2", ["report.user", "hash.pdq"],
            hours_after=5)
    enforce(make, "remove_group", "group", "g1", ["classifier.explicit"], hours_after=3)
    enforce(make, "remove_group", "group", "g2", ["graph.removed_overlap"], via_decision=False)
    enforce(make, "ban_account", "account", "a-sept", ["hash.exact"],
            at=T - timedelta(days=30))  # another month
    make._exec(insert(actions).values(
        idempotency_key="unban:a2", kind="unban_account", subject_type="account",
        subject_id="a2", reason="appeal upheld", status="delivered", created_at=T))
    granted = make._exec(insert(decisions).values(
        subject_type="group", subject_id="g1", source="appeal", outcome="reverse",
        explanation="appeal granted", created_at=T)).inserted_primary_key[0]
    make._exec(insert(actions).values(
        idempotency_key="restore:g1", kind="restore_group", subject_type="group",
        subject_id="g1", reason="appeal granted", decision_id=granted, status="delivered",
        created_at=T))
    make._exec(insert(cases).values(
        kind="appeal", subject_type="account", subject_id="a2", status="closed",
        reason="appeal", opened_at=T, updated_at=T))
    rid = make._exec(insert(ncmec_reports).values(
        case_id=1, account_id="a1", status="finished", xml="<report/>", incident_at=T,
        created_at=T, created_by="u", updated_at=T, finished_at=T, ncmec_report_id=5)
    ).inserted_primary_key[0]
    make._exec(insert(ncmec_report_files).values(
        report_id=rid, sha256="0" * 64, file_name="f", viewed_by_esp=True, details={}))
    for n, (hours, answered) in enumerate([(10, 5), (10, 20), (10, None)]):
        make._exec(insert(le_requests).values(
            agency="Cyber Cell", jurisdiction="IN", legal_process="p", emergency=False,
            received_at=T, deadline=T + timedelta(hours=hours), status="answered" if answered
            else "open", answered_at=T + timedelta(hours=answered) if answered else None,
            created_by=f"u{n}"))


def test_month_metrics(db, month_data):
    with db.session() as s:
        m = month_metrics(s, "2026-10")
    assert m["enforcement"]["accounts banned"]["total"] == 2
    assert m["enforcement"]["accounts banned"]["by_source"]["hash match"] == 1
    assert m["enforcement"]["accounts banned"]["by_source"]["user report"] == 1
    assert m["enforcement"]["groups removed"]["by_source"]["classifier"] == 1
    assert m["enforcement"]["groups removed"]["by_source"]["graph"] == 1
    assert m["proactive_vs_reactive"] == {"proactive": 3, "reactive": 1}
    assert m["median_hours_first_signal_to_action"] == 2.5  # of 1, 5, 3, 2 hours
    assert m["ncmec_reports_filed"] == {"reports": 1, "files": 1}
    assert m["law_enforcement_requests"] == {"received": 3, "answered": 2,
                                             "answered_in_time": 1, "answered_late": 1,
                                             "open": 1}
    assert m["appeals"] == {"received": 1, "reversals": 2}
    with db.session() as s:
        assert month_metrics(s, "2026-09")["enforcement"]["accounts banned"]["total"] == 1
        with pytest.raises(GroupguardError, match="YYYY-MM"):
            month_metrics(s, "October")


def test_source_names():
    assert [source_of(k) for k in ("hash.exact", "hash.pdq", "text.solicitation",
                                   "classifier.explicit", "graph.removed_overlap",
                                   "report.user", "pdq_match", "weird")] == [
        "hash match", "hash match", "text", "classifier", "graph", "user report",
        "hash match", "other"]


def test_json_csv_and_html_are_written(db, month_data, tmp_path):
    with db.session() as s:
        paths = write_report(month_metrics(s, "2026-10"), tmp_path)
    assert json.loads(paths["json"].read_text())["appeals"]["reversals"] == 2
    rows = list(csv.DictReader(paths["csv"].open()))
    assert {"metric": "groups removed", "dimension": "source: graph", "value": "1"} in rows
    html = paths["html"].read_text()
    assert html.count("<svg") == 5 and "http" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_html_renders_in_a_real_browser(db, month_data, tmp_path):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        if os.environ.get("GROUPGUARD_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required (GROUPGUARD_REQUIRE_BROWSER=1) but missing")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with db.session() as s:
        paths = write_report(month_metrics(s, "2026-10"), tmp_path)
    OUT.mkdir(exist_ok=True)
    shot = OUT / "transparency-2026-10.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(paths["html"].as_uri())
        assert page.title() == "Transparency report 2026-10"
        assert page.locator("svg").count() == 5
        box = page.locator("svg").first.bounding_box()
        assert box["width"] > 300 and box["height"] > 100
        bars = page.locator("svg rect").count()
        assert bars == 6 + 6 + 2 + 4 + 2
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert [u for u in requests if not u.startswith("file:")] == []
    assert shot.stat().st_size > 10_000
