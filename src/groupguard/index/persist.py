"""Saving and loading a HammingIndex without rebuilding it, plus an append-only journal so
that each later add or remove costs one small write instead of a new snapshot.

A snapshot is a folder of .npy arrays and a meta.json; the bucket table is stored compactly
(only the filled cells, row by row) and scattered back into place on load: no hashing, no
sorting, no chunk computation. The journal holds fixed-size records (op, id, hash); replaying
it on open applies the same O(1) updates the live index saw. A torn last record (a crash
mid-write) is ignored.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path

import numpy as np

from groupguard.errors import GroupguardError
from groupguard.index.mih import ROWS, HammingIndex, _Growing

# 2: bucket cells carry their partner chunk; the id map holds slot + 1.
FORMAT = 2
_RECORD = struct.Struct("<cq32s")  # op b"a"/b"r", entry id, hash bytes


class IndexFileError(GroupguardError):
    """A saved index is missing, from another version, or damaged; rebuild it from the
    database (the matcher does this on its own)."""


def save(index: HammingIndex, path: Path, *, state: dict | None = None) -> None:
    """Write a snapshot to `path` (a folder), atomically replacing any previous one."""
    with index._lock:
        _save(index, Path(path), state)


def _save(index: HammingIndex, path: Path, state: dict | None) -> None:
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    index._settle()
    used = index._used
    filled = np.arange(index.width, dtype=np.int32)[None, :] < index._counts[:, None]
    spilled_keys = np.array(sorted(index._overflow), dtype=np.int64)
    spilled = [index._overflow[k] for k in spilled_keys.tolist()]
    arrays = {
        "words": index._words.new[:used],
        "ids": index._ids.new[:used],
        "slot_of": index._slot_of.new,
        "counts": index._counts,
        "cells": index._table[filled],
        "partners": index._partner[filled],
        "free": np.array(index._free, dtype=np.int64),
        "spill_keys": spilled_keys,
        "spill_lens": np.array([len(s) for s in spilled], dtype=np.int64),
        "spill_slots": np.array([x for s in spilled for x in s], dtype=np.int64),
    }
    for name, arr in arrays.items():
        np.save(tmp / f"{name}.npy", arr, allow_pickle=False)
    meta = {"format": FORMAT, "threshold": index.threshold, "width": index.width,
            "used": used, "count": len(index), "state": state or {}}
    (tmp / "meta.json").write_text(json.dumps(meta))
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        os.replace(path, old)
    os.replace(tmp, path)
    shutil.rmtree(old, ignore_errors=True)


def load(path: Path) -> tuple[HammingIndex, dict]:
    """Load a snapshot; returns the index and the caller's saved `state`."""
    path = Path(path)
    try:
        meta = json.loads((path / "meta.json").read_text())
        if meta.get("format") != FORMAT:
            raise IndexFileError(f"{path}: index format {meta.get('format')}, expected {FORMAT}")
        a = {name: np.load(path / f"{name}.npy", allow_pickle=False)
             for name in ("words", "ids", "slot_of", "counts", "cells", "partners", "free",
                          "spill_keys", "spill_lens", "spill_slots")}
    except (OSError, ValueError, KeyError) as exc:
        raise IndexFileError(f"cannot read the index at {path}: {exc}") from exc
    used, width = int(meta["used"]), int(meta["width"])
    if a["counts"].shape != (ROWS,) or len(a["words"]) != used:
        raise IndexFileError(f"{path}: arrays do not fit together")
    index = HammingIndex(threshold=int(meta["threshold"]), capacity=max(used, 16),
                         width=width)
    index._words.new[:used] = a["words"]
    index._ids.new[:used] = a["ids"]
    index._used = used
    index._slot_of = _Growing(a["slot_of"].astype(np.int32))
    index._count = int(meta["count"])
    index._free = a["free"].tolist()
    counts = a["counts"].astype(np.int32)
    index._counts = counts
    rows = np.repeat(np.arange(ROWS, dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(len(rows), dtype=np.int64) - np.repeat(starts, counts)
    if len(rows) != len(a["cells"]) or len(rows) != len(a["partners"]):
        raise IndexFileError(f"{path}: bucket cells do not match their counts")
    index._table[rows, pos] = a["cells"]
    index._partner[rows, pos] = a["partners"]
    offsets = np.cumsum(a["spill_lens"])
    for key, lo, hi in zip(a["spill_keys"].tolist(), (offsets - a["spill_lens"]).tolist(),
                           offsets.tolist(), strict=True):
        index._overflow[key] = a["spill_slots"][lo:hi].tolist()
        index._has_overflow[key] = True
    return index, meta.get("state", {})


class Journal:
    """Append-only log of adds and removes made since the last snapshot."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("ab")

    def __len__(self) -> int:
        return self.path.stat().st_size // _RECORD.size if self.path.exists() else 0

    def add(self, entry_id: int, raw: bytes) -> None:
        self._fh.write(_RECORD.pack(b"a", entry_id, raw))

    def remove(self, entry_id: int) -> None:
        self._fh.write(_RECORD.pack(b"r", entry_id, bytes(32)))

    def flush(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def replay(self, index: HammingIndex) -> int:
        """Apply every complete record to `index`; returns how many were applied."""
        self._fh.flush()
        data = self.path.read_bytes() if self.path.exists() else b""
        n = len(data) // _RECORD.size
        for op, entry_id, raw in _RECORD.iter_unpack(data[: n * _RECORD.size]):
            if op == b"a":
                index.add(entry_id, raw)
            elif op == b"r":
                index.remove(entry_id)
            else:
                raise IndexFileError(f"{self.path}: unknown journal record {op!r}")
        return n

    def truncate(self) -> None:
        self._fh.close()
        self._fh = self.path.open("wb")

    def close(self) -> None:
        self._fh.close()
