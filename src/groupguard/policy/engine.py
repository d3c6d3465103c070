"""Policy: rules in a YAML file, conditions as CEL expressions over a subject's facts.

Every decision names the rule that fired and the signals behind it, in words.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import cel
import yaml

from groupguard.errors import PolicyError
from groupguard.policy.risk import Risk, combine
from groupguard.signals.base import Signal, Subject

if TYPE_CHECKING:
    from groupguard.review.reporters import TrackRecords

DEFAULT_POLICY = Path(__file__).with_name("default.yaml")
FAMILIES = ("hash", "classifier", "text", "graph", "report")
Outcome = Literal["act", "review", "triage", "none"]
OUTCOMES = ("act", "review", "triage", "none")


@dataclass(frozen=True)
class Rule:
    name: str
    when: str
    outcome: Outcome
    severity: int = 3
    description: str = ""
    applies_to: tuple[str, ...] = ("group", "account")
    program: Any = field(default=None, compare=False, repr=False)


@dataclass
class Verdict:
    subject: Subject
    outcome: Outcome
    rule: str | None
    severity: int
    risk: Risk
    signals: list[Signal]
    explanation: str
    # Queue order within a severity: a report-triage item carries its reporters'
    # reliability (reliable reporters' notices first), anything else its risk.
    priority: float = 0.0


def _load_rule(raw: dict[str, Any], index: int) -> Rule:
    name = raw.get("name") or f"rule-{index}"
    for key in ("when", "outcome"):
        if key not in raw:
            raise PolicyError(f"rule {name!r}: missing {key!r}")
    if raw["outcome"] not in OUTCOMES:
        raise PolicyError(f"rule {name!r}: outcome must be act, review, triage or none")
    try:
        program = cel.compile(str(raw["when"]))
    except ValueError as exc:
        raise PolicyError(f"rule {name!r}: invalid CEL in 'when': {exc}") from exc
    applies = raw.get("applies_to", ["group", "account"])
    return Rule(
        name=name,
        when=str(raw["when"]),
        outcome=raw["outcome"],
        severity=int(raw.get("severity", 3)),
        description=str(raw.get("description", "")).strip(),
        applies_to=tuple(applies),
        program=program,
    )


class Policy:
    def __init__(self, rules: list[Rule], source: str):
        self.rules = rules
        self.source = source

    @classmethod
    def load(cls, path: Path | None = None) -> Policy:
        path = path or DEFAULT_POLICY
        try:
            doc = yaml.safe_load(Path(path).read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise PolicyError(f"cannot read policy {path}: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
            raise PolicyError(f"policy {path} needs a 'rules' list")
        rules = [_load_rule(r, i) for i, r in enumerate(doc["rules"], start=1)]
        # Evaluate every rule once on empty facts so that unknown names fail at load time.
        empty = facts_for(Subject("group", "-"), [], combine([]))
        for rule in rules:
            try:
                rule.program.execute(empty)
            except RuntimeError as exc:
                raise PolicyError(f"rule {rule.name!r}: {exc}") from exc
        return cls(rules, str(path))

    def decide(self, subject: Subject, signals: list[Signal], *,
               reporter_records: TrackRecords | None = None) -> Verdict:
        """`reporter_records`: the track records of the subject's reporters
        (review.reporters.records_for_signals, one query); without them every reporter
        counts as new."""
        risk = combine(signals)
        facts = facts_for(subject, signals, risk, reporter_records)
        for rule in self.rules:
            if subject.type not in rule.applies_to:
                continue
            try:
                fired = bool(rule.program.execute(facts))
            except RuntimeError as exc:
                raise PolicyError(f"rule {rule.name!r} failed on {subject}: {exc}") from exc
            if fired:
                priority = (facts["reporter_reliability"] if rule.outcome == "triage"
                            else float(risk.score))
                return Verdict(subject, rule.outcome, rule.name, rule.severity, risk, signals,
                               explain(rule, signals, risk), priority)
        return Verdict(subject, "none", None, 4, risk, signals, risk.explain(),
                       float(risk.score))


def facts_for(subject: Subject, signals: list[Signal], risk: Risk,
              reporter_records: TrackRecords | None = None) -> dict[str, Any]:
    """The names a rule can use. Documented in docs/policy.md; keep them in step."""
    counts: dict[str, int] = defaultdict(int)
    strongest: dict[str, float] = defaultdict(float)
    media_by_kind: dict[str, set[str]] = defaultdict(set)
    reporters: set[str] = set()
    known_reporters: set[str] = set()
    for s in signals:
        if s.kind == "report.user":
            # Independent people: one reporter filing twice is still one voice.
            who = (s.details or {}).get("reporter")
            reporters.add(str(who or s.event_id or s.reason))
            if who:
                known_reporters.add(str(who))
        counts[s.kind] += 1
        strongest[s.kind] = max(strongest[s.kind], s.strength)
        if s.sha256:
            media_by_kind[s.kind].add(s.sha256)

    def family_max(family: str) -> float:
        return max((v for k, v in strongest.items() if k.startswith(family + ".")), default=0.0)

    return {
        "subject_type": subject.type,
        "risk": float(risk.score),
        "families": {f: float(risk.families.get(f, 0.0)) for f in FAMILIES},
        "counts": dict(counts),
        "hard_count": sum(1 for s in signals if s.hard),
        "exact_matches": len(media_by_kind["hash.exact"]),
        "pdq_matches": len(media_by_kind["hash.pdq"]),
        "text_terms": counts["text.term"],
        "solicitation": counts["text.solicitation"],
        "classifier_max": float(strongest["classifier.explicit"]),
        "graph_max": float(family_max("graph")),
        "reports": counts["report.user"],
        "reporters": len(reporters),
        "reporter_reliability": float(reporter_records.reliability(known_reporters)
                                      if reporter_records and known_reporters else 0.5),
        "trusted_reporters": (reporter_records.trusted(known_reporters)
                              if reporter_records else 0),
        "signal_count": len(signals),
    }


def explain(rule: Rule, signals: list[Signal], risk: Risk) -> str:
    seen: set[str] = set()
    reasons = []
    for s in sorted(signals, key=lambda x: (not x.hard, -x.strength)):
        if s.reason not in seen:
            seen.add(s.reason)
            reasons.append(f"{s.kind}: {s.reason}")
    head = f"rule {rule.name!r} ({rule.outcome})"
    if rule.description:
        head += f": {rule.description.rstrip('.')}"
    body = "; ".join(reasons[:8]) + (f"; and {len(reasons) - 8} more" if len(reasons) > 8 else "")
    return f"{head}. Signals: {body}. Risk {risk.score:.2f}."
