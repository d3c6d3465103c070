from datetime import timedelta
from pathlib import Path

import pytest
import xmlschema
from lxml import etree
from sqlalchemy import select

from groupguard.errors import ReportError
from groupguard.reporting.ncmec.drafts import draft_reports_for_case
from groupguard.reporting.ncmec.schema import SchemaViolationError, validate
from groupguard.store.tables_reporting import ncmec_report_files, ncmec_reports
from groupguard.timeutil import utcnow
from tests.reporting.reporting_cases import group_case, preserve

XSD = Path(__file__).parents[1] / "data" / "ncmec" / "cyber_tipline.xsd"


def reports_by_account(db, ids):
    with db.session() as s:
        rows = s.execute(select(ncmec_reports).where(ncmec_reports.c.id.in_(ids))).all()
        return {r.account_id: r for r in rows}


def test_one_valid_report_per_account_with_all_its_files(db, settings, make):
    case_id, icon, extra, posted = group_case(make, db, settings)
    with db.session() as s:
        ids = draft_reports_for_case(s, settings, case_id, actor="user:rita")
    reports = reports_by_account(db, ids)
    assert set(reports) == {"acc-1", "acc-2"}
    schema = xmlschema.XMLSchema(str(XSD))
    for r in reports.values():
        schema.validate(r.xml)  # the test's own copy of NCMEC's schema
    doc = etree.fromstring(reports["acc-1"].xml.encode())
    user = doc.find("personOrUserReported")
    assert user.findtext("espIdentifier") == "acc-1"
    assert user.find("personOrUserReportedPerson/phone").get("type") == "Mobile"
    assert user.findtext("personOrUserReportedPerson/phone") == "+15550100001"
    assert user.findtext("displayName") == "Zorblax"
    assert user.findtext("groupIdentifier") == "g-1"
    assert user.find("accountPermanentlyDisabled").text == "true"
    assert doc.findtext("internetDetails/chatImIncident/chatRoomName") == "quexfin swap"
    assert [c.tag for c in doc] == ["incidentSummary", "internetDetails", "reporter",
                                    "personOrUserReported", "additionalInfo"]
    incident = doc.findtext("incidentSummary/incidentDateTime")
    assert incident == (make.t0 + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with db.session() as s:
        files = {r.id: [] for r in reports.values()}
        for f in s.execute(select(ncmec_report_files)):
            files[f.report_id].append(f.sha256)
    assert sorted(files[reports["acc-1"].id]) == sorted([icon.sha256, extra.sha256])
    assert files[reports["acc-2"].id] == [posted.sha256]


def test_file_details_carry_hashes_and_viewed_flag(db, settings, make):
    case_id, icon, *_ = group_case(make, db, settings)
    with db.session() as s:
        ids = draft_reports_for_case(s, settings, case_id, actor="user:rita")
        details = s.execute(select(ncmec_report_files.c.details).where(
            ncmec_report_files.c.sha256 == icon.sha256,
            ncmec_report_files.c.report_id.in_(ids))).scalar_one()
    assert details["md5"] == icon.md5 and details["viewed_by_esp"] is True
    assert len(details["pdq"]) == 64 and details["classification"] == "A1"


def test_unviewed_verified_exact_matches_are_reported_and_say_so(db, settings, make):
    case_id, *_ = group_case(make, db, settings, view=False, verified=True)
    with db.session() as s:
        ids = draft_reports_for_case(s, settings, case_id, actor="user:rita")
        flags = s.execute(select(ncmec_report_files.c.viewed_by_esp)).scalars().all()
    assert flags == [False, False, False]
    xml = reports_by_account(db, ids)["acc-1"].xml
    assert "not viewed by the ESP" in xml


def test_policy_can_forbid_unviewed_reports(db, settings, make):
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / "reporting.yaml").write_text("report_unviewed_verified: false\n")
    case_id, *_ = group_case(make, db, settings, view=False, verified=True)
    with db.session() as s, pytest.raises(ReportError, match="3 file.*withheld"):
        draft_reports_for_case(s, settings, case_id, actor="user:rita")


def test_unviewed_unverified_files_are_withheld(db, settings, make):
    case_id, icon, extra, posted = group_case(make, db, settings, view=False, verified=False)
    make.view(icon)
    with db.session() as s:
        ids = draft_reports_for_case(s, settings, case_id, actor="user:rita")
    reports = reports_by_account(db, ids)
    assert list(reports) == ["acc-1"]
    withheld = reports["acc-1"].summary["withheld"]
    assert [w["sha256"] for w in withheld] == [extra.sha256]


def test_view_after_the_draft_does_not_count(db, settings, make):
    case_id, icon, *_ = group_case(make, db, settings, view=False, verified=True)
    make.view(icon, at=utcnow() + timedelta(hours=1))
    with db.session() as s:
        draft_reports_for_case(s, settings, case_id, actor="user:rita")
        viewed = s.execute(select(ncmec_report_files.c.viewed_by_esp).where(
            ncmec_report_files.c.sha256 == icon.sha256)).scalar_one()
    assert viewed is False


def test_redrafting_replaces_the_draft(db, settings, make):
    case_id, *_ = group_case(make, db, settings)
    with db.session() as s:
        first = draft_reports_for_case(s, settings, case_id, actor="user:rita")
    with db.session() as s:
        second = draft_reports_for_case(s, settings, case_id, actor="user:rita")
        n_files = len(s.execute(select(ncmec_report_files)).all())
    assert sorted(first) == sorted(second) and n_files == 3


def test_case_with_no_files_is_refused(db, settings, make):
    make.account("acc-9")
    case_id = make.case("account", "acc-9")
    with db.session() as s, pytest.raises(ReportError, match="no files to report"):
        draft_reports_for_case(s, settings, case_id, actor="user:rita")


def test_unconfirmed_case_is_refused(db, settings, make):
    make.account("acc-9")
    case_id = make.case("account", "acc-9", confirmed=False)
    with db.session() as s, pytest.raises(ReportError, match="not confirmed"):
        draft_reports_for_case(s, settings, case_id, actor="user:rita")


def test_file_missing_from_evidence_is_refused_and_nothing_stored(db, settings, make):
    make.account("acc-1")
    item = make.media()
    make.use(item, subject_type="account", subject_id="acc-1", role="profile_photo")
    make.match(item, make.bank("b", verified=True))
    case_id = make.case("account", "acc-1")
    with db.session() as s, pytest.raises(ReportError, match="missing from evidence"):
        draft_reports_for_case(s, settings, case_id, actor="user:rita")
    with db.session() as s:
        assert s.execute(select(ncmec_reports)).first() is None


def test_account_without_identifiers_is_refused(db, settings, make):
    make.account("acc-1", phone=None, display_name=None)
    item = make.media()
    make.use(item, subject_type="account", subject_id="acc-1", role="profile_photo")
    make.match(item, make.bank("b", verified=True))
    preserve(db, settings, item)
    case_id = make.case("account", "acc-1")
    with db.session() as s, pytest.raises(ReportError, match="no identifiers"):
        draft_reports_for_case(s, settings, case_id, actor="user:rita")


def test_timestamp_in_the_future_is_refused(db, settings, make):
    make.account("acc-1")
    item = make.media()
    make.use(item, subject_type="account", subject_id="acc-1", role="profile_photo",
             ts=utcnow() + timedelta(days=1))
    make.match(item, make.bank("b", verified=True))
    preserve(db, settings, item)
    case_id = make.case("account", "acc-1")
    with db.session() as s, pytest.raises(ReportError, match="in the future"):
        draft_reports_for_case(s, settings, case_id, actor="user:rita")


def test_schema_violations_are_caught_with_their_path():
    bad = "<report><reporter/><incidentSummary/></report>"
    with pytest.raises(SchemaViolationError, match="/report"):
        validate(bad)
    with pytest.raises(SchemaViolationError, match="well-formed"):
        validate("<report>")
