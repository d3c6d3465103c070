"""HTTP routes for banks: list, create, add hashes, remove entries, import and export files.
The same service functions as `groupguard bank ...`; every route needs an API token, whose
name is recorded as the entries' source when none is given and in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Body, Depends, HTTPException, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from groupguard.config import Settings
from groupguard.errors import BankError, GroupguardError, InvalidHashError, NotFoundError
from groupguard.store import Database
from groupguard.store.audit import record_audit
from groupguard.web.deps import api_auth, get_db, get_settings
from groupguard.web.errors import call_http

router = APIRouter(prefix="/v1", tags=["banks"])
T = TypeVar("T")


def _bank_status(exc: GroupguardError) -> int | None:
    if isinstance(exc, BankError) and not isinstance(exc, NotFoundError):
        return 404 if "does not exist" in str(exc) else 409 if "exists" in str(exc) else 422
    return None


def _run(fn: Callable[[], T]) -> T:
    return call_http(fn, status_of=_bank_status)


class BankIn(BaseModel):
    name: str
    kind: str = "hash"
    action_policy: str = "review"
    pdq_threshold: int | None = None
    source: str | None = None
    verified: bool = False
    description: str | None = None


class HashIn(BaseModel):
    signal_type: str
    value: str | list[Any]
    tags: list[str] = Field(default_factory=list)


class HashesIn(BaseModel):
    items: list[HashIn]
    source: str | None = None
    tags: list[str] = Field(default_factory=list)


def _retro(db: Database, settings: Settings, ids: list[int]) -> dict[str, Any]:
    from groupguard.banks.retro import after_add

    if not ids:
        return {"matches": 0, "media": []}
    report = after_add(db, settings, ids)
    return {"matches": report.matches, "media": sorted(report.sha256s),
            "signals": report.signals}


@router.get("/banks")
def list_banks(db: Database = Depends(get_db), actor: str = Depends(api_auth)
               ) -> dict[str, Any]:
    from groupguard.banks import service

    with db.session() as s:
        return {"banks": [b.to_json() for b in service.list_banks(s)]}


@router.post("/banks", status_code=201)
def create_bank(body: BankIn, db: Database = Depends(get_db),
                actor: str = Depends(api_auth)) -> dict[str, Any]:
    from groupguard.banks import service

    with db.session() as s:
        bank = _run(lambda: service.create_bank(s, **body.model_dump()))
        record_audit(s, actor, "bank.create", f"bank:{bank.name}", kind=bank.kind,
                     action_policy=bank.action_policy)
        return bank.to_json()


@router.get("/banks/{name}")
def get_bank(name: str, db: Database = Depends(get_db), actor: str = Depends(api_auth)
             ) -> dict[str, Any]:
    from groupguard.banks import service

    with db.session() as s:
        return _run(lambda: service.get_bank(s, name)).to_json()


@router.post("/banks/{name}/hashes", status_code=201)
def add_hashes(name: str, body: HashesIn, db: Database = Depends(get_db),
               settings: Settings = Depends(get_settings),
               actor: str = Depends(api_auth)) -> dict[str, Any]:
    """Add hashes; each item is validated on its own: bad ones come back in `errors`
    (with their index) and the rest are added."""
    import json

    from groupguard.banks import service
    from groupguard.banks.signal_types import normalise

    good: list[tuple[str, str, list[str]]] = []
    errors: list[dict[str, Any]] = []
    for i, item in enumerate(body.items):
        value = item.value if isinstance(item.value, str) else json.dumps(item.value)
        try:
            kind, clean = normalise(item.signal_type, value)
        except InvalidHashError as exc:
            errors.append({"index": i, "error": str(exc)})
            continue
        good.append((kind, clean, item.tags))
    with db.session() as s:
        before = {e.id for e in _run(lambda: service.entries(s, name))}
        ids = service.add_hashes(s, name, good, source=body.source or actor, tags=body.tags)
        new = sorted(set(ids) - before)
        record_audit(s, actor, "bank.add", f"bank:{name}", added=len(new),
                     errors=len(errors))
    return {"bank": name, "entries": ids, "added": len(new), "errors": errors,
            "retroactive": _retro(db, settings, new)}


@router.delete("/banks/{name}/entries/{entry_id}")
def remove_entry(name: str, entry_id: int, reason: str | None = None,
                 db: Database = Depends(get_db), actor: str = Depends(api_auth)
                 ) -> dict[str, Any]:
    from groupguard.banks import service

    with db.session() as s:
        entry = _run(lambda: service.get_entry(s, entry_id))
        if entry.bank != name:
            raise HTTPException(404, f"entry {entry_id} is not in bank {name!r}")
        removed = service.remove_entry(s, entry_id, reason=reason)
        record_audit(s, actor, "bank.remove", f"bank:{name}", entry=entry_id, reason=reason)
    return {"bank": name, "entry": entry_id, "removed": removed}


@router.post("/banks/{name}/import")
def import_file(name: str, body: str = Body(..., media_type="text/plain"),
                format: str = Query("hex"), signal_type: str | None = None,
                source: str | None = None, db: Database = Depends(get_db),
                settings: Settings = Depends(get_settings),
                actor: str = Depends(api_auth)) -> dict[str, Any]:
    """The request body is the file (text/plain); formats: hex, csv, te, hma."""
    from groupguard.banks.transfer import import_text

    with db.session() as s:
        report = _run(lambda: import_text(s, name, body, format, signal_type=signal_type,
                                          source=source or actor))
        record_audit(s, actor, "bank.import", f"bank:{name}", format=format,
                     added=report.added, errors=len(report.errors))
    out = report.to_json()
    out["retroactive"] = _retro(db, settings, report.entry_ids)
    return out


@router.get("/banks/{name}/export", response_class=PlainTextResponse)
def export_file(name: str, format: str = Query("csv"), include_removed: bool = False,
                db: Database = Depends(get_db), actor: str = Depends(api_auth)) -> str:
    from groupguard.banks.transfer import export_text

    with db.session() as s:
        return _run(lambda: export_text(s, name, format, include_removed=include_removed))
