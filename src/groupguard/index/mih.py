"""Exact Hamming radius search over 256-bit hashes (PDQ) by multi-index hashing.

Each hash is cut into 16 chunks of 16 bits; chunks 2j and 2j + 1 form word j of 32 bits.
If two hashes differ in at most r bits, some word differs in at most t = r // 8 bits
(pigeonhole over 8 words), and one of that word's two chunks in at most t // 2. So probing
every chunk's bucket with up to t // 2 bits of the query's value flipped, and reading only
the cells whose partner chunk (stored beside the slot) keeps the word within t, finds every
entry within r: no false negatives. At r = 31 that is 16 x 17 probes, and the partner
filter passes about 1% of the cells, so a query reads a few dozen full hashes at 1M
entries instead of thousands. Above r = 47 a linear scan is cheaper and is used.

Buckets are rows of fixed width in one table (chunk, value) -> (slot, partner), so adding
or removing an entry touches 16 rows: O(1), no rebuild. A bucket that outgrows its row
spills into a small overflow map; rows widen as the mean load grows.

No single update pauses to copy a large array: when the hash array, the id map or the
bucket table must grow, the larger array is allocated (the OS zeroes it lazily) and the
contents move over in steps of about 64 KB on the following updates; until a step has
moved a row, reads take it from the old array. Bulk loads finish any move first.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from itertools import combinations

import numpy as np

from groupguard.errors import InvalidHashError
from groupguard.index import kernels, memory

BITS = 256
CHUNKS = 16
CHUNK_BITS = 16
BUCKETS = 1 << CHUNK_BITS
ROWS = CHUNKS * BUCKETS
DEFAULT_THRESHOLD = 31
# Above this many flips per chunk (r >= 48) the probe count explodes; a scan is cheaper.
MAX_PROBE_FLIPS = 2
_BASE = (np.arange(CHUNKS, dtype=np.int64) * BUCKETS)[None, :]
_PARTNER = np.arange(CHUNKS) ^ 1
_MIN_WIDTH = 8
_BULK_CHUNK = 1 << 20
_STEP_BYTES = 64 * 1024
MAX_ID = 2**31 - 1


def _flip_masks(flips: int) -> tuple[np.ndarray, np.ndarray]:
    masks, bits = [0], [0]
    for k in range(1, flips + 1):
        for chosen in combinations(range(CHUNK_BITS), k):
            masks.append(sum(1 << b for b in chosen))
            bits.append(k)
    return np.array(masks, dtype=np.int64), np.array(bits, dtype=np.int64)


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


class _Growing:
    """An array that grows along its first axis without a pause. `grow` allocates the
    larger array; `step` moves the next rows over and gives the old rows' memory back; a
    row is read from the new array once moved (or when it lies beyond the old length) and
    from the old one before. A write to a row not yet moved goes to both."""

    def __init__(self, array: np.ndarray):
        self.old = self.new = array
        self.ptr = self.old_len = len(array)

    @property
    def moving(self) -> bool:
        return self.old is not self.new

    def __len__(self) -> int:
        return len(self.new)

    def grow(self, n: int) -> None:
        self.finish()
        self.old = self.new
        self.old_len = len(self.old)
        self.new = memory.zeros((n, *self.old.shape[1:]), self.old.dtype)
        self.ptr = 0

    def step(self, rows: int) -> None:
        if not self.moving:
            return
        lo, hi = self.ptr, min(self.old_len, self.ptr + rows)
        self.new[lo:hi] = self.old[lo:hi]
        memory.release_prefix(self.old, hi)
        self.ptr = hi
        if hi == self.old_len:
            self.old = self.new
            self.ptr = self.old_len = len(self.new)

    def finish(self) -> None:
        self.step(self.old_len)

    def get(self, i: int):
        return self.new[i] if i < self.ptr or i >= self.old_len else self.old[i]

    def set(self, i: int, value) -> None:
        self.new[i] = value
        if self.ptr <= i < self.old_len:  # not moved yet: the old row still answers reads
            self.old[i] = value

    def nbytes(self) -> int:
        return self.new.nbytes + (self.old.nbytes if self.moving else 0)


def _locked(method: Callable) -> Callable:
    """Run under the index's lock. Queries run compiled code without the GIL, and a move
    gives memory back as it goes, so a query overlapping an update could read a page that
    is gone: one thread at a time, updates and queries alike."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return run


class HammingIndex:
    """Entries are (id, 256-bit hash); ids are caller-chosen non-negative integers (bank
    entry ids), unique in the index. Queries return every id within the radius, exactly.
    Safe to share between threads (one operation at a time)."""

    def __init__(self, *, threshold: int = DEFAULT_THRESHOLD, capacity: int = 1024,
                 width: int | None = None):
        if not 0 <= threshold <= BITS:
            raise ValueError(f"threshold must be in 0..{BITS}")
        self.threshold = threshold
        self._lock = threading.RLock()
        kernels.warm()
        capacity = max(16, capacity)
        self._words = _Growing(memory.zeros((capacity, 4), np.uint64))
        self._ids = _Growing(memory.zeros((capacity,), np.int32))  # slot -> id, -1 = free
        self._used = 0  # slots handed out so far (high-water mark)
        self._free: list[int] = []
        self._count = 0
        # id -> slot + 1, dense by id (bank entry ids are small, dense integers); 0 = absent,
        # so a freshly grown map needs no fill.
        self._slot_of = _Growing(memory.zeros((capacity,), np.int32))
        w = width or _width_for(capacity)
        self._table = memory.zeros((ROWS, w), np.int32)
        self._partner = memory.zeros((ROWS, w), np.uint16)
        # While rows widen: rows below _row_ptr live in _table/_partner, the rest in the
        # old pair. Outside a widening the old pair is the current one.
        self._table_old, self._partner_old = self._table, self._partner
        self._row_ptr = ROWS
        self._counts = np.zeros(ROWS, dtype=np.int32)
        self._overflow: dict[int, list[int]] = {}
        self._has_overflow = np.zeros(ROWS, dtype=bool)
        self._scratch = np.empty(0, dtype=np.int64)

    # ---- size and membership -------------------------------------------------------------

    def __len__(self) -> int:
        return self._count

    @_locked
    def __contains__(self, entry_id: object) -> bool:
        return self._slot(entry_id) >= 0  # type: ignore[arg-type]

    def _slot(self, entry_id: int) -> int:
        if not isinstance(entry_id, int | np.integer) or not 0 <= entry_id < len(self._slot_of):
            return -1
        return int(self._slot_of.get(int(entry_id))) - 1

    @_locked
    def ids(self) -> np.ndarray:
        self._settle()
        live = self._ids.new[: self._used]
        return live[live >= 0].astype(np.int64)

    @_locked
    def hash_of(self, entry_id: int) -> str:
        slot = self._slot(entry_id)
        if slot < 0:
            raise KeyError(entry_id)
        return self._words.get(slot).tobytes().hex()

    @property
    def width(self) -> int:
        return self._table.shape[1]

    @property
    def _widening(self) -> bool:
        return self._row_ptr < ROWS

    def nbytes(self) -> int:
        """Memory held by the index's arrays (both generations while a move is under way)."""
        tables = self._table.nbytes + self._partner.nbytes
        if self._widening:
            tables += self._table_old.nbytes + self._partner_old.nbytes
        return int(tables + self._counts.nbytes + self._has_overflow.nbytes
                   + self._words.nbytes() + self._ids.nbytes() + self._slot_of.nbytes())

    # ---- updates ---------------------------------------------------------------------------

    @_locked
    def add(self, entry_id: int, value: str | bytes) -> None:
        """Add or replace one entry. O(1): 16 bucket rows, one hash row, one bounded step
        of any move under way."""
        raw = hash_bytes(value)
        _check_id(entry_id)
        if entry_id in self:
            self.remove(entry_id)
        slot = self._take_slot()
        words = np.frombuffer(raw, dtype=np.uint64)
        self._words.set(slot, words)
        self._ids.set(slot, entry_id)
        if entry_id >= len(self._slot_of):
            self._slot_of.grow(max(entry_id + 1, 2 * len(self._slot_of)))
        self._slot_of.set(entry_id, slot + 1)
        self._count += 1
        chunks = _chunks(np.frombuffer(raw, dtype=np.uint8)[None, :])[0]
        keys = chunks + _BASE[0]
        full = np.zeros(CHUNKS, dtype=bool)
        kernels.insert(keys, chunks[_PARTNER].astype(np.uint16), slot, self._counts,
                       self._table_old, self._partner_old, self._table, self._partner,
                       self._row_ptr, full)
        for key in keys[full].tolist():
            self._overflow.setdefault(key, []).append(slot)
            self._has_overflow[key] = True
        if not self._widening and _width_for(self._count) > self.width:
            self._start_widening(self._next_width())
        self._step()

    @_locked
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
        self._settle()
        known = ids[ids < len(self._slot_of)]
        for dup in known[self._slot_of.new[known] > 0].tolist():
            self.remove(dup)  # starts no move, so everything stays settled
        n = len(ids)
        self._ensure_capacity(self._used + n)
        slots = np.arange(self._used, self._used + n, dtype=np.int64)
        self._used += n
        self._words.new[slots] = raw.view(np.uint64).reshape(n, 4)
        self._ids.new[slots] = ids
        top = int(ids.max()) + 1
        if top > len(self._slot_of):
            self._slot_of.grow(max(top, 2 * len(self._slot_of)))
            self._slot_of.finish()
        self._slot_of.new[ids] = slots + 1
        self._count += n
        if _width_for(self._count) > self.width:
            self._start_widening(self._next_width())
            self._move_rows(ROWS)
        chunks = _chunks(raw)
        keys = (chunks + _BASE).ravel()
        partners = chunks[:, _PARTNER].astype(np.uint16).ravel()
        slot_rep = np.repeat(slots, CHUNKS)
        order = np.argsort(keys, kind="stable")
        keys, slot_rep, partners = keys[order], slot_rep[order], partners[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        group = np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
        pos = self._counts[keys] + (np.arange(len(keys)) - group)
        room = pos < self.width
        self._table[keys[room], pos[room]] = slot_rep[room]
        self._partner[keys[room], pos[room]] = partners[room]
        uniq, added = np.unique(keys[room], return_counts=True)
        self._counts[uniq] += added.astype(np.int32)
        for key, slot in zip(keys[~room].tolist(), slot_rep[~room].tolist(), strict=True):
            self._overflow.setdefault(key, []).append(slot)
        if (~room).any():
            self._has_overflow[keys[~room]] = True

    @_locked
    def remove(self, entry_id: int) -> bool:
        """Remove one entry; False if it was not there. O(width) per chunk, no rebuild."""
        slot = self._slot(entry_id)
        if slot < 0:
            return False
        self._slot_of.set(int(entry_id), 0)
        self._count -= 1
        raw = self._words.get(slot).view(np.uint8)
        keys = _chunks(raw[None, :])[0] + _BASE[0]
        found = np.zeros(CHUNKS, dtype=bool)
        kernels.delete(keys, slot, self._counts, self._table_old, self._partner_old,
                       self._table, self._partner, self._row_ptr, found)
        for key in keys[~found].tolist():
            spill = self._overflow[key]
            spill.remove(slot)
            if not spill:
                del self._overflow[key]
                self._has_overflow[key] = False
        # Keep rows full before spilling: pull one spilled entry back into the freed cell.
        for key in keys[found & self._has_overflow[keys]].tolist():
            self._pull_spill(key, 1)
        self._ids.set(slot, -1)
        self._words.set(slot, 0)
        self._free.append(slot)
        self._step()
        return True

    # ---- queries ---------------------------------------------------------------------------

    @_locked
    def query(self, value: str | bytes, threshold: int | None = None) -> list[tuple[int, int]]:
        """Every (id, distance) within `threshold` (default: the index's), nearest first."""
        r = self.threshold if threshold is None else threshold
        raw = np.frombuffer(hash_bytes(value), dtype=np.uint8).reshape(1, 32)
        if not self._count:
            return []
        if r // 8 // 2 > MAX_PROBE_FLIPS:
            return self._scan(raw[0].view(np.uint64), r)
        _, slots, dists = self._probe(raw, r)
        return self._results(slots, dists)

    @_locked
    def query_many(self, values: Sequence[str | bytes],
                   threshold: int | None = None) -> list[list[tuple[int, int]]]:
        """Batch form of `query`: one result list per input, in input order. Raises
        InvalidHashError for a malformed value (validate first to isolate bad lines)."""
        r = self.threshold if threshold is None else threshold
        raw = _parse_many(values)
        out: list[list[tuple[int, int]]] = [[] for _ in range(len(raw))]
        if not self._count or not len(raw):
            return out
        if r // 8 // 2 > MAX_PROBE_FLIPS:
            return [self._scan(row.view(np.uint64), r) for row in raw]
        qi, slots, dists = self._probe(raw, r)
        if not len(qi):
            return out
        order = np.argsort(qi, kind="stable")
        qi, slots, dists = qi[order], slots[order], dists[order]
        bounds = np.flatnonzero(np.r_[True, qi[1:] != qi[:-1], True])
        for a, z in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            out[int(qi[a])] = self._results(slots[a:z], dists[a:z])
        return out

    def _probe(self, raw: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        t = r // 8
        masks, bits = _MASKS[t // 2]
        w = self._words
        # Outside a widening one call covers every row; during one, the moved rows are
        # probed in the new table and the rest in the old.
        parts = [(self._table, self._partner, 0, self._row_ptr)]
        if self._widening:
            parts.append((self._table_old, self._partner_old, self._row_ptr, ROWS))
        # Queries hold the lock, so one working space per index serves them all.
        need = kernels.scratch_size(CHUNKS * len(masks), self.width)
        if len(self._scratch) < need:
            self._scratch = np.empty(need, dtype=np.int64)
        found = [kernels.probe(raw, raw.view(np.uint64), masks, bits, t, r, tab, par, lo, hi,
                               self._counts, self._has_overflow, w.old, w.new, w.ptr,
                               w.old_len, self._scratch)
                 for tab, par, lo, hi in parts]
        if len(found) == 1:
            qi, slots, dists, spill_q, spill_k = found[0]
        else:
            qi, slots, dists, spill_q, spill_k = (np.concatenate(x) for x in zip(*found,
                                                                                strict=True))
        if len(spill_q):
            extra = [(q, s) for q, k in zip(spill_q.tolist(), spill_k.tolist(), strict=True)
                     for s in self._overflow[k]]
            eq = np.array([q for q, _ in extra], dtype=np.int32)
            es = np.array([s for _, s in extra], dtype=np.int32)
            d = np.array([self._distance(s, raw[q]) for q, s in extra], dtype=np.int32)
            keep = d <= r
            qi = np.concatenate([qi, eq[keep]])
            slots = np.concatenate([slots, es[keep]])
            dists = np.concatenate([dists, d[keep]])
        return qi, slots, dists

    def _distance(self, slot: int, raw: np.ndarray) -> int:
        return int(np.bitwise_count(self._words.get(slot) ^ raw.view(np.uint64)).sum())

    def _results(self, slots: np.ndarray, dists: np.ndarray) -> list[tuple[int, int]]:
        if not len(slots):
            return []
        # The same entry can be reached through several chunks; results are few, so plain
        # Python beats numpy's per-call overhead here.
        best = dict(zip(slots.tolist(), dists.tolist(), strict=True))
        ids = [int(self._ids.get(s)) for s in best]
        return sorted(zip(ids, best.values(), strict=True), key=lambda p: (p[1], p[0]))

    def _scan(self, query_words: np.ndarray, r: int) -> list[tuple[int, int]]:
        self._settle()
        words, ids = self._words.new[: self._used], self._ids.new[: self._used]
        d = np.bitwise_count(words ^ query_words).sum(axis=1, dtype=np.int32)
        slots = np.flatnonzero((d <= r) & (ids >= 0))
        return self._results(slots, d[slots])

    # ---- storage management ----------------------------------------------------------------

    def _take_slot(self) -> int:
        if self._free:
            return self._free.pop()
        if self._used == len(self._words):
            # The next doubling is a cap of adds away and each add moves thousands of rows,
            # so a move always ends before the next begins.
            self._grow_slots(2 * len(self._words))
        self._used += 1
        return self._used - 1

    def _ensure_capacity(self, n: int) -> None:
        """Bulk path: grow at once (the caller has settled every move)."""
        if n > len(self._words):
            self._grow_slots(max(n, 2 * len(self._words)))
            self._words.finish()
            self._ids.finish()

    def _grow_slots(self, capacity: int) -> None:
        self._words.grow(capacity)
        self._ids.grow(capacity)

    def _step(self) -> None:
        """Move the next bounded part of whatever is growing."""
        self._words.step(_STEP_BYTES // 32)
        self._ids.step(_STEP_BYTES // 32)
        self._slot_of.step(_STEP_BYTES // 4)
        if self._widening:
            old_width = self._table_old.shape[1]
            self._move_rows(max(1, _STEP_BYTES // (6 * old_width)))

    def _settle(self) -> None:
        """Finish every move (bulk operations and snapshots work on single arrays)."""
        self._words.finish()
        self._ids.finish()
        self._slot_of.finish()
        if self._widening:
            self._move_rows(ROWS)

    def _next_width(self) -> int:
        return max(_width_for(self._count), _round8(self.width * 3 // 2))

    def _start_widening(self, width: int) -> None:
        """Map the wider table; `_move_rows` fills it (a step at a time, or all at once
        on the bulk path)."""
        self._table_old, self._partner_old = self._table, self._partner
        self._table = memory.zeros((ROWS, width), np.int32)
        self._partner = memory.zeros((ROWS, width), np.uint16)
        self._row_ptr = 0

    def _move_rows(self, n: int) -> None:
        lo, hi = self._row_ptr, min(ROWS, self._row_ptr + n)
        old_width = self._table_old.shape[1]
        self._table[lo:hi, :old_width] = self._table_old[lo:hi]
        self._partner[lo:hi, :old_width] = self._partner_old[lo:hi]
        memory.release_prefix(self._table_old, hi)
        memory.release_prefix(self._partner_old, hi)
        self._row_ptr = hi
        for key in (lo + np.flatnonzero(self._has_overflow[lo:hi])).tolist():
            self._pull_spill(key, self.width)
        if hi == ROWS:
            self._table_old, self._partner_old = self._table, self._partner

    def _pull_spill(self, key: int, limit: int) -> None:
        """Move up to `limit` spilled entries of row `key` into free cells of its row."""
        if key < self._row_ptr:
            table, partner = self._table, self._partner
        else:
            table, partner = self._table_old, self._partner_old
        spill = self._overflow[key]
        chunk = key // BUCKETS ^ 1
        while spill and limit and self._counts[key] < table.shape[1]:
            slot = spill.pop()
            pos = self._counts[key]
            table[key, pos] = slot
            word = self._words.get(slot).view(">u2")
            partner[key, pos] = word[chunk]
            self._counts[key] = pos + 1
            limit -= 1
        if not spill:
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
    return (ROWS * width * (4 + 2)  # bucket table: slot and partner chunk
            + ROWS * (4 + 1)  # counts, overflow flags
            + n * (32 + 4 + 4))  # hash words, slot -> id, id -> slot


def build(entries: Iterable[tuple[int, str]], *, threshold: int = DEFAULT_THRESHOLD
          ) -> HammingIndex:
    items = list(entries)
    index = HammingIndex(threshold=threshold, capacity=len(items) or 16)
    if items:
        ids, values = zip(*items, strict=True)
        index.add_many(list(ids), list(values))
    return index
