"""PDQ perceptual hashes, computed by Meta's reference implementation (`pdqhash`).

Hex strings follow the reference CLI and ThreatExchange: bit 0 of the hash vector is the
most significant bit of the first hex digit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pdqhash

from groupguard.errors import InvalidHashError
from groupguard.signals.digests import _validate_hex

if TYPE_CHECKING:
    from PIL import Image

PDQ_HEX_LENGTH = 64
# Meta's published threshold for "the same picture" and the quality below which a hash is
# too flat (near-uniform image) to compare perceptually.
DEFAULT_THRESHOLD = 31
DEFAULT_MIN_QUALITY = 50


def validate_pdq(value: object) -> str:
    """Lower-case 64 hex characters; raises InvalidHashError for anything else."""
    return _validate_hex(value, PDQ_HEX_LENGTH, "PDQ hash")


def bits_to_hex(bits: np.ndarray) -> str:
    packed = np.packbits(np.asarray(bits, dtype=np.uint8).reshape(-1))
    return packed.tobytes().hex()


def hex_to_bits(value: str) -> np.ndarray:
    return np.unpackbits(np.frombuffer(bytes.fromhex(validate_pdq(value)), dtype=np.uint8))


def pdq_from_array(rgb: np.ndarray) -> tuple[str, int]:
    """Hash an HxWx3 uint8 RGB array."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an HxWx3 uint8 array, got {rgb.shape} {rgb.dtype}")
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return bits_to_hex(bits), int(quality)


def pdq_from_image(img: Image.Image) -> tuple[str, int]:
    """(hex, quality) of a PIL image; any mode is converted to RGB first (alpha dropped,
    as the reference does)."""
    if img.mode != "RGB":
        from groupguard.media.decode import to_rgb

        img = to_rgb(img)
    return pdq_from_array(np.asarray(img))


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two PDQ hex strings (validated)."""
    x = int(validate_pdq(a), 16) ^ int(validate_pdq(b), 16)
    return x.bit_count()


def is_matchable(quality: int | None, min_quality: int = DEFAULT_MIN_QUALITY) -> bool:
    """Whether a hash of this quality may be matched perceptually (digests always may)."""
    return quality is not None and quality >= min_quality


__all__ = [
    "DEFAULT_MIN_QUALITY",
    "DEFAULT_THRESHOLD",
    "InvalidHashError",
    "bits_to_hex",
    "hamming",
    "hex_to_bits",
    "is_matchable",
    "pdq_from_array",
    "pdq_from_image",
    "validate_pdq",
]
