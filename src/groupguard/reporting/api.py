"""HTTP routes for reporting: CyberTipline reports, evidence custody, law-enforcement
requests and transparency figures. Every route needs an API token; the token's name is
the actor in audit entries and custody rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.store import Database
from groupguard.web.deps import api_auth, get_db, get_session, get_settings
from groupguard.web.errors import call_http

router = APIRouter(prefix="/v1", tags=["reporting"])
T = TypeVar("T")


def _run(fn: Callable[[], T]) -> T:
    return call_http(fn)


@router.get("/reports")
def reports(case_id: int | None = None, status: str | None = None,
            session: Session = Depends(get_session),
            actor: str = Depends(api_auth)) -> dict[str, Any]:
    from groupguard.reporting.ncmec.reports import list_reports

    return {"reports": list_reports(session, case_id=case_id, status=status)}


@router.get("/reports/{report_id}")
def report(report_id: int, session: Session = Depends(get_session),
           actor: str = Depends(api_auth)) -> dict[str, Any]:
    from groupguard.reporting.ncmec.reports import get_report

    return _run(lambda: get_report(session, report_id))


@router.post("/cases/{case_id}/reports/draft", status_code=201)
def draft(case_id: int, session: Session = Depends(get_session),
          settings: Settings = Depends(get_settings),
          actor: str = Depends(api_auth)) -> dict[str, Any]:
    """Draft one CyberTipline report per reported account of a confirmed case."""
    from groupguard.reporting.ncmec.drafts import draft_reports_for_case

    return {"report_ids": _run(lambda: draft_reports_for_case(session, settings, case_id,
                                                              actor=actor))}


@router.post("/cases/{case_id}/reports/send")
def send(case_id: int, db: Database = Depends(get_db),
         settings: Settings = Depends(get_settings),
         actor: str = Depends(api_auth)) -> dict[str, Any]:
    """File the case's reports with NCMEC (resumes an interrupted send)."""
    from groupguard.reporting.config import load_config
    from groupguard.reporting.ncmec.client import NcmecClient
    from groupguard.reporting.ncmec.send import send_case

    def go() -> list[int]:
        config = load_config(settings)
        with NcmecClient.from_config(config) as client:
            return send_case(db, settings, case_id, actor=actor, client=client, config=config)

    return {"ncmec_report_ids": _run(go)}


@router.get("/evidence")
def evidence(session: Session = Depends(get_session),
             actor: str = Depends(api_auth)) -> dict[str, Any]:
    from groupguard.reporting.evidence import list_evidence

    return {"evidence": list_evidence(session)}


@router.get("/evidence/{sha256}/custody")
def custody(sha256: str, session: Session = Depends(get_session),
            actor: str = Depends(api_auth)) -> dict[str, Any]:
    from groupguard.reporting.evidence import custody_chain

    return {"sha256": sha256, "custody": _run(lambda: custody_chain(session, sha256))}


class LeRequestIn(BaseModel):
    agency: str
    jurisdiction: str = Field(description="e.g. US, IN; sets the default deadline")
    legal_process: str
    accounts: list[str] = []
    groups: list[str] = []
    deadline: datetime | None = None
    emergency: bool = False
    reference: str | None = None
    notes: str | None = None


@router.get("/le-requests")
def le_requests(include_answered: bool = False, session: Session = Depends(get_session),
                actor: str = Depends(api_auth)) -> dict[str, Any]:
    """Requests in working order (emergency first, then deadline) with the time left."""
    from groupguard.reporting.lawenforcement import list_requests

    return {"requests": list_requests(session, include_answered=include_answered)}


@router.post("/le-requests", status_code=201)
def le_intake(body: LeRequestIn, session: Session = Depends(get_session),
              settings: Settings = Depends(get_settings),
              actor: str = Depends(api_auth)) -> dict[str, Any]:
    from groupguard.reporting.lawenforcement import get_request, intake

    def go() -> dict[str, Any]:
        rid = intake(session, settings, agency=body.agency, jurisdiction=body.jurisdiction,
                     legal_process=body.legal_process, deadline=body.deadline,
                     emergency=body.emergency, reference=body.reference, notes=body.notes,
                     subjects=[("account", a) for a in body.accounts]
                     + [("group", g) for g in body.groups], actor=actor)
        return get_request(session, rid)

    return _run(go)


@router.get("/le-requests/{request_id}")
def le_request(request_id: int, session: Session = Depends(get_session),
               actor: str = Depends(api_auth)) -> dict[str, Any]:
    from groupguard.reporting.lawenforcement import get_request

    return _run(lambda: get_request(session, request_id))


@router.post("/le-requests/{request_id}/preserve")
def le_preserve(request_id: int, session: Session = Depends(get_session),
                settings: Settings = Depends(get_settings),
                actor: str = Depends(api_auth)) -> dict[str, Any]:
    from groupguard.reporting.lawenforcement import preserve_for_request

    return _run(lambda: preserve_for_request(session, settings, request_id, actor=actor))


@router.post("/le-requests/{request_id}/disclose")
def le_disclose(request_id: int, session: Session = Depends(get_session),
                settings: Settings = Depends(get_settings),
                actor: str = Depends(api_auth)) -> dict[str, Any]:
    """Write the signed disclosure package under the data home; returns its folder."""
    from groupguard.reporting.lawenforcement import build_disclosure
    from groupguard.timeutil import utcnow

    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    out = settings.home / "disclosures" / f"le-{request_id}-{stamp}"

    def go() -> Path:
        return build_disclosure(session, settings, request_id, out, actor=actor)

    return {"package": str(_run(go))}


@router.get("/transparency/{month}")
def transparency(month: str, session: Session = Depends(get_session),
                 actor: str = Depends(api_auth)) -> dict[str, Any]:
    from groupguard.reporting.transparency import month_metrics

    return _run(lambda: month_metrics(session, month))
