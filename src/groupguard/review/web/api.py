"""The review HTTP API: everything the console does, as JSON. Authenticated by an API token
(web.deps.api_auth) acting for a named console user (`X-Groupguard-User`), whose role and
permissions apply and whose name the audit log records."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from groupguard.config import Settings
from groupguard.errors import GroupguardError
from groupguard.review import appeals as appeals_mod
from groupguard.review import auditview, casefile, decide, media, queue, users, wellness
from groupguard.review.users import ReviewUser
from groupguard.review.web.common import http_errors
from groupguard.signals.base import Subject
from groupguard.store import Database
from groupguard.store.audit import record_audit
from groupguard.web.deps import api_auth, get_db, get_settings

router = APIRouter(prefix="/v1", tags=["review"])


def acting_user(x_groupguard_user: str | None = Header(default=None),
                token: str = Depends(api_auth), db: Database = Depends(get_db)) -> ReviewUser:
    if not x_groupguard_user:
        raise HTTPException(400, "name the acting console user in the X-Groupguard-User header")
    with db.session() as s:
        try:
            user = users.get_user(s, x_groupguard_user)
        except GroupguardError as exc:
            raise HTTPException(403, str(exc)) from exc
    if not user.active:
        raise HTTPException(403, f"user {user.name} is disabled")
    return user


class DecisionIn(BaseModel):
    decision: Literal["confirm", "dismiss", "escalate", "uphold", "reverse"]
    category: Literal["A1", "A2", "B1", "B2"] | None = None
    note: str | None = Field(default=None, max_length=2000)


class BulkIn(BaseModel):
    decision: Literal["confirm", "dismiss"]
    category: Literal["A1", "A2", "B1", "B2"] | None = None
    note: str | None = Field(default=None, max_length=2000)


class AppealIn(BaseModel):
    subject: str = Field(description="account:<id> or group:<id>")
    statement: str = Field(min_length=1, max_length=5000)
    filed_by: str | None = Field(default=None, max_length=200)


class UserIn(BaseModel):
    name: str
    role: Literal["reviewer", "investigator", "admin", "auditor"]
    password: str = Field(min_length=users.MIN_PASSWORD)
    can_view_media: bool | None = None


def parse_subject(value: str) -> Subject:
    kind, _, ident = value.partition(":")
    if kind not in ("account", "group") or not ident:
        raise HTTPException(400, f"subject must be account:<id> or group:<id>, not {value!r}")
    return Subject(kind, ident)  # type: ignore[arg-type]


def filters_from(status: str, kind: str | None, signal_type: str | None, bank: str | None,
                 group: str | None, min_age_hours: float | None, max_age_hours: float | None,
                 severity: int | None) -> queue.QueueFilters:
    return queue.QueueFilters(status=status, kind=kind, signal_type=signal_type, bank=bank,
                              group=group, min_age_hours=min_age_hours,
                              max_age_hours=max_age_hours, severity=severity)


@router.get("/cases")
def list_cases(status: str = "open", kind: str | None = None, signal_type: str | None = None,
               bank: str | None = None, group: str | None = None,
               min_age_hours: float | None = None, max_age_hours: float | None = None,
               severity: int | None = Query(default=None, ge=1, le=4),
               limit: int = Query(default=50, ge=1, le=500), offset: int = Query(default=0, ge=0),
               user: ReviewUser = Depends(acting_user),
               db: Database = Depends(get_db)) -> dict[str, Any]:
    f = filters_from(status, kind, signal_type, bank, group, min_age_hours, max_age_hours,
                     severity)
    with http_errors(), db.session() as s:
        user.require("queue.view")
        entries = queue.list_queue(s, user, f, limit=limit, offset=offset)
        total = queue.count_queue(s, user, f)
    return {"total": total, "cases": [e.as_dict() for e in entries]}


@router.post("/cases/next")
def next_case(user: ReviewUser = Depends(acting_user),
              db: Database = Depends(get_db)) -> dict[str, Any]:
    with http_errors(), db.session() as s:
        case_id = queue.next_case(s, user)
    return {"case_id": case_id}


@router.get("/cases/{case_id}")
def get_case(case_id: int, user: ReviewUser = Depends(acting_user),
             db: Database = Depends(get_db),
             settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    with http_errors(), db.session() as s:
        view = casefile.case_view(s, case_id, user, settings=settings)
        record_audit(s, user.actor, "case.open", f"case:{case_id}", via="api")
    return view


@router.post("/cases/{case_id}/claim")
def claim(case_id: int, user: ReviewUser = Depends(acting_user),
          db: Database = Depends(get_db)) -> dict[str, Any]:
    with http_errors(), db.session() as s:
        expires = queue.claim_case(s, user, case_id)
    return {"case_id": case_id, "claimed_by": user.name, "expires": expires.isoformat()}


@router.post("/cases/{case_id}/release")
def release(case_id: int, user: ReviewUser = Depends(acting_user),
            db: Database = Depends(get_db)) -> dict[str, Any]:
    with http_errors(), db.session() as s:
        queue.release_case(s, user, case_id)
    return {"case_id": case_id, "released": True}


@router.post("/cases/{case_id}/decision")
def decide_case(case_id: int, body: DecisionIn, user: ReviewUser = Depends(acting_user),
                db: Database = Depends(get_db),
                settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    with http_errors(), db.session() as s:
        result = decide.decide(s, settings, user, case_id, body.decision,
                               category=body.category, note=body.note)
    return result.as_dict()


@router.post("/media/{sha256}/decision")
def bulk_decision(sha256: str, body: BulkIn, user: ReviewUser = Depends(acting_user),
                  db: Database = Depends(get_db),
                  settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    with http_errors(), db.session() as s:
        return decide.bulk_decide(s, settings, user, sha256.lower(), body.decision,
                                  category=body.category, note=body.note)


@router.get("/cases/{case_id}/media/{sha256}")
def case_media_bytes(case_id: int, sha256: str, strip: bool = False,
                     user: ReviewUser = Depends(acting_user), db: Database = Depends(get_db),
                     settings: Settings = Depends(get_settings)) -> Response:
    with http_errors(), db.session() as s:
        read = media.read_case_strip if strip else media.read_case_media
        m = read(s, settings, user, case_id, sha256.lower())
    return Response(m.data, media_type=m.content_type, headers=media_headers())


def media_headers() -> dict[str, str]:
    # Never cache evidence in a browser or proxy; never let it be sniffed as something else.
    return {"Cache-Control": "no-store, private", "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox"}


@router.post("/cases/{case_id}/media/{sha256}/reveal")
def reveal(case_id: int, sha256: str, user: ReviewUser = Depends(acting_user),
           db: Database = Depends(get_db)) -> dict[str, Any]:
    with http_errors(), db.session() as s:
        return media.reveal(s, user, case_id, sha256.lower())


@router.post("/appeals", status_code=201)
def file_appeal(body: AppealIn, token: str = Depends(api_auth),
                db: Database = Depends(get_db)) -> dict[str, Any]:
    """The platform forwards an actioned user's appeal; no console user is needed."""
    subject = parse_subject(body.subject)
    filed_by = body.filed_by or token
    with http_errors(), db.session() as s:
        case_id = appeals_mod.open_appeal(s, subject, body.statement, filed_by=filed_by)
    return {"case_id": case_id, "subject": str(subject)}


@router.get("/audit")
def audit(actor: str | None = None, action: str | None = None, subject: str | None = None,
          limit: int = Query(default=100, ge=1, le=1000), before_id: int | None = None,
          user: ReviewUser = Depends(acting_user),
          db: Database = Depends(get_db)) -> dict[str, Any]:
    with http_errors(), db.session() as s:
        return {"entries": auditview.list_audit(s, user, actor=actor, action=action,
                                                subject=subject, limit=limit,
                                                before_id=before_id)}


@router.get("/audit/export")
def audit_export(format: Literal["csv", "json"] = "json", actor: str | None = None,
                 action: str | None = None, subject: str | None = None,
                 user: ReviewUser = Depends(acting_user),
                 db: Database = Depends(get_db)) -> StreamingResponse:
    with http_errors(), db.session() as s:
        body = "".join(auditview.export_audit(s, user, format, actor=actor, action=action,
                                              subject=subject))
    return export_response(body, format)


def export_response(body: str, fmt: str) -> StreamingResponse:
    media_type = "text/csv" if fmt == "csv" else "application/x-ndjson"
    ext = "csv" if fmt == "csv" else "jsonl"
    return StreamingResponse(iter([body]), media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="groupguard-audit.{ext}"',
        "Cache-Control": "no-store"})


@router.get("/review/settings")
def get_my_settings(user: ReviewUser = Depends(acting_user),
                    db: Database = Depends(get_db)) -> dict[str, Any]:
    with db.session() as s:
        return {"effective": wellness.effective_settings(s, user).as_dict(),
                "choices": wellness.user_choices(s, user),
                "exposure": media.exposure(s, user)}


@router.put("/review/settings")
def put_my_settings(body: dict[str, Any], user: ReviewUser = Depends(acting_user),
                    db: Database = Depends(get_db)) -> dict[str, Any]:
    with http_errors(), db.session() as s:
        return {"effective": wellness.set_user_settings(s, user, body).as_dict()}


@router.get("/review/org-settings")
def get_org(user: ReviewUser = Depends(acting_user),
            db: Database = Depends(get_db)) -> dict[str, Any]:
    with db.session() as s:
        return wellness.org_settings(s)


@router.put("/review/org-settings")
def put_org(body: dict[str, Any], user: ReviewUser = Depends(acting_user),
            db: Database = Depends(get_db)) -> dict[str, Any]:
    with http_errors(), db.session() as s:
        return wellness.set_org_settings(s, user, body)


@router.get("/review/users")
def get_users(user: ReviewUser = Depends(acting_user),
              db: Database = Depends(get_db)) -> dict[str, Any]:
    with http_errors(), db.session() as s:
        user.require("users.manage")
        return {"users": [u.__dict__ for u in users.list_users(s)]}


@router.post("/review/users", status_code=201)
def post_user(body: UserIn, user: ReviewUser = Depends(acting_user),
              db: Database = Depends(get_db)) -> dict[str, Any]:
    with http_errors(), db.session() as s:
        user.require("users.manage")
        made = users.create_user(s, body.name, role=body.role, password=body.password,
                                 can_view_media=body.can_view_media, actor=user.actor)
    return made.__dict__
