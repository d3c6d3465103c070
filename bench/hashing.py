"""Fast-path benchmark: hashing a folder of phone-sized photos.

Anchor: decode with Pillow at full size + `pdqhash.compute` (what HMA/threatexchange do).
Ours: `groupguard.signals.hashing.hash_bytes` (reduced-size JPEG decoding), in a process pool.
Prints per-image medians, the throughput ratio, and the mean Hamming distance of our hash to
the anchor's full-size hash. Images are benign synthetic pictures (smooth shapes and noise).

    .venv/bin/python bench/hashing.py             # 12 images, 12 MP
    .venv/bin/python bench/hashing.py --full      # 100 images
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image, ImageDraw, ImageFilter

from groupguard.signals.hashing import hash_bytes, hash_paths
from groupguard.signals.pdq import bits_to_hex, hamming


def synthetic_photo(seed: int, size: tuple[int, int] = (4032, 3024)) -> bytes:
    """A benign photo-like JPEG: smooth colour field, shapes, fine noise, q=90."""
    rng = np.random.default_rng(seed)
    w, h = size
    small = (rng.random((12, 16, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(small).resize((w // 4, h // 4), Image.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(25):
        x, y = int(rng.integers(0, w // 4)), int(rng.integers(0, h // 4))
        r = int(rng.integers(10, w // 16))
        color = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=color)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=color)
    img = img.filter(ImageFilter.GaussianBlur(2)).resize((w, h), Image.BILINEAR)
    noise = rng.normal(0, 6, (h, w, 1)).astype(np.int16)
    arr = np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def anchor_hash(path: Path) -> str:
    img = Image.open(path).convert("RGB")
    bits, _ = pdqhash.compute(np.asarray(img))
    return bits_to_hex(bits)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=12)
    ap.add_argument("--full", action="store_true", help="100 images")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--dir", type=Path, help="hash the JPEGs in this folder instead")
    args = ap.parse_args(argv)
    count = 100 if args.full else args.count

    with tempfile.TemporaryDirectory() as tmp:
        if args.dir:
            paths = sorted(p for p in args.dir.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
        else:
            folder = Path(tmp)
            with ProcessPoolExecutor(args.workers) as pool:
                blobs = list(pool.map(synthetic_photo, range(count)))
            paths = []
            for i, blob in enumerate(blobs):
                p = folder / f"photo-{i:03d}.jpg"
                p.write_bytes(blob)
                paths.append(p)
        print(f"{len(paths)} images, e.g. {Image.open(paths[0]).size}, workers={args.workers}")

        anchor_times, anchor = [], {}
        for p in paths:
            t = time.perf_counter()
            anchor[p] = anchor_hash(p)
            anchor_times.append(time.perf_counter() - t)

        ours_single = []
        for p in paths:
            t = time.perf_counter()
            hash_bytes(p.read_bytes())
            ours_single.append(time.perf_counter() - t)

        t = time.perf_counter()
        results = hash_paths(paths, workers=args.workers)
        batch_wall = time.perf_counter() - t
        distances = [hamming(results[i].pdq, anchor[p]) for i, p in enumerate(paths)]

    a = statistics.median(anchor_times)
    s = statistics.median(ours_single)
    b = batch_wall / len(paths)
    print(f"anchor (Pillow full decode + pdqhash): median {a * 1000:8.1f} ms/image")
    print(f"groupguard, one process:               median {s * 1000:8.1f} ms/image  "
          f"x{a / s:.1f}")
    print(f"groupguard, batch of {len(paths)} ({args.workers} workers): "
          f"{b * 1000:8.1f} ms/image (wall/images)  x{a / b:.1f}")
    print(f"distance to full-size reference hash: mean {statistics.mean(distances):.2f} bits, "
          f"median {statistics.median(distances)}, max {max(distances)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
