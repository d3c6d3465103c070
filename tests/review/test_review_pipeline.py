"""Cases made by the real pipeline (events -> hashes -> bank matches -> policy) worked in
the review console's Python API: what the reviewer sees, and what decisions send."""

from sqlalchemy import select

from groupguard.banks.service import add_hashes, create_bank
from groupguard.review import casefile, decide, queue
from groupguard.review.users import create_user
from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.runner.pipeline import make_services, run_pending
from groupguard.signals.pdq import pdq_from_image
from groupguard.store.tables import actions, cases
from tests.runner.helpers import Events, benign_image, inline, jpeg_bytes


def build(settings, db):
    known = benign_image(11)
    exact = jpeg_bytes(benign_image(12))
    import hashlib

    with db.session() as s:
        create_bank(s, "known-pdq", kind="hash", action_policy="review")
        add_hashes(s, "known-pdq", [("pdq", pdq_from_image(known)[0])])
        create_bank(s, "known-md5", kind="hash", action_policy="act", verified=True)
        add_hashes(s, "known-md5", [("md5", hashlib.md5(exact).hexdigest())])
        rita = create_user(s, "rita", role="reviewer", password="correct horse battery")
        rob = create_user(s, "rob", role="reviewer", password="correct horse battery")
    evs = Events()
    for a in ("alice", "bob", "carol", "dave"):
        evs.account(a)
    # A near copy (re-encoded) of a known picture as a group icon: a perceptual match.
    evs.add("group.created", "alice", group_id="g1", name="Sunday swap",
            icon=inline(jpeg_bytes(known, quality=60)))
    evs.add("member.added", "alice", group_id="g1", account_id="bob")
    # An exact copy of a known file as another group's icon: acted on automatically.
    evs.add("group.created", "carol", group_id="g2", name="Other place", icon=inline(exact))
    evs.add("member.added", "carol", group_id="g2", account_id="dave")
    ingest_records(db, numbered_lines(evs.lines()))
    report = run_pending(make_services(settings, db))
    assert report.failed == 0
    return rita, rob


def test_pipeline_cases_in_the_console(settings, db):
    rita, rob = build(settings, db)
    with db.session() as s:
        entries = queue.list_queue(s, rita)
        by_subject = {e.subject: e for e in entries}
        assert "group:g1" in by_subject and "group:g2" in by_subject
        g1 = casefile.case_view(s, by_subject["group:g1"].id, rita)
        [sig] = [x for x in g1["signals"] if x["kind"] == "hash.pdq"]
        assert sig["bank"] == "known-pdq" and sig["distance"] is not None
        assert sig["role"] == "group_icon" and sig["set_by"] == "alice"
        assert g1["group"]["icon_set_by"] == "alice"
        assert [m["role"] for m in g1["members"]] == ["creator", "member"]
        g2 = casefile.case_view(s, by_subject["group:g2"].id, rita)
        assert any(a["kind"] == "remove_group" for a in g2["history"]["actions"])
    with db.session() as s:
        r = decide.decide(s, settings, rita, by_subject["group:g1"].id, "confirm",
                          category="A2")
        kinds = {(a.kind, a.subject_id) for a in s.execute(
            select(actions).where(actions.c.decision_id == r.decision_id))}
        assert ("remove_group", "g1") in kinds and ("ban_account", "alice") in kinds
        assert ("ban_account", "bob") not in kinds
        # The automatic removal of g2, found benign on review, is reversed.
        r2 = decide.decide(s, settings, rob, by_subject["group:g2"].id, "dismiss")
        undo = {(a.kind, a.subject_id) for a in s.execute(
            select(actions).where(actions.c.decision_id == r2.decision_id))}
        assert ("restore_group", "g2") in undo
        assert r2.allow_listed >= 1
        statuses = dict(s.execute(select(cases.c.subject_id, cases.c.status)).all())
        assert statuses["g1"] == "closed" and statuses["g2"] == "closed"
