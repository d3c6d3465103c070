"""Retroactive matching: entries added today find media stored yesterday."""

from __future__ import annotations

from sqlalchemy import insert, select

from groupguard.banks import service
from groupguard.banks.retro import after_add, rematch
from groupguard.store.tables import matches, media, media_uses, signals
from groupguard.timeutil import utcnow

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
NEAR = f"{int(PDQ, 16) ^ 0xFF:064x}"  # 8 bits away
FAR = f"{int(PDQ, 16) ^ ((1 << 40) - 1):064x}"  # 40 bits away


def _media(s, sha: str, *, md5: str = "0" * 32, pdq: str | None = None, quality: int = 90):
    s.execute(insert(media).values(sha256=sha, md5=md5, kind="image", size=1, pdq=pdq,
                                   pdq_quality=quality, width=64, height=64,
                                   first_seen=utcnow()))


def test_rematch_finds_stored_media_for_new_entries_only(db, settings):
    with db.session() as s:
        _media(s, "a" * 64, pdq=NEAR)
        _media(s, "b" * 64, md5="c" * 32, pdq=FAR)
        _media(s, "d" * 64, pdq=PDQ, quality=10)  # too flat to match perceptually
        _media(s, "e" * 64, pdq=FAR)
        service.create_bank(s, "tight", pdq_threshold=4)
        service.create_bank(s, "b")
        old = service.add_hashes(s, "b", [("sha256", "e" * 64)])
        new = service.add_hashes(s, "b", [("pdq", PDQ), ("md5", "c" * 32)])
        tight = service.add_hashes(s, "tight", [("pdq", PDQ)])
    with db.session() as s:
        report = rematch(s, settings, new + tight)
    assert report.sha256s == {"a" * 64, "b" * 64}
    with db.session() as s:
        rows = {(r.sha256, r.entry_id, r.signal_type, r.distance)
                for r in s.execute(select(matches))}
    assert rows == {("a" * 64, new[0], "pdq", 8), ("b" * 64, new[1], "md5", 0)}
    assert old[0] not in {r[1] for r in rows}
    with db.session() as s:  # running it again adds nothing twice
        rematch(s, settings, new)
        assert len(s.execute(select(matches)).all()) == 2


def test_after_add_hands_new_matches_to_the_pipeline(db, settings):
    with db.session() as s:
        _media(s, "a" * 64, pdq=NEAR)
        s.execute(insert(media_uses).values(sha256="a" * 64, subject_type="group",
                                            subject_id="g1", role="group_icon",
                                            set_by="acct1", event_id="e1", ts=utcnow()))
        service.create_bank(s, "b")
        ids = service.add_hashes(s, "b", [("pdq", PDQ)])
    report = after_add(db, settings, ids)
    assert report.matches == 1 and report.signals >= 1
    with db.session() as s:
        subjects = {(r.subject_type, r.subject_id, r.kind) for r in s.execute(select(signals))}
    assert ("group", "g1", "hash.pdq") in subjects
    assert ("account", "acct1", "hash.pdq") in subjects
