"""Retroactive matching: when entries are added to a bank, media groupguard has already
seen (table `media`) is matched against the new entries, new `matches` rows are written and
the pipeline is told (runner.pipeline.on_new_matches), so a group whose icon was harmless
yesterday and is listed today is found today.

Only the new entries are compared: a small index of the new PDQ entries is queried with
every stored PDQ (in batches), digests are looked up by value, vPDQ entries are compared
with stored videos.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from groupguard.banks.signal_types import vpdq_frames
from groupguard.config import Settings
from groupguard.index import HammingIndex
from groupguard.signals.variants import AUG_PREFIX, variant_threshold
from groupguard.signals.vpdq import VpdqFrame, match_vpdq
from groupguard.store.tables import bank_entries, banks, matches, media
from groupguard.timeutil import utcnow

BATCH = 5000


@dataclass
class RetroReport:
    entries: int = 0
    matches: int = 0
    sha256s: set[str] = field(default_factory=set)
    signals: int = 0


def rematch(session: Session, settings: Settings, entry_ids: Iterable[int]) -> RetroReport:
    """Match stored media against these (new) entries; writes matches rows."""
    ids = sorted(set(entry_ids))
    report = RetroReport(entries=len(ids))
    if not ids:
        return report
    rows = []
    for lo in range(0, len(ids), 1000):
        rows += session.execute(select(bank_entries).where(
            bank_entries.c.id.in_(ids[lo: lo + 1000]),
            bank_entries.c.removed_at.is_(None))).all()
    bank_rows = {b.name: b for b in session.execute(select(banks))}
    found: list[dict] = []

    def hit(sha: str, r, distance: int) -> None:  # type: ignore[no-untyped-def]
        found.append({"sha256": sha, "bank": r.bank, "entry_id": r.id,
                      "signal_type": r.signal_type, "distance": int(distance),
                      "variant": next((t for t in r.tags or [] if t.startswith(AUG_PREFIX)),
                                      "original"),
                      "created_at": utcnow()})

    by_type: dict[str, list] = {}
    for r in rows:
        by_type.setdefault(r.signal_type, []).append(r)
    for kind, column in (("md5", media.c.md5), ("sha256", media.c.sha256)):
        wanted: dict[str, list] = {}
        for r in by_type.get(kind, []):
            wanted.setdefault(r.value, []).append(r)
        values = sorted(wanted)
        for lo in range(0, len(values), 500):
            for m in session.execute(select(media.c.sha256, column.label("v")).where(
                    column.in_(values[lo: lo + 500]))):
                for r in wanted[m.v]:
                    hit(m.sha256, r, 0)

    def limit(r) -> int:  # type: ignore[no-untyped-def]
        bank = bank_rows.get(r.bank)
        base = (bank.pdq_threshold if bank is not None and bank.pdq_threshold is not None
                else settings.pdq_threshold)
        for tag in r.tags or []:
            if tag.startswith(AUG_PREFIX):
                base = min(base, variant_threshold(tag, base))
        return base

    pdq_rows = {r.id: r for r in by_type.get("pdq", [])}
    if pdq_rows:
        index = HammingIndex(capacity=len(pdq_rows))
        index.add_many(list(pdq_rows), [r.value for r in pdq_rows.values()])
        radius = max(limit(r) for r in pdq_rows.values())
        q = (select(media.c.sha256, media.c.pdq).where(
            media.c.pdq.is_not(None), media.c.pdq_quality >= settings.pdq_min_quality)
            .order_by(media.c.sha256))
        batch: list[tuple[str, str]] = []

        def flush() -> None:
            results = index.query_many([p for _, p in batch], radius)
            for (sha, _), hits in zip(batch, results, strict=True):
                for entry_id, distance in hits:
                    if distance <= limit(pdq_rows[entry_id]):
                        hit(sha, pdq_rows[entry_id], distance)
            batch.clear()

        for m in session.execute(q):
            batch.append((m.sha256, m.pdq))
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()

    vpdq_rows = by_type.get("vpdq", [])
    if vpdq_rows:
        targets = [(r, vpdq_frames(r.value)) for r in vpdq_rows]
        for m in session.execute(select(media.c.sha256, media.c.vpdq).where(
                media.c.kind == "video", media.c.vpdq.is_not(None))):
            frames = [VpdqFrame(**f) for f in m.vpdq or []]
            for r, target in targets:
                result = match_vpdq(frames, target, distance=limit(r),
                                    min_quality=settings.pdq_min_quality)
                if result.is_match():
                    hit(m.sha256, r, round(100 - result.query_match_percent))

    if found:
        dialect = session.get_bind().dialect.name
        insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for lo in range(0, len(found), 1000):
            session.execute(insert_fn(matches).on_conflict_do_nothing(
                index_elements=["sha256", "entry_id", "variant"]), found[lo: lo + 1000])
    report.matches = len(found)
    report.sha256s = {f["sha256"] for f in found}
    return report


def notify_pipeline(services, sha256s: set[str]) -> int:  # type: ignore[no-untyped-def]
    """Hand new matches to the pipeline (signals, decisions, cases); returns signals made."""
    if not sha256s:
        return 0
    from groupguard.runner.pipeline import on_new_matches

    return on_new_matches(services, sha256s)


def after_add(db, settings: Settings, entry_ids: Iterable[int], *,  # type: ignore[no-untyped-def]
              notify: bool = True) -> RetroReport:
    """What every way of adding entries (CLI, HTTP, sync) runs once they are committed."""
    with db.session() as session:
        report = rematch(session, settings, entry_ids)
    if notify and report.sha256s:
        from groupguard.runner.pipeline import make_services

        report.signals = notify_pipeline(make_services(settings, db), report.sha256s)
    return report
