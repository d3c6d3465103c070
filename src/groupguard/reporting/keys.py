"""Keys for evidence at rest and for signing disclosure packages.

Evidence uses envelope encryption: every blob has its own random data key; a `KeyProvider`
wraps and unwraps data keys with a master key it never hands out. A KMS (AWS KMS, Cloud KMS,
Vault transit) implements the same two calls, so moving the master key off the machine is a
new provider, not a change to evidence code.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from groupguard.config import Settings
from groupguard.errors import ConfigError, GroupguardError
from groupguard.reporting.config import ReportingConfig, load_config


class EvidenceKeyError(GroupguardError):
    """A data key cannot be unwrapped: wrong or missing master key, or tampered metadata."""


class KeyProvider(Protocol):
    """Wraps per-blob data keys. `key_id` names the master key used, so old blobs stay
    readable after a rotation as long as the provider still knows that key."""

    def wrap(self, data_key: bytes) -> tuple[str, bytes]: ...

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes: ...


class LocalKeyProvider:
    """A 256-bit master key held in this process (from a file or the environment)."""

    def __init__(self, master_key: bytes, *, source: str):
        if len(master_key) != 32:
            raise ConfigError(f"evidence master key from {source} must be 32 bytes, "
                              f"got {len(master_key)}")
        self._aes = AESGCM(master_key)
        self.key_id = "local:" + hashlib.sha256(master_key).hexdigest()[:16]

    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(12)
        return self.key_id, nonce + self._aes.encrypt(nonce, data_key, self.key_id.encode())

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        if key_id != self.key_id:
            raise EvidenceKeyError(
                f"evidence was encrypted under master key {key_id}; the configured key is "
                f"{self.key_id} (restore the old key file or set GROUPGUARD_EVIDENCE_KEY)")
        try:
            return self._aes.decrypt(wrapped[:12], wrapped[12:], key_id.encode())
        except InvalidTag as exc:
            raise EvidenceKeyError(f"data key under {key_id} failed authentication") from exc


class RotatingKeyProvider:
    """The current master key wraps new data keys; retired keys still unwrap old ones until
    `groupguard evidence rewrap` has moved every blob to the current key."""

    def __init__(self, current: KeyProvider, retired: list[KeyProvider]):
        self.current = current
        self.retired = retired

    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        return self.current.wrap(data_key)

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        for provider in (self.current, *self.retired):
            if getattr(provider, "key_id", None) == key_id:
                return provider.unwrap(key_id, wrapped)
        return self.current.unwrap(key_id, wrapped)  # raises the explanatory error


def _read_key_file(path: Path) -> bytes:
    try:
        return base64.b64decode(path.read_bytes().strip(), validate=True)
    except ValueError as exc:
        raise ConfigError(f"{path}: evidence key file is not base64") from exc


def _write_private(path: Path, data: bytes) -> None:
    """Create a file readable by its owner only; never widen an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def key_provider(settings: Settings, config: ReportingConfig | None = None) -> KeyProvider:
    """The master key from the environment variable if set, else from the key file (created
    with mode 0600 on first use)."""
    config = config or load_config(settings)
    env_value = os.environ.get(config.evidence_key_env)
    current: KeyProvider
    if env_value:
        try:
            raw = base64.b64decode(env_value, validate=True)
        except ValueError as exc:
            raise ConfigError(f"{config.evidence_key_env} is not base64") from exc
        current = LocalKeyProvider(raw, source=config.evidence_key_env)
    else:
        path = config.evidence_key_file or settings.home / "keys" / "evidence.key"
        if not path.exists():
            _write_private(path, base64.b64encode(os.urandom(32)) + b"\n")
        current = LocalKeyProvider(_read_key_file(path), source=str(path))
    if not config.evidence_retired_key_files:
        return current
    retired: list[KeyProvider] = [LocalKeyProvider(_read_key_file(p), source=str(p))
                                  for p in config.evidence_retired_key_files]
    return RotatingKeyProvider(current, retired)


def signing_key(settings: Settings, config: ReportingConfig | None = None) -> Ed25519PrivateKey:
    """The Ed25519 key that signs disclosure packages (created 0600 on first use)."""
    config = config or load_config(settings)
    path = config.signing_key_file or settings.home / "keys" / "disclosure-ed25519.pem"
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        _write_private(path, key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ConfigError(f"{path}: not an Ed25519 private key")
    return loaded


def public_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
