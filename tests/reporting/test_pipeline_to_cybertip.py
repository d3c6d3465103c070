"""From platform events to a filed CyberTip: the pipeline matches a group icon against an
NCMEC-verified list, removes the group and preserves the icon; a reviewer views it and
confirms; the report goes to the (fake) NCMEC and the evidence is kept a year."""

import hashlib
from datetime import timedelta

from lxml import etree
from sqlalchemy import insert, select, update

from groupguard.banks.service import add_hashes, create_bank
from groupguard.reporting.evidence import has_evidence
from groupguard.reporting.ncmec.client import NcmecClient
from groupguard.reporting.ncmec.send import send_case
from groupguard.reporting.retention import purge_expired
from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.runner.pipeline import make_services, run_pending
from groupguard.store.tables import audit_log, cases, decisions
from groupguard.timeutil import utcnow
from tests.runner.helpers import Events, benign_image, inline, jpeg_bytes


def test_matched_icon_becomes_a_filed_cybertip(settings, db, fake_ncmec):
    icon = jpeg_bytes(benign_image(7, 320))
    sha, md5 = hashlib.sha256(icon).hexdigest(), hashlib.md5(icon).hexdigest()
    with db.session() as s:
        create_bank(s, "ncmec-verified", action_policy="act", verified=True)
        add_hashes(s, "ncmec-verified", [("md5", md5)])
    evs = Events()
    evs.account("zorblax")
    evs.add("group.created", "zorblax", group_id="g1", name="quexfin swap",
            icon=inline(icon))
    ingest_records(db, numbered_lines(evs.lines()))
    run_pending(make_services(settings, db))
    with db.session() as s:
        assert has_evidence(s, settings, sha)
        case = s.execute(select(cases).where(cases.c.subject_id == "g1")).one()
        # What the review console does on confirm: the view, the decision.
        s.execute(insert(audit_log).values(ts=utcnow(), actor="user:rita", action="media.view",
                                           subject=f"media:{sha}", details={"case_id": case.id}))
        s.execute(insert(decisions).values(
            subject_type="group", subject_id="g1", source="reviewer", outcome="confirm",
            explanation="known material", decided_by="user:rita", case_id=case.id,
            category="A1", created_at=utcnow()))
        s.execute(update(cases).where(cases.c.id == case.id).values(
            status="closed", resolution="confirm", closed_at=utcnow()))
    with NcmecClient(fake_ncmec.url, fake_ncmec.username, fake_ncmec.password) as client:
        (ncmec_id,) = send_case(db, settings, case.id, actor="user:rita", client=client)
    filed = fake_ncmec.reports[ncmec_id]
    assert filed.finished
    doc = etree.fromstring(filed.xml.encode())
    assert doc.findtext("personOrUserReported/espIdentifier") == "zorblax"
    assert doc.findtext("internetDetails/chatImIncident/chatRoomName") == "quexfin swap"
    (uploaded,) = filed.files.values()
    assert uploaded["data"] == icon
    details = etree.fromstring(uploaded["details"].encode())
    assert details.findtext("fileViewedByEsp") == "true"
    assert details.findtext("originalFileHash[@hashType='MD5']") == md5
    with db.session() as s:
        kept = purge_expired(s, settings, now=utcnow() + timedelta(days=364))
    assert sha not in kept.purged
