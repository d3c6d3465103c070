"""Risk: every signal about a subject combined into one score in [0, 1], with the
contribution of each signal kept so a reviewer or an appeal can read why.

How signals combine:
- each kind has a weight (how much a full-strength signal of it says on its own);
- the same evidence said twice (a signal re-emitted as a group grows, the same icon scored
  again) counts once, at its strongest;
- within a family, further signals add with diminishing returns (ten text hits are not ten
  times one) and a family's total is capped below certainty: no soft family alone reaches
  the scores that hard evidence reaches;
- contributions are scaled to add up to the score, so each one reads as its share;
- across families, evidence combines as independent (1 - prod(1 - f)), plus a bonus when
  two or more independent families each say something substantial: a recreated group
  whose icon also scores high is far likelier than either signal alone suggests;
- role-aware: a signal about an account carries its role in the evidence
  (`details["actor_role"]`): whoever set an icon or a name, created or ran a group carries
  it fully; a plain member carries a fraction, unless other evidence says more.

Defaults follow the precision principle: soft signals rank review; only `hard` evidence
(an exact digest match, a confirmed perceptual match) may act, through a policy rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from groupguard.signals.base import Signal, Subject

# How much a full-strength signal of each family says on its own.
FAMILY_WEIGHTS: dict[str, float] = {
    "hash": 0.95,
    "classifier": 0.5,
    "text": 0.45,
    "graph": 0.5,
    "report": 0.3,
}
DEFAULT_WEIGHT = 0.3

# Kinds that say more, or less, than their family's default.
KIND_WEIGHTS: dict[str, float] = {
    "hash.exact": 1.0,
    "hash.md5": 1.0,
    "hash.sha256": 1.0,
    "hash.pdq": 0.8,
    "hash.vpdq": 0.8,
    "text.solicitation": 0.15,  # indicators only count alongside other evidence
    "graph.recreated": 0.55,
    "graph.removed_overlap": 0.45,
    "graph.invite_from_removed": 0.45,
    "graph.ban_evasion": 0.5,
}

# The most one soft family can add up to, however many signals it has.
FAMILY_CAPS: dict[str, float] = {
    "hash": 1.0,
    "classifier": 0.6,
    "text": 0.6,
    "graph": 0.75,
    "report": 0.5,
}
DEFAULT_CAP = 0.5

DECAY = 0.5  # each further signal of a family counts half the one before it

# Families that observe different things; agreement between them earns the bonus.
INDEPENDENT = ("hash", "classifier", "text", "graph", "report")
BONUS_FLOOR = 0.2  # a family "says something substantial" from this value
BONUS = 0.25  # share of the remaining doubt removed per extra agreeing family
BONUS_MAX_FAMILIES = 3

ROLE_FACTORS: dict[str, float] = {
    "setter": 1.0,
    "icon_setter": 1.0,
    "creator": 1.0,
    "admin": 0.9,
    "member": 0.3,
}


@dataclass
class Contribution:
    kind: str
    value: float
    reason: str
    strength: float = 0.0
    hard: bool = False


@dataclass
class Risk:
    score: float
    contributions: list[Contribution] = field(default_factory=list)
    families: dict[str, float] = field(default_factory=dict)
    hard: bool = False  # any hard-to-forge evidence among the signals

    def explain(self, limit: int = 5) -> str:
        top = sorted(self.contributions, key=lambda c: c.value, reverse=True)[:limit]
        parts = [f"{c.kind} ({c.value:.2f}): {c.reason}" for c in top]
        return f"risk {self.score:.2f}" + ("; " + "; ".join(parts) if parts else "")

    def family(self, name: str) -> float:
        return self.families.get(name, 0.0)


def weight_of(kind: str) -> float:
    return KIND_WEIGHTS.get(kind, FAMILY_WEIGHTS.get(kind.split(".", 1)[0], DEFAULT_WEIGHT))


def _evidence_key(s: Signal) -> tuple[str, str, str]:
    """What a signal is about, so that the same evidence said twice counts once."""
    d = s.details or {}
    what = s.sha256 or d.get("source_group") or d.get("banned_account") or d.get("term") \
        or s.reason
    return str(s.subject), s.kind, str(what)


def _role_factor(s: Signal) -> float:
    if s.subject.type != "account":
        return 1.0
    role = (s.details or {}).get("actor_role") or (s.details or {}).get("role")
    return ROLE_FACTORS.get(str(role), 1.0) if role else 1.0


def combine(signals: Iterable[Signal], *, subject: Subject | None = None) -> Risk:
    """Risk of one subject from its signals (those of other subjects are ignored when
    `subject` is given)."""
    strongest: dict[tuple[str, str, str], Signal] = {}
    for s in signals:
        if subject is not None and s.subject != subject:
            continue
        key = _evidence_key(s)
        if key not in strongest or s.strength > strongest[key].strength:
            strongest[key] = s
    by_family: dict[str, list[tuple[float, Signal]]] = defaultdict(list)
    for s in strongest.values():
        value = weight_of(s.kind) * max(0.0, min(1.0, s.strength)) * _role_factor(s)
        by_family[s.family].append((value, s))

    contributions: list[Contribution] = []
    families: dict[str, float] = {}
    for family, items in by_family.items():
        cap = FAMILY_CAPS.get(family, DEFAULT_CAP)
        total, factor = 0.0, 1.0
        for value, s in sorted(items, key=lambda x: x[0], reverse=True):
            v = min(value * factor, max(0.0, cap - total))
            total += v
            factor *= DECAY
            contributions.append(Contribution(s.kind, v, s.reason, s.strength, s.hard))
        families[family] = total

    miss = 1.0
    for value in families.values():
        miss *= 1.0 - value
    score = 1.0 - miss
    # Families overlap in what they explain (noisy-OR); scale the parts so that the
    # contributions a reviewer reads add up to the score.
    total = sum(families.values())
    if total > 0:
        for c in contributions:
            c.value *= score / total
    agreeing = sorted(f for f in INDEPENDENT if families.get(f, 0.0) >= BONUS_FLOOR)
    if len(agreeing) >= 2:
        extra = min(len(agreeing), BONUS_MAX_FAMILIES) - 1
        bonus = (1.0 - score) * (1.0 - (1.0 - BONUS) ** extra)
        score += bonus
        contributions.append(Contribution(
            "combination", bonus,
            f"{len(agreeing)} independent signal families agree: {', '.join(agreeing)}"))
    hard = any(s.hard for s in strongest.values())
    return Risk(score=min(1.0, score), contributions=contributions, families=families,
                hard=hard)
