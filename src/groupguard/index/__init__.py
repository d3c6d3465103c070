"""The Hamming index for perceptual hashes: exact radius search, incremental updates,
persisted in a form that loads without a rebuild."""

from groupguard.index.mih import DEFAULT_THRESHOLD, HammingIndex, footprint, hash_bytes

__all__ = ["DEFAULT_THRESHOLD", "HammingIndex", "footprint", "hash_bytes"]
