import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from groupguard.errors import ConfigError
from groupguard.reporting.evidence import custody_chain, preserve_media
from groupguard.reporting.lawenforcement import (
    LawEnforcementError,
    build_disclosure,
    get_request,
    intake,
    list_requests,
    preserve_for_request,
    verify_package,
)
from groupguard.reporting.retention import purge_expired
from groupguard.store.tables_reporting import evidence_retention
from groupguard.timeutil import as_utc, utcnow


def test_deadline_follows_the_jurisdiction_and_emergencies_come_first(db, settings):
    t = utcnow()
    with db.session() as s:
        india = intake(s, settings, agency="Cyber Cell", jurisdiction="IN",
                       legal_process="Sec. 91 CrPC notice", subjects=[("account", "acc-1")],
                       actor="user:li", received_at=t)
        us = intake(s, settings, agency="FBI", jurisdiction="US", legal_process="subpoena",
                    subjects=[("group", "g-1")], actor="user:li", received_at=t)
        urgent = intake(s, settings, agency="Local PD", jurisdiction="US",
                        legal_process="emergency disclosure request", emergency=True,
                        subjects=[("account", "acc-2")], actor="user:li", received_at=t)
    with db.session() as s:
        queue = list_requests(s, now=t + timedelta(hours=1))
    assert [r["id"] for r in queue] == [urgent, india, us]
    by_id = {r["id"]: r for r in queue}
    assert as_utc_iso(by_id[india]["deadline"]) - t == timedelta(hours=72)
    assert by_id[india]["time_left"] == "2d 23h"
    assert by_id[urgent]["time_left"] == "23h 0m"
    with db.session() as s:
        late = list_requests(s, now=t + timedelta(hours=80))
    assert {r["id"]: r["time_left"] for r in late}[india] == "overdue by 8h 0m"


def as_utc_iso(value):
    from datetime import datetime
    return as_utc(datetime.fromisoformat(value))


def test_malformed_requests_are_refused(db, settings):
    with db.session() as s:
        with pytest.raises(LawEnforcementError, match="at least one"):
            intake(s, settings, agency="X", jurisdiction="US", legal_process="p", subjects=[],
                   actor="a")
        with pytest.raises(LawEnforcementError, match="account:ID"):
            intake(s, settings, agency="X", jurisdiction="US", legal_process="p",
                   subjects=[("phone", "1")], actor="a")
        with pytest.raises(ConfigError, match="unknown jurisdiction"):
            intake(s, settings, agency="X", jurisdiction="XX", legal_process="p",
                   subjects=[("account", "a")], actor="a")


def test_preservation_and_signed_disclosure(db, settings, make, tmp_path):
    make.account("acc-1")
    make.group("g-1", icon_set_by="acc-1", members=("acc-1",))
    icon = make.media()
    make.use(icon, subject_type="group", subject_id="g-1", role="group_icon", set_by="acc-1")
    with db.session() as s:
        preserve_media(s, settings, icon.data, sha256=icon.sha256, reason="match",
                       actor="system", jurisdiction="US")
        rid = intake(s, settings, agency="Cyber Cell", jurisdiction="IN",
                     legal_process="preservation notice",
                     subjects=[("account", "acc-1"), ("group", "g-1")], actor="user:li")
    with db.session() as s:
        result = preserve_for_request(s, settings, rid, actor="user:li")
    assert result["media"] == [icon.sha256] and len(result["records"]) == 2
    assert result["retained_days"] == 180
    with db.session() as s:
        until = s.execute(select(evidence_retention.c.expires_at).where(
            evidence_retention.c.sha256 == icon.sha256,
            evidence_retention.c.basis == "le_request")).scalar_one()
    assert abs(as_utc(until) - utcnow() - timedelta(days=180)) < timedelta(minutes=5)
    out = tmp_path / "package"
    with db.session() as s:
        build_disclosure(s, settings, rid, out, actor="user:li")
    assert verify_package(out) == []
    manifest = json.loads((out / "manifest.json").read_text())
    paths = {e["path"] for e in manifest["files"]}
    assert f"files/{icon.sha256}.png" in paths and "request.json" in paths
    assert (out / f"files/{icon.sha256}.png").read_bytes() == icon.data
    records = [json.loads((out / p).read_text()) for p in paths if p.startswith("records/")]
    assert {r["subject"] for r in records} == {"account:acc-1", "group:g-1"}
    with db.session() as s:
        req = get_request(s, rid)
        chain = custody_chain(s, icon.sha256)
    assert req["status"] == "answered" and req["answered_in_time"] is True
    assert "disclose" in [c["action"] for c in chain]
    # Tampering is detected.
    (out / f"files/{icon.sha256}.png").write_bytes(b"changed")
    assert verify_package(out) == [f"files/{icon.sha256}.png: hash differs from the manifest"]
    manifest["agency"] = "someone else"
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert "manifest signature does not verify" in verify_package(out)


def test_le_preservation_keeps_evidence_past_its_own_retention(db, settings, make):
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / "reporting.yaml").write_text(
        "jurisdictions:\n  US:\n    preservation_days: 30\n")
    make.account("acc-1")
    item = make.media()
    make.use(item, subject_type="account", subject_id="acc-1", role="profile_photo")
    with db.session() as s:
        preserve_media(s, settings, item.data, sha256=item.sha256, reason="m", actor="a")
        rid = intake(s, settings, agency="Cyber Cell", jurisdiction="IN", legal_process="p",
                     subjects=[("account", "acc-1")], actor="a")
        preserve_for_request(s, settings, rid, actor="a")
    with db.session() as s:
        assert item.sha256 not in purge_expired(s, settings,
                                                now=utcnow() + timedelta(days=31)).purged
        assert item.sha256 in purge_expired(s, settings,
                                            now=utcnow() + timedelta(days=181)).purged


def test_disclosure_refuses_a_non_empty_folder(db, settings, tmp_path):
    with db.session() as s:
        rid = intake(s, settings, agency="X", jurisdiction="US", legal_process="p",
                     subjects=[("account", "nobody")], actor="a")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("x")
    with db.session() as s, pytest.raises(LawEnforcementError, match="not empty"):
        build_disclosure(s, settings, rid, tmp_path / "out", actor="a")
