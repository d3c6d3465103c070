"""Query-side variants: named re-framings of a query image that undo common edits, so that a
bank holding only the original's PDQ hash still finds an edited copy.

PDQ survives re-encoding, resizing and colour changes, but not geometry: a flip, a 90-degree
turn, a border, a caption band, a screenshot frame or a small rotation moves the picture
inside the frame and the hash with it. Each variant here is a hypothesis about one such edit,
undone: the eight dihedral turns and flips, trimming uniform borders, trimming caption bands
and app chrome (a screenshot), and deskewing a picture rotated by a few degrees with filled
corners. A variant that finds nothing costs one hash; a variant that is wrong can only add
false matches, which is why `variant_threshold` gives each family its own radius (measured
in bench/robustness.py; see docs/robustness.md).

Variants are computed on a copy shrunk to `WORK_SIZE` on its long side: PDQ reduces every
image to 64x64 anyway, and it keeps one query's dozen hashes cheap.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PIL import Image

from groupguard.signals.pdq import pdq_from_image

WORK_SIZE = 384

# The eight symmetries of the square, as the transposes that undo them.
DIHEDRAL: tuple[tuple[str, Image.Transpose], ...] = (
    ("flip_h", Image.Transpose.FLIP_LEFT_RIGHT),
    ("flip_v", Image.Transpose.FLIP_TOP_BOTTOM),
    ("rot90", Image.Transpose.ROTATE_90),
    ("rot180", Image.Transpose.ROTATE_180),
    ("rot270", Image.Transpose.ROTATE_270),
    ("transpose", Image.Transpose.TRANSPOSE),
    ("transverse", Image.Transpose.TRANSVERSE),
)

# Distance radius relative to the bank's threshold, per variant family. The dihedral
# variants are geometric re-readings of the whole picture: their hashes of unrelated images
# are as spread as the original's, but there are seven of them, so each gets a slightly
# tighter radius to keep the sum of their false-match rates near one plain query's.
# Trims and deskews reproduce the original closely when they are right, so a tighter
# radius costs little recall and removes the false matches of flat, low-detail crops.
# bench/robustness.py prints, per family, the measured false-match rate at these radii and
# at the base radius, and the recall each family brings.
_OFFSETS: dict[str, int] = {
    "flip_h": -2,
    "flip_v": -2,
    "rot90": -2,
    "rot180": -2,
    "rot270": -2,
    "transpose": -4,
    "transverse": -4,
    "trim_border": -2,
    "trim_frame": -2,
    "deskew": -4,
}

# Bank-side augmented entries (banks/augment.py) are named "aug:<name>"; their radius is set
# there but looked up here so the matcher has one place to ask.
AUG_PREFIX = "aug:"
_AUG_OFFSETS: dict[str, int] = {"crop": -3, "rotcrop": -2}


def variant_threshold(name: str, base_threshold: int) -> int:
    """The PDQ distance radius to use for a match made through variant `name` against a bank
    whose threshold is `base_threshold` (the original image, name "" or "orig", uses the
    base). Unknown names get the tightest offset rather than the base."""
    if not name or name == "orig":
        return base_threshold
    if name.startswith(AUG_PREFIX):
        family = name[len(AUG_PREFIX):].split("_", 1)[0]
        return max(0, base_threshold + _AUG_OFFSETS.get(family, -8))
    return max(0, base_threshold + _OFFSETS.get(name, -8))


def _work_copy(img: Image.Image) -> Image.Image:
    img = img.convert("RGB")
    if max(img.size) > WORK_SIZE:
        img = img.copy()
        img.thumbnail((WORK_SIZE, WORK_SIZE), Image.BILINEAR)
    return img


# ------------------------------------------------------------------- border and band trims

Box = tuple[int, int, int, int]  # left, top, right, bottom (exclusive)
START_TOL = 8


def _near(lines: np.ndarray, colour: np.ndarray, tol: int) -> np.ndarray:
    """Fraction of each line's pixels within `tol` (per channel) of `colour`."""
    return (np.abs(lines.astype(np.int16) - colour).max(axis=-1) <= tol).mean(axis=-1)


def _band_rows(lines: np.ndarray, colour: np.ndarray, tol: int, min_frac: float) -> np.ndarray:
    """Which lines continue a band of `colour`: mostly that colour, or (a line of caption
    text, whose ink can cover most of the row) that colour plus one other colour, the
    ink, with little else."""
    diff = np.abs(lines.astype(np.int16) - colour).max(axis=-1)
    near = diff <= tol
    frac = near.mean(axis=-1)
    if min_frac >= 0.9:
        return frac >= min_frac
    masked = np.where(near[..., None], np.nan, lines.astype(np.float32))
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ink = np.nanmedian(masked, axis=1)  # per line
    ink_near = (np.abs(lines.astype(np.float32) - ink[:, None, :]).max(axis=-1) <= 2 * tol)
    two = (near | ink_near).mean(axis=-1)
    return (frac >= min_frac) | ((frac >= 0.25) & (two >= 0.8))


def _band_end(ok: np.ndarray, *, gap: int) -> int:
    """Length of the band: up to the first run of more than `gap` non-band lines (a line of
    small anti-aliased text is such a short run; the picture is a long one)."""
    i, n = 0, len(ok)
    while i < n:
        if ok[i]:
            i += 1
            continue
        j = i
        while j < n and not ok[j]:
            j += 1
        if j - i > gap or j == n:
            return i
        i = j
    return n


def _trim_side(a: np.ndarray, *, tol: int, min_frac: float, max_bands: int, limit: int) -> int:
    """How many leading rows of `a` (rows x cols x 3) are frame rather than picture.

    A band starts at the edge with a row that is one flat colour (95% of it within
    START_TOL: a border, or a caption band's blank margin) and goes on while at least `min_frac`
    of a row keeps that colour (text and icons on a band are the rest). With max_bands > 1 a
    new band may start where the previous one ended, but only at a sharp colour step, so a
    smooth sky gradient is not eaten a few rows at a time."""
    n = 0
    bands = 0
    if a.shape[0] < 4 or a.shape[1] < 4:
        return 0
    while bands < max_bands and n < limit:
        colour = np.median(a[n], axis=0)
        # a band starts with a truly flat line; a carpet or a wall is only nearly flat
        if _near(a[n : n + 1], colour, START_TOL)[0] < 0.95:
            break
        if bands > 0:
            step = np.abs(colour - np.median(a[n - 1], axis=0)).max()
            if step <= 8:  # a gradient drifts a level or two a row; app chrome steps
                break
        ok = _band_rows(a[n:limit], colour, tol, min_frac)
        end = n + _band_end(ok, gap=0 if min_frac >= 0.9 else max(2, int(0.12 * a.shape[0])))
        if end - n < 2:
            break
        n = end
        bands += 1
    return min(n, limit)


def content_box(img: Image.Image, *, tol: int, min_frac: float, max_bands: int) -> Box | None:
    """The picture's box inside uniform borders or bands, or None when nothing is trimmed
    or what is left would be too small (under a third of either side) to be a picture."""
    a = np.asarray(img.convert("RGB"))
    h, w = a.shape[:2]
    left, top, right, bottom = 0, 0, w, h
    for _ in range(2):  # rows, then columns on what is left, twice: corners settle
        sub = a[top:bottom, left:right]
        lim_r, lim_c = int(sub.shape[0] * 0.6), int(sub.shape[1] * 0.6)
        t = _trim_side(sub, tol=tol, min_frac=min_frac, max_bands=max_bands, limit=lim_r)
        b = _trim_side(sub[::-1], tol=tol, min_frac=min_frac, max_bands=max_bands, limit=lim_r)
        top, bottom = top + t, bottom - b
        sub = a[top:bottom, left:right].transpose(1, 0, 2)
        lft = _trim_side(sub, tol=tol, min_frac=min_frac, max_bands=max_bands, limit=lim_c)
        rgt = _trim_side(sub[::-1], tol=tol, min_frac=min_frac, max_bands=max_bands,
                         limit=lim_c)
        left, right = left + lft, right - rgt
    if bottom - top < h / 3 or right - left < w / 3 or bottom - top < 16 or right - left < 16:
        return None
    box = (left, top, right, bottom)
    trimmed = (w * h - (right - left) * (bottom - top)) / (w * h)
    return box if trimmed >= 0.01 else None


def trim_border(img: Image.Image) -> Image.Image | None:
    """The picture inside a uniform border (padding, letterbox bars, rotation fill)."""
    box = content_box(img, tol=24, min_frac=0.9, max_bands=1)
    return img.crop(box) if box else None


def trim_frame(img: Image.Image) -> Image.Image | None:
    """The picture inside caption bands and app chrome (status bar, header, caption text,
    navigation bar): bands of one colour carrying text or icons on part of each row."""
    box = content_box(img, tol=16, min_frac=0.45, max_bands=6)
    return img.crop(box) if box else None


# ------------------------------------------------------------------- deskew


def skew_angle(img: Image.Image, *, tol: int = 40) -> float | None:
    """The angle (degrees, PIL's counter-clockwise sign) by which a picture was rotated inside
    a filled bounding box, read from the fill triangles in its corners; None when the corners
    do not look like rotation fill (or the angle is not between 1 and 20 degrees).

    The edge between fill and picture in the top-left and bottom-right triangles is fitted
    with a line (first picture pixel per row), which is steadier than the triangles' legs."""
    a = np.asarray(img.convert("RGB"), np.int16)
    h, w = a.shape[:2]
    if h < 32 or w < 32:
        return None
    corners = a[[0, 0, -1, -1], [0, -1, 0, -1]]
    if np.ptp(corners, axis=0).max() > tol:
        return None
    fill = np.median(corners, axis=0)
    picture = np.abs(a - fill).max(axis=-1) > tol

    def first(rows: np.ndarray) -> np.ndarray:
        has = rows.any(axis=1)
        return np.where(has, rows.argmax(axis=1), rows.shape[1])

    estimates = []
    for view in (picture, picture[::-1, ::-1]):
        # per row, distance from the left edge to the picture; row 0 may hold only the
        # anti-aliased vertex, so start at row 1
        xs = first(view[1:])
        # the vertex on the left edge may be anti-aliased away: allow a pixel or two
        b = int(np.argmax(xs <= xs.min())) if xs.min() <= 3 else 0
        a_leg = int(xs[0])
        if b < 4 or a_leg < 4 or a_leg >= w - 2 or b >= h - 2:
            return None
        ys = np.arange(b)
        lo, hi = int(b * 0.15), max(int(b * 0.85), int(b * 0.15) + 2)
        slope = np.polyfit(ys[lo:hi], xs[lo:hi], 1)[0]  # dx/dy, negative
        if slope >= 0:
            return None
        run = -slope
        # a long horizontal leg means the top edge rises to the right: counter-clockwise
        estimates.append(math.degrees(math.atan(1 / run)) if run >= 1
                         else -math.degrees(math.atan(run)))
    if abs(estimates[0] - estimates[1]) > 1.5:
        return None
    angle = float(np.mean(estimates))
    return angle if 1.0 <= abs(angle) <= 20.0 else None


def deskew(img: Image.Image) -> Image.Image | None:
    """Undo a small rotation with filled corners: rotate back, then trim the fill."""
    angle = skew_angle(img)
    if angle is None:
        return None
    rgb = np.asarray(img.convert("RGB"))
    fill = tuple(int(v) for v in np.median(rgb[[0, 0, -1, -1], [0, -1, 0, -1]], axis=0))
    back = img.convert("RGB").rotate(-angle, resample=Image.BICUBIC, expand=True, fillcolor=fill)
    # after turning back the picture is upright; cut it out by the geometry of the rotation
    th = math.radians(abs(angle))
    c, s = math.cos(th), math.sin(th)
    bw, bh = img.size
    # invert bw = w c + h s, bh = w s + h c for the original size
    det = c * c - s * s
    w0, h0 = (bw * c - bh * s) / det, (bh * c - bw * s) / det
    if w0 < 16 or h0 < 16:
        return None
    # shave two pixels so the fill's anti-aliased edge stays out
    w1, h1 = w0 - 4, h0 - 4
    cx, cy = back.width / 2, back.height / 2
    return back.crop((round(cx - w1 / 2), round(cy - h1 / 2), round(cx + w1 / 2),
                      round(cy + h1 / 2)))


# ------------------------------------------------------------------- the variant list

_REFRAMERS: tuple[tuple[str, Callable[[Image.Image], Image.Image | None]], ...] = (
    ("trim_border", trim_border),
    ("trim_frame", trim_frame),
    ("deskew", deskew),
)


def query_variants(img: Image.Image) -> list[tuple[str, Image.Image]]:
    """Named variants of a query image to hash beside the original (which is not included).

    Always the seven dihedral variants; then each re-framing that applies (a border found, a
    band or frame found, a rotation fill found), skipping one that repeats an earlier box."""
    work = _work_copy(img)
    out: list[tuple[str, Image.Image]] = [(name, work.transpose(op)) for name, op in DIHEDRAL]
    seen: set[tuple[int, int]] = {work.size}
    for name, fn in _REFRAMERS:
        v = fn(work)
        if v is None or v.size in seen:
            continue
        seen.add(v.size)
        out.append((name, v))
    return out


def pdq_of(img: Image.Image) -> tuple[str, int]:
    """PDQ (hex, quality) of one variant, through the same hasher as every other image."""
    return pdq_from_image(img)


def variant_hashes(img: Image.Image) -> list[tuple[str, str, int]]:
    """(name, pdq hex, quality) for each of `query_variants(img)`: what
    `hashing.hash_bytes(..., variants=True)` puts in `MediaHashes.pdq_variants`."""
    out = []
    for name, v in query_variants(img):
        pdq, quality = pdq_of(v)
        out.append((name, pdq, quality))
    return out
