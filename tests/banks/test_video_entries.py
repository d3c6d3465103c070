"""The frame index in front of vPDQ matching must never skip an entry that matches."""

from __future__ import annotations

import numpy as np

from groupguard.banks.video_entries import VideoEntries
from groupguard.signals.vpdq import VpdqFrame, match_vpdq


def _video(rng: np.random.Generator, n: int, quality: int = 90) -> list[VpdqFrame]:
    return [VpdqFrame(i, i / 5, rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex(),
                      quality) for i in range(n)]


def _near(frames: list[VpdqFrame], bits: int, rng: np.random.Generator) -> list[VpdqFrame]:
    out = []
    for f in frames:
        raw = bytearray(bytes.fromhex(f.pdq))
        for bit in rng.choice(256, bits, replace=False):
            raw[bit // 8] ^= 1 << (bit % 8)
        out.append(VpdqFrame(f.frame, f.ts, raw.hex(), f.quality))
    return out


def test_candidates_hold_every_entry_that_matches_and_skip_the_rest():
    rng = np.random.default_rng(4)
    bank = VideoEntries(min_quality=50)
    videos = {i: _video(rng, 30) for i in range(300)}
    for i, frames in videos.items():
        bank.add(i, "videos", frames)
    # A re-encode of video 7, a clip of video 11, and a video unlike any entry.
    queries = [_near(videos[7], 12, rng), _near(videos[11][10:20], 20, rng), _video(rng, 25)]
    for query in queries:
        brute = [i for i, frames in videos.items()
                 if match_vpdq(query, frames, distance=31, min_quality=50).is_match()]
        found = dict(bank.candidates(query, 31))
        assert set(brute) <= set(found)
        assert len(found) <= len(brute) + 1  # nothing near beyond the true match
    assert [i for i, _ in bank.candidates(queries[0], 31)] == [7]
    assert [i for i, _ in bank.candidates(queries[2], 31)] == []


def test_removed_and_low_quality_frames_are_not_indexed():
    rng = np.random.default_rng(5)
    bank = VideoEntries(min_quality=50)
    good, poor = _video(rng, 10), _video(rng, 10, quality=20)
    bank.add(1, "videos", good)
    bank.add(2, "videos", poor)
    assert [i for i, _ in bank.candidates(good, 31)] == [1]
    assert list(bank.candidates(poor, 31)) == []  # below the floor on both sides
    assert bank.remove(1) and not bank.remove(1)
    assert list(bank.candidates(good, 31)) == [] and len(bank) == 1
    bank.add(2, "other", good)  # replacing an entry re-indexes its frames
    assert [(i, b) for i, (b, _) in bank.candidates(good, 31)] == [(2, "other")]
