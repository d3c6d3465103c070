import base64
import hashlib
import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from groupguard.errors import ConfigError
from groupguard.reporting.evidence import (
    EvidenceError,
    EvidenceNotFoundError,
    add_retention,
    blob_path,
    custody_chain,
    preserve_media,
    preserve_record,
    read_media,
    read_record,
    rewrap_all,
    set_legal_hold,
)
from groupguard.reporting.keys import EvidenceKeyError, LocalKeyProvider
from groupguard.reporting.retention import purge_expired
from groupguard.store.tables import audit_log
from groupguard.store.tables_reporting import evidence, evidence_custody, evidence_retention
from groupguard.timeutil import utcnow


def test_preserved_media_is_encrypted_at_rest_and_reads_back(db, settings, make):
    item = make.media()
    with db.session() as s:
        ev = preserve_media(s, settings, item.data, sha256=item.sha256, reason="bank match",
                            actor="system:pipeline")
    assert ev == item.sha256
    blob = blob_path(settings, item.sha256).read_bytes()
    assert item.data not in blob and item.data[:32] not in blob
    key_file = settings.home / "keys" / "evidence.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with db.session() as s:
        assert read_media(s, settings, ev, actor="user:rita", why="case 7") == item.data


def test_every_access_is_audited_and_in_the_custody_chain(db, settings, make):
    item = make.media()
    with db.session() as s:
        preserve_media(s, settings, item.data, sha256=item.sha256, reason="match",
                       actor="system:pipeline")
        read_media(s, settings, item.sha256, actor="user:rita", why="review case 3")
    with db.session() as s:
        audits = s.execute(select(audit_log.c.actor, audit_log.c.details).where(
            audit_log.c.action == "evidence.access",
            audit_log.c.subject == f"evidence:{item.sha256}")).all()
        chain = custody_chain(s, item.sha256)
    assert [(a.actor, a.details["why"]) for a in audits] == [("user:rita", "review case 3")]
    assert [(c["action"], c["actor"], c["reason"]) for c in chain] == [
        ("preserve", "system:pipeline", "match"), ("access", "user:rita", "review case 3")]


def test_preserving_twice_keeps_one_blob_and_two_custody_rows(db, settings, make):
    item = make.media()
    with db.session() as s:
        for reason in ("match", "le request 4"):
            preserve_media(s, settings, item.data, sha256=item.sha256, reason=reason,
                           actor="system")
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(evidence)).scalar() == 1
        assert s.execute(select(func.count()).select_from(evidence_custody)).scalar() == 2


def test_wrong_hash_is_refused_and_nothing_is_written(db, settings, make):
    item = make.media()
    with db.session() as s, pytest.raises(EvidenceError, match="do not match"):
        preserve_media(s, settings, item.data, sha256=hashlib.sha256(b"x").hexdigest(),
                       reason="r", actor="a")
    assert not (settings.home / "evidence").exists()
    with db.session() as s, pytest.raises(EvidenceError, match="not a SHA-256"):
        preserve_media(s, settings, item.data, sha256="abc", reason="r", actor="a")


def test_tampered_blob_and_missing_evidence_are_clear_errors(db, settings, make):
    item = make.media()
    with db.session() as s:
        preserve_media(s, settings, item.data, sha256=item.sha256, reason="r", actor="a")
    path = blob_path(settings, item.sha256)
    raw = bytearray(path.read_bytes())
    raw[5] ^= 0xFF
    path.write_bytes(bytes(raw))
    with db.session() as s, pytest.raises(EvidenceError, match="failed authentication"):
        read_media(s, settings, item.sha256, actor="a", why="w")
    with db.session() as s, pytest.raises(EvidenceNotFoundError):
        read_media(s, settings, "0" * 64, actor="a", why="w")


def test_key_from_environment_wins_and_wrong_key_is_refused(db, settings, make, monkeypatch):
    item = make.media()
    monkeypatch.setenv("GROUPGUARD_EVIDENCE_KEY", base64.b64encode(os.urandom(32)).decode())
    with db.session() as s:
        preserve_media(s, settings, item.data, sha256=item.sha256, reason="r", actor="a")
    assert not (settings.home / "keys" / "evidence.key").exists()
    monkeypatch.setenv("GROUPGUARD_EVIDENCE_KEY", base64.b64encode(os.urandom(32)).decode())
    with db.session() as s, pytest.raises(EvidenceKeyError, match="master key"):
        read_media(s, settings, item.sha256, actor="a", why="w")
    monkeypatch.setenv("GROUPGUARD_EVIDENCE_KEY", base64.b64encode(b"short").decode())
    other = make.media()
    with db.session() as s, pytest.raises(ConfigError, match="32 bytes"):
        preserve_media(s, settings, other.data, sha256=other.sha256, reason="r", actor="a")


def test_a_kms_style_provider_plugs_in(db, settings, make):
    class CountingProvider(LocalKeyProvider):
        wraps = 0

        def wrap(self, data_key):
            CountingProvider.wraps += 1
            return super().wrap(data_key)

    provider = CountingProvider(os.urandom(32), source="test-kms")
    item = make.media()
    with db.session() as s:
        preserve_media(s, settings, item.data, sha256=item.sha256, reason="r", actor="a",
                       provider=provider)
        assert read_media(s, settings, item.sha256, actor="a", why="w",
                          provider=provider) == item.data
    assert CountingProvider.wraps == 1


def test_records_round_trip(db, settings):
    record = {"account": {"id": "acc-1", "phone": "+15550100001"}, "groups": ["g-1"]}
    with db.session() as s:
        sha = preserve_record(s, settings, record, reason="le request", actor="user:li")
    with db.session() as s:
        assert read_record(s, settings, sha, actor="user:li", why="disclosure") == record


def test_purged_evidence_is_gone_from_disk_and_database(db, settings, make):
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / "reporting.yaml").write_text(
        "jurisdictions:\n  US:\n    preservation_days: 90\n")
    keep, gone, held = make.media(), make.media(), make.media()
    with db.session() as s:
        for item in (keep, gone, held):
            preserve_media(s, settings, item.data, sha256=item.sha256, reason="r", actor="a")
        # keep: a CyberTip filed today keeps it a year; the others only have preservation.
        add_retention(s, keep.sha256, basis="cybertip", jurisdiction="US", days=365,
                      reference="report:1")
        set_legal_hold(s, held.sha256, actor="user:counsel", reason="litigation")
    with db.session() as s:
        assert purge_expired(s, settings, now=utcnow() + timedelta(days=89)).purged == []
    later = utcnow() + timedelta(days=366)
    with db.session() as s:
        result = purge_expired(s, settings, now=utcnow() + timedelta(days=91))
    assert result.purged == [gone.sha256]
    assert result.held == [held.sha256]
    assert not blob_path(settings, gone.sha256).exists()
    assert blob_path(settings, keep.sha256).exists()
    with db.session() as s:
        for table in (evidence, evidence_custody, evidence_retention):
            assert s.execute(select(func.count()).select_from(table).where(
                table.c.sha256 == gone.sha256)).scalar() == 0
        with pytest.raises(EvidenceNotFoundError):
            read_media(s, settings, gone.sha256, actor="a", why="w")
        assert read_media(s, settings, held.sha256, actor="a", why="w") == held.data
        purged = s.execute(select(audit_log.c.subject).where(
            audit_log.c.action == "evidence.purge")).scalars().all()
    assert purged == [f"evidence:{gone.sha256}"]
    # A year and a day after the CyberTip the last one goes too.
    with db.session() as s:
        result = purge_expired(s, settings, now=later)
    assert result.purged == [keep.sha256]
    assert not blob_path(settings, keep.sha256).exists()


def test_india_preservation_is_180_days(db, settings, make):
    item = make.media()
    with db.session() as s:
        preserve_media(s, settings, item.data, sha256=item.sha256, reason="r", actor="a",
                       jurisdiction="IN")
        until = s.execute(select(evidence_retention.c.expires_at)).scalar_one()
    from groupguard.timeutil import as_utc
    assert abs((as_utc(until) - utcnow()) - timedelta(days=180)) < timedelta(minutes=5)
    with db.session() as s, pytest.raises(ConfigError, match="unknown jurisdiction"):
        preserve_media(s, settings, item.data, sha256=item.sha256, reason="r", actor="a",
                       jurisdiction="ZZ")


def test_key_rotation_keeps_old_evidence_readable_and_rewrap_moves_it(db, settings, make,
                                                                       tmp_path):
    old = make.media()
    with db.session() as s:
        preserve_media(s, settings, old.data, sha256=old.sha256, reason="r", actor="a")
    retired = tmp_path / "retired.key"
    (settings.home / "keys" / "evidence.key").rename(retired)
    new_key = tmp_path / "new.key"
    new_key.write_bytes(base64.b64encode(os.urandom(32)))
    (settings.home / "reporting.yaml").write_text(
        f"evidence_key_file: {new_key}\nevidence_retired_key_files: [{retired}]\n")
    with db.session() as s:
        assert read_media(s, settings, old.sha256, actor="a", why="w") == old.data
        assert rewrap_all(s, settings, actor="user:admin") == 1
    (settings.home / "reporting.yaml").write_text(f"evidence_key_file: {new_key}\n")
    with db.session() as s:  # the retired key is no longer needed
        assert read_media(s, settings, old.sha256, actor="a", why="w") == old.data
