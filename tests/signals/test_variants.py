"""Query-side variants: each everyday edit is undone by one named variant whose PDQ hash
lands within that variant's radius of the original's."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import transforms as tf  # noqa: E402
from groupguard.signals.hashing import hash_bytes  # noqa: E402
from groupguard.signals.pdq import hamming, pdq_from_image  # noqa: E402
from groupguard.signals.variants import (  # noqa: E402
    DIHEDRAL,
    query_variants,
    skew_angle,
    variant_hashes,
    variant_threshold,
)

SEEDS = (1001, 1003, 1005)


def _best(img: Image.Image, edited: Image.Image) -> tuple[str, int]:
    """The variant of `edited` closest to `img`, and its distance."""
    target, _ = pdq_from_image(img)
    scored = [(hamming(h, target), name) for name, h, _q in variant_hashes(edited)]
    distance, name = min(scored)
    return name, distance


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ("flip_h", "flip_h"),
        ("flip_v", "flip_v"),
        ("rot90", "rot270"),
        ("rot270", "rot90"),
        ("pad_10", "trim_border"),
        ("letterbox", "trim_border"),
        ("caption_band", "trim_frame"),
        ("screenshot", "trim_frame"),
        ("rotate_5", "deskew"),
    ],
)
def test_an_edit_is_undone_by_its_variant(seed: int, edit: str, expected: str) -> None:
    img = tf.synthetic_photo(seed)
    edited = tf.SUITE[edit](img, np.random.default_rng(seed))
    plain = hamming(pdq_from_image(edited)[0], pdq_from_image(img)[0])
    name, distance = _best(img, edited)
    assert name == expected
    assert distance <= variant_threshold(name, 31) < plain


def test_a_plain_photo_gets_only_the_dihedral_variants() -> None:
    names = [n for n, _ in query_variants(tf.synthetic_photo(1002))]
    assert names == [n for n, _ in DIHEDRAL]


@pytest.mark.parametrize("degrees", [3.0, -5.0, 8.0])
def test_skew_angle_reads_the_rotation_from_the_fill(degrees: float) -> None:
    img = tf.synthetic_photo(1004)
    rotated = img.rotate(degrees, resample=Image.BICUBIC, expand=True, fillcolor=(0, 0, 0))
    angle = skew_angle(rotated)
    assert angle is not None
    assert abs(angle - degrees) < 0.3


def test_no_skew_is_read_from_an_upright_picture() -> None:
    assert skew_angle(tf.synthetic_photo(1004)) is None
    assert skew_angle(tf.letterbox(tf.synthetic_photo(1004), np.random.default_rng(0))) is None


def test_variant_thresholds_are_tighter_than_the_base_and_never_negative() -> None:
    assert variant_threshold("", 31) == 31
    assert variant_threshold("orig", 31) == 31
    for name, _ in DIHEDRAL:
        assert variant_threshold(name, 31) < 31
    assert variant_threshold("trim_frame", 31) < 31
    assert variant_threshold("aug:crop_c8", 31) < 31
    assert variant_threshold("something-new", 31) <= min(
        variant_threshold(n, 31) for n in ("flip_h", "trim_border", "deskew"))
    assert variant_threshold("deskew", 2) == 0


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "1", "I;16"])
def test_any_pillow_mode_and_tiny_images_give_variants(mode: str) -> None:
    img = tf.synthetic_photo(1006).convert(mode) if mode != "I;16" else Image.new("I;16", (40, 30))
    assert len(query_variants(img)) >= len(DIHEDRAL)
    tiny = Image.new("RGB", (3, 2), (10, 20, 30))
    assert [n for n, _ in query_variants(tiny)] == [n for n, _ in DIHEDRAL]


def test_large_queries_are_worked_on_a_small_copy() -> None:
    big = tf.synthetic_photo(1001, size=(1600, 1200))
    for _name, v in query_variants(big):
        assert max(v.size) <= 384


def test_hash_bytes_with_variants_fills_pdq_variants() -> None:
    import io

    img = tf.synthetic_photo(1003)
    buf = io.BytesIO()
    tf.caption_band(img, np.random.default_rng(1)).save(buf, "PNG")
    hashes = hash_bytes(buf.getvalue(), variants=True)
    names = [n for n, _h, _q in hashes.pdq_variants]
    assert "trim_frame" in names and "flip_h" in names
    trimmed = dict((n, h) for n, h, _q in hashes.pdq_variants)["trim_frame"]
    assert hamming(trimmed, pdq_from_image(img)[0]) <= variant_threshold("trim_frame", 31)
    assert hash_bytes(buf.getvalue()).pdq_variants == ()
