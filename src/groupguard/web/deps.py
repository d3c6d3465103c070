"""FastAPI dependencies shared by every router: the database and API-token auth."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from groupguard.config import Settings
from groupguard.store import Database
from groupguard.web.tokens import token_name

_bearer = HTTPBearer(auto_error=False)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Database:
    return request.app.state.db


def get_session(db: Database = Depends(get_db)) -> Iterator[Session]:
    with db.session() as s:
        yield s


def api_auth(
    creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
    db: Database = Depends(get_db),
) -> str:
    """Every endpoint but /healthz needs `Authorization: Bearer <token>`; returns the
    token's name, which audit entries use as the actor."""
    if creds is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    with db.session() as s:
        name = token_name(s, creds.credentials)
    if name is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or revoked token",
                            headers={"WWW-Authenticate": "Bearer"})
    return f"token:{name}"
