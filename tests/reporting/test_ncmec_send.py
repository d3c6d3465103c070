import pytest
from lxml import etree
from sqlalchemy import select, update

from groupguard.errors import ReportError
from groupguard.reporting.evidence import blob_path
from groupguard.reporting.ncmec.client import NcmecClient
from groupguard.reporting.ncmec.errors import (
    NcmecAuthError,
    NcmecRejectedError,
    NcmecReportClosedError,
    NcmecServerError,
    NcmecUnknownReportError,
)
from groupguard.reporting.ncmec.schema import SchemaViolationError
from groupguard.reporting.ncmec.send import retract_report, send_case, send_report
from groupguard.store.tables_reporting import (
    evidence_retention,
    ncmec_report_files,
    ncmec_reports,
)
from tests.reporting.reporting_cases import group_case


def make_client(fake, *, retries=2, password=None, sleeps=None):
    return NcmecClient(fake.url, fake.username, password or fake.password, retries=retries,
                       backoff=0.01, sleep=(sleeps.append if sleeps is not None else
                                            lambda s: None))


def test_case_is_filed_end_to_end(db, settings, make, fake_ncmec):
    case_id, icon, extra, posted = group_case(make, db, settings)
    with make_client(fake_ncmec) as client:
        ncmec_ids = send_case(db, settings, case_id, actor="user:rita", client=client)
    assert len(ncmec_ids) == 2 and set(ncmec_ids) == set(fake_ncmec.reports)
    for rid in ncmec_ids:
        report = fake_ncmec.reports[rid]
        assert report.finished and report.files
        for f in report.files.values():
            details = etree.fromstring(f["details"].encode())
            assert details.findtext("fileViewedByEsp") == "true"
            hashes = {h.get("hashType"): h.text for h in details.findall("originalFileHash")}
            assert set(hashes) == {"MD5", "SHA256", "PDQ"}
            assert f["name"].endswith(".png")
    stored = {f["data"] for r in fake_ncmec.reports.values() for f in r.files.values()}
    assert stored == {icon.data, extra.data, posted.data}
    with db.session() as s:
        rows = s.execute(select(ncmec_reports.c.status, ncmec_reports.c.ncmec_report_id)).all()
        assert {r.status for r in rows} == {"finished"}
        bases = s.execute(select(evidence_retention.c.basis)).scalars().all()
    assert bases.count("cybertip") == 3
    # Sending again is a no-op: nothing more reaches NCMEC.
    calls = len(fake_ncmec.calls)
    with make_client(fake_ncmec) as client:
        assert send_case(db, settings, case_id, actor="user:rita", client=client) == ncmec_ids
    assert len(fake_ncmec.calls) == calls


def test_crash_mid_upload_resumes_without_filing_twice(db, settings, make, fake_ncmec):
    case_id, *_ = group_case(make, db, settings)
    with db.session() as s:
        from groupguard.reporting.ncmec.drafts import draft_reports_for_case
        ids = draft_reports_for_case(s, settings, case_id, actor="user:rita")
        (rid,) = [i for i in ids if s.execute(select(ncmec_reports.c.account_id).where(
            ncmec_reports.c.id == i)).scalar() == "acc-1"]
    fake_ncmec.fail["/upload"] = ["ok", "500"]  # second file's upload fails
    with make_client(fake_ncmec, retries=0) as client, pytest.raises(NcmecServerError):
        send_report(db, settings, rid, actor="user:rita", client=client)
    with db.session() as s:
        report = s.execute(select(ncmec_reports).where(ncmec_reports.c.id == rid)).first()
        file_ids = s.execute(select(ncmec_report_files.c.ncmec_file_id).where(
            ncmec_report_files.c.report_id == rid)).scalars().all()
    assert report.status == "submitted" and report.ncmec_report_id in fake_ncmec.reports
    assert "HTTP 500" in report.last_error
    assert sum(fid is not None for fid in file_ids) == 1
    # A restart resumes: no second /submit, the missing file goes up, the report finishes.
    with make_client(fake_ncmec) as client:
        ncmec_id = send_report(db, settings, rid, actor="user:rita", client=client)
    assert fake_ncmec.calls.count("/submit") == 1
    assert ncmec_id == report.ncmec_report_id
    assert len(fake_ncmec.reports[ncmec_id].files) == 2
    assert fake_ncmec.reports[ncmec_id].finished


def test_transient_errors_are_retried_with_backoff(fake_ncmec):
    fake_ncmec.fail["/status"] = ["503", "drop"]
    sleeps = []
    with make_client(fake_ncmec, retries=3, sleeps=sleeps) as client:
        assert client.status().code == 0
    assert sleeps == [0.01, 0.02]


def test_submit_is_not_retried_once_it_may_have_reached_ncmec(fake_ncmec):
    fake_ncmec.fail["/submit"] = ["500"]
    with make_client(fake_ncmec, retries=3) as client, pytest.raises(NcmecServerError):
        client.submit("<report/>")
    assert fake_ncmec.calls == ["/submit"]


def test_bad_credentials_are_a_clear_error(fake_ncmec):
    with make_client(fake_ncmec, password="wrong") as client, \
            pytest.raises(NcmecAuthError, match="credentials"):
        client.status()


def test_fake_ncmec_rejects_what_ncmec_rejects(db, settings, make, fake_ncmec):
    with make_client(fake_ncmec) as client:
        with pytest.raises(NcmecRejectedError, match="schema"):
            client.submit("<report><incidentSummary/></report>")
        with pytest.raises(NcmecRejectedError):
            client.submit("not xml")
        with pytest.raises(NcmecUnknownReportError):
            client.upload(12345, "a.png", b"x")
        with pytest.raises(NcmecUnknownReportError):
            client.finish(12345)
    case_id, *_ = group_case(make, db, settings)
    with make_client(fake_ncmec) as client:
        (first, _) = send_case(db, settings, case_id, actor="user:rita", client=client)
        with pytest.raises(NcmecReportClosedError, match="finished"):
            client.finish(first)
        with pytest.raises(NcmecReportClosedError):
            client.upload(first, "late.png", b"late")


def test_retract_an_unfinished_report(db, settings, make, fake_ncmec):
    case_id, *_ = group_case(make, db, settings)
    with db.session() as s:
        from groupguard.reporting.ncmec.drafts import draft_reports_for_case
        rid = draft_reports_for_case(s, settings, case_id, actor="user:rita")[0]
    fake_ncmec.fail["/fileinfo"] = ["500"]
    with make_client(fake_ncmec, retries=0) as client:
        with pytest.raises(NcmecServerError):
            send_report(db, settings, rid, actor="user:rita", client=client)
        retract_report(db, rid, actor="user:rita", client=client)
        with db.session() as s:
            ncmec_id = s.execute(select(ncmec_reports.c.ncmec_report_id).where(
                ncmec_reports.c.id == rid)).scalar()
        assert fake_ncmec.reports[ncmec_id].retracted
        with pytest.raises(NcmecReportClosedError, match="retracted"):
            client.retract(ncmec_id)
        with pytest.raises(ReportError, match="retracted"):
            send_report(db, settings, rid, actor="user:rita", client=client)


def test_schema_violation_is_caught_before_anything_is_sent(db, settings, make, fake_ncmec):
    case_id, *_ = group_case(make, db, settings)
    with db.session() as s:
        from groupguard.reporting.ncmec.drafts import draft_reports_for_case
        ids = draft_reports_for_case(s, settings, case_id, actor="user:rita")
        xml = s.execute(select(ncmec_reports.c.xml).where(ncmec_reports.c.id == ids[1])
                        ).scalar()
        s.execute(update(ncmec_reports).where(ncmec_reports.c.id == ids[1]).values(
            xml=xml.replace("<reporter>", "<reporter><bogus/>")))
    with make_client(fake_ncmec) as client, pytest.raises(SchemaViolationError):
        send_case(db, settings, case_id, actor="user:rita", client=client)
    assert fake_ncmec.calls == []  # not even the valid first report went out


def test_file_missing_from_evidence_at_send_time(db, settings, make, fake_ncmec):
    case_id, icon, *_ = group_case(make, db, settings)
    with db.session() as s:
        from groupguard.reporting.ncmec.drafts import draft_reports_for_case
        draft_reports_for_case(s, settings, case_id, actor="user:rita")
    blob_path(settings, icon.sha256).unlink()
    with make_client(fake_ncmec) as client, pytest.raises(ReportError, match="nothing was sent"):
        send_case(db, settings, case_id, actor="user:rita", client=client)
    assert fake_ncmec.calls == []
