"""A simulated reviewer for measurements: it works the queue the way a trained reviewer
would if they always judged right, from the simulator's truth.

It decides open cases and report-triage items once they have waited `delay_events`
processed events, through the real review API (`groupguard.review.decide`) as a console
user, so a confirmation removes and bans through the outbox, drafts the report, and
reaches the graph like any reviewer's decision. A subject truth calls bad is confirmed;
anything else is dismissed. Measurement only: nothing in the product decides from truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from groupguard.config import Settings
from groupguard.errors import GroupguardError
from groupguard.review.users import ReviewUser, create_user, get_user
from groupguard.store import Database
from groupguard.store.tables import cases

# A category is the reviewer's judgement of the material; stand-in media has none, so the
# simulated reviewer records one fixed category for every confirmation.
ORACLE_CATEGORY = "B2"


def bad_subjects(truth: dict[str, Any]) -> set[str]:
    """`group:ID` and `account:ID` for every subject truth.json calls bad."""
    bad = {f"group:{g}" for g, r in truth.get("groups", {}).items() if r.get("bad")}
    bad |= {f"account:{a}" for a, r in truth.get("accounts", {}).items() if r.get("bad")}
    return bad


@dataclass
class OracleDecision:
    case_id: int
    subject: str
    kind: str
    outcome: str  # confirm | dismiss | error
    processed: int  # events processed when it was decided
    error: str | None = None


@dataclass
class OracleReviewer:
    truth: dict[str, Any]
    delay_events: int = 200
    name: str = "oracle"
    first_seen: dict[int, int] = field(default_factory=dict)
    decisions: list[OracleDecision] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.delay_events < 0:
            raise GroupguardError("the reviewer's delay must be >= 0 events")
        self._bad = bad_subjects(self.truth)

    def user(self, session: Any) -> ReviewUser:
        try:
            return get_user(session, self.name)
        except GroupguardError:
            # An investigator also sees escalated cases, so nothing waits on someone else.
            return create_user(session, self.name, role="investigator",
                               password="simulated reviewer, measurement only",
                               actor="sim")

    def step(self, db: Database, settings: Settings, processed: int) -> list[OracleDecision]:
        """Decide what has waited long enough, given how many events are processed now.
        One transaction per decision: one that fails is recorded and the rest go on."""
        with db.session() as s:
            rows = s.execute(
                select(cases.c.id, cases.c.kind, cases.c.subject_type, cases.c.subject_id)
                .where(cases.c.status.in_(("open", "escalated")),
                       cases.c.kind.in_(("review", "triage")))
                .order_by(cases.c.id)).all()
        due = []
        for r in rows:
            seen = self.first_seen.setdefault(int(r.id), processed)
            if processed - seen >= self.delay_events:
                due.append(r)
        done = []
        for r in due:
            done.append(self._decide(db, settings, r, processed))
        self.decisions += done
        return done

    def _decide(self, db: Database, settings: Settings, row: Any, processed: int
                ) -> OracleDecision:
        from groupguard.review.decide import decide

        subject = f"{row.subject_type}:{row.subject_id}"
        outcome = "confirm" if subject in self._bad else "dismiss"
        try:
            with db.session() as s:
                decide(s, settings, self.user(s), int(row.id), outcome,
                       category=ORACLE_CATEGORY if outcome == "confirm" else None,
                       note="simulated reviewer (truth.json)")
        except GroupguardError as exc:
            return OracleDecision(int(row.id), subject, row.kind, "error", processed, str(exc))
        return OracleDecision(int(row.id), subject, row.kind, outcome, processed)
