"""A sparse adjacency that takes updates: a CSR base plus a small delta, merged now and then.

Rows are one side of the membership graph (groups, or accounts), columns the other.
Each edge carries a state byte (role, and whether the membership has ended) and, when
asked for, a join time. In-place changes to base edges (role change, leaving) write the
state array directly; new edges go to the delta until it grows past a share of the base,
then one merge rebuilds the CSR (amortised O(1) per insertion).
"""

from __future__ import annotations

import numpy as np

MEMBER, ADMIN, CREATOR = 0, 1, 2
FORMER = 4  # bit set when the membership ended; the edge stays for history


def is_active(state: np.ndarray | int) -> np.ndarray | bool:
    return np.asarray(state) < FORMER


def role_of(state: np.ndarray | int) -> np.ndarray | int:
    return np.asarray(state) & 3


class Adjacency:
    def __init__(
        self,
        indptr: np.ndarray | None = None,
        indices: np.ndarray | None = None,
        state: np.ndarray | None = None,
        times: np.ndarray | None = None,
        *,
        with_times: bool = False,
        merge_ratio: float = 0.05,
        merge_min: int = 200_000,
    ):
        self.indptr = np.zeros(1, np.int64) if indptr is None else indptr
        self.indices = np.zeros(0, np.int32) if indices is None else indices
        self.state = np.zeros(0, np.int8) if state is None else state
        self.with_times = with_times or times is not None
        if self.with_times:
            self.times = np.zeros(len(self.indices), np.uint32) if times is None else times
        else:
            self.times = None
        # row -> {col: [state, time]}; only edges not in the base.
        self.delta: dict[int, dict[int, list[int]]] = {}
        self.delta_size = 0
        self.merge_ratio = merge_ratio
        self.merge_min = merge_min

    @classmethod
    def from_coo(
        cls,
        rows: np.ndarray,
        cols: np.ndarray,
        state: np.ndarray,
        n_rows: int,
        times: np.ndarray | None = None,
        **kwargs: object,
    ) -> Adjacency:
        """Build from edge lists. A repeated (row, col) keeps one of its occurrences:
        loads come from a table keyed by (group, account), merges never repeat an edge."""
        rows = np.asarray(rows, np.int64)
        cols = np.asarray(cols, np.int64)
        # One int64 key and one unstable sort: a fraction of a lexsort's time and memory
        # at 100M edges.
        width = int(cols.max()) + 1 if len(cols) else 1
        key = rows * width + cols
        if len(key) < 2 or bool(np.all(key[1:] >= key[:-1])):
            order = np.arange(len(key))  # already in order (a table scan by key, a merge)
        else:
            order = np.argsort(key)
            key = key[order]
        keep = np.ones(len(key), bool)
        if len(key) > 1:
            keep[1:] = key[1:] != key[:-1]
        order = order[keep]
        del key, keep
        r = rows[order]
        indptr = np.zeros(n_rows + 1, np.int64)
        np.cumsum(np.bincount(r, minlength=n_rows), out=indptr[1:])
        del r
        indices = cols[order].astype(np.int32)
        st = np.asarray(state, np.int8)[order]
        tm = None if times is None else np.asarray(times, np.uint32)[order]
        return cls(indptr, indices, st, tm, with_times=times is not None, **kwargs)  # type: ignore[arg-type]

    # -- reading -------------------------------------------------------------------------

    @property
    def base_rows(self) -> int:
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        return len(self.indices) + self.delta_size

    def _base_span(self, row: int) -> tuple[int, int]:
        if row >= self.base_rows:
            return 0, 0
        return int(self.indptr[row]), int(self.indptr[row + 1])

    def _find_base(self, row: int, col: int) -> int:
        lo, hi = self._base_span(row)
        if lo == hi:
            return -1
        pos = lo + int(np.searchsorted(self.indices[lo:hi], col))
        return pos if pos < hi and self.indices[pos] == col else -1

    def get(self, row: int, col: int) -> tuple[int, int] | None:
        """(state, time) of an edge, or None."""
        pos = self._find_base(row, col)
        if pos >= 0:
            t = int(self.times[pos]) if self.times is not None else 0
            return int(self.state[pos]), t
        d = self.delta.get(row)
        if d is not None and col in d:
            s, t = d[col]
            return s, t
        return None

    def row(self, row: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cols, states, times) of every edge of a row, ended ones included."""
        lo, hi = self._base_span(row)
        cols = self.indices[lo:hi]
        states = self.state[lo:hi]
        times = self.times[lo:hi] if self.times is not None else np.zeros(hi - lo, np.uint32)
        d = self.delta.get(row)
        if d:
            dc = np.fromiter(d.keys(), np.int32, len(d))
            dv = np.array(list(d.values()), np.int64).reshape(-1, 2)
            cols = np.concatenate([cols, dc])
            states = np.concatenate([states, dv[:, 0].astype(np.int8)])
            times = np.concatenate([times, dv[:, 1].astype(np.uint32)])
        return cols, states, times

    def rows_concat(
        self, rows: np.ndarray, *, with_times: bool = False
    ) -> tuple[np.ndarray, ...]:
        """Edges of many rows at once: (row of each edge, col, state[, time]), vectorised
        over the base so that a removal touching thousands of accounts stays in numpy."""
        rows = np.asarray(rows, np.int64)
        in_base = rows[rows < self.base_rows]
        starts = self.indptr[in_base]
        lens = self.indptr[in_base + 1] - starts
        total = int(lens.sum())
        offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens)
        idx = offsets + np.arange(total, dtype=np.int64)
        out_rows = [np.repeat(in_base, lens)]
        out_cols = [self.indices[idx].astype(np.int64)]
        out_state = [self.state[idx]]
        out_times = [self.times[idx] if self.times is not None else np.zeros(total, np.uint32)]
        for r in rows.tolist():
            d = self.delta.get(r)
            if d:
                out_rows.append(np.full(len(d), r, np.int64))
                out_cols.append(np.fromiter(d.keys(), np.int64, len(d)))
                out_state.append(np.fromiter((v[0] for v in d.values()), np.int8, len(d)))
                out_times.append(np.fromiter((v[1] for v in d.values()), np.uint32, len(d)))
        out = (np.concatenate(out_rows), np.concatenate(out_cols), np.concatenate(out_state))
        return (*out, np.concatenate(out_times)) if with_times else out

    # -- writing -------------------------------------------------------------------------

    def set(self, row: int, col: int, state: int, time: int | None = None) -> int | None:
        """Insert or update an edge; returns the previous state (None if new)."""
        pos = self._find_base(row, col)
        if pos >= 0:
            prev = int(self.state[pos])
            self.state[pos] = state
            if time is not None and self.times is not None:
                self.times[pos] = time
            return prev
        d = self.delta.setdefault(row, {})
        old = d.get(col)
        if old is not None:
            prev = int(old[0])
            old[0] = state
            if time is not None:
                old[1] = time
            return prev
        d[col] = [state, 0 if time is None else int(time)]
        self.delta_size += 1
        if self.delta_size > max(self.merge_min, self.merge_ratio * len(self.indices)):
            self.merge()
        return None

    def merge(self) -> None:
        """Fold the delta into the CSR base."""
        if not self.delta_size:
            return
        n_rows = max(self.base_rows, max(self.delta) + 1)
        d_rows = np.fromiter(
            (r for r, d in self.delta.items() for _ in d), np.int64, self.delta_size
        )
        d_cols = np.fromiter((c for d in self.delta.values() for c in d), np.int64,
                             self.delta_size)
        d_vals = np.array([v for d in self.delta.values() for v in d.values()], np.int64)
        b_rows = np.repeat(np.arange(self.base_rows, dtype=np.int64), np.diff(self.indptr))
        rows = np.concatenate([b_rows, d_rows])
        cols = np.concatenate([self.indices.astype(np.int64), d_cols])
        state = np.concatenate([self.state, d_vals[:, 0].astype(np.int8)])
        times = None
        if self.times is not None:
            times = np.concatenate([self.times, d_vals[:, 1].astype(np.uint32)])
        built = Adjacency.from_coo(rows, cols, state, n_rows, times)
        self.indptr, self.indices, self.state, self.times = (
            built.indptr, built.indices, built.state, built.times)
        self.delta = {}
        self.delta_size = 0

    def nbytes(self) -> int:
        n = self.indptr.nbytes + self.indices.nbytes + self.state.nbytes
        if self.times is not None:
            n += self.times.nbytes
        return n + self.delta_size * 200  # rough size of a dict entry and its list
