"""Hash-sharing exchanges synced into banks. One module per exchange (ncmec, stopncii),
each an `Exchange` that yields batches of updates and a checkpoint; `sync_bank` applies
them (adds, tombstones) and stores the checkpoint in bank_sync_state.

The exchanges talk through python-threatexchange's clients (the `bench` extra installs
it; `pip install threatexchange` otherwise), with the workarounds noted in each module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from groupguard.banks import service
from groupguard.banks.signal_types import normalise
from groupguard.errors import BankError, InvalidHashError
from groupguard.store import Database
from groupguard.store.tables import bank_entries
from groupguard.store.tables_banks import bank_sync_state
from groupguard.timeutil import utcnow


@dataclass
class Update:
    key: str  # the exchange's id for the item; stored as the entries' source
    items: list[tuple[str, str]]
    tags: list[str] = field(default_factory=list)
    deleted: bool = False


@dataclass
class Batch:
    updates: list[Update]
    # Set only where it is safe to resume from (a fully fetched range), else None.
    checkpoint: dict | None = None


class Exchange(Protocol):
    name: str

    def fetch(self, checkpoint: dict | None) -> Iterator[Batch]: ...


@dataclass
class SyncReport:
    bank: str
    exchange: str
    fetched: int = 0
    added: int = 0
    removed: int = 0
    entry_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    checkpoint: dict | None = None

    def to_json(self) -> dict[str, object]:
        return {"bank": self.bank, "exchange": self.exchange, "fetched": self.fetched,
                "added": self.added, "removed": self.removed, "errors": self.errors,
                "checkpoint": self.checkpoint}


def make_exchange(name: str, *, endpoint: str | None, credentials: dict[str, str]
                  ) -> Exchange:
    if name == "ncmec":
        from groupguard.banks.exchanges.ncmec import NcmecExchange

        return NcmecExchange(endpoint=endpoint, **credentials)
    if name == "stopncii":
        from groupguard.banks.exchanges.stopncii import StopNciiExchange

        return StopNciiExchange(endpoint=endpoint, **credentials)
    raise BankError(f"unknown exchange {name!r}; expected ncmec or stopncii")


def _load_checkpoint(db: Database, bank: str, exchange: str) -> dict | None:
    with db.session() as s:
        row = s.execute(select(bank_sync_state.c.checkpoint).where(
            bank_sync_state.c.bank == bank, bank_sync_state.c.exchange == exchange)).first()
    return row.checkpoint if row else None


def _save_state(db: Database, bank: str, exchange: str, endpoint: str | None, *,
                checkpoint: dict | None, fetched: int, error: str | None) -> None:
    with db.session() as s:
        values = {"bank": bank, "exchange": exchange, "endpoint": endpoint,
                  "checkpoint": checkpoint, "last_sync_at": utcnow(), "last_error": error,
                  "fetched": fetched}
        dialect = s.get_bind().dialect.name
        insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert_fn(bank_sync_state).values(**values)
        keep = {k: v for k, v in values.items() if k not in ("bank", "exchange")}
        if checkpoint is None:
            keep.pop("checkpoint")
        s.execute(stmt.on_conflict_do_update(index_elements=["bank", "exchange"], set_=keep))


def sync_bank(db: Database, bank: str, exchange: str | Exchange, *,
              endpoint: str | None = None, credentials: dict[str, str] | None = None,
              full: bool = False) -> SyncReport:
    """Fetch updates since the stored checkpoint (all with `full`) into `bank`. A bad record
    is reported and skipped; a transport error stops the sync with the checkpoint where the
    last complete range left it, so the next run fetches again (adds are idempotent)."""
    ex = exchange if not isinstance(exchange, str) else make_exchange(
        exchange, endpoint=endpoint, credentials=credentials or {})
    with db.session() as s:
        service.get_bank(s, bank)
    report = SyncReport(bank=bank, exchange=ex.name)
    checkpoint = None if full else _load_checkpoint(db, bank, ex.name)
    error = None
    try:
        for batch in ex.fetch(checkpoint):
            with db.session() as s:
                _apply(s, bank, ex.name, batch, report)
            if batch.checkpoint is not None:
                report.checkpoint = batch.checkpoint
                _save_state(db, bank, ex.name, endpoint, checkpoint=batch.checkpoint,
                            fetched=report.fetched, error=None)
    except BankError:
        raise
    except Exception as exc:  # transport and protocol errors of the client library
        error = f"{type(exc).__name__}: {exc}"
        report.errors.append(f"sync stopped: {error}")
    _save_state(db, bank, ex.name, endpoint, checkpoint=report.checkpoint,
                fetched=report.fetched, error=error)
    return report


def _apply(s, bank: str, exchange: str, batch: Batch, report: SyncReport) -> None:  # type: ignore[no-untyped-def]
    for up in batch.updates:
        report.fetched += 1
        live = s.execute(select(bank_entries.c.id).where(
            bank_entries.c.bank == bank, bank_entries.c.source == up.key,
            bank_entries.c.removed_at.is_(None))).scalars().all()
        if up.deleted:
            for entry_id in live:
                report.removed += service.remove_entry(s, entry_id,
                                                       reason=f"removed by {exchange}")
            continue
        good = []
        for signal_type, value in up.items:
            try:
                normalise(signal_type, value)
                good.append((signal_type, value))
            except InvalidHashError as exc:
                report.errors.append(f"{up.key}: {exc}")
        if not good:
            continue
        ids = service.add_hashes(s, bank, good, source=up.key, tags=up.tags)
        new = [i for i in ids if i not in live]
        report.added += len(set(new))
        report.entry_ids += sorted(set(new))
        # An update replaces the item: fingerprints it no longer lists are withdrawn.
        for stale in set(live) - set(ids):
            report.removed += service.remove_entry(s, stale, reason=f"replaced by {exchange}")

