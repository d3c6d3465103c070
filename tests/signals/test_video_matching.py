"""Video matching on Meta's vPDQ sample set: every chair variant (re-encoded, other frame
rates and resolutions, grey, sepia, small and large logo, with and without bars) matches
the original and no other video, and a clip cut out of a longer video matches it.

tests/data/vpdq holds Meta's reference vPDQ output for those videos (the original and the
two bar-less resolutions in full, the other variants every 15th frame to keep them small),
and the first 10 s of the original and of the large-logo variant re-encoded by us at
120x180, 10 frames a second, so the decode-and-hash path runs too.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from groupguard.errors import MediaError  # noqa: E402
from groupguard.signals.video_variants import (  # noqa: E402
    match_video_variants,
    video_variant_hashes,
)
from groupguard.signals.vpdq import VpdqFrame, match_vpdq, parse_reference  # noqa: E402
from transforms import synthetic_photo  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data" / "vpdq"
ORIGINAL = "chair-orig-22-sd-bar"
THINNED = [
    "chair-19-sd-bar",
    "chair-20-sd-bar",
    "chair-22-sd-grey-bar",
    "chair-22-sd-sepia-bar",
    "chair-22-sd-sepia-bar-128x128",
    "chair-22-with-small-logo-bar",
    "chair-orig-22-sd-bar-128x128",
]
NO_BAR = ["chair-orig-22-fhd-no-bar", "chair-orig-22-hd-no-bar"]


def reference(name: str) -> list[VpdqFrame]:
    path = DATA / f"{name}.txt"
    if not path.exists():
        path = DATA / f"{name}.every15.txt"
    return parse_reference(path.read_text())


def encode(frames: list[Image.Image], fps: int = 10) -> bytes:
    buf = io.BytesIO()
    out = av.open(buf, "w", format="mp4")
    stream = out.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = frames[0].width, frames[0].height, "yuv420p"
    for img in frames:
        for packet in stream.encode(av.VideoFrame.from_image(img)):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    return buf.getvalue()


def synthetic_video(seed: int, seconds: float = 6.0, fps: int = 10) -> bytes:
    """A benign video: a slow pan across a synthetic photo-like picture."""
    big = synthetic_photo(seed, size=(400, 300))
    n = int(seconds * fps)
    return encode([big.crop((i * 2, i, i * 2 + 160, i + 120)) for i in range(n)], fps)


def cut(data: bytes, start: float, end: float) -> bytes:
    """The frames between start and end seconds, re-encoded: a clip."""
    with av.open(io.BytesIO(data)) as src:
        frames = [f.to_image() for f in src.decode(video=0)
                  if f.time is not None and start <= f.time < end]
    return encode(frames)


@pytest.fixture(scope="module")
def original() -> dict[str, list[VpdqFrame]]:
    return video_variant_hashes((DATA / f"{ORIGINAL}-small.mp4").read_bytes(),
                                seconds_per_hash=0.5)


@pytest.fixture(scope="module")
def distractors() -> list[dict[str, list[VpdqFrame]]]:
    padded = video_variant_hashes((DATA / "test-padded-dimensions.mp4").read_bytes(),
                                  seconds_per_hash=0.5)
    return [padded, video_variant_hashes(synthetic_video(7), seconds_per_hash=0.5)]


@pytest.mark.parametrize("variant", THINNED)
def test_reencoded_recoloured_and_logo_variants_match_the_original(variant: str) -> None:
    m = match_video_variants({"original": reference(variant)}, {"original": reference(ORIGINAL)})
    assert m.matched
    assert m.result is not None and m.result.query_match_percent >= 90


def test_the_large_logo_variant_matches_through_the_uncovered_half(original) -> None:
    plain = match_vpdq(reference("chair-22-with-large-logo-bar"), reference(ORIGINAL))
    assert not plain.is_match()  # the logo moves most frames' PDQ by 50+ bits
    logo = video_variant_hashes(
        (DATA / "chair-22-with-large-logo-bar-small.mp4").read_bytes(), seconds_per_hash=0.5)
    m = match_video_variants(logo, original)
    assert m.matched and m.query_variant == "half_b"


@pytest.mark.parametrize("variant", NO_BAR)
def test_other_resolutions_without_bars_match_once_the_bars_are_trimmed(variant, original):
    frames = reference(variant)
    assert not match_vpdq(original["original"], frames).is_match()
    m = match_video_variants(original, {"original": frames})
    assert m.matched and m.query_variant == "trim_border"
    # and the other way round: a bar-less upload against the original held in a bank
    back = match_video_variants({"original": frames}, original)
    assert back.matched and back.target_variant == "trim_border"


@pytest.mark.parametrize("variant", [ORIGINAL, *THINNED, *NO_BAR])
def test_no_chair_video_matches_an_unrelated_video(variant: str, distractors) -> None:
    chair = {"original": reference(variant)}
    for other in distractors:
        assert not match_video_variants(chair, other).matched
        assert not match_video_variants(other, chair).matched


def test_decoded_chair_videos_match_no_unrelated_video(original, distractors) -> None:
    logo = video_variant_hashes(
        (DATA / "chair-22-with-large-logo-bar-small.mp4").read_bytes(), seconds_per_hash=0.5)
    for chair in (original, logo):
        for other in distractors:
            assert not match_video_variants(chair, other).matched
            assert not match_video_variants(other, chair).matched


def test_a_clip_cut_from_a_longer_video_matches_it(original) -> None:
    data = (DATA / f"{ORIGINAL}-small.mp4").read_bytes()
    clip = video_variant_hashes(cut(data, 3.0, 7.0), seconds_per_hash=0.5)
    m = match_video_variants(clip, original)
    assert m.matched and m.query_variant == "original"
    assert m.result is not None and m.result.target_match_percent < 60  # only part of it
    assert match_video_variants(clip, {"original": reference(ORIGINAL)}).matched
    assert match_video_variants(clip, {"original": reference("chair-orig-22-hd-no-bar")}).matched


def test_a_clip_of_one_video_does_not_match_another() -> None:
    a, b = synthetic_video(1), synthetic_video(2)
    clip = video_variant_hashes(cut(a, 1.0, 4.0), seconds_per_hash=0.5)
    assert match_video_variants(clip, video_variant_hashes(a, seconds_per_hash=0.5)).matched
    assert not match_video_variants(clip, video_variant_hashes(b, seconds_per_hash=0.5)).matched


def test_a_corrupt_video_is_a_media_error() -> None:
    data = (DATA / f"{ORIGINAL}-small.mp4").read_bytes()
    with pytest.raises(MediaError):
        video_variant_hashes(data[: len(data) // 3])
    with pytest.raises(MediaError):
        video_variant_hashes(b"")


def test_synthetic_videos_have_matchable_frames() -> None:
    frames = video_variant_hashes(synthetic_video(3), seconds_per_hash=0.5)["original"]
    assert frames and np.mean([f.quality for f in frames]) >= 50


def test_the_matcher_finds_a_barred_upload_of_a_banked_barless_video(db, settings) -> None:
    from groupguard.banks import service
    from groupguard.banks.matcher import Matcher
    from groupguard.banks.signal_types import vpdq_to_value
    from groupguard.signals.hashing import hash_bytes

    # the first 10 s, every 9th frame: frames our re-encode kept (the camera moves, so PDQ
    # changes within a few frames); PostgreSQL's btree index on the entry value caps a
    # vPDQ value at about 35 frames (2704 bytes)
    banked = reference("chair-orig-22-hd-no-bar")[0:300:9]
    with db.session() as s:
        service.create_bank(s, "videos")
        service.add_hashes(s, "videos", [("vpdq", vpdq_to_value(banked))])
    m = Matcher.from_db(db, settings)
    upload = (DATA / f"{ORIGINAL}-small.mp4").read_bytes()
    plain = hash_bytes(upload, settings=settings, seconds_per_hash=0.1)
    assert plain.vpdq_variants == {}
    assert m.match(plain) == []
    hashes = hash_bytes(upload, settings=settings, variants=True, seconds_per_hash=0.1)
    assert {"trim_border", "half_b"} <= set(hashes.vpdq_variants)
    (hit,) = m.match(hashes)
    assert (hit.bank, hit.signal_type, hit.variant) == ("videos", "vpdq", "trim_border")
    other = hash_bytes(synthetic_video(9), settings=settings, variants=True)
    assert m.match(other) == []
