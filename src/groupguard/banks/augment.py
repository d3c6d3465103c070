"""Augmented entries for media banks: when a bank holds the media itself (content the
platform's reviewers confirmed), index the PDQ hashes of crops and small rotations of it too,
so a copy that was cropped or turned a few degrees lands within reach of one entry.

Query-side variants (signals/variants.py) already undo flips, turns, borders, bands, frames
and filled rotations; what a query cannot undo is lost picture (a crop, or a rotation whose
corners were cut off). The bank side covers those: crops of 5-20% at the centre, sides and
corners, and rotations by 3 and 6 degrees cropped to the picture. Each entry is named
"aug:<family>_<where>" and matched with `variants.variant_threshold(name, base)`.
"""

from __future__ import annotations

import math

from PIL import Image

from groupguard.signals.variants import AUG_PREFIX, WORK_SIZE, pdq_of

# (name, keep fraction of each side, anchor x, anchor y): anchors 0 = left/top, 0.5 = centre
_CROPS: tuple[tuple[str, float, float, float], ...] = (
    ("crop_c8", 0.92, 0.5, 0.5),
    ("crop_c14", 0.86, 0.5, 0.5),
    ("crop_c20", 0.80, 0.5, 0.5),
    ("crop_tl10", 0.90, 0.0, 0.0),
    ("crop_tr10", 0.90, 1.0, 0.0),
    ("crop_bl10", 0.90, 0.0, 1.0),
    ("crop_br10", 0.90, 1.0, 1.0),
    ("crop_t10", 0.90, 0.5, 0.0),
    ("crop_b10", 0.90, 0.5, 1.0),
    ("crop_l10", 0.90, 0.0, 0.5),
    ("crop_r10", 0.90, 1.0, 0.5),
    ("crop_tl16", 0.84, 0.0, 0.0),
    ("crop_tr16", 0.84, 1.0, 0.0),
    ("crop_bl16", 0.84, 0.0, 1.0),
    ("crop_br16", 0.84, 1.0, 1.0),
)
_ROTATIONS: tuple[float, ...] = (-6.0, -3.0, 3.0, 6.0)


def _crop(img: Image.Image, keep: float, ax: float, ay: float) -> Image.Image:
    w, h = img.size
    cw, ch = round(w * keep), round(h * keep)
    x, y = round((w - cw) * ax), round((h - ch) * ay)
    return img.crop((x, y, x + cw, y + ch))


def _rotate_crop(img: Image.Image, degrees: float) -> Image.Image:
    """Rotate and keep the largest upright rectangle of the same shape inside."""
    w, h = img.size
    r = img.rotate(degrees, resample=Image.BICUBIC, expand=False)
    th = math.radians(abs(degrees))
    k = 1 / (math.cos(th) + max(w / h, h / w) * math.sin(th))
    cw, ch = int(w * k), int(h * k)
    return r.crop(((w - cw) // 2, (h - ch) // 2, (w + cw) // 2, (h + ch) // 2))


def augmented_images(img: Image.Image) -> list[tuple[str, Image.Image]]:
    """The named augmented images of one bank item (the original itself not included)."""
    work = img.convert("RGB")
    if max(work.size) > WORK_SIZE:
        work = work.copy()
        work.thumbnail((WORK_SIZE, WORK_SIZE), Image.BILINEAR)
    out = [(AUG_PREFIX + name, _crop(work, keep, ax, ay)) for name, keep, ax, ay in _CROPS]
    for deg in _ROTATIONS:
        out.append((f"{AUG_PREFIX}rotcrop_{deg:+.0f}", _rotate_crop(work, deg)))
    return out


def augment_bank_item(img: Image.Image, *, min_quality: int = 50) -> list[tuple[str, str]]:
    """(name, pdq hex) for each augmented variant of a media-bank item worth indexing; a
    variant whose PDQ quality is under `min_quality` is left out, as the matcher would never
    match it."""
    out = []
    for name, im in augmented_images(img):
        pdq, quality = pdq_of(im)
        if quality >= min_quality:
            out.append((name, pdq))
    return out
