"""Send drafted reports to NCMEC, crash-safe.

Before anything goes out, every document is validated and every file is read back from
evidence; any failure there raises ReportError and nothing is sent. Then each step commits
its result before the next one starts: NCMEC's report id is stored before the first upload,
each file id as soon as NCMEC gives it, each fileinfo when accepted. A process that dies
mid-way resumes from the stored state on the next `send_report`, without opening a second
report. (The one window left is between NCMEC accepting /submit and our commit of its id;
NCMEC's API has no idempotency key to close it.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from groupguard.config import Settings
from groupguard.errors import GroupguardError, NotFoundError, ReportError
from groupguard.reporting.config import ReportingConfig, load_config
from groupguard.reporting.evidence import add_retention, read_media, sniff_extension
from groupguard.reporting.ncmec import schema
from groupguard.reporting.ncmec.client import NcmecClient
from groupguard.reporting.ncmec.drafts import draft_reports_for_case, file_from_record
from groupguard.reporting.ncmec.errors import NcmecError
from groupguard.reporting.ncmec.xml import build_file_details
from groupguard.store import Database
from groupguard.store.audit import record_audit
from groupguard.store.tables import cases
from groupguard.store.tables_reporting import ncmec_report_files, ncmec_reports
from groupguard.timeutil import utcnow


def _file_name(name: str, data: bytes) -> str:
    stem, _, ext = name.rpartition(".")
    return f"{stem or name}.{sniff_extension(data, ext or 'bin')}"


@dataclass
class _Prepared:
    report: Any
    files: list[Any]
    payload: dict[int, tuple[Any, bytes, str | None]]


def _prepare(db: Database, settings: Settings, report_id: int, *, actor: str) -> _Prepared:
    """Pre-flight: validate every document and read every file, before any request."""
    with db.session() as s:
        report = s.execute(select(ncmec_reports).where(ncmec_reports.c.id == report_id)
                           ).first()
        if report is None:
            raise NotFoundError(f"report {report_id} does not exist")
        if report.status == "finished":
            return _Prepared(report, [], {})
        if report.status == "retracted":
            raise ReportError(f"report {report_id} was retracted; draft the case again")
        files = s.execute(select(ncmec_report_files).where(
            ncmec_report_files.c.report_id == report_id).order_by(ncmec_report_files.c.id)
        ).all()
        if not files:
            raise ReportError(f"report {report_id} has no files; nothing would be reported")
        schema.validate(report.xml, what=f"report {report_id}")
        payload: dict[int, tuple[Any, bytes, str]] = {}
        for f in files:
            try:
                data = read_media(s, settings, f.sha256, actor=actor,
                                  why=f"NCMEC report {report_id}")
            except GroupguardError as exc:
                raise ReportError(f"report {report_id}: file {f.sha256} cannot be read from "
                                  f"evidence ({exc}); nothing was sent") from exc
            details = file_from_record(f.details)
            details.file_name = _file_name(f.file_name, data)
            preview = build_file_details(details, report_id=0, file_id="pending")
            schema.validate(preview, what=f"fileDetails for {f.sha256}")
            payload[f.id] = (details, data, f.ncmec_file_id)
    return _Prepared(report, files, payload)


def send_report(db: Database, settings: Settings, report_id: int, *, actor: str,
                client: NcmecClient, config: ReportingConfig | None = None,
                prepared: _Prepared | None = None) -> int:
    """File one report with NCMEC, resuming where a previous attempt stopped. Returns
    NCMEC's report id. Raises ReportError before sending anything if pre-flight fails."""
    config = config or load_config(settings)
    prep = prepared or _prepare(db, settings, report_id, actor=actor)
    report, files, payload = prep.report, prep.files, prep.payload
    if report.status == "finished":
        return int(report.ncmec_report_id)

    def save(**values: Any) -> None:
        with db.session() as s:
            s.execute(update(ncmec_reports).where(ncmec_reports.c.id == report_id)
                      .values(updated_at=utcnow(), **values))

    try:
        # 2. Submit, unless a previous attempt already holds NCMEC's id.
        ncmec_id = report.ncmec_report_id
        if ncmec_id is None:
            ncmec_id = client.submit(report.xml)
            save(ncmec_report_id=ncmec_id, status="submitted", submitted_at=utcnow(),
                 environment=config.ncmec_environment, last_error=None)
            with db.session() as s:
                record_audit(s, actor, "report.submit", f"report:{report_id}",
                             ncmec_report_id=ncmec_id)
        # 3. Upload and describe each file, committing each id as it comes.
        for f in files:
            details, data, file_id = payload[f.id]
            if file_id is None:
                file_id = client.upload(ncmec_id, details.file_name, data)
                with db.session() as s:
                    s.execute(update(ncmec_report_files).where(ncmec_report_files.c.id == f.id)
                              .values(ncmec_file_id=file_id, uploaded_at=utcnow(),
                                      file_name=details.file_name))
            if f.fileinfo_at is None:
                doc = build_file_details(details, report_id=ncmec_id, file_id=file_id)
                schema.validate(doc, what=f"fileDetails for {f.sha256}")
                client.fileinfo(doc)
                with db.session() as s:
                    s.execute(update(ncmec_report_files).where(ncmec_report_files.c.id == f.id)
                              .values(fileinfo_at=utcnow()))
        # 4. Finish, and keep the evidence a year (or what the jurisdiction says) from now.
        with db.session() as s:
            expected = set(s.execute(select(ncmec_report_files.c.ncmec_file_id).where(
                ncmec_report_files.c.report_id == report_id)).scalars())
        held = client.finish(ncmec_id)
        if held and not expected <= set(held):
            raise ReportError(f"NCMEC finished report {ncmec_id} without files "
                              f"{sorted(expected - set(held))}")
    except NcmecError as exc:
        save(last_error=str(exc))
        raise
    now = utcnow()
    days = config.jurisdiction("US").cybertip_days
    with db.session() as s:
        s.execute(update(ncmec_reports).where(ncmec_reports.c.id == report_id).values(
            status="finished", finished_at=now, updated_at=now, last_error=None))
        for f in files:
            add_retention(s, f.sha256, basis="cybertip", jurisdiction="US", days=days,
                          reference=f"ncmec:{ncmec_id}", starts_at=now)
        record_audit(s, actor, "report.finish", f"report:{report_id}",
                     ncmec_report_id=ncmec_id, files=len(files))
    return int(ncmec_id)


def send_case(db: Database, settings: Settings, case_id: int, *, actor: str,
              client: NcmecClient, config: ReportingConfig | None = None) -> list[int]:
    """Draft the case if it has no reports yet, then send every unsent report of it.

    All reports of the case pass pre-flight before the first one is sent."""
    config = config or load_config(settings)
    with db.session() as s:
        if s.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None:
            raise NotFoundError(f"case {case_id} does not exist")
        ids = s.execute(select(ncmec_reports.c.id).where(
            ncmec_reports.c.case_id == case_id, ncmec_reports.c.status != "retracted")
        ).scalars().all()
    if not ids:
        with db.session() as s:
            ids = draft_reports_for_case(s, settings, case_id, actor=actor, config=config)
    prepared = {rid: _prepare(db, settings, rid, actor=actor) for rid in sorted(ids)}
    return [send_report(db, settings, rid, actor=actor, client=client, config=config,
                        prepared=prep) for rid, prep in prepared.items()]


def retract_report(db: Database, report_id: int, *, actor: str, client: NcmecClient) -> None:
    with db.session() as s:
        report = s.execute(select(ncmec_reports).where(ncmec_reports.c.id == report_id)
                           ).first()
    if report is None:
        raise NotFoundError(f"report {report_id} does not exist")
    if report.ncmec_report_id is None:
        raise ReportError(f"report {report_id} was never submitted; nothing to retract")
    if report.status == "finished":
        raise ReportError(f"report {report_id} is finished; NCMEC does not allow retracting "
                          f"a finished report")
    client.retract(int(report.ncmec_report_id))
    with db.session() as s:
        s.execute(update(ncmec_reports).where(ncmec_reports.c.id == report_id)
                  .values(status="retracted", updated_at=utcnow()))
        record_audit(s, actor, "report.retract", f"report:{report_id}",
                     ncmec_report_id=report.ncmec_report_id)
