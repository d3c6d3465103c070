"""Cryptographic digests of media bytes: the exact-match signals NCMEC and StopNCII share."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from groupguard.errors import InvalidHashError

_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Digests:
    md5: str
    sha256: str


def digests(data: bytes) -> Digests:
    return Digests(md5=hashlib.md5(data).hexdigest(), sha256=hashlib.sha256(data).hexdigest())


def _validate_hex(value: object, length: int, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidHashError(f"{name} must be a string of {length} hex characters")
    text = value.strip().lower()
    if len(text) != length:
        raise InvalidHashError(
            f"{name} must be {length} hex characters, got {len(text)}: {value[:80]!r}"
        )
    if not set(text) <= _HEX:
        raise InvalidHashError(f"{name} must be hex (0-9, a-f): {value[:80]!r}")
    return text


def validate_md5(value: object) -> str:
    """Lower-case 32 hex; raises InvalidHashError."""
    return _validate_hex(value, 32, "MD5")


def validate_sha256(value: object) -> str:
    """Lower-case 64 hex; raises InvalidHashError."""
    return _validate_hex(value, 64, "SHA-256")
