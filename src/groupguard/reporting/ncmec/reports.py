"""Reading stored CyberTipline reports (for the CLI, the API and the console)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from groupguard.errors import NotFoundError
from groupguard.store.tables_reporting import ncmec_report_files, ncmec_reports
from groupguard.timeutil import as_utc


def _plain(row: Any) -> dict[str, Any]:
    return {k: (as_utc(v).isoformat() if isinstance(v, datetime) else v)
            for k, v in row._mapping.items()}


def list_reports(session: Session, *, case_id: int | None = None,
                 status: str | None = None) -> list[dict[str, Any]]:
    counts = (select(ncmec_report_files.c.report_id, func.count().label("files"))
              .group_by(ncmec_report_files.c.report_id).subquery())
    query = (select(*[c for c in ncmec_reports.c if c.name != "xml"], counts.c.files)
             .select_from(ncmec_reports.outerjoin(
                 counts, counts.c.report_id == ncmec_reports.c.id))
             .order_by(ncmec_reports.c.id))
    if case_id is not None:
        query = query.where(ncmec_reports.c.case_id == case_id)
    if status is not None:
        query = query.where(ncmec_reports.c.status == status)
    return [_plain(r) | {"files": r.files or 0} for r in session.execute(query)]


def get_report(session: Session, report_id: int) -> dict[str, Any]:
    row = session.execute(select(ncmec_reports).where(ncmec_reports.c.id == report_id)).first()
    if row is None:
        raise NotFoundError(f"report {report_id} does not exist")
    files = session.execute(select(ncmec_report_files).where(
        ncmec_report_files.c.report_id == report_id).order_by(ncmec_report_files.c.id)).all()
    return _plain(row) | {"files": [_plain(f) for f in files]}
