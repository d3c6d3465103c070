"""The index's inner loops, compiled by numba (cached on disk after the first run).

A query at 1M entries touches a few thousand bucket cells; in numpy every step of that is a
temporary array and a call, which cost more than the work itself. Compiled, the probe loop
reads each cell once and stops at the partner filter for almost all of them.

Every array that can be mid-migration (see `mih`) comes as an (old, new) pair with a split:
bucket rows below `row_ptr` are served from the new table, slots below `slot_ptr` or at or
above `old_cap` from the new hash array. Outside a migration both members of a pair are the
same array and the splits cover everything.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

CHUNKS = 16
BUCKETS = 1 << 16
PREFETCH_AHEAD = 16


@intrinsic
def _popcount(typingctx, x):  # noqa: ARG001 - numba's intrinsic signature
    # LLVM's ctpop: one POPCNT instruction on the CPUs numba targets.
    if not isinstance(x, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return x(x), codegen


@intrinsic
def _prefetch(typingctx, arr, i, j):  # noqa: ARG001 - numba's intrinsic signature
    """Ask for arr[i, j]'s cache line without waiting for it (LLVM's prefetch)."""
    if not isinstance(arr, types.Array) or arr.ndim != 2:
        return None

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        inds = [context.cast(builder, v, t, types.intp)
                for v, t in zip(args[1:], signature.args[1:], strict=True)]
        ptr = cgutils.get_item_pointer2(
            context, builder, data=ary.data, shape=cgutils.unpack_tuple(builder, ary.shape),
            strides=cgutils.unpack_tuple(builder, ary.strides), layout=aryty.layout,
            inds=inds, wraparound=False)
        i8p = builder.bitcast(ptr, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [i8p, i32(0), i32(3), i32(1)])  # read, keep in all levels, data
        return context.get_dummy_value()

    return types.void(arr, i, j), codegen


@njit(cache=True, nogil=True)
def _grow(a, n):
    out = np.empty(max(n, 2 * len(a)), a.dtype)
    out[: len(a)] = a
    return out


@njit(inline="always")
def _prefetch_row(par, key, cnt):
    # A row's used cells can straddle two cache lines: ask for both ends.
    _prefetch(par, key, 0)
    _prefetch(par, key, max(cnt - 1, 0))


@njit(inline="always")
def _distance(words, s, q0, q1, q2, q3):
    return np.int64(_popcount(words[s, 0] ^ q0) + _popcount(words[s, 1] ^ q1)
                    + _popcount(words[s, 2] ^ q2) + _popcount(words[s, 3] ^ q3))


@njit(cache=True, nogil=True)
def probe(qbytes, qwords, masks, mask_bits, t, r, tab, par, lo, hi, counts, spilled,
          words_old, words_new, slot_ptr, old_cap, scratch):
    """Candidates of every query among bucket rows lo..hi-1 of (tab, par): (query, slot,
    distance) within r, plus the (query, key) pairs of probed rows that have spilled
    entries (the caller checks those).

    For chunk c probed with mask m (popcount b), a cell counts only when the entry's partner
    chunk (c ^ 1) is within t - b of the query's: together the two chunks form one of the 8
    words of 32 bits, and some word must be within t = r // 8 (pigeonhole).

    The work runs in passes so that the random reads within a pass do not depend on each
    other or on a hard-to-predict branch, and the CPU overlaps them: at 1M entries the rows,
    slots and hashes live far out of cache, and waiting on each read in turn would cost
    more than all the arithmetic."""
    n = qbytes.shape[0]
    width = par.shape[1]
    cap = 64 + 16 * n
    out_q = np.empty(cap, np.int32)
    out_s = np.empty(cap, np.int32)
    out_d = np.empty(cap, np.int32)
    k = 0
    sp_q = np.empty(16, np.int32)
    sp_k = np.empty(16, np.int64)
    ns = 0
    # Working space comes from the caller (`scratch_size`): allocating it on every call
    # cost more than a quarter of a single query.
    probes = CHUNKS * len(masks)
    room = (len(scratch) - 2 * probes - CHUNKS) // 2
    keys = scratch[:probes]
    cnts = scratch[probes: 2 * probes]
    chunk = scratch[2 * probes: 2 * probes + CHUNKS]
    cells = scratch[2 * probes + CHUNKS: 2 * probes + CHUNKS + room]
    slots = scratch[2 * probes + CHUNKS + room:]
    flat_tab = tab.reshape(-1)
    for qi in range(n):
        for c in range(CHUNKS):
            chunk[c] = (np.int64(qbytes[qi, 2 * c]) << 8) | np.int64(qbytes[qi, 2 * c + 1])
        # Pass 1: every probe's row and its length.
        total = 0
        p = 0
        for c in range(CHUNKS):
            base = c * BUCKETS
            for m in range(len(masks)):
                key = base + (chunk[c] ^ masks[m])
                inside = lo <= key < hi
                keys[p] = key if inside else lo
                cnts[p] = counts[key] if inside else 0
                total += cnts[p]
                if inside and spilled[key]:
                    if ns == len(sp_q):
                        sp_q = _grow(sp_q, ns + 1)
                        sp_k = _grow(sp_k, ns + 1)
                    sp_q[ns] = qi
                    sp_k[ns] = key
                    ns += 1
                p += 1
        if total == 0:
            continue
        # Pass 2: ask for the first rows' cells; pass 3 asks PREFETCH_AHEAD rows ahead of
        # the one it filters, so the reads overlap without overrunning the CPU's queue.
        for p in range(min(probes, PREFETCH_AHEAD)):
            _prefetch_row(par, keys[p], cnts[p])
        # Pass 3: the partner filter, from cache; keeps about 1% of the cells.
        nc = 0
        p = 0
        for c in range(CHUNKS):
            partner = np.uint64(chunk[c ^ 1])
            for m in range(len(masks)):
                limit = np.uint64(t - mask_bits[m])
                key = keys[p]
                if p + PREFETCH_AHEAD < probes:
                    _prefetch_row(par, keys[p + PREFETCH_AHEAD], cnts[p + PREFETCH_AHEAD])
                # Count first (a loop the compiler vectorises); collect only from the
                # rare rows with a survivor.
                hits = 0
                for j in range(cnts[p]):
                    hits += _popcount(np.uint64(par[key, j]) ^ partner) <= limit
                if hits:
                    for j in range(cnts[p]):
                        if _popcount(np.uint64(par[key, j]) ^ partner) <= limit:
                            cells[nc] = key * width + j
                            nc += 1
                p += 1
        # Pass 4: the survivors' slots, then their hashes, then the distances.
        for i in range(nc):
            _prefetch(tab, cells[i] // width, cells[i] % width)
        for i in range(nc):
            s = flat_tab[cells[i]]
            slots[i] = s
            if s < slot_ptr or s >= old_cap:
                _prefetch(words_new, s, 0)
            else:
                _prefetch(words_old, s, 0)
        q0, q1, q2, q3 = qwords[qi, 0], qwords[qi, 1], qwords[qi, 2], qwords[qi, 3]
        for i in range(nc):
            s = slots[i]
            if s < slot_ptr or s >= old_cap:
                d = _distance(words_new, s, q0, q1, q2, q3)
            else:
                d = _distance(words_old, s, q0, q1, q2, q3)
            if d <= r:
                if k == len(out_q):
                    out_q = _grow(out_q, k + 1)
                    out_s = _grow(out_s, k + 1)
                    out_d = _grow(out_d, k + 1)
                out_q[k] = qi
                out_s[k] = s
                out_d[k] = d
                k += 1
    return out_q[:k], out_s[:k], out_d[:k], sp_q[:ns], sp_k[:ns]


def scratch_size(probes: int, width: int) -> int:
    """Working space `probe` needs: a row holds at most `width` cells, so the probed rows
    hold at most probes * width."""
    return 2 * probes + CHUNKS + 2 * probes * width


@njit(cache=True, nogil=True)
def insert(keys, partners, slot, counts, tab_old, par_old, tab_new, par_new, row_ptr,
           full):
    """Put `slot` into its 16 bucket rows; `full[i]` is set where row keys[i] has no room
    (the caller spills it)."""
    for i in range(len(keys)):
        key = keys[i]
        if key < row_ptr:
            tab, par = tab_new, par_new
        else:
            tab, par = tab_old, par_old
        pos = counts[key]
        if pos < tab.shape[1]:
            tab[key, pos] = slot
            par[key, pos] = partners[i]
            counts[key] = pos + 1
            full[i] = False
        else:
            full[i] = True


@njit(cache=True, nogil=True)
def delete(keys, slot, counts, tab_old, par_old, tab_new, par_new, row_ptr, found):
    """Take `slot` out of its 16 bucket rows (the last cell fills the hole); `found[i]` is
    False where it was not in row keys[i] (so it is in that row's spill)."""
    for i in range(len(keys)):
        key = keys[i]
        if key < row_ptr:
            tab, par = tab_new, par_new
        else:
            tab, par = tab_old, par_old
        n = counts[key]
        found[i] = False
        for j in range(n):
            if tab[key, j] == slot:
                tab[key, j] = tab[key, n - 1]
                par[key, j] = par[key, n - 1]
                counts[key] = n - 1
                found[i] = True
                break


_warm = False


def warm() -> None:
    """Compile (or load from numba's cache) every kernel once per process, on tiny arrays,
    so that no caller's first update or query pays for it."""
    global _warm
    if _warm:
        return
    rows = BUCKETS * CHUNKS
    tab = np.zeros((rows, 1), np.int32)
    par = np.zeros((rows, 1), np.uint16)
    counts = np.zeros(rows, np.int32)
    keys = np.zeros(CHUNKS, np.int64)
    flags = np.zeros(CHUNKS, np.bool_)
    insert(keys, np.zeros(CHUNKS, np.uint16), 0, counts, tab, par, tab, par, rows, flags)
    delete(keys, 0, counts, tab, par, tab, par, rows, flags)
    words = np.zeros((1, 4), np.uint64)
    one = np.zeros((1, 32), np.uint8)
    masks = np.zeros(1, np.int64)
    for q in (one, np.frombuffer(one.tobytes(), np.uint8).reshape(1, 32)):  # and read-only
        probe(q, q.view(np.uint64), masks, masks, 0, 0, tab, par, 0, rows, counts,
              np.zeros(rows, np.bool_), words, words, 1, 1,
              np.zeros(scratch_size(CHUNKS, 1), np.int64))
    _warm = True
