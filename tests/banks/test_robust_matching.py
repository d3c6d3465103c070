"""End to end through the product's own path: hash_bytes(variants=True) -> bank entries
(hash-only, or media with augmented entries via banks.media.bank_items) -> Matcher. Edited
copies of a benign synthetic image are found and name the variant that found them; an
unrelated image is not."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import transforms as tf  # noqa: E402
from groupguard.banks import service  # noqa: E402
from groupguard.banks.matcher import Matcher  # noqa: E402
from groupguard.banks.media import bank_items  # noqa: E402
from groupguard.signals.hashing import hash_bytes  # noqa: E402


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def edited(img: Image.Image, name: str, seed: int = 5) -> bytes:
    return png(tf.SUITE[name](img, np.random.default_rng(seed)))


def test_hash_only_bank_finds_flipped_padded_and_captioned_copies(db, settings) -> None:
    img = tf.synthetic_photo(1003)
    known = hash_bytes(png(img), settings=settings)
    with db.session() as s:
        service.create_bank(s, "list")
        service.add_hashes(s, "list", [("pdq", known.pdq)])
    m = Matcher.from_db(db, settings)
    for name, variant in (("flip_h", "flip_h"), ("rot90", "rot270"),
                          ("pad_10", "trim_border"), ("caption_band", "trim_frame")):
        data = edited(img, name)
        assert m.match(hash_bytes(data, settings=settings)) == []  # plain PDQ misses it
        (hit,) = m.match(hash_bytes(data, settings=settings, variants=True))
        assert (hit.bank, hit.variant) == ("list", variant)
    other = hash_bytes(png(tf.synthetic_photo(1004)), settings=settings, variants=True)
    assert m.match(other) == []


def test_media_bank_finds_a_cropped_copy_through_an_augmented_entry(db, settings) -> None:
    img = tf.synthetic_photo(1005)
    known = hash_bytes(png(img), settings=settings, keep_image=True)
    items, _notes = bank_items(known, settings, augment=True)
    assert sum(1 for it in items if len(it) == 3) > 100  # the augmented entries
    with db.session() as s:
        service.create_bank(s, "confirmed", kind="media")
        service.add_hashes(s, "confirmed", items)
    m = Matcher.from_db(db, settings)
    for name in ("crop_10", "rotate_5_crop"):
        hits = m.match(hash_bytes(edited(img, name), settings=settings, variants=True))
        assert hits and hits[0].bank == "confirmed"
        assert hits[0].variant.startswith("aug:")
    other = hash_bytes(png(tf.synthetic_photo(1006)), settings=settings, variants=True)
    assert m.match(other) == []
