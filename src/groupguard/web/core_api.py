"""The core HTTP API: events in, actions out (pull by cursor), stats."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from sqlalchemy.orm import Session

from groupguard.actions.outbox import list_actions, publish
from groupguard.runner.ingest import ingest_payload
from groupguard.runner.stats import collect_stats
from groupguard.store.db import Database
from groupguard.web.deps import api_auth, get_db, get_session

router = APIRouter(prefix="/v1", tags=["core"])

MAX_BATCH = 5000


@router.post("/events", status_code=202)
def post_events(
    request: Request,
    body: Any = Body(..., description="One event object or a list of them (schema v1)"),
    actor: str = Depends(api_auth),
) -> dict[str, Any]:
    """Store events (idempotent by id). Malformed items are reported by position and field;
    the others are stored. Processing happens in the runner (`groupguard run`, or the
    background runner of `groupguard serve`)."""
    if isinstance(body, list) and len(body) > MAX_BATCH:
        raise HTTPException(413, f"at most {MAX_BATCH} events per request")
    report = ingest_payload(request.app.state.db, body)
    runner = getattr(request.app.state, "runner", None)
    if runner is not None and report.accepted:
        runner.wake()
    return report.to_json()


@router.get("/actions")
def get_actions(
    after: int = Query(0, description="Cursor: the `cursor` the previous call returned"),
    limit: int = Query(100, ge=1, le=1000),
    kind: str | None = None,
    db: Database = Depends(get_db),
    session: Session = Depends(get_session),
    actor: str = Depends(api_auth),
) -> dict[str, Any]:
    """Pull enforcement actions in order. Pass the returned `cursor` as `after` next time;
    apply each action idempotently by its `idempotency_key`."""
    publish(db)
    items = list_actions(session, after=after, limit=limit, kind=kind)
    return {
        "actions": [a.to_json() for a in items],
        "cursor": items[-1].cursor if items else after,
    }


@router.get("/stats")
def get_stats(
    session: Session = Depends(get_session), actor: str = Depends(api_auth)
) -> dict[str, Any]:
    return collect_stats(session)
