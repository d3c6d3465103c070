"""The robustness transform suite and the benign synthetic images it runs over.

Every image here is generated from a seed (smooth gradients, shapes, multi-scale texture), so
the benchmark is deterministic and needs no data set. A transform is a function
`(img, rng) -> img`; the rng lets a transform pick a position or colour per image while
staying reproducible.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

Transform = Callable[[Image.Image, np.random.Generator], Image.Image]

_FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
WORDS = ("zorblax", "quexfin", "plimtor", "vandrel", "oskuro", "trelling", "mabbet", "fenwo")


def font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for path in _FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


# ---------------------------------------------------------------- synthetic benign images


def _fractal_noise(rng: np.random.Generator, h: int, w: int, octaves: int, decay: float):
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        gh, gw = 2 + 2**o, 2 + int(2**o * w / h)
        grid = rng.random((gh, gw)).astype(np.float32)
        layer = Image.fromarray((grid * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC)
        out += amp * np.asarray(layer, np.float32) / 255.0
        total += amp
        amp *= decay
    return out / total


def synthetic_photo(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A photo-like benign image: a tinted gradient sky/ground, multi-scale texture, and a
    handful of shaded shapes; every parameter is drawn from `seed`."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (np.cos(angle) * xx / w + np.sin(angle) * yy / h)
    ramp = (ramp - ramp.min()) / max(1e-6, float(np.ptp(ramp)))
    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    img = c0[None, None, :] * (1 - ramp[..., None]) + c1[None, None, :] * ramp[..., None]
    tex = _fractal_noise(rng, h, w, octaves=int(rng.integers(4, 7)), decay=rng.uniform(0.6, 0.9))
    tint = rng.uniform(-1, 1, 3)
    img += (tex[..., None] - 0.5) * rng.uniform(120, 260) * (0.6 + 0.4 * tint[None, None, :])
    base = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(base, "RGBA")
    for _ in range(int(rng.integers(6, 16))):
        x0, y0 = rng.uniform(-0.2, 1.0) * w, rng.uniform(-0.2, 1.0) * h
        sw, sh = rng.uniform(0.05, 0.45) * w, rng.uniform(0.05, 0.45) * h
        colour = tuple(int(v) for v in rng.integers(0, 256, 3)) + (int(rng.integers(120, 256)),)
        kind = rng.integers(0, 3)
        box = [x0, y0, x0 + sw, y0 + sh]
        if kind == 0:
            draw.ellipse(box, fill=colour)
        elif kind == 1:
            draw.rectangle(box, fill=colour)
        else:
            pts = [(x0 + rng.uniform(0, sw), y0 + rng.uniform(0, sh)) for _ in range(3)]
            draw.polygon(pts, fill=colour)
    base = base.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    grain = rng.normal(0, rng.uniform(2, 8), (h, w, 1)).astype(np.float32)
    arr = np.clip(np.asarray(base, np.float32) + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(arr, "RGB")


def reference_images(root: Path, size: int = 320) -> list[Image.Image]:
    """The conformance reference photos (when present), shrunk to the bench's working size."""
    images = []
    for path in sorted(root.glob("**/*.jpg")):
        if "modes" in path.parts or "dih" in path.parts or "bridge-mods" in path.parts:
            continue
        with Image.open(path) as im:
            if min(im.size) < 64:  # a thumbnail-sized test file, not a picture anyone shares
                continue
            im = im.convert("RGB")
            im.thumbnail((size, size), Image.LANCZOS)
            images.append(im)
    return images


# ---------------------------------------------------------------- transforms


def jpeg(quality: int) -> Transform:
    def t(img: Image.Image, rng: np.random.Generator) -> Image.Image:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality)
        return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")

    return t


def resize(scale: float) -> Transform:
    def t(img: Image.Image, rng: np.random.Generator) -> Image.Image:
        w, h = img.size
        return img.resize((max(8, round(w * scale)), max(8, round(h * scale))), Image.BILINEAR)

    return t


def grayscale(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    return img.convert("L").convert("RGB")


def watermark(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A semi-transparent logo (disc and word) in a random corner, about 16% of the width."""
    out = img.convert("RGBA")
    w, h = out.size
    lw = int(w * 0.16)
    logo = Image.new("RGBA", (lw, lw // 2), (0, 0, 0, 0))
    d = ImageDraw.Draw(logo)
    d.ellipse([0, 0, lw // 2 - 1, lw // 2 - 1], fill=(255, 255, 255, 120))
    d.text((lw // 2 + 2, lw // 8), WORDS[int(rng.integers(len(WORDS)))][:4],
           font=font(max(8, lw // 6)), fill=(255, 255, 255, 190))
    x = 4 if rng.random() < 0.5 else w - lw - 4
    y = 4 if rng.random() < 0.5 else h - lw // 2 - 4
    out.alpha_composite(logo, (x, y))
    return out.convert("RGB")


def caption_band(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A meme-style caption: a white or black band of 15-22% height with a line of text,
    added above or below the picture."""
    w, h = img.size
    bh = int(h * rng.uniform(0.15, 0.22))
    bg, fg = ((255, 255, 255), (0, 0, 0)) if rng.random() < 0.6 else ((0, 0, 0), (255, 255, 255))
    band = Image.new("RGB", (w, bh), bg)
    text = " ".join(WORDS[int(i)] for i in rng.integers(0, len(WORDS), 3))
    f = font(max(8, int(bh * 0.45)))
    d = ImageDraw.Draw(band)
    tw = d.textlength(text, font=f)
    d.text((max(2, (w - tw) / 2), bh * 0.2), text, font=f, fill=fg)
    out = Image.new("RGB", (w, h + bh), bg)
    top = rng.random() < 0.5
    out.paste(band, (0, 0 if top else h))
    out.paste(img, (0, bh if top else 0))
    return out


def crop(frac: float) -> Transform:
    """Keep about (1 - frac) of each side's length (frac jittered by +-1 point, so no bank
    window lines up by construction), at a random position."""

    def t(img: Image.Image, rng: np.random.Generator) -> Image.Image:
        w, h = img.size
        f = frac + rng.uniform(-0.01, 0.01)
        cw, ch = round(w * (1 - f)), round(h * (1 - f))
        x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        return img.crop((x, y, x + cw, y + ch))

    return t


def pad(frac: float) -> Transform:
    """A uniform border adding `frac` of the size (split over the sides), black/white/colour."""

    def t(img: Image.Image, rng: np.random.Generator) -> Image.Image:
        w, h = img.size
        colour = [(0, 0, 0), (255, 255, 255), tuple(int(v) for v in rng.integers(0, 256, 3))][
            int(rng.integers(3))
        ]
        pw, ph = round(w * frac / 2), round(h * frac / 2)
        out = Image.new("RGB", (w + 2 * pw, h + 2 * ph), colour)
        out.paste(img, (pw, ph))
        return out

    return t


def letterbox(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Pad to a square with black bars, as when a landscape picture becomes a square post."""
    w, h = img.size
    s = max(w, h)
    out = Image.new("RGB", (s, s), (0, 0, 0))
    out.paste(img, ((s - w) // 2, (s - h) // 2))
    return out


def transpose(op: Image.Transpose) -> Transform:
    def t(img: Image.Image, rng: np.random.Generator) -> Image.Image:
        return img.transpose(op)

    return t


def rotate(degrees: float, *, fill: bool) -> Transform:
    """Rotate by `degrees` +-1 (random sign and jitter). fill=True keeps the whole picture
    and fills the corners (what editors do); fill=False crops to the largest upright
    rectangle inside."""

    def t(img: Image.Image, rng: np.random.Generator) -> Image.Image:
        a = (degrees + rng.uniform(-1, 1)) * (1 if rng.random() < 0.5 else -1)
        if fill:
            colour = (0, 0, 0) if rng.random() < 0.5 else (255, 255, 255)
            return img.rotate(a, resample=Image.BICUBIC, expand=True, fillcolor=colour)
        w, h = img.size
        r = img.rotate(a, resample=Image.BICUBIC, expand=False)
        th = math.radians(abs(a))
        # largest axis-aligned rectangle of the same aspect inside the rotated picture
        k = 1 / (math.cos(th) + max(w / h, h / w) * math.sin(th))
        cw, ch = int(w * k), int(h * k)
        return r.crop(((w - cw) // 2, (h - ch) // 2, (w + cw) // 2, (h + ch) // 2))

    return t


def screenshot(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The picture as seen in a phone screenshot: status bar, app header, the picture fit to
    the width, a caption and a navigation bar; light or dark theme."""
    dark = rng.random() < 0.5
    bg = (18, 18, 18) if dark else (250, 250, 250)
    fg = (230, 230, 230) if dark else (20, 20, 20)
    sw = 360
    pw = sw - (0 if rng.random() < 0.5 else 16)
    pic = img.resize((pw, round(img.height * pw / img.width)), Image.BILINEAR)
    sh = max(640, pic.height + 260)
    out = Image.new("RGB", (sw, sh), bg)
    d = ImageDraw.Draw(out)
    d.rectangle([0, 0, sw, 24], fill=(0, 0, 0) if dark else (230, 230, 230))
    d.text((8, 5), "12:07", font=font(12), fill=fg)
    for i in range(3):
        d.rectangle([sw - 20 - 14 * i, 7, sw - 10 - 14 * i, 17], fill=fg)
    d.text((44, 36), WORDS[int(rng.integers(len(WORDS)))], font=font(18), fill=fg)
    d.ellipse([8, 34, 34, 60], fill=(90, 140, 200))
    top = 76
    out.paste(pic, ((sw - pw) // 2, top))
    y = top + pic.height + 10
    for i in range(2):
        text = " ".join(WORDS[int(j)] for j in rng.integers(0, len(WORDS), 4))
        d.text((10, y + 20 * i), text, font=font(14), fill=fg)
    d.rectangle([0, sh - 48, sw, sh], fill=(0, 0, 0) if dark else (235, 235, 235))
    for i in range(4):
        cx = 45 + i * 90
        d.ellipse([cx - 9, sh - 33, cx + 9, sh - 15], outline=fg, width=2)
    return out


def compose(*ts: Transform) -> Transform:
    def t(img: Image.Image, rng: np.random.Generator) -> Image.Image:
        for f in ts:
            img = f(img, rng)
        return img

    return t


T = Image.Transpose

SUITE: dict[str, Transform] = {
    "jpeg_q30": jpeg(30),
    "jpeg_q70": jpeg(70),
    "resize_50": resize(0.5),
    "resize_150": resize(1.5),
    "grayscale": grayscale,
    "watermark": watermark,
    "caption_band": caption_band,
    "crop_5": crop(0.05),
    "crop_10": crop(0.10),
    "crop_15": crop(0.15),
    "pad_10": pad(0.10),
    "letterbox": letterbox,
    "flip_h": transpose(T.FLIP_LEFT_RIGHT),
    "flip_v": transpose(T.FLIP_TOP_BOTTOM),
    "rot90": transpose(T.ROTATE_90),
    "rot270": transpose(T.ROTATE_270),
    "rotate_3": rotate(3, fill=True),
    "rotate_5": rotate(5, fill=True),
    "rotate_5_crop": rotate(5, fill=False),
    "screenshot": screenshot,
    "flip_h+jpeg_q50": compose(transpose(T.FLIP_LEFT_RIGHT), jpeg(50)),
    "caption_band+jpeg_q50": compose(caption_band, jpeg(50)),
}
