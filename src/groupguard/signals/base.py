"""The signal seam. A signal is something observed about a group or an account, with a
strength in [0, 1], whether it is hard-to-forge evidence, and a reason in words.

Extractors turn one stored event (and its decoded media) into signals; they are listed in
`signals.registry.EXTRACTORS`, so a new signal family is one new module and one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from groupguard.runner.context import PipelineContext

SubjectType = Literal["group", "account"]


@dataclass(frozen=True)
class Subject:
    type: SubjectType
    id: str

    def __str__(self) -> str:
        return f"{self.type}:{self.id}"


@dataclass
class Signal:
    """Kinds are dotted families: hash.exact, hash.pdq, text.term, text.solicitation,
    classifier.explicit, graph.removed_overlap, graph.recreated, graph.invite_from_removed,
    graph.ban_evasion, report.user. `hard` marks evidence that may act on its own."""

    subject: Subject
    kind: str
    strength: float
    reason: str
    hard: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    sha256: str | None = None
    event_id: str | None = None

    @property
    def family(self) -> str:
        return self.kind.split(".", 1)[0]


@dataclass(frozen=True)
class Enforcement:
    """An enforcement the pipeline applied (group removed, account banned), which other
    extractors may propagate to related subjects."""

    kind: str  # remove_group | ban_account
    subject: Subject
    reason: str


class Extractor(Protocol):
    name: str

    def on_event(self, ctx: PipelineContext, event: Any) -> list[Signal]:
        """Signals caused by one event; the event's state change is already applied."""
        ...

    def on_enforcement(self, ctx: PipelineContext, enforcement: Enforcement) -> list[Signal]:
        """Signals about other subjects caused by an enforcement (propagation)."""
        ...
