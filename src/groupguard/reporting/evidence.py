"""Preserved evidence: encrypted at rest, content-addressed, with a chain of custody.

Media that matched (and records a law-enforcement request names) are kept as AES-256-GCM
blobs under `<home>/evidence/aa/bb/<sha256>.enc`. Each blob has its own data key, wrapped by
a `KeyProvider` (keys.py); the SHA-256 of the plaintext is the blob's address and the AEAD's
associated data, so a blob moved to another address fails to decrypt. Every preservation,
access, hold and disclosure adds a custody row (hash, who, when, why) and an audit entry.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.errors import GroupguardError, NotFoundError
from groupguard.reporting.config import ReportingConfig, load_config
from groupguard.reporting.keys import KeyProvider, key_provider
from groupguard.store.audit import record_audit
from groupguard.store.tables_reporting import evidence, evidence_custody, evidence_retention
from groupguard.timeutil import as_utc, utcnow


class EvidenceError(GroupguardError):
    """Evidence cannot be preserved or read (hash mismatch, missing or tampered blob)."""


class EvidenceNotFoundError(NotFoundError):
    """No preserved evidence with this hash (never preserved, or purged)."""


def _check_sha(sha256: str) -> str:
    value = sha256.strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise EvidenceError(f"not a SHA-256 hex digest: {sha256!r}")
    return value


def blob_path(settings: Settings, sha256: str) -> Path:
    return settings.home / "evidence" / sha256[:2] / sha256[2:4] / f"{sha256}.enc"


def add_custody(session: Session, sha256: str, actor: str, action: str, reason: str,
             **details: Any) -> None:
    session.execute(insert(evidence_custody).values(
        sha256=sha256, ts=utcnow(), actor=actor, action=action, reason=reason,
        details=details or None))


_SNIFF = ((b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF8", "gif"),
          (b"RIFF", "webp"), (b"\x1aE\xdf\xa3", "webm"))


def sniff_extension(data: bytes, default: str = "bin") -> str:
    """A file extension from the content's magic bytes, for names NCMEC and LE will see."""
    for magic, ext in _SNIFF:
        if data.startswith(magic):
            return ext
    if data[4:8] == b"ftyp":
        return "mp4"
    return default


def add_retention(session: Session, sha256: str, *, basis: str, jurisdiction: str,
                  days: int, reference: str | None = None,
                  starts_at: datetime | None = None) -> datetime:
    """Keep `sha256` for `days` from `starts_at` on this basis; a later call for the same
    basis and reference extends, never shortens. Returns the expiry."""
    start = as_utc(starts_at) or utcnow()
    expires = start + timedelta(days=days)
    row = session.execute(
        select(evidence_retention.c.id, evidence_retention.c.expires_at).where(
            evidence_retention.c.sha256 == sha256, evidence_retention.c.basis == basis,
            evidence_retention.c.reference.is_(None) if reference is None
            else evidence_retention.c.reference == reference)).first()
    if row is None:
        session.execute(insert(evidence_retention).values(
            sha256=sha256, basis=basis, jurisdiction=jurisdiction.upper(), reference=reference,
            starts_at=start, expires_at=expires))
        return expires
    current = as_utc(row.expires_at)
    if current is not None and current >= expires:
        return current
    session.execute(update(evidence_retention).where(evidence_retention.c.id == row.id)
                    .values(expires_at=expires, starts_at=start))
    return expires


def _store(session: Session, settings: Settings, data: bytes, *, sha256: str, kind: str,
           reason: str, actor: str, jurisdiction: str, config: ReportingConfig | None,
           provider: KeyProvider | None) -> str:
    sha256 = _check_sha(sha256)
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise EvidenceError(f"bytes do not match the given SHA-256 (expected {sha256}, "
                            f"got {actual}); nothing was preserved")
    config = config or load_config(settings)
    rules = config.jurisdiction(jurisdiction)
    existing = session.execute(select(evidence.c.sha256, evidence.c.path)
                               .where(evidence.c.sha256 == sha256)).first()
    path = blob_path(settings, sha256)
    if existing is None or not path.exists():
        provider = provider or key_provider(settings, config)
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        ciphertext = AESGCM(data_key).encrypt(nonce, data, sha256.encode())
        key_id, wrapped = provider.wrap(data_key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Write then rename, so a crash never leaves a truncated blob at the address.
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(ciphertext)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        values = dict(kind=kind, size=len(data), path=str(path.relative_to(settings.home)),
                      key_id=key_id, wrapped_key=base64.b64encode(wrapped).decode(),
                      nonce=nonce.hex(), jurisdiction=jurisdiction.upper())
        if existing is None:
            session.execute(insert(evidence).values(
                sha256=sha256, created_at=utcnow(), created_by=actor, legal_hold=False,
                **values))
        else:  # the row survived but the blob was lost: re-preserve under the same address
            session.execute(update(evidence).where(evidence.c.sha256 == sha256).values(**values))
    add_custody(session, sha256, actor, "preserve", reason, kind=kind,
             jurisdiction=jurisdiction.upper())
    add_retention(session, sha256, basis="preservation", jurisdiction=jurisdiction,
                  days=rules.preservation_days)
    record_audit(session, actor, "evidence.preserve", f"evidence:{sha256}", reason=reason,
                 kind=kind, jurisdiction=jurisdiction.upper())
    return sha256


def preserve_media(session: Session, settings: Settings, data: bytes, *, sha256: str,
                   reason: str, actor: str, jurisdiction: str = "US",
                   config: ReportingConfig | None = None,
                   provider: KeyProvider | None = None) -> str:
    """Preserve media bytes encrypted at rest; returns the evidence id (the SHA-256).

    Idempotent: preserving the same bytes again adds a custody row and keeps one blob."""
    return _store(session, settings, data, sha256=sha256, kind="media", reason=reason,
                  actor=actor, jurisdiction=jurisdiction, config=config, provider=provider)


def canonical_json(record: Any) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), default=str).encode()


def preserve_record(session: Session, settings: Settings, record: Any, *, reason: str,
                    actor: str, jurisdiction: str = "US",
                    config: ReportingConfig | None = None) -> str:
    """Preserve a JSON-serialisable record (account, group, memberships...) as evidence."""
    data = canonical_json(record)
    return _store(session, settings, data, sha256=hashlib.sha256(data).hexdigest(),
                  kind="record", reason=reason, actor=actor, jurisdiction=jurisdiction,
                  config=config, provider=None)


def _decrypt(session: Session, settings: Settings, sha256: str,
             provider: KeyProvider | None) -> bytes:
    row = session.execute(select(evidence).where(evidence.c.sha256 == sha256)).first()
    if row is None:
        raise EvidenceNotFoundError(f"no preserved evidence for {sha256} (never preserved, "
                                    f"or purged after its retention expired)")
    path = settings.home / row.path
    if not path.exists():
        raise EvidenceError(f"evidence {sha256} is recorded but its blob {path} is missing")
    provider = provider or key_provider(settings)
    data_key = provider.unwrap(row.key_id, base64.b64decode(row.wrapped_key))
    try:
        data = AESGCM(data_key).decrypt(bytes.fromhex(row.nonce), path.read_bytes(),
                                        sha256.encode())
    except InvalidTag as exc:
        raise EvidenceError(f"evidence {sha256} failed authentication (tampered or moved "
                            f"blob)") from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise EvidenceError(f"evidence {sha256} decrypted to different content")
    return data


def read_media(session: Session, settings: Settings, sha256: str, *, actor: str, why: str,
               provider: KeyProvider | None = None) -> bytes:
    """Decrypt preserved evidence. Every access is audit-logged ("evidence.access") and
    added to the chain of custody in the caller's transaction."""
    sha256 = _check_sha(sha256)
    if not why or not why.strip():
        raise EvidenceError("reading evidence needs a reason (why)")
    record_audit(session, actor, "evidence.access", f"evidence:{sha256}", why=why)
    data = _decrypt(session, settings, sha256, provider)
    add_custody(session, sha256, actor, "access", why)
    return data


def read_record(session: Session, settings: Settings, sha256: str, *, actor: str,
                why: str) -> Any:
    return json.loads(read_media(session, settings, sha256, actor=actor, why=why))


def has_evidence(session: Session, settings: Settings, sha256: str) -> bool:
    """Whether readable evidence exists (a row and its blob); does not decrypt."""
    row = session.execute(select(evidence.c.path).where(evidence.c.sha256 == sha256)).first()
    return row is not None and (settings.home / row.path).exists()


def set_legal_hold(session: Session, sha256: str, *, actor: str, reason: str,
                   hold: bool = True) -> None:
    """A legal hold stops purging whatever the retention says, until released."""
    sha256 = _check_sha(sha256)
    result = session.execute(update(evidence).where(evidence.c.sha256 == sha256).values(
        legal_hold=hold, hold_reason=reason if hold else None))
    if result.rowcount == 0:
        raise EvidenceNotFoundError(f"no preserved evidence for {sha256}")
    add_custody(session, sha256, actor, "hold" if hold else "release", reason)
    record_audit(session, actor, "evidence.hold" if hold else "evidence.release",
                 f"evidence:{sha256}", reason=reason)


def rewrap_all(session: Session, settings: Settings, *, actor: str,
               provider: KeyProvider | None = None) -> int:
    """Re-wrap every data key under the provider's current master key (after a rotation).
    Blobs are untouched: only the small wrapped keys change. Returns how many moved."""
    provider = provider or key_provider(settings)
    moved = 0
    for row in session.execute(select(evidence.c.sha256, evidence.c.key_id,
                                      evidence.c.wrapped_key)).all():
        data_key = provider.unwrap(row.key_id, base64.b64decode(row.wrapped_key))
        key_id, wrapped = provider.wrap(data_key)
        if key_id == row.key_id:
            continue
        session.execute(update(evidence).where(evidence.c.sha256 == row.sha256).values(
            key_id=key_id, wrapped_key=base64.b64encode(wrapped).decode()))
        moved += 1
    record_audit(session, actor, "evidence.rewrap", None, moved=moved)
    return moved


def custody_chain(session: Session, sha256: str) -> list[dict[str, Any]]:
    rows = session.execute(select(evidence_custody).where(
        evidence_custody.c.sha256 == _check_sha(sha256)).order_by(evidence_custody.c.id))
    return [{"ts": as_utc(r.ts).isoformat(), "actor": r.actor, "action": r.action,
             "reason": r.reason, "details": r.details} for r in rows]


def list_evidence(session: Session) -> list[dict[str, Any]]:
    out = []
    for r in session.execute(select(evidence).order_by(evidence.c.created_at)):
        expiry = session.execute(select(evidence_retention.c.expires_at).where(
            evidence_retention.c.sha256 == r.sha256)).scalars().all()
        out.append({"sha256": r.sha256, "kind": r.kind, "size": r.size,
                    "jurisdiction": r.jurisdiction, "created_at": as_utc(r.created_at)
                    .isoformat(), "created_by": r.created_by, "legal_hold": r.legal_hold,
                    "retained_until": max(as_utc(e) for e in expiry).isoformat()
                    if expiry else None})
    return out
