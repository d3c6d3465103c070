"""Safe image decoding: every image groupguard looks at goes through `decode_image`.

Untrusted bytes are opened header-first; the pixel count is checked against the limit
before any pixel is decoded (decompression bombs), truncated or corrupt files raise
MediaError instead of half-decoded images, and the result is always an RGB image with
its EXIF orientation applied, so the same picture hashes the same however it was stored.
"""

from __future__ import annotations

import io
import struct
import warnings

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from groupguard.errors import MediaError

try:  # HEIC/HEIF (phones) and, for Pillow builds without it, AVIF.
    import pillow_heif

    pillow_heif.register_heif_opener()
    if "AVIF" not in Image.registered_extensions().values() and hasattr(
        pillow_heif, "register_avif_opener"
    ):
        pillow_heif.register_avif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a dependency
    pillow_heif = None

# Never hand back a partly decoded image: a truncated file is an error, not a grey bottom.
ImageFile.LOAD_TRUNCATED_IMAGES = False

DEFAULT_MAX_PIXELS = 64_000_000
# What Pillow's plugins raise on malformed input (they are not consistent about it).
_DECODE_ERRORS = (
    OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError, struct.error,
)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    if not data:
        raise MediaError("empty file (zero bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise MediaError("not a recognised image format (corrupt or unsupported)") from exc
    except Image.DecompressionBombError as exc:
        raise MediaError(
            f"image is over the pixel limit of {max_pixels:,} (possible decompression bomb): "
            f"{exc}"
        ) from exc
    except _DECODE_ERRORS as exc:
        raise MediaError(f"cannot read image header: {exc}") from exc
    width, height = img.size
    if width <= 0 or height <= 0:
        raise MediaError(f"image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise MediaError(
            f"image is {width}x{height} = {width * height:,} pixels, over the limit of "
            f"{max_pixels:,} (possible decompression bomb; raise max_image_pixels to allow)"
        )
    return img


def _load(img: Image.Image) -> None:
    try:
        img.load()
    except Image.DecompressionBombError as exc:
        raise MediaError(f"image too large: {exc}") from exc
    except _DECODE_ERRORS as exc:
        raise MediaError(f"corrupt or truncated image: {exc}") from exc
    except MemoryError as exc:
        raise MediaError("image too large to decode in memory") from exc


def to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode -> 8-bit RGB. Alpha is dropped (not composited), as Meta's reference
    hashers do, so hashes from other tools' banks agree; high-bit-depth greyscale is scaled,
    not clipped."""
    mode = img.mode
    if mode == "RGB":
        return img
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = float(arr.max()) if arr.size else 0.0
        if mode == "F" and top <= 1.0:
            arr = arr * 255.0
        elif top > 255.0:
            arr = arr / (65535.0 if top <= 65535.0 else top) * 255.0
        grey = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if mode == "LAB":
        from PIL import ImageCms

        transform = ImageCms.buildTransform(
            ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB"
        )
        return ImageCms.applyTransform(img, transform)
    if (mode == "P" and "transparency" in img.info) or mode in ("PA", "LA", "La", "RGBa"):
        img = img.convert("RGBA")
    return img.convert("RGB")


def _orient(img: Image.Image) -> Image.Image:
    try:
        rotated = ImageOps.exif_transpose(img)
    except Exception:  # noqa: BLE001 - broken EXIF must not stop hashing; keep pixels as stored
        return img
    return rotated if rotated is not None else img


def is_jpeg(img: Image.Image) -> bool:
    return img.format == "JPEG"


def open_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Open header-only, with the pixel limit checked; nothing is decoded yet."""
    return _open(data, max_pixels)


def decode_image(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    draft_size: int | None = None,
) -> Image.Image:
    """Decode untrusted bytes to an RGB image with EXIF orientation applied.

    draft_size: for JPEG, let libjpeg decode at a reduced scale (1/2, 1/4, 1/8) as long as
    both sides stay >= draft_size; this is the fast path (see docs/hashing.md). Other formats
    are decoded at full size. For animated images this is the first frame.

    Raises MediaError for empty, corrupt, truncated, unsupported or over-limit input.
    """
    return decode_image_sized(data, max_pixels=max_pixels, draft_size=draft_size)[0]


def decode_image_sized(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    draft_size: int | None = None,
) -> tuple[Image.Image, tuple[int, int]]:
    """decode_image, plus the full (undrafted) size after orientation."""
    img = _open(data, max_pixels)
    full = img.size
    if draft_size and is_jpeg(img):
        w, h = img.size
        scale = min(w, h) / draft_size
        if scale >= 2:
            try:
                # draft() keeps both sides >= the requested box; ask in the image's aspect.
                img.draft("RGB", (max(1, int(w / scale)), max(1, int(h / scale))))
            except _DECODE_ERRORS as exc:
                raise MediaError(f"cannot decode image: {exc}") from exc
    _load(img)
    try:
        orientation = img.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - unreadable EXIF means no rotation
        orientation = 1
    if orientation in (5, 6, 7, 8):
        full = (full[1], full[0])
    img = _orient(img)
    try:
        return to_rgb(img), full
    except _DECODE_ERRORS as exc:
        raise MediaError(f"cannot convert image to RGB: {exc}") from exc


DEFAULT_MAX_ANIMATION_FRAMES = 8
_ANIMATED_FORMATS = {"GIF", "WEBP", "PNG"}


def animation_frames(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_frames: int = DEFAULT_MAX_ANIMATION_FRAMES,
) -> list[tuple[int, Image.Image]]:
    """Frames after the first of an animated image (GIF, WebP, APNG), as (index, RGB image).

    Policy (docs/hashing.md): at most `max_frames` frames, spread evenly over the animation,
    so a file whose first frame is harmless cannot hide the rest. A still image gives [].
    The total decoded pixels stay under `max_pixels` times the frame budget.
    """
    img = _open(data, max_pixels)
    # MPO (phone JPEGs with a depth map or preview) also reports frames; those are not
    # an animation a viewer plays.
    if img.format not in _ANIMATED_FORMATS or max_frames <= 0:
        return []
    if not getattr(img, "is_animated", False):
        return []
    try:
        count = int(img.n_frames)
    except _DECODE_ERRORS as exc:
        raise MediaError(f"corrupt animation: {exc}") from exc
    if count <= 1:
        return []
    rest = list(range(1, count))
    if len(rest) > max_frames:
        step = len(rest) / max_frames
        rest = sorted({rest[int(i * step)] for i in range(max_frames)})
    frames = []
    for index in rest:
        try:
            img.seek(index)
            frame = to_rgb(img)
            if frame is img:  # the file object moves on with the next seek
                frame = img.copy()
        except EOFError:
            break
        except _DECODE_ERRORS as exc:
            raise MediaError(f"corrupt or truncated animation at frame {index}: {exc}") from exc
        frames.append((index, frame))
    return frames
