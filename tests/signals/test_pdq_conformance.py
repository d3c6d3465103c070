"""groupguard's PDQ against Meta's reference (`pdqhash`) on the same decoded pixels.

The reference side decodes with Pillow at full size, applies EXIF orientation and converts
to RGB; groupguard's side is the default `hash_bytes` pipeline (reduced-size JPEG decoding
included). Runs on the copies in tests/data/pdq, and on the whole conformance set when
/work/shared/conformance is present.
"""

import io
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image, ImageOps

from groupguard.media.decode import decode_image, to_rgb
from groupguard.signals.hashing import hash_bytes
from groupguard.signals.pdq import bits_to_hex, hamming, pdq_from_image

DATA = Path(__file__).parents[1] / "data" / "pdq"
SHARED = Path("/work/shared/conformance/pdq")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif"}


def _images(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def _reference(data: bytes) -> tuple[str, int]:
    img = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    bits, quality = pdqhash.compute(np.asarray(to_rgb(img)))
    return bits_to_hex(bits), int(quality)


def _check(path: Path) -> None:
    data = path.read_bytes()
    ref_hex, ref_quality = _reference(data)
    ours = hash_bytes(data)
    assert ours.pdq_quality == ref_quality, path.name
    if ref_quality >= 80:
        assert hamming(ours.pdq, ref_hex) <= 10, path.name
    # On exactly the same pixels (full-size decode) the hash is bit-identical.
    assert pdq_from_image(decode_image(data)) == (ref_hex, ref_quality), path.name


@pytest.mark.parametrize("path", _images(DATA), ids=lambda p: p.name)
def test_copied_reference_images_agree(path):
    _check(path)


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared conformance set not present")
def test_whole_shared_conformance_set_agrees():
    paths = _images(SHARED)
    assert len(paths) >= 40
    for path in paths:
        _check(path)


@pytest.mark.skipif(not (SHARED / "misc-images" / "modes").is_dir(), reason="no shared modes")
def test_shared_mode_images_hash_like_the_original():
    modes = SHARED / "misc-images" / "modes"
    original = hash_bytes((modes / "original.jpg").read_bytes()).pdq
    for path in _images(modes):
        assert hamming(hash_bytes(path.read_bytes()).pdq, original) <= 10, path.name


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


MODES = [
    ("1", "PNG"), ("L", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("PA", None), ("RGBA", "PNG"),
    ("I;16", "PNG"), ("I", "TIFF"), ("F", "TIFF"), ("CMYK", "JPEG"), ("CMYK", "TIFF"),
    ("YCbCr", "JPEG"), ("LAB", "TIFF"), ("HSV", None), ("RGB", "WEBP"),
]


@pytest.mark.parametrize(("mode", "fmt"), MODES, ids=[f"{m}-{f}" for m, f in MODES])
def test_every_pillow_mode_hashes_like_the_rgb_original(mode, fmt):
    original = Image.open(DATA / "square-256x256.jpg").convert("RGB")
    ref = pdq_from_image(original)[0]
    if mode == "I;16":
        converted = Image.fromarray(np.asarray(original.convert("L"), dtype=np.uint16) * 257)
    elif mode in ("I", "F"):
        converted = original.convert("L").convert(mode)
    elif mode == "PA":
        converted = original.convert("P").convert("PA")
    else:
        converted = original.convert(mode)
    if fmt is None:  # no file format stores it; the in-memory image must still hash
        img = converted
    else:
        data = _encode(converted, fmt, **({"quality": 95} if fmt in ("JPEG", "WEBP") else {}))
        img = decode_image(data)
        assert img.mode == "RGB"
    limit = 40 if mode == "1" else 10  # 1-bit dithering changes the picture itself
    assert hamming(pdq_from_image(img)[0], ref) <= limit


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF", "WEBP"])
def test_heic_avif_webp_decode_and_hash_like_the_original(fmt):
    original = Image.open(DATA / "square-256x256.jpg").convert("RGB")
    data = _encode(original, fmt, quality=90)
    h = hash_bytes(data)
    assert h.kind == "image" and (h.width, h.height) == (256, 256)
    assert hamming(h.pdq, pdq_from_image(original)[0]) <= 10


def _frames() -> list[Image.Image]:
    # Web-safe colours, so GIF's palette holds every frame exactly.
    rng = np.random.default_rng(11)
    levels = np.array([0, 51, 102, 153, 204, 255], dtype=np.uint8)
    return [
        Image.fromarray(rng.choice(levels, size=(8, 8, 3))).resize((128, 128), Image.NEAREST)
        for _ in range(5)
    ]


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_animated_first_frame_is_the_hash_and_later_frames_are_variants(fmt):
    frames = _frames()
    data = _encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100,
                   loop=0, **({"lossless": True} if fmt == "WEBP" else {}))
    h = hash_bytes(data)
    first = pdq_from_image(decode_image(data))
    assert (h.pdq, h.pdq_quality) == first
    assert hamming(h.pdq, pdq_from_image(frames[0])[0]) <= 10
    names = [name for name, _, _ in h.pdq_variants]
    assert names == ["frame:1", "frame:2", "frame:3", "frame:4"]
    for (_, hex_, _), frame in zip(h.pdq_variants, frames[1:], strict=True):
        assert hamming(hex_, pdq_from_image(frame)[0]) <= 10
