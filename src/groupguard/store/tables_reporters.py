"""Reporter track record: how many of each reporter's reports reviewers later confirmed
or dismissed (review/reporters.py).

`reporter_credits` is the ledger, one row per reporter per reviewer decision, so that an
appeal that reverses a confirmation can move exactly that credit back; `reporter_records`
holds the running totals that policy reads in one query per decision.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, UniqueConstraint

from groupguard.store.tables import ID, TS, metadata

reporter_records = Table(
    "reporter_records",
    metadata,
    Column("reporter", ID, primary_key=True),
    Column("confirmed", Integer, nullable=False, default=0),
    Column("dismissed", Integer, nullable=False, default=0),
    Column("updated_at", TS, nullable=False),
)

reporter_credits = Table(
    "reporter_credits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reporter", ID, nullable=False),
    Column("case_id", Integer, nullable=False),
    Column("decision_id", Integer, nullable=False),
    Column("subject_type", String(10), nullable=False),
    Column("subject_id", ID, nullable=False),
    Column("outcome", String(20), nullable=False),  # confirm | dismiss
    Column("created_at", TS, nullable=False),
    # Set when an appeal reversed the confirmation: the credit now counts as dismissed.
    Column("reversed_at", TS),
    Column("reversed_by", Integer),  # the appeal's decision id
    UniqueConstraint("decision_id", "reporter", name="uq_reporter_credits_decision_reporter"),
    Index("ix_reporter_credits_case", "case_id"),
    Index("ix_reporter_credits_subject", "subject_type", "subject_id"),
)
