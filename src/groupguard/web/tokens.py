"""API tokens: random, shown once, stored only as a SHA-256 digest.

A digest (not a slow password hash) is right here: tokens are 256-bit random values, so
there is nothing to brute-force, and every request checks one.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from groupguard.errors import GroupguardError
from groupguard.store.tables import api_tokens
from groupguard.timeutil import utcnow

PREFIX = "gg_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str) -> str:
    if session.execute(select(api_tokens.c.id).where(api_tokens.c.name == name)).first():
        raise GroupguardError(f"a token named {name!r} already exists")
    token = PREFIX + secrets.token_urlsafe(32)
    session.execute(
        insert(api_tokens).values(name=name, token_hash=_digest(token), created_at=utcnow())
    )
    return token


def token_name(session: Session, token: str) -> str | None:
    """The token's name if it is valid and not revoked."""
    row = session.execute(
        select(api_tokens.c.name).where(
            api_tokens.c.token_hash == _digest(token), api_tokens.c.revoked_at.is_(None)
        )
    ).first()
    return row[0] if row else None
