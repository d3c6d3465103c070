"""Exchange sync against fake NCMEC and StopNCII servers on loopback."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

pytest.importorskip("threatexchange")

sys.path.insert(0, str(Path(__file__).parent))
from exchange_fakes import (  # noqa: E402
    FakeServer,
    NcmecHandler,
    StopNciiHandler,
    ncmec_deleted,
    ncmec_entry,
    stopncii_record,
)

from groupguard.banks import service  # noqa: E402
from groupguard.banks.exchanges import sync_bank  # noqa: E402
from groupguard.banks.exchanges.ncmec import NcmecExchange, client_timestamp  # noqa: E402
from groupguard.errors import BankError  # noqa: E402
from groupguard.store.tables_banks import bank_sync_state  # noqa: E402

PDQ1 = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ2 = "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064"
MD5A = "a1" * 16
MD5B = "b1" * 16

NCMEC = {"user": "esp-user", "password": "esp-pass"}
STOPNCII = {"key": "sub-key", "fetch_key": "fn-key"}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")


def _values(db, bank):
    with db.session() as s:
        return {(e.signal_type, e.value, e.source) for e in service.entries(s, bank)}


def test_ncmec_sync_pages_adds_removes_and_checkpoints(db, monkeypatch):
    monkeypatch.setattr(NcmecHandler, "pages", [
        ([ncmec_entry("image", 42, "img1", {"md5": MD5A, "sha1": "c" * 40, "pdq": PDQ1})],
         [ncmec_entry("video", 42, "vid1", {"md5": MD5B, "sha1": "d" * 40})]),
        ([ncmec_entry("image", 43, "img2", {"pdq": "nothex"}),
          ncmec_entry("image", 43, "img3", {"pdq": PDQ2}, classification=None)], []),
    ])
    with db.session() as s:
        service.create_bank(s, "ncmec", action_policy="act", verified=True)
    with FakeServer(NcmecHandler) as server:
        report = sync_bank(db, "ncmec", "ncmec", endpoint=server.url + "/hashsharing",
                           credentials=NCMEC)
        assert report.errors == ["ncmec:43-img2: PDQ hash must be 64 hex characters, got 6: "
                                 "'nothex'"]
        assert report.fetched == 4 and report.added == 4
        assert _values(db, "ncmec") == {
            ("md5", MD5A, "ncmec:42-img1"), ("pdq", PDQ1, "ncmec:42-img1"),
            ("md5", MD5B, "ncmec:42-vid1"), ("pdq", PDQ2, "ncmec:43-img3")}
        first_path, first_query, headers = server.requests[0]
        assert first_path == "/hashsharing/v2/entries"
        assert first_query["from"] == "1970-01-01T00:00:00Z"
        assert len(server.requests) == 2  # followed paging/next
        with db.session() as s:
            tags = {e.source: e.tags for e in service.entries(s, "ncmec")}
            (state,) = s.execute(select(bank_sync_state)).all()
        assert "ncmec_class:A1" in tags["ncmec:42-img1"]
        assert state.checkpoint["to"] == report.checkpoint["to"]

        # Next sync starts at the checkpoint; a deletion tombstones the item's entries.
        monkeypatch.setattr(NcmecHandler, "pages", [([ncmec_deleted("image", 42, "img1")], [])])
        later = NcmecExchange(endpoint=server.url + "/hashsharing", clock=lambda: time.time()
                              + 60, **NCMEC)
        again = sync_bank(db, "ncmec", later)
        assert again.removed == 2
        _, query, _ = server.requests[-1]
        assert query["from"] == time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                              time.gmtime(state.checkpoint["to"]))
        assert {v[2] for v in _values(db, "ncmec")} == {"ncmec:42-vid1", "ncmec:43-img3"}


def test_ncmec_bad_credentials_are_reported_and_keep_the_checkpoint(db, monkeypatch):
    monkeypatch.setattr(NcmecHandler, "pages", [])
    with db.session() as s:
        service.create_bank(s, "ncmec")
    with FakeServer(NcmecHandler) as server:
        report = sync_bank(db, "ncmec", "ncmec", endpoint=server.url + "/hashsharing",
                           credentials={"user": "esp-user", "password": "wrong"})
    assert report.errors and "401" in report.errors[0]
    assert report.checkpoint is None
    with pytest.raises(BankError, match="credentials"):
        sync_bank(db, "ncmec", "ncmec", endpoint="http://127.0.0.1:9", credentials={})


def test_ncmec_range_is_sent_in_utc_whatever_the_local_zone(monkeypatch):
    """The client formats with local time but appends Z; we pre-shift."""
    from threatexchange.exchanges.clients.ncmec.hash_api import _date_format

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        ts = 1_700_000_000
        assert _date_format(client_timestamp(ts)) == time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                   time.gmtime(ts))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_stopncii_sync_adds_withdraws_and_checkpoints(db, monkeypatch):
    monkeypatch.setattr(StopNciiHandler, "pages", [
        [stopncii_record("ImagePDQ", PDQ1), stopncii_record("VideoMD5", MD5A),
         stopncii_record("VideoTMK", "x" * 10)],
        [stopncii_record("ImagePDQ", PDQ2), {"broken": True}],
    ])
    with db.session() as s:
        service.create_bank(s, "ncii")
    with FakeServer(StopNciiHandler) as server:
        report = sync_bank(db, "ncii", "stopncii", endpoint=server.url + "/v1",
                           credentials=STOPNCII)
        assert report.errors == [] and report.added == 3
        assert report.checkpoint == {"since": 1700000001}
        assert {(t, v) for t, v, _ in _values(db, "ncii")} == {
            ("pdq", PDQ1), ("md5", MD5A), ("pdq", PDQ2)}
        path, query, _ = server.requests[0]
        assert path == "/v1/FetchHashes" and query["startTimestamp"] == "10"

        monkeypatch.setattr(StopNciiHandler, "pages",
                            [[stopncii_record("ImagePDQ", PDQ1, status="Withdrawn")]])
        again = sync_bank(db, "ncii", "stopncii", endpoint=server.url + "/v1",
                          credentials=STOPNCII)
        assert again.removed == 1
        assert server.requests[-1][1]["startTimestamp"] == "1700000001"
        assert {v for _, v, _ in _values(db, "ncii")} == {MD5A, PDQ2}


def test_sync_command_reads_credentials_from_the_environment(cli_env, monkeypatch):
    from typer.testing import CliRunner

    from groupguard.cli import app

    monkeypatch.setattr(StopNciiHandler, "pages", [[stopncii_record("ImagePDQ", PDQ1)]])
    env = dict(cli_env, GROUPGUARD_STOPNCII_KEY="sub-key",
               GROUPGUARD_STOPNCII_FETCH_KEY="fn-key", NO_PROXY="127.0.0.1")
    runner = CliRunner()
    assert runner.invoke(app, ["bank", "create", "ncii"], env=env).exit_code == 0
    with FakeServer(StopNciiHandler) as server:
        result = runner.invoke(app, ["bank", "sync", "ncii", "--exchange", "stopncii",
                                     "--endpoint", server.url + "/v1", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert '"added": 1' in result.stdout
    assert os.environ.get("GROUPGUARD_STOPNCII_KEY") is None
