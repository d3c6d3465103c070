"""Reporting tables: preserved evidence with its chain of custody and retention, NCMEC
CyberTipline reports and their files, law-enforcement requests.

Evidence is content-addressed by the SHA-256 of its plaintext; the bytes live encrypted under
the data home, never in the database.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from groupguard.store.tables import ID, TS, metadata

evidence = Table(
    "evidence",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("kind", String(10), nullable=False),  # media | record
    Column("size", BigInteger, nullable=False),
    Column("path", String(300), nullable=False),  # relative to the data home
    Column("key_id", String(200), nullable=False),  # which master key wrapped the data key
    Column("wrapped_key", Text, nullable=False),  # base64 data key, wrapped by the provider
    Column("nonce", String(32), nullable=False),  # hex, 12 bytes
    Column("jurisdiction", String(10), nullable=False, default="US"),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("legal_hold", Boolean, nullable=False, default=False),
    Column("hold_reason", Text),
)

# Who did what with a piece of evidence, when and why. Deleted with the evidence on purge
# (the audit log keeps the purge itself).
evidence_custody = Table(
    "evidence_custody",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("ts", TS, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(30), nullable=False),  # preserve|access|hold|release|disclose
    Column("reason", Text, nullable=False),
    Column("details", JSON),
    Index("ix_evidence_custody_sha256", "sha256"),
)

# Why a piece of evidence is kept and until when. Evidence is purged once every basis has
# expired and no legal hold is set.
evidence_retention = Table(
    "evidence_retention",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("basis", String(30), nullable=False),  # preservation | cybertip | le_request
    Column("jurisdiction", String(10), nullable=False),
    Column("reference", String(200)),  # report id, LE request id
    Column("starts_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    UniqueConstraint("sha256", "basis", "reference", name="uq_evidence_retention_basis"),
    Index("ix_evidence_retention_expires", "expires_at"),
)

ncmec_reports = Table(
    "ncmec_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, nullable=False),
    Column("account_id", ID, nullable=False),
    # draft -> submitted (NCMEC id stored) -> finished | retracted | failed
    Column("status", String(20), nullable=False, default="draft"),
    Column("xml", Text, nullable=False),
    Column("environment", String(20)),  # test | production, set when sent
    Column("ncmec_report_id", BigInteger),
    Column("incident_at", TS, nullable=False),
    Column("summary", JSON),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("submitted_at", TS),
    Column("finished_at", TS),
    Column("last_error", Text),
    Index("ix_ncmec_reports_case", "case_id"),
    Index("ix_ncmec_reports_account", "account_id"),
)

ncmec_report_files = Table(
    "ncmec_report_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("viewed_by_esp", Boolean, nullable=False),
    Column("details", JSON, nullable=False),  # what fileDetails carries, minus NCMEC's ids
    Column("ncmec_file_id", String(200)),
    Column("uploaded_at", TS),
    Column("fileinfo_at", TS),
    UniqueConstraint("report_id", "sha256", name="uq_ncmec_report_files_report_sha"),
)

le_requests = Table(
    "le_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agency", String(300), nullable=False),
    Column("jurisdiction", String(10), nullable=False),
    Column("legal_process", String(300), nullable=False),
    Column("reference", String(200)),
    Column("emergency", Boolean, nullable=False, default=False),
    Column("received_at", TS, nullable=False),
    Column("deadline", TS, nullable=False),
    Column("status", String(20), nullable=False, default="open"),  # open|preserved|answered
    Column("preserved_at", TS),
    Column("answered_at", TS),
    Column("package_path", String(500)),
    Column("notes", Text),
    Column("created_by", String(200), nullable=False),
    Index("ix_le_requests_status", "status", "deadline"),
)

le_request_subjects = Table(
    "le_request_subjects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, nullable=False),
    Column("subject_type", String(10), nullable=False),  # account | group
    Column("subject_id", ID, nullable=False),
    Index("ix_le_request_subjects_request", "request_id"),
)
