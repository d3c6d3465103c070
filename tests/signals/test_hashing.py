import hashlib
import io

import numpy as np
import pdqhash
import pytest
from PIL import Image

from groupguard.config import Settings
from groupguard.errors import MediaError
from groupguard.signals.hashing import (
    hash_bytes,
    hash_path,
    hash_paths,
    is_matchable,
    iter_hash_paths,
)
from groupguard.signals.pdq import bits_to_hex, hamming


def _png(size=(200, 160)) -> bytes:
    rng = np.random.default_rng(7)
    arr = (rng.random((size[1] // 8, size[0] // 8, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(arr).resize(size, Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_image_digests_and_pdq(data_dir):
    data = (data_dir / "pdq" / "square-256x256.jpg").read_bytes()
    h = hash_bytes(data)
    assert h.kind == "image"
    assert h.sha256 == hashlib.sha256(data).hexdigest()
    assert h.md5 == hashlib.md5(data).hexdigest()
    assert h.size == len(data)
    assert (h.width, h.height) == (256, 256)
    bits, quality = pdqhash.compute(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    assert h.pdq == bits_to_hex(bits)
    assert h.pdq_quality == quality
    assert h.vpdq is None
    assert h.image is None
    assert h.matchable


def test_keep_image_returns_rgb_image():
    h = hash_bytes(_png(), keep_image=True)
    assert h.image is not None and h.image.mode == "RGB" and h.image.size == (200, 160)


def test_hash_path_matches_hash_bytes(tmp_path):
    data = _png()
    p = tmp_path / "a.png"
    p.write_bytes(data)
    assert hash_path(p) == hash_bytes(data)


def test_low_quality_is_recorded_not_matchable(data_dir):
    h = hash_path(data_dir / "pdq" / "q0003.jpg")
    assert h.pdq_quality < 50
    assert not h.matchable
    assert "quality" in h.not_matchable_reason
    assert not is_matchable(h.pdq_quality)
    assert is_matchable(h.pdq_quality, Settings(pdq_min_quality=0))


def test_fast_path_is_close_to_full_decode(tmp_path):
    rng = np.random.default_rng(3)
    arr = (rng.random((30, 40, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(arr).resize((2400, 1800), Image.BICUBIC)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    fast = hash_bytes(buf.getvalue())
    full = hash_bytes(buf.getvalue(), draft=None)
    assert (fast.width, fast.height) == (2400, 1800)
    assert hamming(fast.pdq, full.pdq) <= 10


def test_bad_files_raise_and_batch_goes_on(tmp_path):
    good = tmp_path / "good.png"
    good.write_bytes(_png())
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01garbage" * 50)
    missing = tmp_path / "missing.png"
    results = dict(iter_hash_paths([empty, good, junk, missing]))
    assert isinstance(results[empty], MediaError)
    assert isinstance(results[junk], MediaError)
    assert isinstance(results[missing], MediaError)
    assert results[good].pdq is not None


def test_media_over_byte_limit_is_rejected():
    with pytest.raises(MediaError, match="over the limit"):
        hash_bytes(_png(), settings=Settings(max_media_bytes=100))


def test_hash_paths_keeps_order_and_reports_bad_files(tmp_path):
    paths = []
    for i in range(3):
        p = tmp_path / f"{i}.png"
        p.write_bytes(_png((64 + 32 * i, 64)))
        paths.append(p)
    bad = tmp_path / "bad.png"
    bad.write_bytes(_png()[:100])
    paths.insert(1, bad)
    results = hash_paths(paths, workers=2)
    assert isinstance(results[1], MediaError)
    assert [r.width for i, r in enumerate(results) if i != 1] == [64, 96, 128]
    assert results[0] == hash_path(paths[0])
