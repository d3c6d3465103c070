"""Tables of the review console: reviewer accounts and their sessions, wellness settings,
exposure counters, what each decided case covered, and follow-ups still pending.

Cases, decisions and the audit log are core tables (store/tables.py); what a review needs
beyond them lives here, so the core stays small.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from groupguard.store.tables import ID, TS, metadata, signals

review_users = Table(
    "review_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),  # reviewer | investigator | admin | auditor
    Column("password_hash", String(200), nullable=False),
    # Viewing child-safety media is a permission of its own, not implied by any role.
    Column("can_view_media", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", TS),
    Column("last_login_at", TS),
    Column("created_at", TS, nullable=False),
)

# Server-side sessions: the cookie carries a random token; only its SHA-256 is stored.
review_sessions = Table(
    "review_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("review_users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("last_seen", TS, nullable=False),
    Column("revoked_at", TS),
    Column("ip", String(64)),
    Index("ix_review_sessions_user", "user_id"),
)

# Every login attempt, for rate limiting by address and by name across processes.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("ts", TS, nullable=False),
    Column("success", Boolean, nullable=False),
    Index("ix_login_attempts_ip_ts", "ip", "ts"),
    Index("ix_login_attempts_name_ts", "name", "ts"),
)

# Org defaults and bounds (one row per key) and each reviewer's choices inside them.
review_org_settings = Table(
    "review_org_settings",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("updated_by", String(200), nullable=False),
)

review_user_settings = Table(
    "review_user_settings",
    metadata,
    Column("user_id", Integer, ForeignKey("review_users.id"), primary_key=True),
    Column("settings", JSON, nullable=False),
    Column("updated_at", TS, nullable=False),
)

# Media revealed per reviewer per day (the optional exposure counter).
exposure_counters = Table(
    "exposure_counters",
    metadata,
    Column("user_id", Integer, ForeignKey("review_users.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("views", Integer, nullable=False, default=0),
)

# What a decided case covered: the signals and media it showed. Signals covered by a closed
# case do not come back in the subject's next case; `revealed` records what was looked at.
case_items = Table(
    "case_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, nullable=False),
    Column("decision_id", Integer),
    Column("signal_id", Integer),
    Column("sha256", String(64)),
    Column("revealed", Boolean, nullable=False, default=False),
    Column("created_at", TS, nullable=False),
    Index("ix_case_items_case", "case_id"),
    Index("ix_case_items_signal", "signal_id"),
    Index("ix_case_items_sha256", "sha256"),
)

# Appeal cases: the statement and who may not work it (whoever decided the original).
appeals = Table(
    "appeals",
    metadata,
    Column("case_id", Integer, primary_key=True),
    Column("subject_type", String(10), nullable=False),
    Column("subject_id", ID, nullable=False),
    Column("statement", Text, nullable=False),
    Column("filed_by", String(200), nullable=False),
    Column("original_decided_by", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
)

# Who may not work a case: an appeal goes to a different reviewer than the one who decided.
case_exclusions = Table(
    "case_exclusions",
    metadata,
    Column("case_id", Integer, primary_key=True),
    Column("actor", String(200), primary_key=True),
)

# Work a decision triggered that could not finish yet (e.g. a report draft while the
# reporting module was unavailable); retried by `review.followups.run_pending`.
review_followups = Table(
    "review_followups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, nullable=False),
    Column("kind", String(30), nullable=False),  # report_draft
    Column("actor", String(200), nullable=False),
    Column("status", String(20), nullable=False, default="pending"),  # pending | done
    Column("result", JSON),
    Column("error", Text),
    Column("created_at", TS, nullable=False),
    Column("done_at", TS),
    UniqueConstraint("case_id", "kind", name="uq_review_followups_case_kind"),
)

# The case page finds the other open cases showing the same file (bulk decisions) by the
# signal's SHA-256; the core table has no index on it.
Index("ix_review_signals_sha256", signals.c.sha256)
