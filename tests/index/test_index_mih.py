"""The Hamming index against brute force: every entry within the radius, nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from groupguard.errors import InvalidHashError
from groupguard.index import HammingIndex, mih
from groupguard.index.persist import Journal, load, save


def _flip(raw: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    out = raw.copy()
    for bit in rng.choice(256, k, replace=False):
        out[bit // 8] ^= 1 << (bit % 8)
    return out


def _brute(words: dict[int, bytes], query: bytes, r: int) -> list[tuple[int, int]]:
    q = int.from_bytes(query, "big")
    hits = [(i, (int.from_bytes(w, "big") ^ q).bit_count()) for i, w in words.items()]
    return sorted((i, d) for i, d in hits if d <= r)


@pytest.fixture
def planted():
    """2000 random hashes plus, around 20 queries, neighbours at distances 0..40."""
    rng = np.random.default_rng(7)
    base = rng.integers(0, 256, (2000, 32), dtype=np.uint8)
    entries = {i: base[i].tobytes() for i in range(len(base))}
    queries = rng.integers(0, 256, (20, 32), dtype=np.uint8)
    next_id = len(base)
    for q in queries:
        for k in (0, 1, 2, 15, 16, 17, 30, 31, 32, 33, 40):
            entries[next_id] = _flip(q, k, rng).tobytes()
            next_id += 1
    return entries, [q.tobytes() for q in queries]


@pytest.mark.parametrize("radius", [0, 1, 15, 31, 40, 47, 70])
def test_radius_search_equals_brute_force(planted, radius):
    entries, queries = planted
    index = HammingIndex()
    index.add_many(list(entries), [w.hex() for w in entries.values()])
    for q in queries:
        assert sorted(index.query(q.hex(), radius)) == _brute(entries, q, radius)
    batch = index.query_many([q.hex() for q in queries], radius)
    assert [sorted(b) for b in batch] == [_brute(entries, q, radius) for q in queries]


def test_default_radius_is_31_and_results_are_nearest_first(planted):
    entries, queries = planted
    index = HammingIndex()
    for i, w in entries.items():
        index.add(i, w)
    got = index.query(queries[0])
    assert [d for _, d in got] == sorted(d for _, d in got)
    assert max(d for _, d in got) == 31
    assert sorted(got) == _brute(entries, queries[0], 31)


def test_empty_and_single_entry_indexes_survive_save_and_load(tmp_path):
    h = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    empty = HammingIndex()
    assert empty.query(h) == [] and empty.query_many([h]) == [[]]
    save(empty, tmp_path / "empty")
    again, state = load(tmp_path / "empty")
    assert len(again) == 0 and again.query(h) == [] and state == {}

    one = HammingIndex()
    one.add(42, h)
    save(one, tmp_path / "one", state={"cursor": 9})
    again, state = load(tmp_path / "one")
    assert state == {"cursor": 9}
    assert again.query(h) == [(42, 0)]
    assert again.query_many([h]) == [[(42, 0)]]


def test_add_remove_and_replace_are_incremental(planted):
    entries, queries = planted
    index = HammingIndex()
    index.add_many(list(entries), [w for w in entries.values()] and
                   np.frombuffer(b"".join(entries.values()), np.uint8).reshape(-1, 32))
    near = [i for i, _ in index.query(queries[3])]
    assert near
    assert index.remove(near[0]) is True
    assert index.remove(near[0]) is False
    assert near[0] not in {i for i, _ in index.query(queries[3])}
    # Replacing an id moves it: the old hash no longer answers for it.
    index.add(near[1], queries[5])
    assert (near[1], 0) in index.query(queries[5])
    assert near[1] not in {i for i, _ in index.query(queries[3], 0)}
    assert len(index) == len(entries) - 1
    del entries[near[0]]
    entries[near[1]] = queries[5]
    for q in queries:
        assert sorted(index.query(q)) == _brute(entries, q, 31)


def test_crowded_buckets_spill_and_stay_exact():
    """Skewed data (many hashes sharing chunks) overflows the bucket rows."""
    rng = np.random.default_rng(3)
    prefix = bytes(16)
    entries = {i: prefix + rng.integers(0, 256, 16, dtype=np.uint8).tobytes()
               for i in range(300)}
    index = HammingIndex(width=8)
    for i, w in entries.items():
        index.add(i, w)
    assert index._overflow
    q = prefix + bytes(16)
    assert sorted(index.query(q, 31)) == _brute(entries, q, 31)
    assert [sorted(x) for x in index.query_many([q.hex()], 31)] == [_brute(entries, q, 31)]
    for i in range(0, 300, 2):
        assert index.remove(i)
        del entries[i]
    assert sorted(index.query(q, 40)) == _brute(entries, q, 40)


def test_rows_widen_as_the_index_grows():
    rng = np.random.default_rng(5)
    index = HammingIndex()
    start = index.width
    raw = rng.integers(0, 256, (100_000, 32), dtype=np.uint8)
    index.add_many(np.arange(len(raw)), raw)
    assert index.width > start
    q = raw[123].tobytes()
    assert (123, 0) in index.query(q)


def test_complement_is_not_an_exact_match():
    h = bytes(range(32))
    comp = bytes(255 - b for b in h)
    index = HammingIndex()
    index.add(1, comp)
    assert index.query(h, 47) == []
    assert index.query(h, 256) == [(1, 256)]


@pytest.mark.parametrize("bad", ["abc", "zz" * 32, "f" * 63, "f" * 65, ""])
def test_bad_hashes_raise_invalid_hash_error(bad):
    index = HammingIndex()
    with pytest.raises(InvalidHashError):
        index.add(1, bad)
    with pytest.raises(InvalidHashError):
        index.query(bad)


def test_journal_replays_updates_and_ignores_a_torn_record(tmp_path, planted):
    entries, queries = planted
    index = HammingIndex()
    save(index, tmp_path / "snap")
    journal = Journal(tmp_path / "journal.bin")
    for i, w in list(entries.items())[:50]:
        index.add(i, w)
        journal.add(i, w)
    index.remove(3)
    journal.remove(3)
    journal.flush()
    with (tmp_path / "journal.bin").open("ab") as fh:
        fh.write(b"a\x01\x02")  # a crash mid-record
    again, _ = load(tmp_path / "snap")
    assert Journal(tmp_path / "journal.bin").replay(again) == 51
    assert sorted(again.ids().tolist()) == sorted(index.ids().tolist())
    w = entries[7]
    assert again.query(w) == index.query(w)


def test_growth_moves_in_steps_and_stays_exact_throughout(monkeypatch):
    """Single adds past every capacity (hash slots, id map, row width) start moves that
    finish over later updates; queries mid-move must still equal brute force."""
    # Small steps and early widening, so that every kind of move happens at this size.
    monkeypatch.setattr(mih, "_STEP_BYTES", 16 * 1024)
    monkeypatch.setattr(mih, "_width_for", lambda n: 8 if n < 1000 else 16 if n < 3000 else 24)
    rng = np.random.default_rng(11)
    index = HammingIndex(capacity=16, width=8)
    entries: dict[int, bytes] = {}
    centre = rng.integers(0, 256, 32, dtype=np.uint8)
    seen_moving = {"words": False, "ids": False, "rows": False}
    next_id = 0
    for step in range(6000):
        if step % 7 == 3 and entries:
            victim = list(entries)[int(rng.integers(len(entries)))]
            assert index.remove(victim)
            del entries[victim]
        else:
            # Every fifth hash sits near the centre so queries have answers; ids jump now
            # and then so the id map grows too.
            raw = (_flip(centre, int(rng.integers(0, 40)), rng) if step % 5 == 0
                   else rng.integers(0, 256, 32, dtype=np.uint8))
            next_id += 1 if step % 97 else 5000
            index.add(next_id, raw.tobytes())
            entries[next_id] = raw.tobytes()
        seen_moving["words"] |= index._words.moving
        seen_moving["ids"] |= index._slot_of.moving
        seen_moving["rows"] |= index._widening
        if step % 250 == 0 or index._widening and step % 50 == 0:
            for r in (8, 31, 40):
                assert sorted(index.query(centre.tobytes(), r)) == _brute(
                    entries, centre.tobytes(), r)
            assert [sorted(x) for x in index.query_many([centre.tobytes()])] == [
                _brute(entries, centre.tobytes(), 31)]
    assert all(seen_moving.values()), seen_moving
    assert index.width == 24
    assert len(index) == len(entries)
    some = list(entries)[::50]
    for i in some:
        assert index.hash_of(i) == entries[i].hex()
    assert sorted(index.ids().tolist()) == sorted(entries)
    assert sorted(index.query(centre.tobytes(), 47)) == _brute(entries, centre.tobytes(), 47)


def test_a_snapshot_taken_mid_move_loads_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(mih, "_width_for", lambda n: 8 if n < 500 else 16)
    rng = np.random.default_rng(12)
    index = HammingIndex(capacity=16, width=8)
    raws = rng.integers(0, 256, (700, 32), dtype=np.uint8)
    for i, raw in enumerate(raws):
        index.add(i, raw.tobytes())
        if index._widening:
            break
    assert index._widening
    save(index, tmp_path / "snap")
    again, _ = load(tmp_path / "snap")
    for i in range(0, len(again), 37):
        assert again.query(raws[i].tobytes(), 0) == [(i, 0)]


def test_queries_from_another_thread_during_moves_stay_exact(monkeypatch):
    """Every array mapped by the index itself (so moved rows really are given back) and
    small steps: a reader thread querying while the writer grows the index must neither
    crash nor see a partial state."""
    import threading

    from groupguard.index import memory

    monkeypatch.setattr(memory, "_MIN_BYTES", 0)
    monkeypatch.setattr(mih, "_STEP_BYTES", 4096)
    rng = np.random.default_rng(21)
    centre = rng.integers(0, 256, 32, dtype=np.uint8)
    near = [_flip(centre, k, rng).tobytes() for k in (0, 3, 9, 20, 31)]
    index = HammingIndex(capacity=16, width=8)
    for i, raw in enumerate(near):
        index.add(i, raw)
    expected = _brute(dict(enumerate(near)), centre.tobytes(), 31)
    stop = threading.Event()
    errors: list[object] = []

    def reader():
        while not stop.is_set():
            got = sorted(index.query(centre.tobytes()))
            if got != expected:
                errors.append(got)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(len(near), 5000):  # far hashes only: the answer must not change
            index.add(i, _flip(centre, 128, rng).tobytes())
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert sorted(index.query(centre.tobytes())) == expected


def test_released_rows_leave_the_rest_intact(monkeypatch):
    from groupguard.index import memory

    monkeypatch.setattr(memory, "_MIN_BYTES", 0)
    arr = memory.zeros((100_000, 4), np.uint64)
    arr[:] = np.arange(400_000, dtype=np.uint64).reshape(-1, 4)
    memory.release_prefix(arr, 50_000)
    region = memory._region_of(arr)
    assert region is not None
    assert region.released_to == 50_000 * 32 // memory._PAGE * memory._PAGE
    assert int(arr[50_000, 0]) == 200_000 and int(arr[-1, 3]) == 399_999
