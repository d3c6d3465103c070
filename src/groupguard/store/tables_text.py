"""Term banks: operator-supplied vocabulary that text signals match (signals/text).

Like hash banks, a removed term is kept as a tombstone (`removed_at`) so that exports and
audits see what was removed and when; `version` lets long-running matchers reload only when
a bank changed.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from groupguard.store.tables import TS, metadata

term_banks = Table(
    "term_banks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("description", Text),
    Column("source", String(200)),
    # Strength of a full-score hit from this bank, as a signal in [0, 1].
    Column("strength", Float, nullable=False, default=0.6),
    Column("version", Integer, nullable=False, default=0),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
)

text_terms = Table(
    "text_terms",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bank", String(100), ForeignKey("term_banks.name"), nullable=False),
    Column("mode", String(10), nullable=False),  # exact | phrase | fuzzy | regex | semantic
    Column("term", Text, nullable=False),  # as the operator wrote it
    Column("key", Text, nullable=False),  # normalised matching key (the term for regex)
    Column("max_distance", Integer),  # fuzzy
    Column("threshold", Float),  # semantic
    Column("tags", JSON),
    Column("source", String(200)),
    Column("added_at", TS, nullable=False),
    Column("added_version", Integer, nullable=False, default=0),
    Column("removed_at", TS),
    Column("removed_version", Integer),
    Index("ix_text_terms_bank", "bank"),
)
