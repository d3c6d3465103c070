"""vPDQ: video as a list of per-frame PDQ hashes, compatible with Meta's vPDQ.

Frames are decoded with PyAV (its wheels bundle FFmpeg, so there is nothing to build) and
each sampled frame is hashed with the reference PDQ. Matching follows Meta's vPDQ matcher:
frames below a quality floor are dropped, duplicate hashes collapse, and two videos are
compared by the share of each side's frames that have a partner within the distance.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from groupguard.errors import InvalidHashError, MediaError
from groupguard.signals.pdq import pdq_from_array, validate_pdq

DEFAULT_SECONDS_PER_HASH = 1.0
# Meta's vPDQ defaults: frame distance 31, frames of quality < 50 ignored, a video matches
# when >= 80% of the query's (distinct) frames have a partner in the target.
DEFAULT_FRAME_DISTANCE = 31
DEFAULT_FRAME_QUALITY = 50
DEFAULT_QUERY_MATCH_PERCENT = 80.0
DEFAULT_TARGET_MATCH_PERCENT = 0.0
# A stream that ends this much before its declared duration (or decodes this many fewer
# frames than its index lists) is treated as truncated.
_TRUNCATION_SLACK_SECONDS = 0.5
_TRUNCATION_SLACK_FRACTION = 0.02


@dataclass(frozen=True)
class VpdqFrame:
    frame: int
    ts: float
    pdq: str
    quality: int

    def to_dict(self) -> dict[str, object]:
        return {"frame": self.frame, "ts": self.ts, "pdq": self.pdq, "quality": self.quality}


@dataclass(frozen=True)
class VideoHashes:
    frames: list[VpdqFrame]
    width: int
    height: int
    duration: float


def _container_duration(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


def hash_video(
    data: bytes,
    *,
    seconds_per_hash: float = DEFAULT_SECONDS_PER_HASH,
    max_seconds: float = 3 * 3600,
    max_pixels: int = 64_000_000,
    downsample: tuple[int, int] | None = None,
) -> VideoHashes:
    """vPDQ of a video held in memory.

    seconds_per_hash: 0 hashes every frame (what the reference files under
    tests/data/vpdq hold); 1.0 hashes one frame a second. downsample=(w, h) scales frames
    before hashing, as the reference's -128x128 files do.

    Raises MediaError: not a video, no video stream, no frames, declared or decoded length
    over max_seconds, frames over max_pixels, or truncated (ends well before its declared
    duration).
    """
    import av

    if not data:
        raise MediaError("empty file (zero bytes)")
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(
            f"not a readable video (corrupt, truncated or unsupported): {exc}"
        ) from exc
    try:
        if not container.streams.video:
            raise MediaError("no video stream in file (no frames to hash)")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        declared = _container_duration(container, stream)
        if declared is not None and declared > max_seconds:
            raise MediaError(
                f"video is {declared:.1f} s long, over the limit of {max_seconds:g} s "
                "(raise max_video_seconds to allow)"
            )
        width = stream.codec_context.width or 0
        height = stream.codec_context.height or 0
        if width * height > max_pixels:
            raise MediaError(f"video frames are {width}x{height}, over the pixel limit")
        frames: list[VpdqFrame] = []
        start: float | None = None
        next_ts = 0.0
        last_ts = 0.0
        index = -1
        rate = float(stream.average_rate or stream.guessed_rate or 0) or None
        try:
            for index, frame in enumerate(container.decode(stream)):  # noqa: B007
                if frame.time is not None:
                    if start is None:
                        start = frame.time
                    ts = frame.time - start
                elif rate:
                    ts = index / rate
                else:
                    ts = float(index)
                last_ts = ts
                if ts > max_seconds:
                    raise MediaError(
                        f"video runs past the limit of {max_seconds:g} s "
                        "(raise max_video_seconds to allow)"
                    )
                if seconds_per_hash > 0 and ts + 1e-6 < next_ts:
                    continue
                if seconds_per_hash > 0:
                    next_ts = (int(ts / seconds_per_hash + 1e-6) + 1) * seconds_per_hash
                if frame.width * frame.height > max_pixels:
                    raise MediaError(
                        f"video frame is {frame.width}x{frame.height}, over the pixel limit"
                    )
                if downsample:
                    rgb = frame.to_ndarray(
                        format="rgb24", width=downsample[0], height=downsample[1]
                    )
                else:
                    rgb = frame.to_ndarray(format="rgb24")
                pdq, quality = pdq_from_array(rgb)
                frames.append(VpdqFrame(index, round(ts, 3), pdq, quality))
                width, height = frame.width, frame.height
        except av.FFmpegError as exc:
            raise MediaError(f"corrupt or truncated video at frame {index + 1}: {exc}") from exc
        if not frames:
            raise MediaError("video has no decodable frames")
        listed = stream.frames or 0
        decoded = index + 1
        if listed > 0 and decoded < listed * (1 - _TRUNCATION_SLACK_FRACTION) - 1:
            raise MediaError(
                f"video is truncated: decoded {decoded} of the {listed} frames it lists"
            )
        if declared is not None and rate:
            ended = last_ts + 1.0 / rate
            slack = max(_TRUNCATION_SLACK_SECONDS, declared * _TRUNCATION_SLACK_FRACTION)
            if ended + slack < declared:
                raise MediaError(
                    f"video is truncated: frames end at {ended:.1f} s of a declared "
                    f"{declared:.1f} s"
                )
        return VideoHashes(frames, width, height, round(last_ts, 3))
    finally:
        container.close()


# ---------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class VpdqMatch:
    query_match_percent: float
    target_match_percent: float
    query_frames: int
    target_frames: int

    def is_match(
        self,
        query_percent: float = DEFAULT_QUERY_MATCH_PERCENT,
        target_percent: float = DEFAULT_TARGET_MATCH_PERCENT,
    ) -> bool:
        return (
            self.query_frames > 0
            and self.query_match_percent >= query_percent
            and self.target_match_percent >= target_percent
        )


def _frames_of(value: Iterable[VpdqFrame | dict | tuple]) -> list[VpdqFrame]:
    out = []
    for item in value:
        if isinstance(item, VpdqFrame):
            out.append(item)
        elif isinstance(item, dict):
            out.append(VpdqFrame(int(item.get("frame", 0)), float(item.get("ts", 0.0)),
                                 validate_pdq(item["pdq"]), int(item["quality"])))
        else:
            raise InvalidHashError(f"not a vPDQ frame: {item!r}")
    return out


def prepare(frames: Iterable[VpdqFrame], min_quality: int) -> np.ndarray:
    """Distinct hashes of frames with quality >= min_quality, as an (n, 4) uint64 array."""
    seen: dict[str, None] = {}
    for f in frames:
        if f.quality >= min_quality:
            seen.setdefault(validate_pdq(f.pdq), None)
    if not seen:
        return np.zeros((0, 4), dtype=np.uint64)
    raw = b"".join(bytes.fromhex(h) for h in seen)
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 4)


def _popcount64(x: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x)
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


def _has_partner(a: np.ndarray, b: np.ndarray, distance: int, chunk: int = 512) -> np.ndarray:
    """For each row of a: is some row of b within `distance` bits."""
    found = np.zeros(len(a), dtype=bool)
    if len(a) == 0 or len(b) == 0:
        return found
    for start in range(0, len(a), chunk):
        block = a[start : start + chunk]
        dist = _popcount64(block[:, None, :] ^ b[None, :, :]).sum(axis=2, dtype=np.int32)
        found[start : start + chunk] = (dist <= distance).any(axis=1)
    return found


def match_vpdq(
    query: Sequence[VpdqFrame] | Iterable[dict],
    target: Sequence[VpdqFrame] | Iterable[dict],
    *,
    distance: int = DEFAULT_FRAME_DISTANCE,
    min_quality: int = DEFAULT_FRAME_QUALITY,
) -> VpdqMatch:
    """Compare two vPDQ hash lists like Meta's brute-force vPDQ matcher: the percentage of
    the query's distinct good-quality frames with a target frame within `distance`, and the
    same the other way. A clip cut from a longer video has a high query percentage and a
    low target percentage."""
    q = prepare(_frames_of(query), min_quality)
    t = prepare(_frames_of(target), min_quality)
    q_hit = _has_partner(q, t, distance)
    t_hit = _has_partner(t, q, distance)
    return VpdqMatch(
        query_match_percent=100.0 * q_hit.sum() / len(q) if len(q) else 0.0,
        target_match_percent=100.0 * t_hit.sum() / len(t) if len(t) else 0.0,
        query_frames=len(q),
        target_frames=len(t),
    )


def parse_reference(text: str) -> list[VpdqFrame]:
    """Meta's vPDQ text format: `frame,quality,hash,timestamp` per line."""
    frames = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(",")
        if len(parts) < 3:
            raise InvalidHashError(f"line {number}: expected frame,quality,hash[,ts]")
        try:
            frame, quality = int(parts[0]), int(parts[1])
            ts = float(parts[3]) if len(parts) > 3 else 0.0
        except ValueError as exc:
            raise InvalidHashError(f"line {number}: {exc}") from exc
        frames.append(VpdqFrame(frame, ts, validate_pdq(parts[2]), quality))
    return frames


def format_reference(frames: Iterable[VpdqFrame]) -> str:
    return "".join(f"{f.frame},{f.quality},{f.pdq},{f.ts:.3f}\n" for f in frames)
