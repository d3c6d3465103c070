"""Augmented entries for media banks: crops and cut rotations of a bank item, so an edited
copy that lost part of the picture still lands within reach."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import transforms as tf  # noqa: E402
from groupguard.banks.augment import (  # noqa: E402
    CROP_KEEPS,
    augment_bank_item,
    augmented_images,
    crop_windows,
)
from groupguard.signals.pdq import hamming, pdq_from_image, validate_pdq  # noqa: E402
from groupguard.signals.variants import AUG_PREFIX, variant_threshold  # noqa: E402


def test_entries_are_named_valid_pdq_hashes_distinct_from_the_original() -> None:
    img = tf.synthetic_photo(1001)
    entries = augment_bank_item(img)
    images = dict(augmented_images(img))
    # entries too flat to match (quality < 50) are left out; the rest keep their names
    assert 0 < len(entries) <= len(images)
    assert {n for n, _ in entries} == {n for n, im in images.items()
                                       if pdq_from_image(im)[1] >= 50}
    orig, _ = pdq_from_image(img)
    for name, value in entries:
        assert name.startswith(AUG_PREFIX)
        assert validate_pdq(value) == value
    assert len({name for name, _ in entries}) == len(entries)
    assert all(hamming(value, orig) > 0 for _, value in entries)


def test_an_off_grid_crop_matches_an_augmented_entry_not_the_original() -> None:
    img = tf.synthetic_photo(1003)
    w, h = img.size
    cw, ch = round(w * 0.9), round(h * 0.9)
    x, y = round((w - cw) * 0.85), round((h - ch) * 0.1)  # 90% kept, near the top right
    q, _ = pdq_from_image(img.crop((x, y, x + cw, y + ch)))
    assert hamming(q, pdq_from_image(img)[0]) > 31
    name, value = min(augment_bank_item(img), key=lambda e: hamming(q, e[1]))
    assert name.startswith("aug:crop_")
    assert hamming(q, value) <= variant_threshold(name, 31)


def test_crop_windows_cover_each_scale_from_corner_to_corner() -> None:
    windows = crop_windows()
    assert len({n for n, *_ in windows}) == len(windows)
    for keep in CROP_KEEPS:
        anchors = sorted({ax for _, k, ax, _ in windows if k == keep})
        assert anchors[0] == 0.0 and anchors[-1] == 1.0
        assert max(b - a for a, b in zip(anchors, anchors[1:], strict=False)) * (1 - keep) <= 0.021


def test_a_cut_rotation_matches_its_augmented_entry() -> None:
    img = tf.synthetic_photo(1005)
    rng = np.random.default_rng(3)
    rotated = tf.rotate(4, fill=False)(img, rng)  # 3-5 degrees either way
    q, _ = pdq_from_image(rotated)
    assert hamming(q, pdq_from_image(img)[0]) > 31
    best = min(hamming(q, v) for n, v in augment_bank_item(img) if "rotcrop" in n)
    assert best <= variant_threshold("aug:rotcrop_+4", 31)


def test_a_flat_item_gives_no_entries() -> None:
    assert augment_bank_item(Image.new("RGB", (200, 150), (90, 90, 90))) == []
