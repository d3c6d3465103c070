"""Turning a media file into bank entries, and keeping media-bank files under the data home.

Banks and queries go through the same hashing pipeline (signals.hashing), so a banked
image and a posted copy of it hash alike. A media bank may keep the file itself (content
the platform's own reviewers confirmed), which lets it index augmented variants (crops,
small rotations: banks/augment.py) that a query cannot undo.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from groupguard.banks.signal_types import vpdq_to_value
from groupguard.config import Settings
from groupguard.signals.hashing import MediaHashes


def bank_items(hashes: MediaHashes, settings: Settings, *, augment: bool = False
               ) -> tuple[list[tuple[str, str] | tuple[str, str, list[str]]], list[str]]:
    """(items for service.add_hashes, notes) for one hashed file."""
    items: list[tuple[str, str] | tuple[str, str, list[str]]] = [
        ("md5", hashes.md5), ("sha256", hashes.sha256)]
    notes: list[str] = []
    if hashes.kind == "image" and hashes.pdq:
        quality = hashes.pdq_quality or 0
        if quality >= settings.pdq_min_quality:
            items.append(("pdq", hashes.pdq))
        else:
            # A flat image's PDQ would match other flat images; bank its digests only.
            notes.append(f"PDQ quality {quality} is below {settings.pdq_min_quality}: "
                         "PDQ not banked, digests only")
    if hashes.kind == "video" and hashes.vpdq:
        items.append(("vpdq", vpdq_to_value(hashes.vpdq)))
    if augment and hashes.image is not None:
        from groupguard.banks.augment import augment_bank_item

        for name, pdq in augment_bank_item(hashes.image, min_quality=settings.pdq_min_quality):
            items.append(("pdq", pdq, [name]))
    return items, notes


def media_dir(settings: Settings) -> Path:
    return Path(settings.home) / "banks" / "media"


def keep(settings: Settings, path: Path, sha256: str) -> Path:
    """Copy a media-bank file under the data home, named by its SHA-256 (owner-only)."""
    target = media_dir(settings) / sha256[:2] / sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_suffix(".tmp")
        shutil.copyfile(path, tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    return target
