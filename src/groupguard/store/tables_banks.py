"""Tables of the banks area (beside the core `banks`, `bank_entries`, `matches`).

`bank_removals` is an append-only log of tombstoned entries, so matchers catch up on
removals incrementally (by `seq`) instead of rescanning every bank. `bank_sync_state` keeps
each exchange's fetch checkpoint per bank.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text

from groupguard.store.tables import SEQ, TS, metadata

bank_removals = Table(
    "bank_removals",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, nullable=False),
    Column("bank", String(100), nullable=False),
    Column("removed_at", TS, nullable=False),
    Column("reason", Text),
    Index("ix_bank_removals_entry", "entry_id"),
)

bank_sync_state = Table(
    "bank_sync_state",
    metadata,
    Column("bank", String(100), primary_key=True),
    Column("exchange", String(40), primary_key=True),
    Column("endpoint", String(500)),
    Column("checkpoint", JSON),
    Column("last_sync_at", TS),
    Column("last_error", Text),
    Column("fetched", Integer, nullable=False, default=0),
)
