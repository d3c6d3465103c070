"""Video variants: vPDQ of a video's frames re-framed the way signals/variants.py re-frames
images, so a copy with letterbox/pillarbox bars added or removed, or a large logo over part
of the picture, still matches.

Per video (not per frame, so the box does not wobble with the content) the bars are found
as the median of the frames' `trim_border` boxes. Then each sampled frame is hashed as:

- "original": the frame as decoded (what `hash_video` gives);
- "trim_border": inside the bars, when the video has bars;
- "half_t", "half_b", "half_l", "half_r": the top, bottom, left and right halves of the
  picture (inside the bars): a logo or caption over one part of the picture leaves the
  opposite half intact.

`match_video_variants` compares two such sets: whole-picture lists ("original",
"trim_border") against each other in every combination, halves only against the same half.
Halves carry less of the picture, so they need a tighter frame distance and a larger share
of matching frames.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from groupguard.errors import MediaError
from groupguard.signals.pdq import pdq_from_image
from groupguard.signals.variants import content_box
from groupguard.signals.vpdq import (
    DEFAULT_FRAME_DISTANCE,
    DEFAULT_FRAME_QUALITY,
    DEFAULT_QUERY_MATCH_PERCENT,
    VpdqFrame,
    VpdqMatch,
    hash_video,
    match_vpdq,
)

WHOLE = ("original", "trim_border")
HALVES = ("half_t", "half_b", "half_l", "half_r")
HALF_DISTANCE_OFFSET = -6
HALF_QUERY_PERCENT = 90.0
WORK_SIZE = 384


def sampled_frames(data: bytes, *, seconds_per_hash: float = 1.0,
                   max_frames: int = 3600) -> list[tuple[int, float, Image.Image]]:
    """(frame index, timestamp, image) of the frames `hash_video` samples, shrunk to at most
    WORK_SIZE on the long side. Call after `hash_video` has accepted the file (it applies the
    length, size and truncation limits)."""
    import av

    out: list[tuple[int, float, Image.Image]] = []
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            stream = container.streams.video[0]
            start, next_ts = None, 0.0
            rate = float(stream.average_rate or stream.guessed_rate or 0) or None
            for index, frame in enumerate(container.decode(stream)):
                if frame.time is not None:
                    start = frame.time if start is None else start
                    ts = frame.time - start
                else:
                    ts = index / rate if rate else float(index)
                if seconds_per_hash > 0 and ts + 1e-6 < next_ts:
                    continue
                if seconds_per_hash > 0:
                    next_ts = (int(ts / seconds_per_hash + 1e-6) + 1) * seconds_per_hash
                img = frame.to_image()
                if max(img.size) > WORK_SIZE:
                    img.thumbnail((WORK_SIZE, WORK_SIZE), Image.BILINEAR)
                out.append((index, round(ts, 3), img))
                if len(out) >= max_frames:
                    break
    except (av.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise MediaError(f"not a readable video: {exc}") from exc
    return out


def bar_box(images: list[Image.Image]) -> tuple[int, int, int, int] | None:
    """The picture's box inside bars common to the whole video (median of the frames'
    border boxes), or None when most frames have no bars."""
    boxes = [content_box(im, tol=24, min_frac=0.9, max_bands=1) for im in images]
    found = [b for b in boxes if b is not None]
    if len(found) * 2 < len(images) or not found:
        return None
    return tuple(int(v) for v in np.median(np.array(found), axis=0))  # type: ignore[return-value]


def _halves(img: Image.Image) -> dict[str, Image.Image]:
    w, h = img.size
    return {
        "half_t": img.crop((0, 0, w, h // 2)),
        "half_b": img.crop((0, h // 2, w, h)),
        "half_l": img.crop((0, 0, w // 2, h)),
        "half_r": img.crop((w // 2, 0, w, h)),
    }


def frame_variant_hashes(data: bytes, *, seconds_per_hash: float = 1.0,
                         max_frames: int = 3600) -> dict[str, list[VpdqFrame]]:
    """vPDQ lists of a video's variants other than "original" (see the module docstring),
    for a file `hash_video` has already accepted."""
    frames = sampled_frames(data, seconds_per_hash=seconds_per_hash, max_frames=max_frames)
    box = bar_box([im for _, _, im in frames])
    out: dict[str, list[VpdqFrame]] = {}
    if box is not None:
        out["trim_border"] = []
    for name in HALVES:
        out[name] = []
    for index, ts, img in frames:
        picture = img.crop(box) if box is not None else img
        if box is not None:
            pdq, q = pdq_from_image(picture)
            out["trim_border"].append(VpdqFrame(index, ts, pdq, q))
        for name, half in _halves(picture).items():
            pdq, q = pdq_from_image(half)
            out[name].append(VpdqFrame(index, ts, pdq, q))
    return out


def video_variant_hashes(data: bytes, *, seconds_per_hash: float = 1.0,
                         max_seconds: float = 3 * 3600,
                         max_pixels: int = 64_000_000) -> dict[str, list[VpdqFrame]]:
    """vPDQ lists of a video and its variants, by variant name (see the module docstring).
    Raises MediaError for what `hash_video` refuses."""
    original = hash_video(data, seconds_per_hash=seconds_per_hash, max_seconds=max_seconds,
                          max_pixels=max_pixels)
    return {"original": list(original.frames),
            **frame_variant_hashes(data, seconds_per_hash=seconds_per_hash)}


@dataclass(frozen=True)
class VideoVariantMatch:
    matched: bool
    query_variant: str | None
    target_variant: str | None
    result: VpdqMatch | None


def match_video_variants(query: dict[str, list[VpdqFrame]], target: dict[str, list[VpdqFrame]],
                         *, distance: int = DEFAULT_FRAME_DISTANCE,
                         min_quality: int = DEFAULT_FRAME_QUALITY) -> VideoVariantMatch:
    """Whether two videos match through any allowed pairing of their variant lists, and
    which; a plain hash list (e.g. from a hash-only bank) is passed as {"original": frames}.
    A pairing matches when 80% of either side's good frames (90% for halves) have a partner
    on the other side. The first matching pairing wins, whole pictures before halves."""
    pairs = [(a, b) for a in WHOLE for b in WHOLE if a in query and b in target]
    pairs += [(h, h) for h in HALVES if h in query and h in target]
    best: VideoVariantMatch | None = None
    for a, b in pairs:
        half = a in HALVES
        r = match_vpdq(query[a], target[b],
                       distance=distance + (HALF_DISTANCE_OFFSET if half else 0),
                       min_quality=min_quality)
        need = HALF_QUERY_PERCENT if half else DEFAULT_QUERY_MATCH_PERCENT
        # either side contained in the other: a clip of a known video, or a known clip
        # inside a longer upload
        ok = r.query_match_percent >= need or r.target_match_percent >= need
        if ok:
            return VideoVariantMatch(True, a, b, r)
        if best is None or (best.result and r.query_match_percent
                            > best.result.query_match_percent):
            best = VideoVariantMatch(False, a, b, r)
    return best or VideoVariantMatch(False, None, None, None)
