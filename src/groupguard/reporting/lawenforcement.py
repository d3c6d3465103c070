"""Law-enforcement requests: intake, prioritisation, preservation, signed disclosure.

A request names an agency, a jurisdiction, its legal process, the accounts and groups it is
about, and a deadline (by default the jurisdiction's answer time from receipt: 72 hours in
India; an emergency request gets the emergency time). Open requests are worked emergency
first, then by deadline. Preservation snapshots each named subject's records as encrypted
evidence and extends the retention of its preserved media (180 days in India). The
disclosure package is a folder with the records as JSON, the files, a manifest of SHA-256
hashes, an Ed25519 signature of the manifest and the public key to check it with.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.errors import GroupguardError, NotFoundError
from groupguard.reporting.config import ReportingConfig, load_config
from groupguard.reporting.evidence import (
    add_custody,
    add_retention,
    preserve_record,
    read_media,
    sniff_extension,
)
from groupguard.reporting.keys import public_key_pem, signing_key
from groupguard.store.audit import record_audit
from groupguard.store.tables import (
    accounts,
    groups,
    invite_links,
    media_uses,
    memberships,
)
from groupguard.store.tables_reporting import (
    evidence,
    evidence_retention,
    le_request_subjects,
    le_requests,
)
from groupguard.timeutil import as_utc, utcnow


class LawEnforcementError(GroupguardError):
    """A law-enforcement request is malformed or cannot be processed as asked."""


def _row_dict(row: Any) -> dict[str, Any]:
    return {k: (as_utc(v).isoformat() if isinstance(v, datetime) else v)
            for k, v in row._mapping.items()}


def intake(session: Session, settings: Settings, *, agency: str, jurisdiction: str,
           legal_process: str, subjects: list[tuple[str, str]], actor: str,
           deadline: datetime | None = None, emergency: bool = False,
           reference: str | None = None, notes: str | None = None,
           received_at: datetime | None = None,
           config: ReportingConfig | None = None) -> int:
    config = config or load_config(settings)
    rules = config.jurisdiction(jurisdiction)
    if not agency.strip() or not legal_process.strip():
        raise LawEnforcementError("a request needs the agency and its legal process")
    if not subjects:
        raise LawEnforcementError("a request must name at least one account or group")
    for kind, sid in subjects:
        if kind not in ("account", "group") or not sid:
            raise LawEnforcementError(f"subject {kind}:{sid} is not account:ID or group:ID")
    received = as_utc(received_at) or utcnow()
    hours = rules.le_emergency_hours if emergency else rules.le_answer_hours
    due = as_utc(deadline) or received + timedelta(hours=hours)
    request_id = session.execute(insert(le_requests).values(
        agency=agency, jurisdiction=jurisdiction.upper(), legal_process=legal_process,
        reference=reference, emergency=emergency, received_at=received, deadline=due,
        status="open", notes=notes, created_by=actor)).inserted_primary_key[0]
    for kind, sid in dict.fromkeys(subjects):
        session.execute(insert(le_request_subjects).values(
            request_id=request_id, subject_type=kind, subject_id=sid))
    record_audit(session, actor, "le.intake", f"le:{request_id}", agency=agency,
                 jurisdiction=jurisdiction.upper(), emergency=emergency)
    return int(request_id)


def time_left(deadline: datetime, now: datetime) -> str:
    delta = as_utc(deadline) - now
    overdue = delta.total_seconds() < 0
    seconds = abs(int(delta.total_seconds()))
    days, rem = divmod(seconds, 86400)
    hours, rem = divmod(rem, 3600)
    text = (f"{days}d {hours}h" if days else f"{hours}h {rem // 60}m")
    return f"overdue by {text}" if overdue else text


def list_requests(session: Session, *, now: datetime | None = None,
                  include_answered: bool = False) -> list[dict[str, Any]]:
    """Requests in working order: open before answered, emergency first, then deadline."""
    now = as_utc(now) or utcnow()
    query = select(le_requests)
    if not include_answered:
        query = query.where(le_requests.c.status != "answered")
    rows = session.execute(query).all()
    out = []
    for r in rows:
        item = _row_dict(r)
        item["subjects"] = [f"{s.subject_type}:{s.subject_id}" for s in session.execute(
            select(le_request_subjects).where(le_request_subjects.c.request_id == r.id))]
        done = r.status == "answered"
        item["seconds_left"] = None if done else int((as_utc(r.deadline) - now).total_seconds())
        item["time_left"] = "answered" if done else time_left(r.deadline, now)
        item["answered_in_time"] = (as_utc(r.answered_at) <= as_utc(r.deadline)) if done \
            else None
        out.append(item)
    out.sort(key=lambda i: (i["status"] == "answered", not i["emergency"], i["deadline"]))
    return out


def get_request(session: Session, request_id: int) -> dict[str, Any]:
    for item in list_requests(session, include_answered=True):
        if item["id"] == request_id:
            return item
    raise NotFoundError(f"law-enforcement request {request_id} does not exist")


def _snapshot(session: Session, kind: str, sid: str) -> dict[str, Any]:
    if kind == "account":
        row = session.execute(select(accounts).where(accounts.c.id == sid)).first()
        member_of = session.execute(select(memberships).where(
            memberships.c.account_id == sid)).all()
        uses = session.execute(select(media_uses).where(or_(
            (media_uses.c.subject_type == "account") & (media_uses.c.subject_id == sid),
            media_uses.c.set_by == sid))).all()
        return {"account": _row_dict(row) if row else None,
                "memberships": [_row_dict(m) for m in member_of],
                "media_uses": [_row_dict(u) for u in uses]}
    row = session.execute(select(groups).where(groups.c.id == sid)).first()
    members = session.execute(select(memberships).where(memberships.c.group_id == sid)).all()
    links = session.execute(select(invite_links).where(invite_links.c.group_id == sid)).all()
    uses = session.execute(select(media_uses).where(media_uses.c.subject_type == "group",
                                                    media_uses.c.subject_id == sid)).all()
    return {"group": _row_dict(row) if row else None,
            "memberships": [_row_dict(m) for m in members],
            "invite_links": [_row_dict(link) for link in links],
            "media_uses": [_row_dict(u) for u in uses]}


def preserve_for_request(session: Session, settings: Settings, request_id: int, *,
                         actor: str, config: ReportingConfig | None = None) -> dict[str, Any]:
    """Snapshot every named subject as encrypted records and keep their preserved media for
    the jurisdiction's law-enforcement preservation period."""
    config = config or load_config(settings)
    req = session.execute(select(le_requests).where(le_requests.c.id == request_id)).first()
    if req is None:
        raise NotFoundError(f"law-enforcement request {request_id} does not exist")
    days = config.jurisdiction(req.jurisdiction).le_preservation_days
    reference = f"le:{request_id}"
    records, media_kept, missing = [], [], []
    for subj in session.execute(select(le_request_subjects).where(
            le_request_subjects.c.request_id == request_id)).all():
        snap = _snapshot(session, subj.subject_type, subj.subject_id)
        if snap.get(subj.subject_type) is None:
            missing.append(f"{subj.subject_type}:{subj.subject_id}")
        snap["subject"] = f"{subj.subject_type}:{subj.subject_id}"
        snap["preserved_for"] = reference
        sha = preserve_record(session, settings, snap, reason=f"LE request {request_id}",
                              actor=actor, jurisdiction=req.jurisdiction, config=config)
        add_retention(session, sha, basis="le_request", jurisdiction=req.jurisdiction,
                      days=days, reference=reference)
        records.append(sha)
        for use in snap["media_uses"]:
            if session.execute(select(evidence.c.sha256).where(
                    evidence.c.sha256 == use["sha256"])).first() is not None:
                add_retention(session, use["sha256"], basis="le_request",
                              jurisdiction=req.jurisdiction, days=days, reference=reference)
                add_custody(session, use["sha256"], actor, "preserve",
                         f"LE request {request_id}")
                media_kept.append(use["sha256"])
    now = utcnow()
    session.execute(update(le_requests).where(le_requests.c.id == request_id).values(
        preserved_at=now, status="preserved" if req.status == "open" else req.status))
    record_audit(session, actor, "le.preserve", f"le:{request_id}", records=len(records),
                 media=len(set(media_kept)), missing=missing)
    return {"records": records, "media": sorted(set(media_kept)), "missing": missing,
            "retained_days": days}


def build_disclosure(session: Session, settings: Settings, request_id: int, out_dir: Path, *,
                     actor: str, config: ReportingConfig | None = None) -> Path:
    """Write the signed disclosure package for a request and mark it answered."""
    config = config or load_config(settings)
    req = session.execute(select(le_requests).where(le_requests.c.id == request_id)).first()
    if req is None:
        raise NotFoundError(f"law-enforcement request {request_id} does not exist")
    if req.preserved_at is None:
        preserve_for_request(session, settings, request_id, actor=actor, config=config)
    reference = f"le:{request_id}"
    shas = sorted(set(session.execute(select(evidence_retention.c.sha256).where(
        evidence_retention.c.basis == "le_request",
        evidence_retention.c.reference == reference)).scalars()))
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise LawEnforcementError(f"{out_dir} is not empty; choose a new folder")
    (out_dir / "records").mkdir(parents=True, exist_ok=True)
    (out_dir / "files").mkdir(exist_ok=True)
    entries = []
    why = f"disclosure for LE request {request_id} ({req.agency})"
    for sha in shas:
        kind = session.execute(select(evidence.c.kind).where(evidence.c.sha256 == sha)).scalar()
        data = read_media(session, settings, sha, actor=actor, why=why)
        rel = (f"records/{sha}.json" if kind == "record"
               else f"files/{sha}.{sniff_extension(data)}")
        (out_dir / rel).write_bytes(data)
        add_custody(session, sha, actor, "disclose", why, package=str(out_dir))
        entries.append({"path": rel, "sha256": sha, "size": len(data), "kind": kind})
    request_doc = get_request(session, request_id)
    (out_dir / "request.json").write_text(json.dumps(request_doc, indent=2, sort_keys=True))
    request_hash = hashlib.sha256((out_dir / "request.json").read_bytes()).hexdigest()
    entries.append({"path": "request.json", "sha256": request_hash,
                    "size": (out_dir / "request.json").stat().st_size, "kind": "request"})
    manifest = {"request_id": request_id, "agency": req.agency,
                "jurisdiction": req.jurisdiction, "legal_process": req.legal_process,
                "generated_at": utcnow().isoformat(), "generated_by": actor,
                "files": entries}
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
    (out_dir / "manifest.json").write_bytes(manifest_bytes)
    key = signing_key(settings, config)
    (out_dir / "manifest.sig").write_text(base64.b64encode(key.sign(manifest_bytes)).decode()
                                          + "\n")
    (out_dir / "public_key.pem").write_bytes(public_key_pem(key))
    now = utcnow()
    session.execute(update(le_requests).where(le_requests.c.id == request_id).values(
        status="answered", answered_at=now, package_path=str(out_dir)))
    record_audit(session, actor, "le.disclose", f"le:{request_id}", files=len(entries),
                 package=str(out_dir), in_time=now <= as_utc(req.deadline))
    return out_dir


def verify_package(package: Path) -> list[str]:
    """Check a disclosure package: the signature over the manifest and every file's hash.
    Returns the problems found (empty when the package is intact)."""
    package = Path(package)
    problems = []
    manifest_bytes = (package / "manifest.json").read_bytes()
    public = serialization.load_pem_public_key((package / "public_key.pem").read_bytes())
    if not isinstance(public, Ed25519PublicKey):
        return ["public_key.pem is not an Ed25519 key"]
    try:
        public.verify(base64.b64decode((package / "manifest.sig").read_text().strip()),
                      manifest_bytes)
    except InvalidSignature:
        problems.append("manifest signature does not verify")
    for entry in json.loads(manifest_bytes)["files"]:
        path = package / entry["path"]
        if not path.exists():
            problems.append(f"{entry['path']}: missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            problems.append(f"{entry['path']}: hash differs from the manifest")
    return problems
