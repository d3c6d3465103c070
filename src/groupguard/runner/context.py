"""What every stage and extractor gets: settings, the current unit of work, and
long-lived services (indexes, matchers, the graph) built once per runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.store import Database
from groupguard.timeutil import utcnow

T = TypeVar("T")


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
