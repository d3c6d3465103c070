"""Reporter track record: how many of a reporter's earlier reports reviewers confirmed
and how many they dismissed.

Policy reads it as two facts (docs/policy.md): `reporter_reliability`, the best
Laplace-smoothed precision (confirmed + 1) / (decided + 2) among a subject's reporters, so
a newcomer starts at 0.5 and one confirmed report does not make anyone certain; and
`trusted_reporters`, how many of them have enough decided reports with a high enough raw
precision (DSA art. 22 "trusted flaggers"). A reporter with a poor record is still read:
their notice stays a triage item, only later in the queue.

Each reviewer decision (confirm or dismiss) on a case or triage item credits every distinct
reporter of the signals it covers once. An appeal that reverses a confirmation moves those
credits to dismissed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.signals.base import Signal
from groupguard.store.tables_reporters import reporter_credits, reporter_records
from groupguard.store.upsert import insert_ignore
from groupguard.timeutil import utcnow

REPORT_KIND = "report.user"
NEUTRAL = 0.5  # the smoothed precision of a reporter with no decided report


@dataclass(frozen=True)
class ReporterRecord:
    reporter: str
    confirmed: int = 0
    dismissed: int = 0

    @property
    def decided(self) -> int:
        return self.confirmed + self.dismissed

    @property
    def reliability(self) -> float:
        """Laplace-smoothed precision: (confirmed + 1) / (decided + 2)."""
        return (self.confirmed + 1) / (self.decided + 2)

    def words(self) -> str:
        if not self.decided:
            return "no earlier report decided"
        return f"{self.confirmed} of {self.decided} earlier reports confirmed"

    def as_dict(self) -> dict[str, Any]:
        return {"reporter": self.reporter, "confirmed": self.confirmed,
                "dismissed": self.dismissed, "decided": self.decided,
                "reliability": round(self.reliability, 3), "record": self.words()}


@dataclass(frozen=True)
class TrackRecords:
    """The records of some reporters and what counts as trusted: all policy needs."""

    records: dict[str, ReporterRecord] = field(default_factory=dict)
    trusted_min: int = 3
    trusted_precision: float = 0.8

    def get(self, reporter: str) -> ReporterRecord:
        return self.records.get(reporter) or ReporterRecord(reporter)

    def is_trusted(self, reporter: str) -> bool:
        r = self.get(reporter)
        return r.decided >= max(1, self.trusted_min) and (
            r.confirmed / r.decided >= self.trusted_precision)

    def reliability(self, reporters: Iterable[str]) -> float:
        return max((self.get(r).reliability for r in reporters), default=NEUTRAL)

    def trusted(self, reporters: Iterable[str]) -> int:
        return sum(1 for r in set(reporters) if self.is_trusted(r))


def reporters_of(signals: Iterable[Any]) -> list[str]:
    """Distinct reporter accounts of report signals (Signal objects or signal rows)."""
    out: list[str] = []
    for s in signals:
        if s.kind != REPORT_KIND:
            continue
        who = (s.details or {}).get("reporter")
        if who and str(who) not in out:
            out.append(str(who))
    return out


def track_records(session: Session, settings: Settings | None,
                  reporters: Iterable[str]) -> TrackRecords:
    """The records of these reporters, in one query."""
    settings = settings or Settings()
    ids = sorted(set(reporters))
    records: dict[str, ReporterRecord] = {}
    if ids:
        rows = session.execute(select(reporter_records).where(
            reporter_records.c.reporter.in_(ids)))
        records = {r.reporter: ReporterRecord(r.reporter, r.confirmed, r.dismissed)
                   for r in rows}
    return TrackRecords(records, settings.trusted_reporter_min,
                        settings.trusted_reporter_precision)


def records_for_signals(session: Session, settings: Settings | None,
                        signals: list[Signal]) -> TrackRecords:
    return track_records(session, settings, reporters_of(signals))


def _bump(session: Session, reporter: str, *, confirmed: int = 0, dismissed: int = 0) -> None:
    now = utcnow()
    insert_ignore(session, reporter_records, {"reporter": reporter, "confirmed": 0,
                                              "dismissed": 0, "updated_at": now},
                  keys=["reporter"])
    # Relative update, so two decisions committing at once both count.
    session.execute(update(reporter_records).where(reporter_records.c.reporter == reporter)
                    .values(confirmed=reporter_records.c.confirmed + confirmed,
                            dismissed=reporter_records.c.dismissed + dismissed,
                            updated_at=now))


def credit_decision(session: Session, case: Any, decision_id: int, outcome: str,
                    signal_rows: Iterable[Any]) -> list[str]:
    """Credit each distinct reporter among the decided signals once with the reviewer's
    outcome (confirm or dismiss). Returns the reporters credited."""
    if outcome not in ("confirm", "dismiss"):
        return []
    who = reporters_of(signal_rows)
    if not who:
        return []
    now = utcnow()
    session.execute(insert(reporter_credits), [
        {"reporter": r, "case_id": case.id, "decision_id": decision_id,
         "subject_type": case.subject_type, "subject_id": case.subject_id,
         "outcome": outcome, "created_at": now} for r in who])
    for r in who:
        _bump(session, r, confirmed=int(outcome == "confirm"),
              dismissed=int(outcome == "dismiss"))
    return who


def reverse_confirmations(session: Session, *, subject_type: str, subject_id: str,
                          case_id: int | None, decision_id: int) -> list[str]:
    """An appeal reversed a confirmation: its reporters' confirm credits become dismissed.
    `case_id` is the appealed case when known; otherwise the latest confirmed case about
    the subject."""
    q = select(reporter_credits).where(
        reporter_credits.c.subject_type == subject_type,
        reporter_credits.c.subject_id == subject_id,
        reporter_credits.c.outcome == "confirm", reporter_credits.c.reversed_at.is_(None))
    if case_id is None:
        latest = session.execute(q.with_only_columns(reporter_credits.c.case_id)
                                 .order_by(reporter_credits.c.id.desc()).limit(1)).first()
        if latest is None:
            return []
        case_id = latest.case_id
    rows = session.execute(q.where(reporter_credits.c.case_id == case_id)).all()
    now = utcnow()
    for r in rows:
        session.execute(update(reporter_credits).where(reporter_credits.c.id == r.id)
                        .values(reversed_at=now, reversed_by=decision_id))
        _bump(session, r.reporter, confirmed=-1, dismissed=1)
    return [r.reporter for r in rows]


def reporter_view(session: Session, settings: Settings | None,
                  signal_rows: Iterable[Any], *, case_id: int | None = None
                  ) -> list[dict[str, Any]]:
    """Each reporter of these signals with their record, for the case page and lists.
    With `case_id`, the credit from deciding that case is left out, so a decided case
    still shows the record its reporters had before it."""
    who = reporters_of(signal_rows)
    if not who:
        return []
    book = track_records(session, settings, who)
    if case_id is not None:
        own = session.execute(select(reporter_credits.c.reporter, reporter_credits.c.outcome,
                                     reporter_credits.c.reversed_at).where(
            reporter_credits.c.case_id == case_id,
            reporter_credits.c.reporter.in_(who))).all()
        records = dict(book.records)
        for c in own:
            r = records.get(c.reporter) or ReporterRecord(c.reporter)
            confirmed = c.outcome == "confirm" and c.reversed_at is None
            records[c.reporter] = ReporterRecord(
                c.reporter, max(0, r.confirmed - int(confirmed)),
                max(0, r.dismissed - int(not confirmed)))
        book = TrackRecords(records, book.trusted_min, book.trusted_precision)
    return [{**book.get(r).as_dict(), "trusted": book.is_trusted(r)} for r in who]


def record_of(session: Session, reporter: str) -> ReporterRecord:
    return track_records(session, None, [reporter]).get(reporter)
