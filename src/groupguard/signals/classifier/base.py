"""The classifier seam: anything that turns a batch of images into explicit-content scores.

A classifier answers one question per image, "how likely is this explicit?", as a float in
[0, 1]. Three kinds ship: the bundled open_nsfw model, any ONNX file an operator points at,
and any Python callable ("module:function"). All are called with a batch, so a model that
gains from batching gets it and a plain function just loops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from groupguard.errors import ConfigError, GroupguardError


class ClassifierError(GroupguardError):
    """A classifier failed on an input or returned something that is not a score."""


class ClassifierConfigError(ConfigError):
    """A classifier entry in the configuration is invalid or cannot be loaded."""


class ImageClassifier(Protocol):
    name: str

    def score_batch(self, images: Sequence[Image.Image]) -> list[float]:
        """One score in [0, 1] per image, same order."""
        ...


@dataclass(frozen=True)
class ClassifierScore:
    classifier: str
    score: float
    threshold: float

    @property
    def flagged(self) -> bool:
        return self.score >= self.threshold


def check_scores(name: str, scores: object, expected: int) -> list[float]:
    """Operator-supplied classifiers are untrusted code paths: check what they hand back."""
    try:
        values = [float(s) for s in scores]  # type: ignore[attr-defined]
    except (TypeError, ValueError) as exc:
        raise ClassifierError(f"classifier {name!r} returned non-numeric scores") from exc
    if len(values) != expected:
        raise ClassifierError(
            f"classifier {name!r} returned {len(values)} scores for {expected} images"
        )
    for v in values:
        if not 0.0 <= v <= 1.0 or v != v:
            raise ClassifierError(f"classifier {name!r} returned score {v} outside [0, 1]")
    return values
