"""Run every configured classifier over a batch of images, isolating failures.

One classifier that throws on one image must not cost the other images or the other
classifiers their scores: a failed batch is retried image by image and the bad image is
reported with its error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from groupguard.signals.classifier.base import ClassifierError, ClassifierScore, ImageClassifier
from groupguard.signals.classifier.config import ROLES, ClassifierSpec, load_specs

log = logging.getLogger(__name__)


@dataclass
class ImageResult:
    scores: list[ClassifierScore] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def flagged(self) -> list[ClassifierScore]:
        return [s for s in self.scores if s.flagged]


class ClassifierSet:
    def __init__(self, entries: Sequence[tuple[ClassifierSpec, ImageClassifier]]):
        self.entries = list(entries)

    @classmethod
    def from_specs(cls, specs: Sequence[ClassifierSpec]) -> ClassifierSet:
        return cls([(spec, spec.build()) for spec in specs])

    @classmethod
    def from_config(cls, home: Path | None = None) -> ClassifierSet:
        return cls.from_specs(load_specs(home))

    @property
    def names(self) -> list[str]:
        return [spec.name for spec, _ in self.entries]

    def score(self, images: Sequence[Image.Image], role: str = "group_icon") -> list[ImageResult]:
        """Scores of every applicable classifier for each image, in order."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        results = [ImageResult() for _ in images]
        for spec, clf in self.entries:
            if role not in spec.applies_to or not images:
                continue
            try:
                per_image: list[float | ClassifierError] = list(clf.score_batch(images))
            except ClassifierError:
                per_image = [self._one(clf, im) for im in images]
            for res, value in zip(results, per_image, strict=True):
                if isinstance(value, ClassifierError):
                    res.errors[spec.name] = str(value)
                else:
                    res.scores.append(ClassifierScore(spec.name, value, spec.threshold))
        return results

    @staticmethod
    def _one(clf: ImageClassifier, image: Image.Image) -> float | ClassifierError:
        try:
            return clf.score_batch([image])[0]
        except ClassifierError as exc:
            log.warning("%s", exc)
            return exc
