"""Known media through the whole pipeline: exact digests act on the group and on the
account that set the icon (never on plain members); a perceptual match only opens a case;
both keep the matched bytes as encrypted evidence."""

from sqlalchemy import select

from groupguard.banks import service
from groupguard.reporting.evidence import has_evidence
from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.runner.pipeline import make_services, run_pending
from groupguard.signals.hashing import hash_bytes
from groupguard.store.tables import accounts, actions, cases, groups
from tests.runner.helpers import Events, benign_image, jpeg_bytes


def setup_bank(db, known: bytes):
    h = hash_bytes(known)
    with db.session() as s:
        service.create_bank(s, "known-md5", kind="hash", action_policy="act")
        service.add_hashes(s, "known-md5", [("md5", h.md5)])
        service.create_bank(s, "known-pdq", kind="hash", action_policy="review")
        service.add_hashes(s, "known-pdq", [("pdq", h.pdq)])
    return h


def platform(settings, known: bytes, altered: bytes) -> Events:
    (settings.media_root / "known.jpg").write_bytes(known)
    (settings.media_root / "altered.jpg").write_bytes(altered)
    (settings.media_root / "other.jpg").write_bytes(jpeg_bytes(benign_image(99, 400)))
    evs = Events()
    for a in ("owner", "admin2", "member", "owner2", "owner3"):
        evs.account(a)
    evs.add("group.created", "owner", group_id="g-exact", name="Photos")
    evs.add("member.added", "owner", group_id="g-exact", account_id="admin2", role="admin")
    evs.add("member.added", "owner", group_id="g-exact", account_id="member")
    evs.add("invite.created", "owner", group_id="g-exact", token="tok-abc123")
    # The admin, not the creator, sets the known icon.
    evs.add("group.updated", "admin2", group_id="g-exact", icon={"path": "known.jpg"})
    evs.add("group.created", "owner2", group_id="g-pdq", name="Sunsets",
            icon={"path": "altered.jpg"})
    evs.add("group.created", "owner3", group_id="g-clean", name="Cooking",
            icon={"path": "other.jpg"})
    return evs


def test_exact_acts_perceptual_reviews_members_untouched(settings, db):
    img = benign_image(7, 512)
    known = jpeg_bytes(img, quality=92)
    altered = jpeg_bytes(img.resize((300, 300)), quality=60)
    h = setup_bank(db, known)
    evs = platform(settings, known, altered)
    ingest_records(db, numbered_lines(evs.lines()))
    report = run_pending(make_services(settings, db))
    assert report.failed == 0
    with db.session() as s:
        status = dict(s.execute(select(groups.c.id, groups.c.status)).all())
        banned = set(s.execute(select(accounts.c.id).where(accounts.c.status == "banned"))
                     .scalars())
        acts = {(r.kind, r.subject_id) for r in s.execute(select(actions))}
        case_rows = {r.subject_id: r for r in s.execute(select(cases))}
        kept = has_evidence(s, settings, h.sha256)
        altered_kept = has_evidence(s, settings, hash_bytes(altered).sha256)
    assert status == {"g-exact": "removed", "g-pdq": "active", "g-clean": "active"}
    assert banned == {"admin2"}  # who set the icon; not the creator, not the member
    assert {("remove_group", "g-exact"), ("ban_account", "admin2"),
            ("revoke_invite", "g-exact")} <= acts
    assert ("remove_group", "g-pdq") not in acts
    assert case_rows["g-pdq"].rule == "perceptual-match"
    assert "distance" in case_rows["g-pdq"].reason
    assert "g-clean" not in case_rows
    assert kept and altered_kept


def test_allow_list_suppresses_a_match(settings, db):
    img = benign_image(8, 512)
    known = jpeg_bytes(img, quality=92)
    h = setup_bank(db, known)
    with db.session() as s:
        service.create_bank(s, "allow-reviewed", kind="allow", action_policy="none")
        service.add_hashes(s, "allow-reviewed", [("sha256", h.sha256)])
    evs = platform(settings, known, jpeg_bytes(benign_image(50, 300)))
    ingest_records(db, numbered_lines(evs.lines()))
    run_pending(make_services(settings, db))
    with db.session() as s:
        assert s.execute(select(groups.c.status).where(groups.c.id == "g-exact")).scalar_one() \
            == "active"
        assert not s.execute(select(actions.c.kind).where(
            actions.c.kind == "ban_account")).first()
