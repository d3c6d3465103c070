"""Video bank entries (vPDQ) with an index over their frames.

Meta's vPDQ rule compares two videos frame by frame: the share of one side's distinct
good-quality frames that have a partner within the distance on the other side. Doing that
against every video in a bank costs (query frames x bank frames) per upload. But a video
can only match if at least one of its frames has a partner, so the frames of every entry go
into a Hamming index, and the full comparison runs only for the entries a query frame
reaches. Exact: no entry that could match is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from groupguard.index import HammingIndex
from groupguard.signals.vpdq import VpdqFrame


class VideoEntries:
    """entry id -> (bank, frames), plus the frame index. `min_quality` must be the floor the
    comparison applies: frames below it never count, so they are not indexed."""

    def __init__(self, min_quality: int):
        self.min_quality = min_quality
        self._entries: dict[int, tuple[str, list[VpdqFrame]]] = {}
        self._frames = HammingIndex()
        self._owner: dict[int, int] = {}  # frame id -> entry id
        self._frame_ids: dict[int, list[int]] = {}
        self._next_frame_id = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    def items(self) -> Iterator[tuple[int, tuple[str, list[VpdqFrame]]]]:
        return iter(self._entries.items())

    def add(self, entry_id: int, bank: str, frames: list[VpdqFrame]) -> None:
        """Add or replace an entry."""
        self.remove(entry_id)
        self._entries[entry_id] = (bank, frames)
        distinct = self._good_hashes(frames)
        ids = list(range(self._next_frame_id, self._next_frame_id + len(distinct)))
        self._next_frame_id += len(distinct)
        if ids:
            self._frames.add_many(ids, distinct)
        self._frame_ids[entry_id] = ids
        self._owner.update(dict.fromkeys(ids, entry_id))

    def _good_hashes(self, frames: Iterable[VpdqFrame]) -> list[str]:
        """Distinct hashes of the frames the comparison counts (quality >= the floor)."""
        return list(dict.fromkeys(f.pdq for f in frames if f.quality >= self.min_quality))

    def setdefault(self, entry_id: int, bank: str, frames: list[VpdqFrame]) -> None:
        if entry_id not in self._entries:
            self.add(entry_id, bank, frames)

    def remove(self, entry_id: int) -> bool:
        if self._entries.pop(entry_id, None) is None:
            return False
        for frame_id in self._frame_ids.pop(entry_id, []):
            self._frames.remove(frame_id)
            del self._owner[frame_id]
        return True

    def candidates(self, frames: Iterable[VpdqFrame], radius: int
                   ) -> Iterator[tuple[int, tuple[str, list[VpdqFrame]]]]:
        """The entries (in the order they were added) that one of `frames` reaches, each
        with its bank and frames: the only ones that can match within `radius`."""
        distinct = self._good_hashes(frames)
        if not distinct or not self._entries:
            return iter(())
        hit = {self._owner[frame_id]
               for found in self._frames.query_many(distinct, radius)
               for frame_id, _ in found}
        return ((entry_id, value) for entry_id, value in self._entries.items()
                if entry_id in hit)
