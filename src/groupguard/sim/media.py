"""Where the simulator's media goes, and how it is hashed for the bank and the truth.

Files are named by their content (media/ab/abcdef0123456789.jpg), so nothing in a path tells
a detector which image is a stand-in for known material.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from groupguard.signals.hashing import hash_bytes


def pdq_of(data: bytes) -> tuple[str, int]:
    """PDQ hex and quality the way the product computes them (decode to RGB, then Meta's
    pdqhash), so that bank entries match what ingest will see."""
    h = hash_bytes(data)
    if h.pdq is None:
        raise ValueError("the simulator made an image that has no PDQ hash")
    return h.pdq, int(h.pdq_quality or 0)


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


class MediaStore:
    """Writes each distinct file once and hands out references to it."""

    def __init__(self, root: Path):
        self.root = root
        self._paths: dict[str, str] = {}  # sha256 -> relative path

    def put(self, data: bytes, ext: str = "jpg") -> str:
        sha = hashlib.sha256(data).hexdigest()
        rel = self._paths.get(sha)
        if rel is None:
            rel = f"{sha[:2]}/{sha[:16]}.{ext}"
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            self._paths[sha] = rel
        return rel

    @property
    def files(self) -> int:
        return len(self._paths)


def ref_path(rel: str, mime: str = "image/jpeg") -> dict[str, str]:
    return {"path": rel, "mime": mime}


def ref_inline(data: bytes, mime: str = "image/jpeg") -> dict[str, str]:
    return {"data_base64": base64.b64encode(data).decode("ascii"), "mime": mime}


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
