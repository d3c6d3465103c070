"""Ingest: validate, dedupe by event id, persist the raw event before anything else.

A malformed line gets an error naming the line and the field; every other event still
goes in. Re-ingesting the same file is harmless (idempotent by event id).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from groupguard.errors import InvalidEventError
from groupguard.events import event_to_dict, parse_event
from groupguard.store import Database
from groupguard.store.tables import events
from groupguard.timeutil import utcnow

INGEST_BATCH = 500


@dataclass
class IngestReport:
    accepted: int = 0
    duplicates: int = 0
    errors: list[InvalidEventError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def seen(self) -> int:
        return self.accepted + self.duplicates + len(self.errors)

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "errors": [
                {"line": e.line, "field": e.field, "error": str(e)} for e in self.errors
            ],
            "seconds": round(self.seconds, 3),
        }


def _rows(batch: list[Any]) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "id": ev.id,
            "type": ev.type,
            "ts": ev.ts,
            "actor": ev.actor,
            "payload": event_to_dict(ev),
            "received_at": now,
            "status": "pending",
        }
        for ev in batch
    ]


def _store_batch(session: Session, batch: list[Any], report: IngestReport) -> None:
    # Dedupe inside the batch first (first occurrence wins), then against the store.
    unique: dict[str, Any] = {}
    for ev in batch:
        if ev.id in unique:
            report.duplicates += 1
        else:
            unique[ev.id] = ev
    existing = set(
        session.execute(select(events.c.id).where(events.c.id.in_(list(unique)))).scalars()
    )
    fresh = [ev for eid, ev in unique.items() if eid not in existing]
    report.duplicates += len(unique) - len(fresh)
    if not fresh:
        return
    try:
        with session.begin_nested():
            session.execute(insert(events), _rows(fresh))
        report.accepted += len(fresh)
    except IntegrityError:
        # Another writer stored some of these ids meanwhile: fall back to one at a time.
        for ev in fresh:
            try:
                with session.begin_nested():
                    session.execute(insert(events), _rows([ev]))
                report.accepted += 1
            except IntegrityError:
                report.duplicates += 1


def ingest_records(
    db: Database,
    records: Iterable[tuple[int | None, Any]],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest (line number, raw record) pairs; raw is a JSON string or a dict."""
    report = IngestReport()
    started = time.perf_counter()
    batch: list[Any] = []

    def flush() -> None:
        if batch:
            with db.session(write=True) as s:
                _store_batch(s, batch, report)
            if on_progress:
                on_progress(len(batch))
            batch.clear()

    for line, raw in records:
        if isinstance(raw, str) and not raw.strip():
            continue
        try:
            batch.append(parse_event(raw, line=line))
        except InvalidEventError as exc:
            report.errors.append(exc)
            if on_progress:
                on_progress(1)
        if len(batch) >= INGEST_BATCH:
            flush()
    flush()
    report.seconds = time.perf_counter() - started
    return report


def numbered_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(lines, start=1):
        yield number, line.rstrip("\n")


def ingest_payload(db: Database, body: Any) -> IngestReport:
    """HTTP body: one event object or a list of them. Positions are 1-based 'lines'."""
    items = body if isinstance(body, list) else [body]
    return ingest_records(db, ((i, item) for i, item in enumerate(items, start=1)))

