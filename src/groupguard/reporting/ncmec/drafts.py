"""Draft CyberTipline reports from a confirmed case: one report per reported account,
carrying every file of that account in the case.

Which files: media tied to the case's subject (a group's icon and reported media, an
account's profile photo and what it set or shared) that matched a bank or carries a signal
about the subject. Who: the account the use is attributed to (the subject for an account's
own media; whoever set it for a group's media; the group's creator as a last resort).

`fileViewedByEsp` is true only if the audit log shows a reviewer ("user:...") viewed the
media ("media.view") before the draft. An unviewed file may still be reported when it is an
exact digest match against an NCMEC-verified list and the policy allows it
(`report_unviewed_verified`); the report says so. Other unviewed files are withheld and
listed in the draft's summary.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.errors import NotFoundError, ReportError
from groupguard.reporting.config import ReportingConfig, load_config
from groupguard.reporting.evidence import has_evidence
from groupguard.reporting.ncmec import schema
from groupguard.reporting.ncmec.xml import (
    ChatGroup,
    ReportedAccount,
    ReportedFile,
    ReportInput,
    build_file_details,
    build_report,
)
from groupguard.store.audit import record_audit
from groupguard.store.tables import (
    accounts,
    audit_log,
    banks,
    cases,
    decisions,
    groups,
    matches,
    media,
    media_uses,
    signals,
)
from groupguard.store.tables_reporting import ncmec_report_files, ncmec_reports
from groupguard.timeutil import as_utc, utcnow

EXACT_TYPES = {"md5", "sha256"}
SOLICITATION_HINTS = ("text", "term", "solicit")


@dataclass
class _Use:
    sha256: str
    account_id: str | None
    group_id: str | None
    role: str
    ts: datetime


@dataclass
class _AccountItems:
    files: dict[str, ReportedFile] = field(default_factory=dict)
    groups: dict[str, ChatGroup] = field(default_factory=dict)
    first_seen: datetime | None = None


def _case(session: Session, case_id: int) -> Any:
    row = session.execute(select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        raise NotFoundError(f"case {case_id} does not exist")
    confirmed = row.resolution == "confirm" or session.execute(
        select(decisions.c.id).where(decisions.c.case_id == case_id,
                                     decisions.c.outcome == "confirm")).first() is not None
    if not confirmed:
        raise ReportError(f"case {case_id} is not confirmed by a reviewer; only confirmed "
                          f"cases are reported")
    return row


def _category(session: Session, case: Any) -> str | None:
    latest = session.execute(
        select(decisions.c.category).where(decisions.c.case_id == case.id,
                                           decisions.c.category.is_not(None))
        .order_by(decisions.c.id.desc())).scalars().first()
    return latest or case.category


def _uses(session: Session, subject_type: str, subject_id: str) -> list[_Use]:
    if subject_type == "group":
        rows = session.execute(select(media_uses).where(
            media_uses.c.subject_type == "group", media_uses.c.subject_id == subject_id)).all()
        grp = session.execute(select(groups).where(groups.c.id == subject_id)).first()
        out = []
        for r in rows:
            who = r.set_by
            if who is None and grp is not None:
                who = {"group_icon": grp.icon_set_by}.get(r.role) or grp.creator
            out.append(_Use(r.sha256, who, subject_id, r.role, as_utc(r.ts)))
        return out
    rows = session.execute(select(media_uses).where(
        ((media_uses.c.subject_type == "account") & (media_uses.c.subject_id == subject_id))
        | (media_uses.c.set_by == subject_id))).all()
    return [_Use(r.sha256, subject_id, r.subject_id if r.subject_type == "group" else None,
                 r.role, as_utc(r.ts)) for r in rows]


def _viewed(session: Session, sha256: str, before: datetime) -> bool:
    return session.execute(select(audit_log.c.id).where(
        audit_log.c.action == "media.view", audit_log.c.subject == f"media:{sha256}",
        audit_log.c.actor.like("user:%"), audit_log.c.ts <= before)).first() is not None


def _matches(session: Session, sha256: str) -> list[Any]:
    return session.execute(
        select(matches.c.bank, matches.c.signal_type, matches.c.distance, banks.c.verified)
        .select_from(matches.join(banks, banks.c.name == matches.c.bank))
        .where(matches.c.sha256 == sha256)).all()


def _prior_reports(session: Session, account_id: str) -> list[int]:
    return [int(x) for x in session.execute(
        select(ncmec_reports.c.ncmec_report_id).where(
            ncmec_reports.c.account_id == account_id,
            ncmec_reports.c.ncmec_report_id.is_not(None),
            ncmec_reports.c.status.in_(("finished", "submitted")))
        .order_by(ncmec_reports.c.ncmec_report_id)).scalars()]


def _account(session: Session, account_id: str) -> ReportedAccount:
    row = session.execute(select(accounts).where(accounts.c.id == account_id)).first()
    if row is None or not (row.phone or row.display_name):
        raise ReportError(f"account {account_id} has no identifiers on record (no phone "
                          f"number, no display name); NCMEC cannot act on the report")
    return ReportedAccount(account_id=account_id, phone=row.phone,
                           display_name=row.display_name,
                           banned_at=as_utc(row.banned_at) if row.status == "banned" else None,
                           prior_report_ids=_prior_reports(session, account_id))


def collect(session: Session, settings: Settings, case_id: int,
            config: ReportingConfig) -> tuple[dict[str, _AccountItems], list[dict], Any]:
    """Gather each reported account's files and groups; raise on anything unreportable."""
    now = utcnow()
    case = _case(session, case_id)
    category = _category(session, case)
    signalled = set(session.execute(select(signals.c.sha256).where(
        signals.c.subject_type == case.subject_type, signals.c.subject_id == case.subject_id,
        signals.c.sha256.is_not(None))).scalars())
    per_account: dict[str, _AccountItems] = defaultdict(_AccountItems)
    withheld: list[dict] = []
    uses = sorted(_uses(session, case.subject_type, case.subject_id), key=lambda u: u.ts)
    for use in uses:
        found = _matches(session, use.sha256)
        if not found and use.sha256 not in signalled:
            continue
        if use.ts > now:
            raise ReportError(f"media {use.sha256} has a timestamp in the future "
                              f"({use.ts.isoformat()}); fix the event clock before reporting")
        if use.account_id is None:
            raise ReportError(f"media {use.sha256} in case {case_id} cannot be attributed to "
                              f"an account (no setter, no group creator)")
        med = session.execute(select(media).where(media.c.sha256 == use.sha256)).first()
        if med is None:
            raise ReportError(f"media {use.sha256} is not in the media table")
        if not has_evidence(session, settings, use.sha256):
            raise ReportError(f"file {use.sha256} is missing from evidence (never preserved, "
                              f"or purged); preserve it before reporting")
        viewed = _viewed(session, use.sha256, now)
        notes = [f"Matched {m.bank} ({m.signal_type}, distance {m.distance}"
                 f"{', NCMEC-verified list' if m.verified else ''})" for m in found]
        if not viewed:
            verified_exact = any(m.verified and m.signal_type in EXACT_TYPES
                                 and m.distance == 0 for m in found)
            if not (verified_exact and config.report_unviewed_verified):
                withheld.append({"sha256": use.sha256, "account": use.account_id,
                                 "why": "not viewed by a reviewer and not an exact match "
                                        "against an NCMEC-verified list"})
                continue
            notes.append("Not viewed by the ESP: reported on an exact hash match against an "
                         "NCMEC-verified list, as the ESP's policy allows.")
        items = per_account[use.account_id]
        items.first_seen = min(filter(None, (items.first_seen, use.ts)))
        if use.group_id and use.group_id not in items.groups:
            grp = session.execute(select(groups.c.name).where(groups.c.id == use.group_id)
                                  ).scalar()
            items.groups[use.group_id] = ChatGroup(use.group_id, grp)
        if use.sha256 in items.files:
            continue
        where = (f"{use.role.replace('_', ' ')} of group {use.group_id}" if use.group_id
                 else f"{use.role.replace('_', ' ')} of account {use.account_id}")
        items.files[use.sha256] = ReportedFile(
            sha256=use.sha256, md5=med.md5, pdq=med.pdq,
            file_name=f"{use.sha256[:16]}.{'mp4' if med.kind == 'video' else 'img'}",
            viewed_by_esp=viewed, uploaded_at=use.ts, location=where,
            classification=category, notes=notes)
    if not per_account:
        why = (f"; {len(withheld)} file(s) withheld until a reviewer views them"
               if withheld else "")
        raise ReportError(f"case {case_id} has no files to report{why}")
    return per_account, withheld, case


def _annotations(session: Session, case: Any, account_id: str) -> set[str]:
    kinds = session.execute(select(signals.c.kind).where(
        ((signals.c.subject_type == case.subject_type)
         & (signals.c.subject_id == case.subject_id))
        | ((signals.c.subject_type == "account") & (signals.c.subject_id == account_id))
    )).scalars().all()
    return {"csamSolicitation"} if any(h in k for k in kinds for h in SOLICITATION_HINTS) \
        else set()


def build_input(session: Session, config: ReportingConfig, case: Any, account_id: str,
                items: _AccountItems) -> ReportInput:
    files = list(items.files.values())
    unviewed = [f for f in files if not f.viewed_by_esp]
    info = [f"groupguard case {case.id}: {case.reason}",
            f"{len(files)} file(s); {len(files) - len(unviewed)} viewed by a reviewer."]
    if unviewed:
        info.append(f"{len(unviewed)} file(s) were not viewed by the ESP and are reported on "
                    f"exact hash matches against NCMEC-verified lists, per the ESP's policy.")
    return ReportInput(
        incident_at=items.first_seen or utcnow(), reporter=config.reporter,
        account=_account(session, account_id), groups=list(items.groups.values()),
        files=files, annotations=_annotations(session, case, account_id),
        incident_description="When the first reported file was shared on the platform",
        additional_info=info)


def render_and_validate(data: ReportInput) -> tuple[str, list[str]]:
    """The report XML and a preview of each fileDetails (NCMEC ids not yet known), all
    validated against the schema."""
    report_xml = build_report(data)
    schema.validate(report_xml, what=f"report for account {data.account.account_id}")
    details = []
    for f in data.files:
        doc = build_file_details(f, report_id=0, file_id="pending")
        schema.validate(doc, what=f"fileDetails for {f.sha256}")
        details.append(doc)
    return report_xml, details


def file_record(f: ReportedFile) -> dict[str, Any]:
    return {"sha256": f.sha256, "md5": f.md5, "pdq": f.pdq, "file_name": f.file_name,
            "viewed_by_esp": f.viewed_by_esp, "location": f.location,
            "classification": f.classification, "notes": f.notes,
            "uploaded_at": f.uploaded_at.isoformat() if f.uploaded_at else None}


def file_from_record(d: dict[str, Any]) -> ReportedFile:
    return ReportedFile(sha256=d["sha256"], md5=d["md5"], pdq=d.get("pdq"),
                        file_name=d["file_name"], viewed_by_esp=d["viewed_by_esp"],
                        location=d.get("location"), classification=d.get("classification"),
                        notes=list(d.get("notes") or []),
                        uploaded_at=datetime.fromisoformat(d["uploaded_at"])
                        if d.get("uploaded_at") else None)


def draft_reports_for_case(session: Session, settings: Settings, case_id: int, *,
                           actor: str, config: ReportingConfig | None = None) -> list[int]:
    """Store one draft report per reported account of a confirmed case; returns report ids.

    Re-drafting replaces drafts not yet sent; a report already submitted to NCMEC is left
    as it is and its id returned. Raises ReportError (nothing stored) on unreportable input.
    """
    config = config or load_config(settings)
    per_account, withheld, case = collect(session, settings, case_id, config)
    rendered = {}
    for account_id, items in per_account.items():
        data = build_input(session, config, case, account_id, items)
        rendered[account_id] = (data, *render_and_validate(data))
    now = utcnow()
    ids = []
    for account_id, (data, report_xml, _details) in rendered.items():
        existing = session.execute(select(ncmec_reports.c.id, ncmec_reports.c.status).where(
            ncmec_reports.c.case_id == case_id, ncmec_reports.c.account_id == account_id,
            ncmec_reports.c.status != "retracted")).first()
        summary = {"files": len(data.files),
                   "viewed": sum(f.viewed_by_esp for f in data.files),
                   "groups": [g.group_id for g in data.groups],
                   "withheld": [w for w in withheld if w["account"] == account_id]}
        values = dict(xml=report_xml, incident_at=data.incident_at, summary=summary,
                      updated_at=now)
        if existing is not None and existing.status != "draft":
            ids.append(existing.id)
            continue
        if existing is not None:
            report_id = existing.id
            session.execute(update(ncmec_reports).where(ncmec_reports.c.id == report_id)
                            .values(**values))
            session.execute(delete(ncmec_report_files)
                            .where(ncmec_report_files.c.report_id == report_id))
        else:
            report_id = session.execute(insert(ncmec_reports).values(
                case_id=case_id, account_id=account_id, status="draft", created_at=now,
                created_by=actor, **values)).inserted_primary_key[0]
        for f in data.files:
            session.execute(insert(ncmec_report_files).values(
                report_id=report_id, sha256=f.sha256, file_name=f.file_name,
                viewed_by_esp=f.viewed_by_esp, details=file_record(f)))
        record_audit(session, actor, "report.draft", f"report:{report_id}", case_id=case_id,
                     account_id=account_id, files=len(data.files))
        ids.append(report_id)
    return ids
