"""The matcher: digests, PDQ with per-bank thresholds and variants, quality, allow lists,
vPDQ, incremental refresh and a persisted index that reloads without a rebuild."""

from __future__ import annotations

from groupguard.banks import service
from groupguard.banks.matcher import Matcher
from groupguard.signals.hashing import MediaHashes
from groupguard.signals.vpdq import VpdqFrame

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def flip(h: str, bits: int) -> str:
    n = int(h, 16)
    for b in range(bits):
        n ^= 1 << (b * 5 % 256)  # distinct bits: 5 and 256 are coprime
    return f"{n:064x}"


def media(pdq=None, quality=90, variants=(), md5="0" * 32, sha="1" * 64, vpdq=None):
    return MediaHashes(sha256=sha, md5=md5, kind="video" if vpdq else "image", size=10,
                       pdq=pdq, pdq_quality=quality, vpdq=vpdq, width=64, height=64,
                       pdq_variants=tuple(variants))


def test_digest_and_pdq_matches_with_per_bank_thresholds(db, settings):
    with db.session() as s:
        service.create_bank(s, "strict", pdq_threshold=5, action_policy="act",
                            verified=True)
        service.create_bank(s, "loose")
        service.add_hashes(s, "strict", [("pdq", PDQ), ("md5", MD5)], tags=["quexfin"])
        service.add_hashes(s, "loose", [("pdq", PDQ), ("sha256", SHA)])
    m = Matcher.from_db(db, settings)
    got = m.match(media(pdq=flip(PDQ, 10), md5=MD5, sha=SHA))
    by = {(r.bank, r.signal_type): r for r in got}
    assert set(by) == {("strict", "md5"), ("loose", "sha256"), ("loose", "pdq")}
    assert by[("loose", "pdq")].distance == 10 and by[("loose", "pdq")].variant == "original"
    assert by[("strict", "md5")].tags == ["quexfin"] and by[("strict", "md5")].verified
    assert by[("strict", "md5")].action_policy == "act"
    near = m.match(media(pdq=flip(PDQ, 3)))
    assert {r.bank for r in near} == {"strict", "loose"}
    assert m.match(media(pdq=flip(PDQ, 32))) == []


def test_variants_are_matched_and_named(db, settings):
    with db.session() as s:
        service.create_bank(s, "b")
        service.add_hashes(s, "b", [("pdq", PDQ)])
    m = Matcher.from_db(db, settings)
    far = flip(PDQ, 60)
    (r,) = m.match(media(pdq=far, variants=[("flip_h", flip(PDQ, 4), 90),
                                            ("rot90", flip(PDQ, 2), 90)]))
    assert (r.variant, r.distance) == ("rot90", 2)
    (r,) = m.match(media(pdq=flip(PDQ, 2), variants=[("flip_h", flip(PDQ, 2), 90)]))
    assert r.variant == "original"


def test_low_quality_is_not_matched_perceptually_but_digests_are(db, settings):
    with db.session() as s:
        service.create_bank(s, "b")
        service.add_hashes(s, "b", [("pdq", PDQ), ("md5", MD5)])
    m = Matcher.from_db(db, settings)
    out = m.match_detail(media(pdq=PDQ, quality=10, md5=MD5))
    assert [r.signal_type for r in out.matches] == ["md5"]
    assert "quality 10" in out.notes[0]


def test_allow_bank_suppresses_other_matches(db, settings):
    with db.session() as s:
        service.create_bank(s, "known")
        service.create_bank(s, "benign", kind="allow", action_policy="none")
        service.add_hashes(s, "known", [("pdq", PDQ)])
        service.add_hashes(s, "benign", [("md5", MD5)])
    m = Matcher.from_db(db, settings)
    got = {r.bank: r for r in m.match(media(pdq=PDQ, md5=MD5))}
    assert got["known"].suppressed_by == "benign"
    assert got["benign"].suppressed_by is None
    assert m.match(media(pdq=PDQ))[0].suppressed_by is None


def test_vpdq_entries_match_videos(db, settings):
    frames = [VpdqFrame(i, float(i), flip(PDQ, i), 90) for i in range(5)]
    with db.session() as s:
        service.create_bank(s, "videos")
        service.add_hashes(s, "videos", [("vpdq", [f.to_dict() for f in frames].__repr__()
                                          .replace("'", '"'))])
    m = Matcher.from_db(db, settings)
    (r,) = m.match(media(vpdq=frames))
    assert (r.signal_type, r.distance) == ("vpdq", 0)
    other = [VpdqFrame(i, float(i), flip(PDQ, 100 + i), 90) for i in range(5)]
    assert m.match(media(vpdq=other)) == []


def test_refresh_is_incremental_and_sees_removals(db, settings):
    m = Matcher.from_db(db, settings, auto_refresh_seconds=3600)
    assert m.match(media(pdq=PDQ)) == []
    with db.session() as s:
        service.create_bank(s, "b")
        (eid,) = service.add_hashes(s, "b", [("pdq", PDQ)])
    with db.session() as s:
        assert m.refresh(s) == 1
    assert [r.entry_id for r in m.match(media(pdq=PDQ))] == [eid]
    with db.session() as s:
        service.remove_entry(s, eid)
    with db.session() as s:
        assert m.refresh(s) == 1
        assert m.refresh(s) == 0
    assert m.match(media(pdq=PDQ)) == []
    assert len(m) == 0


def test_auto_refresh_sees_new_entries(db, settings):
    m = Matcher.from_db(db, settings, auto_refresh_seconds=0)
    with db.session() as s:
        service.create_bank(s, "b")
        service.add_hashes(s, "b", [("pdq", PDQ)])
    assert len(m.match(media(pdq=PDQ))) == 1


def test_index_persists_and_reloads_without_rebuild(db, settings):
    with db.session() as s:
        service.create_bank(s, "b")
        (one,) = service.add_hashes(s, "b", [("pdq", PDQ)])
    first = Matcher.from_db(db, settings)
    assert not first.loaded_from_disk
    assert (settings.home / "index" / "pdq" / "snapshot").exists()
    # The HMA bug: a one-hash index that comes back empty after reload.
    second = Matcher.from_db(db, settings)
    assert second.loaded_from_disk and len(second) == 1
    assert [r.entry_id for r in second.match(media(pdq=PDQ))] == [one]
    # Changes after the snapshot go to the journal and come back too.
    with db.session() as s:
        (two,) = service.add_hashes(s, "b", [("pdq", flip(PDQ, 40))])
        service.remove_entry(s, one)
    with db.session() as s:
        second.refresh(s)
    third = Matcher.from_db(db, settings)
    assert third.loaded_from_disk and len(third) == 1
    assert third._index.ids().tolist() == [two]


def test_damaged_index_is_rebuilt_from_the_database(db, settings):
    with db.session() as s:
        service.create_bank(s, "b")
        service.add_hashes(s, "b", [("pdq", PDQ)])
    Matcher.from_db(db, settings)
    (settings.home / "index" / "pdq" / "snapshot" / "meta.json").write_text("{broken")
    again = Matcher.from_db(db, settings)
    assert not again.loaded_from_disk and len(again) == 1


def test_reconcile_catches_entries_committed_out_of_order(db, settings):
    """An entry whose id is below the cursor (PostgreSQL sequences) is still picked up."""
    with db.session() as s:
        service.create_bank(s, "b")
        low, high = service.add_hashes(s, "b", [("pdq", PDQ), ("pdq", flip(PDQ, 50))])
    m = Matcher.from_db(db, settings, persist=False)
    m._index.remove(low)  # as if `low` had committed after the refresh that passed it
    with db.session() as s:
        assert m._reconcile(s) == ([low], [])
    assert [r.entry_id for r in m.match(media(pdq=PDQ))] == [low]


def test_vpdq_bank_entries_from_reference_files_match_video_variants(db, settings, data_dir):
    """Meta's chair variants (grey, sepia, small logo, 19 fps) match the banked original;
    another video does not. (The large-logo variant needs video variants: signals/)"""
    from groupguard.banks.signal_types import vpdq_frames

    vdir = data_dir / "vpdq"
    with db.session() as s:
        service.create_bank(s, "videos")
        (orig,) = service.add_hashes(
            s, "videos", [("vpdq", (vdir / "chair-orig-22-sd-bar.txt").read_text())])
    m = Matcher.from_db(db, settings)
    for name in ("chair-22-sd-grey-bar.every15.txt", "chair-22-sd-sepia-bar.every15.txt",
                 "chair-22-with-small-logo-bar.every15.txt", "chair-19-sd-bar.every15.txt"):
        frames = vpdq_frames((vdir / name).read_text())
        assert [r.entry_id for r in m.match(media(vpdq=frames))] == [orig], name
    other = vpdq_frames((vdir / "test-padded-dimensions.txt").read_text())
    assert m.match(media(vpdq=other)) == []
