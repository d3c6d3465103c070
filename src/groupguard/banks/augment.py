"""Augmented entries for media banks: when a bank holds the media itself (content the
platform's reviewers confirmed), index the PDQ hashes of crops and small rotations of it too,
so a copy that was cropped or turned a few degrees lands within reach of one entry.

Query-side variants (signals/variants.py) already undo flips, turns, borders, bands, frames
and filled rotations; what a query cannot undo is lost picture (a crop, or a rotation whose
corners were cut off). The bank side covers those: crops of 5-20% at the centre, sides and
corners (a grid, below), and rotations by 2 to 8 degrees cropped to the picture: about 200
entries per item. Each entry is named "aug:<family>_<where>" and matched with
`variants.variant_threshold(name, base)`.
"""

from __future__ import annotations

import math

from PIL import Image

from groupguard.signals.variants import AUG_PREFIX, WORK_SIZE, pdq_of

# PDQ moves about 20 bits for a 1% shift of the frame and about 12 bits for a 1% change of
# scale, so crops are indexed on a grid: kept side 97% down to 85% in 3-point steps, and at
# each scale window positions 2% apart (corners and edges included); rotations every degree
# from 2 to 8 either way (half a degree off costs about 17 bits).
CROP_KEEPS: tuple[float, ...] = (0.97, 0.94, 0.91, 0.88, 0.85)
CROP_STEP = 0.02
ROTATIONS: tuple[float, ...] = tuple(float(d) for d in (-8, -7, -6, -5, -4, -3, -2,
                                                        2, 3, 4, 5, 6, 7, 8))


def crop_windows(keeps: tuple[float, ...] = CROP_KEEPS, step: float = CROP_STEP
                 ) -> list[tuple[str, float, float, float]]:
    """(name, keep, anchor x, anchor y) of every indexed crop window; anchors run from 0
    (left/top) to 1 (right/bottom)."""
    out = []
    for keep in keeps:
        n = max(1, math.ceil((1 - keep) / step - 1e-9) + 1)
        anchors = [0.5] if n == 1 else [i / (n - 1) for i in range(n)]
        for ax in anchors:
            for ay in anchors:
                out.append((f"crop_{round(keep * 100)}_{round(ax * 100)}_{round(ay * 100)}",
                            keep, ax, ay))
    return out


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
    out = [(AUG_PREFIX + name, _crop(work, keep, ax, ay))
           for name, keep, ax, ay in crop_windows()]
    for deg in ROTATIONS:
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
