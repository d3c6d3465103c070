"""Exact Hamming radius search over 256-bit hashes (PDQ) by multi-index hashing.

Each hash is cut into 16 chunks of 16 bits. If two hashes differ in at most r bits, then by
the pigeonhole principle some chunk differs in at most r // 16 bits; so probing, for every
chunk, the buckets of the query's chunk value with up to r // 16 bits flipped finds every
entry within r (no false negatives), and a popcount over the candidates removes the rest.

Buckets are rows of fixed width in one table (chunk, value) -> entry slots, so adding or
removing an entry touches 16 rows: O(1), no rebuild. A bucket that outgrows its row spills
into a small overflow map; the rows widen (one amortised copy) when the mean load grows.
Everything lives in flat numpy arrays, which is also the on-disk form (see `persist`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

import numpy as np

from groupguard.errors import InvalidHashError

BITS = 256
CHUNKS = 16
CHUNK_BITS = 16
BUCKETS = 1 << CHUNK_BITS
ROWS = CHUNKS * BUCKETS
DEFAULT_THRESHOLD = 31
# Above this radius the probe count explodes (r // 16 >= 3); a linear scan is cheaper.
MAX_PROBE_FLIPS = 2
_BASE = (np.arange(CHUNKS, dtype=np.int64) * BUCKETS)[None, :]
_MIN_WIDTH = 8
_BULK_CHUNK = 1 << 20
MAX_ID = 2**31 - 1


def _flip_masks(flips: int) -> np.ndarray:
    masks = [0]
    for k in range(1, flips + 1):
        for bits in combinations(range(CHUNK_BITS), k):
            masks.append(sum(1 << b for b in bits))
    return np.array(masks, dtype=np.int64)[:, None]


_MASKS = {f: _flip_masks(f) for f in range(MAX_PROBE_FLIPS + 1)}


def hash_bytes(value: str | bytes) -> bytes:
    """32 raw bytes of a 64-hex-digit hash; raises InvalidHashError otherwise."""
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        if len(raw) != 32:
            raise InvalidHashError(f"a 256-bit hash has 32 bytes, got {len(raw)}")
        return raw
    text = value.strip()
    if len(text) != 64:
        raise InvalidHashError(f"a 256-bit hash has 64 hex digits, got {len(text)}: {text[:80]!r}")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise InvalidHashError(f"not a hex string: {text!r}") from None


def _parse_many(values: Sequence[str | bytes]) -> np.ndarray:
    """(n, 32) uint8 array of hashes."""
    if not len(values):
        return np.zeros((0, 32), dtype=np.uint8)
    buf = b"".join(hash_bytes(v) for v in values)
    return np.frombuffer(buf, dtype=np.uint8).reshape(-1, 32)


def _chunks(raw: np.ndarray) -> np.ndarray:
    """(n, 16) chunk values (big-endian 16-bit words, so chunk 0 is the first 4 hex digits)."""
    return raw.view(">u2").astype(np.int64)


def _distances(words: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Hamming distances between rows of `words` (n, 4) uint64 and `query`: one hash (4,)
    or one per row (n, 4). `words` is overwritten (it is always a fresh gather)."""
    n = len(words)
    if query.ndim == 1:
        # Broadcasting a 4-word row costs a loop per row; XOR flat against the query
        # repeated (bytes repetition is a memcpy).
        query = np.frombuffer(query.tobytes() * n, dtype=np.uint64)
    flat = words.reshape(-1)
    flat ^= query.reshape(-1)
    b = np.bitwise_count(words)  # (n, 4) uint8, each <= 64
    # Add the four bytes of each row in one multiply: partial sums stay below 256 until
    # the top byte, which holds the total mod 256. Only the query's complement (256)
    # wraps, to 0; it is told apart from equality below.
    d = (b.view(np.uint32)[:, 0] * np.uint32(0x01010101)) >> np.uint32(24)
    zero = d == 0
    if zero.any():
        d[zero & (words[:, 0] != 0)] = 255  # > any radius the probes serve
    return d


class HammingIndex:
    """Entries are (id, 256-bit hash); ids are caller-chosen non-negative integers (bank
    entry ids), unique in the index. Queries return every id within the radius, exactly."""

    def __init__(self, *, threshold: int = DEFAULT_THRESHOLD, capacity: int = 1024,
                 width: int | None = None):
        if not 0 <= threshold <= BITS:
            raise ValueError(f"threshold must be in 0..{BITS}")
        self.threshold = threshold
        capacity = max(16, capacity)
        self._words = np.zeros((capacity, 4), dtype=np.uint64)
        self._ids = np.full(capacity, -1, dtype=np.int64)
        self._used = 0  # slots handed out so far (high-water mark)
        self._free: list[int] = []
        self._count = 0
        # id -> slot, dense by id (bank entry ids are small, dense integers); -1 = absent.
        self._slot_of = np.full(capacity, -1, dtype=np.int32)
        w = width or _width_for(capacity)
        self._table = np.zeros((ROWS, w), dtype=np.int32)
        self._counts = np.zeros(ROWS, dtype=np.int32)
        self._overflow: dict[int, list[int]] = {}
        self._has_overflow = np.zeros(ROWS, dtype=bool)
        self._slot_range = np.arange(w, dtype=np.int32)[None, :]

    # ---- size and membership -------------------------------------------------------------

    def __len__(self) -> int:
        return self._count

    def __contains__(self, entry_id: object) -> bool:
        return self._slot(entry_id) >= 0  # type: ignore[arg-type]

    def _slot(self, entry_id: int) -> int:
        if not isinstance(entry_id, int | np.integer) or not 0 <= entry_id < len(self._slot_of):
            return -1
        return int(self._slot_of[entry_id])

    def ids(self) -> np.ndarray:
        live = self._ids[: self._used]
        return live[live >= 0].copy()

    def hash_of(self, entry_id: int) -> str:
        slot = self._slot(entry_id)
        if slot < 0:
            raise KeyError(entry_id)
        return self._words[slot].tobytes().hex()

    @property
    def width(self) -> int:
        return self._table.shape[1]

    def nbytes(self) -> int:
        """Memory held by the index's arrays."""
        arrays = (self._words, self._ids, self._table, self._counts, self._has_overflow,
                  self._slot_of)
        return int(sum(a.nbytes for a in arrays))

    # ---- updates ---------------------------------------------------------------------------

    def add(self, entry_id: int, value: str | bytes) -> None:
        """Add or replace one entry. O(1): 16 bucket rows and one hash row."""
        raw = hash_bytes(value)
        _check_id(entry_id)
        if entry_id in self:
            self.remove(entry_id)
        slot = self._take_slot()
        self._words[slot] = np.frombuffer(raw, dtype=np.uint64)
        self._ids[slot] = entry_id
        self._map_ids(np.array([entry_id]), np.array([slot]))
        keys = _chunks(np.frombuffer(raw, dtype=np.uint8)[None, :])[0] + _BASE[0]
        pos = self._counts[keys]
        room = pos < self.width
        self._table[keys[room], pos[room]] = slot
        self._counts[keys[room]] += 1
        for key in keys[~room].tolist():
            self._overflow.setdefault(key, []).append(slot)
            self._has_overflow[key] = True
        self._maybe_widen()

    def add_many(self, entry_ids: Sequence[int] | np.ndarray,
                 values: Sequence[str | bytes] | np.ndarray) -> None:
        """Bulk add (vectorised); `values` may be hex strings or an (n, 32) uint8 array."""
        raw = values if isinstance(values, np.ndarray) else _parse_many(values)
        ids = np.asarray(entry_ids, dtype=np.int64)
        if raw.shape != (len(ids), 32):
            raise ValueError("one 32-byte hash per id")
        if len(ids) == 0:
            return
        if len(ids) > _BULK_CHUNK:
            # Bounded temporaries: the sort below holds 16 keys an entry.
            if len(np.unique(ids)) != len(ids):
                raise ValueError("duplicate ids in one batch")
            for lo in range(0, len(ids), _BULK_CHUNK):
                self.add_many(ids[lo: lo + _BULK_CHUNK], raw[lo: lo + _BULK_CHUNK])
            return
        if ids.min() < 0 or ids.max() >= MAX_ID:
            raise ValueError(f"entry ids must be in 0..{MAX_ID - 1}")
        if len(np.unique(ids)) != len(ids):
            raise ValueError("duplicate ids in one batch")
        known = ids[ids < len(self._slot_of)]
        for dup in known[self._slot_of[known] >= 0].tolist():
            self.remove(dup)
        n = len(ids)
        self._ensure_capacity(self._used + n)
        slots = np.arange(self._used, self._used + n, dtype=np.int64)
        self._used += n
        self._words[slots] = raw.view(np.uint64).reshape(n, 4)
        self._ids[slots] = ids
        self._map_ids(ids, slots)
        self._maybe_widen()
        keys = (_chunks(raw) + _BASE).ravel()
        slot_rep = np.repeat(slots, CHUNKS)
        order = np.argsort(keys, kind="stable")
        keys, slot_rep = keys[order], slot_rep[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        group = np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
        pos = self._counts[keys] + (np.arange(len(keys)) - group)
        room = pos < self.width
        self._table[keys[room], pos[room]] = slot_rep[room]
        uniq, added = np.unique(keys[room], return_counts=True)
        self._counts[uniq] += added.astype(np.int32)
        for key, slot in zip(keys[~room].tolist(), slot_rep[~room].tolist(), strict=True):
            self._overflow.setdefault(key, []).append(slot)
        if (~room).any():
            self._has_overflow[keys[~room]] = True

    def remove(self, entry_id: int) -> bool:
        """Remove one entry; False if it was not there. O(width) per chunk, no rebuild."""
        slot = self._slot(entry_id)
        if slot < 0:
            return False
        self._slot_of[entry_id] = -1
        self._count -= 1
        raw = self._words[slot].view(np.uint8)
        keys = _chunks(raw[None, :])[0] + _BASE[0]
        rows = self._table[keys]
        hit = (rows == slot) & (self._slot_range < self._counts[keys][:, None])
        found = hit.any(axis=1)
        for key in keys[~found].tolist():
            spill = self._overflow[key]
            spill.remove(slot)
            if not spill:
                del self._overflow[key]
                self._has_overflow[key] = False
        fk = keys[found]
        pos = hit[found].argmax(axis=1)
        last = self._counts[fk] - 1
        self._table[fk, pos] = self._table[fk, last]
        self._counts[fk] = last
        # Keep rows full before spilling: pull one overflow entry back into the freed cell.
        for key in fk[self._has_overflow[fk]].tolist():
            spill = self._overflow[key]
            self._table[key, self._counts[key]] = spill.pop()
            self._counts[key] += 1
            if not spill:
                del self._overflow[key]
                self._has_overflow[key] = False
        self._ids[slot] = -1
        self._words[slot] = 0
        self._free.append(slot)
        return True

    # ---- queries ---------------------------------------------------------------------------

    def query(self, value: str | bytes, threshold: int | None = None) -> list[tuple[int, int]]:
        """Every (id, distance) within `threshold` (default: the index's), nearest first."""
        r = self.threshold if threshold is None else threshold
        raw = np.frombuffer(hash_bytes(value), dtype=np.uint8)
        query_words = raw.view(np.uint64)
        if not self._count:
            return []
        flips = r // CHUNKS
        if flips > MAX_PROBE_FLIPS:
            return self._scan(query_words, r)
        keys = ((raw.view(">u2").astype(np.int64)[None, :] ^ _MASKS[flips]) + _BASE).ravel()
        # take() is several times cheaper than fancy indexing on these small selections.
        cand = self._table.take(keys, axis=0)[self._slot_range < self._counts.take(keys)[:, None]]
        if self._overflow:
            spilled = keys[self._has_overflow[keys]]
            if len(spilled):
                extra = [s for k in spilled.tolist() for s in self._overflow[k]]
                cand = np.concatenate([cand, np.array(extra, dtype=np.int32)])
        if not len(cand):
            return []
        d = _distances(self._words.take(cand, axis=0), query_words)
        keep = d <= r
        return self._results(cand[keep], d[keep])

    def query_many(self, values: Sequence[str | bytes],
                   threshold: int | None = None) -> list[list[tuple[int, int]]]:
        """Batch form of `query`: one result list per input, in input order. Raises
        InvalidHashError for a malformed value (validate first to isolate bad lines)."""
        r = self.threshold if threshold is None else threshold
        raw = _parse_many(values)
        out: list[list[tuple[int, int]]] = [[] for _ in range(len(raw))]
        if not self._count or not len(raw):
            return out
        flips = r // CHUNKS
        if flips > MAX_PROBE_FLIPS:
            return [self._scan(row.view(np.uint64), r) for row in raw]
        qwords = raw.view(np.uint64).reshape(-1, 4)
        probes = len(_MASKS[flips]) * CHUNKS
        step = max(1, (1 << 20) // (probes * self.width))  # bound the gathered block
        for lo in range(0, len(raw), step):
            block = raw[lo: lo + step]
            keys = ((_chunks(block)[:, None, :] ^ _MASKS[flips][None]) + _BASE[None]).ravel()
            counts = self._counts.take(keys)
            cand = self._table.take(keys, axis=0)[self._slot_range < counts[:, None]]
            # rows[mask] keeps row order, so candidates come grouped by query.
            per_query = counts.reshape(len(block), probes).sum(axis=1)
            qi = np.repeat(np.arange(len(block)), per_query)
            if self._overflow:
                spilled = np.flatnonzero(self._has_overflow[keys])
                if len(spilled):
                    extra_q = [k // probes for k in spilled.tolist()
                               for _ in self._overflow[int(keys[k])]]
                    extra = [s for k in spilled.tolist() for s in self._overflow[int(keys[k])]]
                    qi = np.concatenate([qi, np.array(extra_q, dtype=qi.dtype)])
                    cand = np.concatenate([cand, np.array(extra, dtype=cand.dtype)])
                    order = np.argsort(qi, kind="stable")
                    qi, cand = qi[order], cand[order]
            d = _distances(self._words.take(cand, axis=0), qwords[lo + qi])
            keep = d <= r
            qi, cand, d = qi[keep], cand[keep], d[keep]
            if not len(qi):
                continue
            bounds = np.flatnonzero(np.r_[True, qi[1:] != qi[:-1], True])
            for a, z in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
                out[lo + int(qi[a])] = self._results(cand[a:z], d[a:z])
        return out

    def _results(self, slots: np.ndarray, dists: np.ndarray) -> list[tuple[int, int]]:
        if not len(slots):
            return []
        # The same entry can be reached through several chunks; results are few, so plain
        # Python beats numpy's per-call overhead here.
        best: dict[int, int] = {}
        for slot, dist in zip(slots.tolist(), dists.tolist(), strict=True):
            best[slot] = dist
        ids = self._ids[list(best)].tolist()
        return sorted(zip(ids, best.values(), strict=True), key=lambda p: (p[1], p[0]))

    def _scan(self, query_words: np.ndarray, r: int) -> list[tuple[int, int]]:
        d = np.bitwise_count(self._words[: self._used] ^ query_words).sum(axis=1, dtype=np.int32)
        slots = np.flatnonzero((d <= r) & (self._ids[: self._used] >= 0))
        return self._results(slots, d[slots])

    # ---- storage management ----------------------------------------------------------------

    def _take_slot(self) -> int:
        if self._free:
            return self._free.pop()
        self._ensure_capacity(self._used + 1)
        self._used += 1
        return self._used - 1

    def _ensure_capacity(self, n: int) -> None:
        cap = len(self._ids)
        if n <= cap:
            return
        new_cap = max(n, cap * 2)
        words = np.zeros((new_cap, 4), dtype=np.uint64)
        words[:cap] = self._words
        ids = np.full(new_cap, -1, dtype=np.int64)
        ids[:cap] = self._ids
        self._words, self._ids = words, ids

    def _map_ids(self, ids: np.ndarray, slots: np.ndarray) -> None:
        top = int(ids.max()) + 1
        if top > len(self._slot_of):
            grown = np.full(max(top, 2 * len(self._slot_of)), -1, dtype=np.int32)
            grown[: len(self._slot_of)] = self._slot_of
            self._slot_of = grown
        self._slot_of[ids] = slots
        self._count += len(ids)

    def _maybe_widen(self) -> None:
        want = _width_for(self._count)
        if want > self.width:
            self._widen_to(max(want, _round8(self.width * 3 // 2)))

    def _widen_to(self, width: int) -> None:
        if width <= self.width:
            return
        table = np.zeros((ROWS, width), dtype=np.int32)
        table[:, : self.width] = self._table
        self._table = table
        self._slot_range = np.arange(width, dtype=np.int32)[None, :]
        for key in list(self._overflow):
            spill = self._overflow[key]
            room = width - int(self._counts[key])
            moved, rest = spill[:room], spill[room:]
            start = int(self._counts[key])
            self._table[key, start: start + len(moved)] = moved
            self._counts[key] += len(moved)
            if rest:
                self._overflow[key] = rest
            else:
                del self._overflow[key]
                self._has_overflow[key] = False


def _round8(n: int) -> int:
    return (n + 7) // 8 * 8


def _width_for(n: int) -> int:
    """Row width: the mean bucket load plus four standard deviations (Poisson), so only
    skewed buckets spill."""
    mean = n / BUCKETS
    return max(_MIN_WIDTH, _round8(int(mean + 4 * mean**0.5 + 4)))


def _check_id(entry_id: int) -> None:
    if not 0 <= entry_id < MAX_ID:
        raise ValueError(f"entry ids must be in 0..{MAX_ID - 1}")


def footprint(n: int) -> int:
    """Bytes the arrays of an index of `n` entries with ids below n take (no allocation);
    lets the bench state the 10M figure without building it."""
    width = _width_for(n)
    return (ROWS * width * 4  # bucket table
            + ROWS * (4 + 1)  # counts, overflow flags
            + n * (32 + 8 + 4))  # hash words, slot -> id, id -> slot


def build(entries: Iterable[tuple[int, str]], *, threshold: int = DEFAULT_THRESHOLD
          ) -> HammingIndex:
    items = list(entries)
    index = HammingIndex(threshold=threshold, capacity=len(items) or 16)
    if items:
        ids, values = zip(*items, strict=True)
        index.add_many(list(ids), list(values))
    return index
