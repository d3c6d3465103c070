"""Large index arrays in memory the index maps itself, so that it can give pages back a
step at a time.

Freeing a few hundred MB at once stalls the caller for tens of milliseconds (measured: 27 ms
to unmap 160 MB of touched pages, still 20 ms after `MADV_DONTNEED`), which is what one
update would pay when a grown array replaces the old one. So the index allocates its large
arrays here and, as each step moves rows out of an old array, replaces the pages behind
those rows with an inaccessible reservation (freeing them, 0.1 ms for 64 KB); dropping the
old array at the end then unmaps next to nothing. A stray access to a moved row faults
instead of reading stale data.

Pages are small (no transparent huge pages): a released range would otherwise split a
2 MB page in one step (measured 5.5 ms), and huge pages did not change query speed.
Off Linux, or for small arrays, this falls back to plain numpy and releases nothing.
"""

from __future__ import annotations

import ctypes
import mmap
import sys
import weakref

import numpy as np

_MIN_BYTES = 1 << 20
_PAGE = mmap.PAGESIZE
_MAP_FIXED = 0x10  # Linux values
_MAP_NORESERVE = 0x4000
_PROT_NONE = 0
_NOHUGEPAGE = getattr(mmap, "MADV_NOHUGEPAGE", None)

if sys.platform.startswith("linux"):
    _libc = ctypes.CDLL(None, use_errno=True)
    _libc.mmap.restype = ctypes.c_void_p
    _libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                           ctypes.c_int, ctypes.c_long]
    _libc.munmap.restype = ctypes.c_int
    _libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    _libc.madvise.restype = ctypes.c_int
    _libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
else:  # pragma: no cover - the index then uses numpy's allocator
    _libc = None

_FAILED = ctypes.c_void_p(-1).value
_ANON = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS


class _Region:
    """One anonymous mapping; unmapped when the last array over it is gone."""

    def __init__(self, nbytes: int):
        addr = _libc.mmap(None, nbytes, mmap.PROT_READ | mmap.PROT_WRITE, _ANON, -1, 0)
        if addr is None or addr == _FAILED:
            raise MemoryError(f"cannot map {nbytes:,} bytes for the index "
                              f"(errno {ctypes.get_errno()})")
        self.addr, self.nbytes = addr, nbytes
        self.released_to = 0
        if _NOHUGEPAGE is not None:
            _libc.madvise(addr, nbytes, _NOHUGEPAGE)
        weakref.finalize(self, _libc.munmap, addr, nbytes)

    def release(self, start: int, end: int) -> None:
        """Free the whole pages inside bytes start..end-1, keeping the addresses reserved."""
        start = -(-start // _PAGE) * _PAGE
        end = end // _PAGE * _PAGE
        if end <= start:
            return
        flags = _ANON | _MAP_FIXED | _MAP_NORESERVE
        got = _libc.mmap(self.addr + start, end - start, _PROT_NONE, flags, -1, 0)
        if got != self.addr + start:
            raise MemoryError(f"cannot release index pages (errno {ctypes.get_errno()})")


def zeros(shape: tuple[int, ...], dtype) -> np.ndarray:
    """A zeroed array whose pages the OS supplies on first touch (so a large one costs
    nothing up front) and whose rows `release_rows` can give back."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if _libc is None or nbytes < _MIN_BYTES:
        return np.zeros(shape, dtype=dtype)
    region = _Region(nbytes)
    # A Python subclass of the ctypes array can carry the region, so the mapping lives
    # exactly as long as any numpy view over it.
    buffer_type = type("MappedBytes", (ctypes.c_char * nbytes,), {})
    buffer = buffer_type.from_address(region.addr)
    buffer.region = region
    return np.frombuffer(buffer, dtype=dtype).reshape(shape)


def _region_of(array: np.ndarray) -> _Region | None:
    base = array
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return getattr(base, "region", None)


def release_prefix(array: np.ndarray, rows: int) -> None:
    """Give back the memory of rows 0..rows-1 (first axis) of an array from `zeros`, as far
    as whole pages allow; a page shared with a later row goes with a later call. The caller
    promises never to touch those rows again."""
    region = _region_of(array)
    if region is None:
        return
    end = array.ctypes.data - region.addr + rows * array.strides[0]
    if rows >= len(array):
        end = region.nbytes
    region.release(region.released_to, end)
    region.released_to = max(region.released_to, end // _PAGE * _PAGE)
