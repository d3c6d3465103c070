import io
import os
import tempfile
from pathlib import Path

import av
import numpy as np
import pytest

from groupguard.config import Settings
from groupguard.errors import InvalidHashError, MediaError
from groupguard.signals.hashing import hash_bytes
from groupguard.signals.pdq import hamming
from groupguard.signals.vpdq import (
    VpdqFrame,
    format_reference,
    hash_video,
    match_vpdq,
    parse_reference,
)

DATA = Path(__file__).parents[1] / "data" / "vpdq"
SHARED = Path("/work/shared/conformance/vpdq")


def make_video(
    frames: int = 90, *, seed: int = 0, size=(160, 120), fps: int = 30, fmt: str = "mp4",
    options: dict | None = None, start: int = 0,
) -> bytes:
    """A benign synthetic video: a random colour grid scrolling one cell every 10 frames.
    `start` skips that many frames of the same sequence (to cut clips)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (12, 64, 3)).astype(np.uint8)
    fd, path = tempfile.mkstemp(suffix=".video")
    os.close(fd)
    try:
        with av.open(path, "w", format=fmt, options=options or {}) as out:
            stream = out.add_stream("mpeg4", rate=fps)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            if frames == 0:
                out.start_encoding()
            for i in range(start, start + frames):
                cells = np.roll(base, -(i // 10), axis=1)[:, :16]
                rgb = cells.repeat(size[1] // 12, 0).repeat(size[0] // 16, 1)
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        return Path(path).read_bytes()
    finally:
        os.unlink(path)


def _agree(ours: list[VpdqFrame], reference: list[VpdqFrame]) -> None:
    by_frame = {f.frame: f for f in reference}
    assert ours
    for f in ours:
        ref = by_frame[f.frame]
        assert f.quality == ref.quality
        assert abs(f.ts - ref.ts) < 0.002
        if ref.quality >= 80:
            assert hamming(f.pdq, ref.pdq) <= 10, f.frame


def test_agrees_with_reference_sample_hashes():
    data = (DATA / "test-padded-dimensions.mp4").read_bytes()
    reference = parse_reference((DATA / "test-padded-dimensions.txt").read_text())
    video = hash_video(data, seconds_per_hash=0.5)
    assert [f.frame for f in video.frames] == list(range(0, 150, 15))
    _agree(video.frames, reference)
    assert (video.width, video.height) == (1080, 1080)


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared conformance set not present")
def test_agrees_with_shared_chair_reference():
    data = (SHARED / "chair-19-sd-bar.mp4").read_bytes()
    reference = parse_reference((SHARED / "chair-19-sd-bar.txt").read_text())
    video = hash_video(data, seconds_per_hash=0.2)
    assert len(video.frames) == 94
    _agree(video.frames, reference)


def test_hash_bytes_hashes_video_one_frame_a_second():
    data = make_video(90)
    h = hash_bytes(data)
    assert h.kind == "video" and h.pdq is None
    assert [f.ts for f in h.vpdq] == [0.0, 1.0, 2.0]
    assert (h.width, h.height) == (160, 120)
    every = hash_bytes(data, seconds_per_hash=0)
    assert len(every.vpdq) == 90


def test_reference_format_round_trips():
    frames = [VpdqFrame(0, 0.0, "a" * 64, 100), VpdqFrame(5, 0.167, "b" * 64, 42)]
    assert parse_reference(format_reference(frames)) == frames


def test_reference_format_rejects_bad_lines():
    with pytest.raises(InvalidHashError):
        parse_reference("0,100,nothex\n")
    with pytest.raises(InvalidHashError):
        parse_reference("0,100\n")


def test_clip_cut_from_longer_video_matches_it_and_other_videos_do_not():
    full = hash_video(make_video(300, seed=1), seconds_per_hash=0.25).frames
    clip = hash_video(make_video(90, seed=1, start=120, size=(128, 96)),
                      seconds_per_hash=0.25).frames
    other = hash_video(make_video(150, seed=2), seconds_per_hash=0.25).frames
    result = match_vpdq(clip, full)
    assert result.query_match_percent == 100.0
    assert result.target_match_percent < 60
    assert result.is_match()
    assert match_vpdq(full, full).target_match_percent == 100.0
    unrelated = match_vpdq(other, full)
    assert unrelated.query_match_percent == 0.0
    assert not unrelated.is_match()


def test_match_accepts_json_dicts_and_drops_low_quality_frames():
    good = {"frame": 0, "ts": 0.0, "pdq": "f" * 64, "quality": 100}
    flat = {"frame": 1, "ts": 1.0, "pdq": "0" * 64, "quality": 10}
    result = match_vpdq([good, flat], [good])
    assert result.query_frames == 1
    assert result.query_match_percent == 100.0
    with pytest.raises(InvalidHashError):
        match_vpdq([{"pdq": "xyz", "quality": 100}], [good])


# ---------------------------------------------------------------------------- bad input


def test_video_with_no_frames_is_an_error():
    for fmt in ("mp4", "matroska"):
        with pytest.raises(MediaError):
            hash_bytes(make_video(0, fmt=fmt))


def test_video_over_the_length_limit_is_an_error():
    with pytest.raises(MediaError, match="over the limit|past the limit"):
        hash_bytes(make_video(90), settings=Settings(max_video_seconds=1.0))


def test_truncated_video_is_a_clear_error():
    data = make_video(90)  # index (moov) at the end: cut, the index is gone
    with pytest.raises(MediaError, match="corrupt, truncated"):
        hash_bytes(data[: len(data) // 2])
    data = make_video(90, options={"movflags": "faststart"})  # index first, frames cut
    with pytest.raises(MediaError, match="truncated"):
        hash_bytes(data[: int(len(data) * 0.8)])


def test_garbage_after_video_magic_is_an_error():
    with pytest.raises(MediaError):
        hash_video(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)
    with pytest.raises(MediaError):
        hash_video(io.BytesIO(b"").getvalue())
