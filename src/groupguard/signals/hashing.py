"""Media -> hashes: digests for every file, PDQ for images, vPDQ for videos.

`hash_bytes` is the one pipeline that both bank entries and queries go through, so a bank
built from media and a query of the same media hash alike (see docs/hashing.md). It does no
I/O besides reading the path given to `hash_path`, and never touches the database.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from PIL import Image

from groupguard.config import Settings
from groupguard.errors import MediaError
from groupguard.media import decode
from groupguard.signals.digests import digests
from groupguard.signals.pdq import pdq_from_image
from groupguard.signals.vpdq import VpdqFrame, hash_video

if TYPE_CHECKING:
    from collections.abc import Iterator

MediaKind = Literal["image", "video"]

# The fast path: JPEGs are decoded by libjpeg at the smallest of 1/2, 1/4, 1/8 scale that
# keeps both sides >= this many pixels (PDQ itself works on a 64x64 reduction).
DRAFT_SIZE = 512


@dataclass
class MediaHashes:
    sha256: str
    md5: str
    kind: MediaKind
    size: int
    pdq: str | None
    pdq_quality: int | None
    vpdq: list[VpdqFrame] | None
    width: int
    height: int
    # (variant name, pdq hex, quality): query-side transforms and extra animation frames.
    pdq_variants: tuple[tuple[str, str, int], ...] = ()
    image: Image.Image | None = field(default=None, repr=False, compare=False)
    error: str | None = None
    # Why the perceptual hash must not be matched (e.g. low quality); digests still match.
    not_matchable_reason: str | None = None
    # Videos hashed with variants=True: vPDQ lists of re-framed frames by variant name
    # ("trim_border", "half_b", ...: signals/video_variants.py).
    vpdq_variants: dict[str, list[VpdqFrame]] = field(default_factory=dict, repr=False,
                                                      compare=False)

    @property
    def matchable(self) -> bool:
        return self.not_matchable_reason is None

    def to_json(self) -> dict[str, object]:
        """The `groupguard hash --json` record (without the path)."""
        out: dict[str, object] = {"kind": self.kind, "md5": self.md5, "sha256": self.sha256,
                                  "size": self.size, "width": self.width, "height": self.height}
        if self.kind == "image":
            out["pdq"] = self.pdq
            out["pdq_quality"] = self.pdq_quality
        else:
            out["vpdq"] = [f.to_dict() for f in self.vpdq or []]
        if self.pdq_variants:
            out["pdq_variants"] = [
                {"variant": n, "pdq": h, "quality": q} for n, h, q in self.pdq_variants
            ]
        if self.not_matchable_reason:
            out["not_matchable_reason"] = self.not_matchable_reason
        return out


def is_matchable(quality: int | None, settings: Settings | None = None) -> bool:
    """Whether a PDQ hash of this quality may be matched perceptually."""
    floor = (settings or Settings()).pdq_min_quality
    return quality is not None and quality >= floor


def low_quality_reason(quality: int | None, settings: Settings | None = None) -> str | None:
    if is_matchable(quality, settings):
        return None
    floor = (settings or Settings()).pdq_min_quality
    return (
        f"PDQ quality {quality} is below {floor}: the image is too flat or featureless for a "
        "perceptual match to mean anything; matched by digest only"
    )


# ---------------------------------------------------------------------------- sniffing

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"mif1",
                b"msf1", b"avif", b"avis"}


def sniff_kind(data: bytes) -> MediaKind | None:
    """Container magic -> image or video; None when unknown (then both decoders are tried)."""
    head = data[:64]
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        return "image" if brand in _HEIF_BRANDS else "video"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # Matroska / WebM
        return "video"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "video"
    if head.startswith((b"FLV", b"OggS", b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):
        return "video"
    if head[:4] in (b"\x00\x00\x00\x14", b"\x00\x00\x00\x18", b"\x00\x00\x00\x1c") and (
        b"qt  " in head[:16]
    ):
        return "video"
    return None


# ---------------------------------------------------------------------------- hashing


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else Settings()


def _variants(img: Image.Image) -> tuple[tuple[str, str, int], ...]:
    """Query-side transforms from signals.variants (h3), when that module is present."""
    try:
        module = importlib.import_module("groupguard.signals.variants")
    except ImportError:
        return ()
    out = []
    for name, variant in module.query_variants(img):
        hex_, quality = pdq_from_image(variant)
        out.append((name, hex_, quality))
    return tuple(out)


def _animation_variants(
    data: bytes, settings: Settings, first: str
) -> tuple[tuple[str, str, int], ...]:
    """Later frames of an animated image as `frame:<index>` variants (distinct hashes only)."""
    seen = {first}
    out = []
    for index, frame in decode.animation_frames(
        data, max_pixels=settings.max_image_pixels, max_frames=max_animation_frames(settings)
    ):
        hex_, quality = pdq_from_image(frame)
        if hex_ not in seen:
            seen.add(hex_)
            out.append((f"frame:{index}", hex_, quality))
    return tuple(out)


def max_animation_frames(settings: Settings) -> int:
    return int(getattr(settings, "max_animation_frames", decode.DEFAULT_MAX_ANIMATION_FRAMES))


def _hash_image(
    data: bytes, settings: Settings, *, keep_image: bool, variants: bool, draft: int | None
) -> tuple[Image.Image | None, str, int, int, int, tuple[tuple[str, str, int], ...]]:
    img, (width, height) = decode.decode_image_sized(
        data, max_pixels=settings.max_image_pixels, draft_size=draft
    )
    pdq, quality = pdq_from_image(img)
    extra = _animation_variants(data, settings, pdq)
    if variants:
        extra += _variants(img)
    return (img if keep_image else None), pdq, quality, width, height, extra


def hash_bytes(
    data: bytes,
    *,
    settings: Settings | None = None,
    keep_image: bool = False,
    variants: bool = False,
    draft: int | None = DRAFT_SIZE,
    seconds_per_hash: float | None = None,
) -> MediaHashes:
    """Digests and perceptual hashes of one image or video held in memory.

    Raises MediaError for empty, corrupt, truncated, unsupported or over-limit media.
    draft=None decodes JPEGs at full size (slower; the reference for the fast path).
    """
    s = _settings(settings)
    if not data:
        raise MediaError("empty file (zero bytes)")
    if len(data) > s.max_media_bytes:
        raise MediaError(
            f"media is {len(data):,} bytes, over the limit of {s.max_media_bytes:,}"
        )
    d = digests(data)
    kind = sniff_kind(data)
    if kind != "video":
        try:
            img, pdq, quality, width, height, extra = _hash_image(
                data, s, keep_image=keep_image, variants=variants, draft=draft
            )
        except MediaError as exc:
            if kind == "image" or "not a recognised image" not in str(exc):
                raise
        else:
            return MediaHashes(
                sha256=d.sha256, md5=d.md5, kind="image", size=len(data), pdq=pdq,
                pdq_quality=quality, vpdq=None, width=width, height=height,
                pdq_variants=extra, image=img,
                not_matchable_reason=low_quality_reason(quality, s),
            )
    try:
        video = hash_video(
            data,
            seconds_per_hash=(
                seconds_per_hash if seconds_per_hash is not None else video_seconds_per_hash(s)
            ),
            max_seconds=s.max_video_seconds,
            max_pixels=s.max_image_pixels,
        )
    except MediaError as exc:
        if kind is None and str(exc).startswith("not a readable video"):
            # Neither decoder knows it: say so once rather than quoting FFmpeg.
            raise MediaError("not a recognised image or video format") from exc
        raise
    extra_lists = {}
    if variants:
        from groupguard.signals.video_variants import frame_variant_hashes

        extra_lists = frame_variant_hashes(data, seconds_per_hash=(
            seconds_per_hash if seconds_per_hash is not None else video_seconds_per_hash(s)))
    return MediaHashes(
        sha256=d.sha256, md5=d.md5, kind="video", size=len(data), pdq=None, pdq_quality=None,
        vpdq=video.frames, width=video.width, height=video.height,
        vpdq_variants=extra_lists,
    )


def video_seconds_per_hash(settings: Settings) -> float:
    from groupguard.signals.vpdq import DEFAULT_SECONDS_PER_HASH

    return float(getattr(settings, "video_seconds_per_hash", DEFAULT_SECONDS_PER_HASH))


def read_media(path: str | Path, settings: Settings | None = None) -> bytes:
    """Read a media file with the size limit checked first; errors are MediaError."""
    s = _settings(settings)
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > s.max_media_bytes:
            raise MediaError(f"{p}: {size:,} bytes, over the limit of {s.max_media_bytes:,}")
        return p.read_bytes()
    except IsADirectoryError as exc:
        raise MediaError(f"{p}: is a directory") from exc
    except OSError as exc:
        raise MediaError(f"{p}: cannot read: {exc.strerror or exc}") from exc


def hash_path(path: str | Path, **kwargs: object) -> MediaHashes:
    """hash_bytes of a file; same keyword arguments."""
    settings = kwargs.get("settings")
    return hash_bytes(read_media(path, settings), **kwargs)  # type: ignore[arg-type]


def iter_hash_paths(
    paths: list[str | Path], *, settings: Settings | None = None, **kwargs: object
) -> Iterator[tuple[str | Path, MediaHashes | MediaError]]:
    """Hash each path in order; a bad file yields its MediaError and the rest go on."""
    for path in paths:
        try:
            yield path, hash_path(path, settings=settings, **kwargs)
        except MediaError as exc:
            yield path, exc


def _hash_one(args: tuple[str | Path, Settings | None, dict]) -> MediaHashes | MediaError:
    path, settings, kwargs = args
    try:
        return hash_path(path, settings=settings, **kwargs)
    except MediaError as exc:
        return exc


def hash_paths(
    paths: list[str | Path],
    *,
    settings: Settings | None = None,
    workers: int | None = None,
    **kwargs: object,
) -> list[MediaHashes | MediaError]:
    """Hash many files, in input order, spread over `workers` processes (default: CPU
    count; 1 = this process). A bad file's entry is its MediaError; the rest go on."""
    return [r for _, r in iter_hash_paths_parallel(paths, settings=settings, workers=workers,
                                                  **kwargs)]


def iter_hash_paths_parallel(
    paths: list[str | Path],
    *,
    settings: Settings | None = None,
    workers: int | None = None,
    **kwargs: object,
) -> Iterator[tuple[str | Path, MediaHashes | MediaError]]:
    """Like iter_hash_paths, over a process pool; results come in input order as soon as
    each is ready."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = workers or os.cpu_count() or 1
    jobs = [(p, settings, kwargs) for p in paths]
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield job[0], _hash_one(job)
        return
    chunk = max(1, min(16, len(jobs) // (workers * 4)))
    with ProcessPoolExecutor(min(workers, len(jobs))) as pool:
        yield from zip(paths, pool.map(_hash_one, jobs, chunksize=chunk), strict=True)
