"""Risk: every signal about a subject combined into one score in [0, 1], with the
contribution of each signal kept so a reviewer or an appeal can read why.

Within a family, signals add with diminishing returns (ten text hits are not ten times one);
across independent families they combine as independent evidence: 1 - prod(1 - f).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from groupguard.signals.base import Signal

# How much a full-strength signal of each family says on its own.
FAMILY_WEIGHTS: dict[str, float] = {
    "hash": 0.95,
    "classifier": 0.5,
    "text": 0.45,
    "graph": 0.5,
    "report": 0.3,
}
DEFAULT_WEIGHT = 0.3


@dataclass
class Contribution:
    kind: str
    value: float
    reason: str


@dataclass
class Risk:
    score: float
    contributions: list[Contribution] = field(default_factory=list)
    families: dict[str, float] = field(default_factory=dict)

    def explain(self, limit: int = 5) -> str:
        top = sorted(self.contributions, key=lambda c: c.value, reverse=True)[:limit]
        parts = [f"{c.kind} ({c.value:.2f}): {c.reason}" for c in top]
        return f"risk {self.score:.2f}" + ("; " + "; ".join(parts) if parts else "")


def combine(signals: list[Signal]) -> Risk:
    by_family: dict[str, list[Signal]] = defaultdict(list)
    for s in signals:
        by_family[s.family].append(s)
    contributions: list[Contribution] = []
    families: dict[str, float] = {}
    for family, items in by_family.items():
        weight = FAMILY_WEIGHTS.get(family, DEFAULT_WEIGHT)
        remaining = 1.0
        for s in sorted(items, key=lambda x: x.strength, reverse=True):
            value = weight * max(0.0, min(1.0, s.strength)) * remaining
            contributions.append(Contribution(s.kind, value, s.reason))
            remaining *= 0.5  # diminishing returns inside a family
        families[family] = min(1.0, sum(c.value for c in contributions if _fam(c) == family))
    miss = 1.0
    for value in families.values():
        miss *= 1.0 - value
    return Risk(score=1.0 - miss, contributions=contributions, families=families)


def _fam(c: Contribution) -> str:
    return c.kind.split(".", 1)[0]
