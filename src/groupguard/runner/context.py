"""What every stage and extractor gets: settings, the current unit of work, and
long-lived services (indexes, matchers, the graph) built once per runner."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.store import Database
from groupguard.timeutil import utcnow

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """The most recently used results (hashes, classifier scores), at most `size` of them,
    so media reused across groups and accounts is worked on once."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


@dataclass
class Services:
    """Memoised services shared by all batches of one runner process."""

    settings: Settings
    db: Database
    _cache: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, factory: Callable[[Services], T]) -> T:
        if name not in self._cache:
            self._cache[name] = factory(self)
        return self._cache[name]

    def peek(self, name: str) -> Any | None:
        """The service if it was built already; None otherwise (nothing is built)."""
        return self._cache.get(name)

    def invalidate(self, name: str) -> None:
        self._cache.pop(name, None)


@dataclass
class PipelineContext:
    """One event's processing: the session is the unit of work that also marks the event
    done, so the event's effects and its progress commit together."""

    services: Services
    session: Session
    # Decoded media of the event being processed, by SHA-256; dropped after the event
    # (least exposure: bytes are kept only when preserved as evidence).
    media_bytes: dict[str, bytes] = field(default_factory=dict)
    media_images: dict[str, Any] = field(default_factory=dict)
    # The media fields of the event being processed, hashed (see runner.pipeline.EventMedia).
    event_media: list[Any] = field(default_factory=list)
    # Ids known to exist (runner.state.KnownIds), so events skip redundant upserts.
    known: Any = None
    # Platform time of the event being processed. Enforcement is stamped with it, not the
    # wall clock, so "created 3 hours after the removal" compares like with like, and a
    # replayed or simulated history keeps its own timeline.
    event_ts: datetime | None = None

    def now(self) -> datetime:
        return self.event_ts if self.event_ts is not None else utcnow()

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def service(self, name: str, factory: Callable[[Services], T]) -> T:
        return self.services.get(name, factory)
