"""Benign synthetic media for the simulator.

Every image is drawn from a seed with numpy and Pillow: gradients, shapes, stripes and
noise, so that it has enough structure for a perceptual hash (PDQ quality >= 50) and is
obviously nothing but a stand-in. "Known" items come from their own family of patterns;
look-alikes are other images of the same family that are not in the bank.

An image is a pure function of (seed, family, index), so the output does not depend on the
order in which images are asked for.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Families keep their streams apart: image 3 of "icon" and image 3 of "known" differ.
FAMILIES = {"icon": 1, "photo": 2, "known": 3, "report": 4, "inline": 5}

TRANSFORMS = ("reencode", "resize", "crop", "flip", "caption", "resize+caption")


def _rng(seed: int, family: str, index: int) -> np.random.Generator:
    return np.random.default_rng([seed & 0xFFFFFFFF, FAMILIES[family], index])


def _palette(rng: np.random.Generator, n: int) -> list[tuple[int, int, int]]:
    base = rng.uniform(0, 1)
    out = []
    for i in range(n):
        hue = (base + i / n + rng.uniform(-0.08, 0.08)) % 1.0
        sat = rng.uniform(0.35, 0.95)
        val = rng.uniform(0.35, 1.0)
        out.append(_hsv(hue, sat, val))
    return out


def _hsv(h: float, s: float, v: float) -> tuple[int, int, int]:
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    r, g, b = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return int(r * 255), int(g * 255), int(b * 255)


_GRIDS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    if size not in _GRIDS:
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
        _GRIDS[size] = (yy, xx)
    return _GRIDS[size]


def _gradient(rng: np.random.Generator, size: int, c1, c2) -> np.ndarray:
    yy, xx = _grid(size)
    angle = rng.uniform(0, 2 * math.pi)
    t = (xx * math.cos(angle) + yy * math.sin(angle) + 1.0) / 2.0
    if rng.random() < 0.4:  # radial, like a lit backdrop
        cx, cy = rng.uniform(0.2, 0.8, 2)
        t = np.clip(np.hypot(xx - cx, yy - cy) * 1.4, 0, 1)
    a = np.array(c1, np.float32)
    b = np.array(c2, np.float32)
    return a + (b - a) * t[..., None]


def _texture(rng: np.random.Generator, size: int, amplitude: float) -> np.ndarray:
    """Fabric-like stripes at a few cycles per image: detail that survives PDQ's 64x64
    downsampling, so that hashes have quality, without looking like anything."""
    yy, xx = _grid(size)
    f = rng.uniform(2.0, 4.5)
    a = rng.uniform(0, math.pi)
    t = np.sin(2 * math.pi * f * (xx * math.cos(a) + yy * math.sin(a)))
    return (t * amplitude)[..., None]


def _add_noise(arr: np.ndarray, rng: np.random.Generator, amount: int) -> np.ndarray:
    noise = rng.integers(-amount, amount + 1, size=arr.shape[:2], dtype=np.int16)
    out = arr.astype(np.int16) + noise[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def _shapes(draw: ImageDraw.ImageDraw, rng: np.random.Generator, size: int, colours, n: int):
    for _ in range(n):
        colour = colours[int(rng.integers(len(colours)))]
        kind = int(rng.integers(4))
        x, y = rng.uniform(-0.1, 1.0, 2) * size
        w, h = rng.uniform(0.08, 0.45, 2) * size
        if kind == 0:
            draw.ellipse([x, y, x + w, y + h], fill=colour)
        elif kind == 1:
            draw.rectangle([x, y, x + w, y + h], fill=colour)
        elif kind == 2:
            pts = [tuple(p) for p in (rng.uniform(0, 1, (3, 2)) * size)]
            draw.polygon(pts, fill=colour)
        else:
            width = max(2, int(rng.uniform(0.01, 0.04) * size))
            draw.line([x, y, x + w, y + h], fill=colour, width=width)


def scene(seed: int, family: str, index: int, size: int) -> Image.Image:
    """A photo-like scene: a lit backdrop, overlapping shapes, soft focus and grain."""
    rng = _rng(seed, family, index)
    colours = _palette(rng, 6)
    # Drawn at half size and scaled up: soft edges like a photo's, at a quarter the cost.
    full, size = size, size // 2
    arr = _gradient(rng, size, colours[0], colours[1]) + _texture(rng, size, 28.0)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    _shapes(draw, rng, size, colours[2:], int(rng.integers(8, 16)))
    if family == "photo":
        # An abstract bust: a round head over shoulders, as profile photos tend to be.
        c = colours[int(rng.integers(2, 6))]
        cx = size * rng.uniform(0.4, 0.6)
        draw.ellipse([cx - size * 0.16, size * 0.22, cx + size * 0.16, size * 0.58], fill=c)
        draw.rounded_rectangle(
            [cx - size * 0.32, size * 0.62, cx + size * 0.32, size * 1.1], size // 12, fill=c
        )
    img = Image.fromarray(_add_noise(np.asarray(img), rng, 10), "RGB")
    return img.resize((full, full), Image.BILINEAR)


def pattern(seed: int, family: str, index: int, size: int) -> Image.Image:
    """The stand-in for a known item: stripes and rings of a seeded pattern with shapes on
    top. Look-alikes are further members of the same family."""
    rng = _rng(seed, family, index)
    colours = _palette(rng, 5)
    full, size = size, size // 2
    yy, xx = _grid(size)
    f1, f2 = rng.uniform(1.0, 3.5, 2)
    phase = rng.uniform(0, 2 * math.pi, 2)
    cx, cy = rng.uniform(0.25, 0.75, 2)
    waves = np.sin(2 * math.pi * f1 * (xx * rng.uniform(-1, 1) + yy) + phase[0])
    rings = np.sin(2 * math.pi * f2 * np.hypot(xx - cx, yy - cy) + phase[1])
    t = (waves * rng.uniform(0.3, 1.0) + rings * rng.uniform(0.3, 1.0) + 2.0) / 4.0
    a = np.array(colours[0], np.float32)
    b = np.array(colours[1], np.float32)
    arr = a + (b - a) * np.clip(t, 0, 1)[..., None] + _texture(rng, size, 24.0)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    _shapes(ImageDraw.Draw(img), rng, size, colours[2:], int(rng.integers(5, 10)))
    img = Image.fromarray(_add_noise(np.asarray(img), rng, 8), "RGB")
    return img.resize((full, full), Image.BILINEAR)


def encode_jpeg(img: Image.Image, quality: int = 80) -> bytes:
    buf = io.BytesIO()
    # No optimiser passes and no timestamps: the same pixels give the same bytes.
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGB")


_FONT_CACHE: dict[int, ImageFont.ImageFont | ImageFont.FreeTypeFont] = {}


def _font(size: int):
    if size not in _FONT_CACHE:
        try:
            _FONT_CACHE[size] = ImageFont.load_default(size=size)
        except TypeError:  # Pillow without FreeType: a fixed bitmap font
            _FONT_CACHE[size] = ImageFont.load_default()
    return _FONT_CACHE[size]


@dataclass(frozen=True)
class Transformed:
    data: bytes
    transform: str


def transform(data: bytes, name: str, rng: np.random.Generator) -> Transformed:
    """Apply one named edit the way people re-share images: re-encode, shrink, crop, mirror,
    write a caption. The result is a new JPEG whose MD5 differs from the original's."""
    img = decode(data)
    w, h = img.size
    quality = 80
    if name == "reencode":
        quality = int(rng.integers(55, 72))
    if name in ("resize", "resize+caption"):
        scale = float(rng.uniform(0.45, 0.75))
        img = img.resize((max(32, int(w * scale)), max(32, int(h * scale))), Image.BILINEAR)
    if name == "crop":
        # A slight trim of the borders: PDQ tolerates little more (larger crops are where
        # perceptual hashing stops and other signals must take over).
        m = float(rng.uniform(0.01, 0.025))
        img = img.crop((int(w * m), int(h * m), int(w * (1 - m)), int(h * (1 - m))))
    if name == "flip":
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if name in ("caption", "resize+caption"):
        img = caption(img, str(rng.choice(CAPTIONS)))
    if name not in TRANSFORMS:
        raise ValueError(f"unknown transform {name!r}")
    return Transformed(encode_jpeg(img, quality), name)


CAPTIONS = ("new", "join now", "daily", "ok", "lol", "2026", "vip", "part 2")


def caption(img: Image.Image, text: str) -> Image.Image:
    """A caption band across the bottom, as meme tools and stickers add."""
    img = img.copy()
    w, h = img.size
    band = max(12, h // 9)
    draw = ImageDraw.Draw(img)
    draw.text(
        (w // 20, h - band),
        text,
        fill=(250, 250, 250),
        font=_font(band * 2 // 3),
        stroke_width=max(1, band // 16),
        stroke_fill=(10, 10, 10),
    )
    return img


def thumbnail(img: Image.Image, size: int) -> Image.Image:
    return img.resize((size, size), Image.BILINEAR)
