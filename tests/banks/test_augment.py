"""Augmented entries for media banks: crops and cut rotations of a bank item, so an edited
copy that lost part of the picture still lands within reach."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import transforms as tf  # noqa: E402
from groupguard.banks.augment import augment_bank_item, augmented_images  # noqa: E402
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


def test_a_corner_crop_matches_its_augmented_entry_not_the_original() -> None:
    img = tf.synthetic_photo(1003)
    w, h = img.size
    cropped = img.crop((w - round(w * 0.9), 0, w, round(h * 0.9)))  # keep the top right 90%
    q, _ = pdq_from_image(cropped)
    entries = dict(augment_bank_item(img))
    assert hamming(q, pdq_from_image(img)[0]) > 31
    name = "aug:crop_tr10"
    assert hamming(q, entries[name]) <= variant_threshold(name, 31)


def test_a_cut_rotation_matches_its_augmented_entry() -> None:
    img = tf.synthetic_photo(1005)
    rng = np.random.default_rng(3)
    rotated = tf.rotate(3, fill=False)(img, rng)
    q, _ = pdq_from_image(rotated)
    best = min(hamming(q, v) for n, v in augment_bank_item(img) if "rotcrop" in n)
    assert best <= variant_threshold("aug:rotcrop_+3", 31)


def test_a_flat_item_gives_no_entries() -> None:
    assert augment_bank_item(Image.new("RGB", (200, 150), (90, 90, 90))) == []
