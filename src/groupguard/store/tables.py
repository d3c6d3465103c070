"""Core tables, on one shared MetaData. Feature areas add theirs in store/tables_<area>.py
on the same `metadata` and import them at the bottom of this module, so that Alembic and
tests see every table.

Timestamps are timezone-aware UTC. JSON columns hold explanations and details that
reviewers read; anything queried by value has a column of its own.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TS = DateTime(timezone=True)
ID = String(200)
# 64-bit on PostgreSQL; SQLite autoincrements only an INTEGER PRIMARY KEY.
SEQ = BigInteger().with_variant(Integer, "sqlite")

# Raw events, stored before any processing. `status` records each event's progress through
# the pipeline so that a restart resumes where it stopped: pending -> done | failed.
events = Table(
    "events",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=True),
    Column("id", ID, nullable=False, unique=True),
    Column("type", String(50), nullable=False),
    Column("ts", TS, nullable=False),
    Column("actor", ID),
    Column("payload", JSON, nullable=False),
    Column("received_at", TS, nullable=False),
    Column("status", String(20), nullable=False, default="pending"),
    Column("error", Text),
    Column("processed_at", TS),
    Index("ix_events_status_seq", "status", "seq"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("phone", String(32)),
    Column("display_name", String(200)),
    Column("registered_at", TS),
    Column("profile_media", String(64)),
    Column("status", String(20), nullable=False, default="active"),  # active | banned
    Column("banned_at", TS),
    Column("ban_reason", Text),
)

groups = Table(
    "groups",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(400)),
    Column("description", Text),
    Column("icon_media", String(64)),
    Column("creator", ID),
    Column("name_set_by", ID),
    Column("description_set_by", ID),
    Column("icon_set_by", ID),
    Column("created_at", TS),
    Column("updated_at", TS),
    Column("status", String(20), nullable=False, default="active"),  # active | removed
    Column("removed_at", TS),
    Column("removal_reason", Text),
)

memberships = Table(
    "memberships",
    metadata,
    Column("group_id", ID, primary_key=True),
    Column("account_id", ID, primary_key=True),
    Column("role", String(20), nullable=False),  # member | admin | creator
    Column("added_by", ID),
    Column("invite_token", String(200)),
    Column("joined_at", TS),
    Column("left_at", TS),
    Column("active", Boolean, nullable=False, default=True),
    Index("ix_memberships_account", "account_id"),
)

invite_links = Table(
    "invite_links",
    metadata,
    Column("token", String(200), primary_key=True),
    Column("group_id", ID, nullable=False),
    Column("created_by", ID),
    Column("created_at", TS),
    Column("revoked_at", TS),
    Column("first_seen_in_group", ID),
    Index("ix_invite_links_group", "group_id"),
)

invite_uses = Table(
    "invite_uses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token", String(200), nullable=False),
    Column("group_id", ID, nullable=False),
    Column("account_id", ID, nullable=False),
    Column("seen_in_group", ID),
    Column("ts", TS),
)

# Media is identified by its SHA-256; the bytes themselves are dropped after hashing unless
# they matched and were preserved as evidence (least exposure).
media = Table(
    "media",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("md5", String(32), nullable=False),
    Column("kind", String(10), nullable=False),  # image | video
    Column("size", BigInteger, nullable=False),
    Column("pdq", String(64)),
    Column("pdq_quality", Integer),
    Column("vpdq", JSON),
    Column("width", Integer),
    Column("height", Integer),
    Column("first_seen", TS, nullable=False),
    Column("error", Text),
    Index("ix_media_md5", "md5"),
)

# Where a piece of media was used: a group's icon, an account's profile photo, a report.
media_uses = Table(
    "media_uses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("subject_type", String(10), nullable=False),  # group | account
    Column("subject_id", ID, nullable=False),
    Column("role", String(30), nullable=False),  # group_icon | profile_photo | reported_media
    Column("set_by", ID),
    Column("event_id", ID, nullable=False),
    Column("ts", TS, nullable=False),
    Index("ix_media_uses_sha256", "sha256"),
    Index("ix_media_uses_subject", "subject_type", "subject_id"),
)

banks = Table(
    "banks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("kind", String(10), nullable=False, default="hash"),  # hash | media | allow
    Column("source", String(200)),
    Column("description", Text),
    Column("pdq_threshold", Integer),
    # What a match in this bank may lead to: 'act' (hard evidence for exact digests),
    # 'review', or 'none' (collect only).
    Column("action_policy", String(20), nullable=False, default="review"),
    Column("verified", Boolean, nullable=False, default=False),  # e.g. NCMEC-verified list
    Column("version", Integer, nullable=False, default=0),
    Column("created_at", TS, nullable=False),
)

bank_entries = Table(
    "bank_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bank", String(100), ForeignKey("banks.name"), nullable=False),
    Column("signal_type", String(20), nullable=False),  # md5 | sha256 | pdq | vpdq
    Column("value", Text, nullable=False),
    Column("media_sha256", String(64)),
    Column("source", String(200)),
    Column("tags", JSON),
    Column("added_at", TS, nullable=False),
    Column("added_version", Integer, nullable=False, default=0),
    Column("removed_at", TS),  # tombstone: kept so exports and syncs see removals
    # A hash index on PostgreSQL: values can be long (a vPDQ entry is a list of frames),
    # beyond what a btree row holds, and lookups are by equality only.
    Index("ix_bank_entries_lookup", "value", postgresql_using="hash"),
    Index("ix_bank_entries_bank", "bank"),
)

matches = Table(
    "matches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("bank", String(100), nullable=False),
    Column("entry_id", Integer, nullable=False),
    Column("signal_type", String(20), nullable=False),
    Column("distance", Integer, nullable=False, default=0),
    Column("variant", String(40), nullable=False, default="original"),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("sha256", "entry_id", "variant", name="uq_matches_media_entry_variant"),
)

# What was observed about an entity, with a strength in [0, 1] and a reason in words.
signals = Table(
    "signals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject_type", String(10), nullable=False),  # group | account
    Column("subject_id", ID, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("strength", Float, nullable=False),
    Column("hard", Boolean, nullable=False, default=False),  # hard-to-forge evidence
    Column("reason", Text, nullable=False),
    Column("details", JSON),
    Column("event_id", ID),
    Column("sha256", String(64)),
    Column("created_at", TS, nullable=False),
    Index("ix_signals_subject", "subject_type", "subject_id"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject_type", String(10), nullable=False),
    Column("subject_id", ID, nullable=False),
    Column("source", String(20), nullable=False),  # policy | reviewer | appeal
    Column("rule", String(200)),
    Column("outcome", String(20), nullable=False),  # act | review | none | confirm | dismiss ...
    Column("explanation", Text, nullable=False),
    Column("signal_ids", JSON),
    Column("decided_by", String(200)),
    Column("case_id", Integer),
    Column("category", String(10)),
    Column("created_at", TS, nullable=False),
    Index("ix_decisions_subject", "subject_type", "subject_id"),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False, default="review"),  # review | appeal
    Column("subject_type", String(10), nullable=False),
    Column("subject_id", ID, nullable=False),
    Column("status", String(20), nullable=False, default="open"),  # open|escalated|closed
    Column("severity", Integer, nullable=False, default=2),  # 1 highest
    Column("priority", Float, nullable=False, default=0.0),
    Column("reason", Text, nullable=False),
    Column("rule", String(200)),
    Column("opened_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("closed_at", TS),
    Column("resolution", String(20)),
    Column("category", String(10)),
    Column("claimed_by", String(200)),
    Column("claim_expires", TS),
    Column("appeal_of", Integer),
    Index("ix_cases_subject", "subject_type", "subject_id"),
    Index("ix_cases_status", "status", "severity", "opened_at"),
)

# The outbox. `idempotency_key` makes re-decisions harmless and lets the platform apply a
# redelivered action once. `published_seq` is the pull cursor (actions.outbox.publish):
# numbered after commit, in commit order, because `seq` is taken at insert and on
# PostgreSQL a transaction holding a lower seq can commit after one holding a higher.
actions = Table(
    "actions",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("kind", String(30), nullable=False),
    Column("subject_type", String(10), nullable=False),
    Column("subject_id", ID, nullable=False),
    Column("reason", Text, nullable=False),
    Column("payload", JSON),
    Column("decision_id", Integer),
    Column("status", String(20), nullable=False, default="pending"),  # pending|delivered|failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS),
    Column("last_error", Text),
    Column("created_at", TS, nullable=False),
    Column("delivered_at", TS),
    Column("published_seq", BigInteger),
    Index("ix_actions_status", "status", "next_attempt_at"),
    Index("ix_actions_published_seq", "published_seq", unique=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", TS, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("subject", String(300)),
    Column("details", JSON),
    Index("ix_audit_log_subject", "subject"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("created_at", TS, nullable=False),
    Column("revoked_at", TS),
)
from groupguard.store import tables_banks  # noqa: E402,F401,I001
from groupguard.store import tables_reporting  # noqa: E402,F401
from groupguard.store import tables_review  # noqa: E402,F401
from groupguard.store import tables_text  # noqa: E402,F401
from groupguard.store import tables_reporters  # noqa: E402,F401
