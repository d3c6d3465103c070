"""HTTP: POST /v1/text/match and the term-bank routes (the same operations as the CLI)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from groupguard.signals.text import banks as term_banks
from groupguard.signals.text.matcher import TextMatcher
from groupguard.signals.text.terms import MODES, TermBankError, TermSpec
from groupguard.store.audit import record_audit
from groupguard.web.deps import api_auth, get_session

router = APIRouter(prefix="/v1", tags=["text"], dependencies=[Depends(api_auth)])

MAX_TEXTS = 1000


class MatchRequest(BaseModel):
    texts: list[str] = Field(min_length=1, max_length=MAX_TEXTS)
    banks: list[str] | None = None


class BankCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = None
    source: str | None = None
    strength: float = Field(default=0.6, gt=0.0, le=1.0)


class TermIn(BaseModel):
    term: str = Field(min_length=1, max_length=1000)
    mode: str | None = Field(default=None, description=f"one of {', '.join(MODES)}")
    max_distance: int | None = None
    threshold: float | None = None
    tags: list[str] = Field(default_factory=list)


class TermsAdd(BaseModel):
    terms: list[TermIn] = Field(min_length=1, max_length=10000)
    source: str | None = None


def _bad(exc: TermBankError) -> HTTPException:
    code = status.HTTP_404_NOT_FOUND if "no term bank" in str(exc) or "no active term" in str(
        exc) else status.HTTP_400_BAD_REQUEST
    return HTTPException(code, str(exc))


@router.post("/text/match")
def match_texts(req: MatchRequest, session: Session = Depends(get_session)) -> dict[str, Any]:
    try:
        for name in req.banks or ():
            term_banks.get_term_bank(session, name)
    except TermBankError as exc:
        raise _bad(exc) from exc
    matcher = TextMatcher.from_db(session, banks=req.banks)
    results = matcher.match_many(req.texts, banks=req.banks)
    return {"results": [r.to_dict() for r in results],
            "semantic_unavailable": matcher.semantic_unavailable}


@router.get("/term-banks")
def list_banks(session: Session = Depends(get_session)) -> dict[str, Any]:
    return {"banks": term_banks.list_term_banks(session)}


@router.post("/term-banks", status_code=status.HTTP_201_CREATED)
def create_bank(req: BankCreate, session: Session = Depends(get_session),
                actor: str = Depends(api_auth)) -> dict[str, Any]:
    try:
        bank = term_banks.create_term_bank(session, req.name, description=req.description,
                                           source=req.source, strength=req.strength)
    except TermBankError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT if "exists" in str(exc)
                            else status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    record_audit(session, actor, "term_bank.create", f"term_bank:{req.name}")
    return bank


@router.get("/term-banks/{name}/terms")
def get_terms(name: str, include_removed: bool = False,
              session: Session = Depends(get_session)) -> dict[str, Any]:
    try:
        return {"bank": name,
                "terms": term_banks.list_terms(session, name, include_removed=include_removed)}
    except TermBankError as exc:
        raise _bad(exc) from exc


@router.post("/term-banks/{name}/terms")
def add_terms(name: str, req: TermsAdd, session: Session = Depends(get_session),
              actor: str = Depends(api_auth)) -> dict[str, Any]:
    specs = []
    for t in req.terms:
        mode = t.mode or ("phrase" if len(t.term.split()) > 1 else "exact")
        specs.append(TermSpec(term=t.term, mode=mode, max_distance=t.max_distance,
                              threshold=t.threshold, tags=tuple(t.tags)))
    try:
        result = term_banks.add_terms(session, name, specs, source=req.source)
    except TermBankError as exc:
        raise _bad(exc) from exc
    record_audit(session, actor, "term_bank.add", f"term_bank:{name}",
                 added=len(result.added), rejected=len(result.errors))
    out = result.to_dict()
    out["ids"] = result.added
    return out


@router.delete("/term-banks/{name}/terms/{term_id}")
def delete_term(name: str, term_id: int, session: Session = Depends(get_session),
                actor: str = Depends(api_auth)) -> dict[str, Any]:
    try:
        n = term_banks.remove_term(session, name, term_id)
    except TermBankError as exc:
        raise _bad(exc) from exc
    record_audit(session, actor, "term_bank.remove", f"term_bank:{name}", term_id=term_id)
    return {"bank": name, "term_id": term_id, "removed": n}
