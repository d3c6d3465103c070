"""Console sessions: a random token in an HttpOnly cookie, its SHA-256 in the database,
a per-session CSRF token, idle and absolute expiry, and logout that revokes server-side."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from groupguard.review.users import ReviewUser, get_user_by_id
from groupguard.store.tables_review import review_sessions
from groupguard.timeutil import as_utc, utcnow

COOKIE = "gg_session"
ABSOLUTE = timedelta(hours=12)
IDLE = timedelta(minutes=30)
# Refresh last_seen at most this often, so that reading pages does not write every time.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class ConsoleSession:
    user: ReviewUser
    csrf_token: str
    token_hash: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: ReviewUser, *, ip: str = "-") -> tuple[str, str]:
    """Returns (cookie token, csrf token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(insert(review_sessions).values(
        token_hash=_digest(token), user_id=user.id, csrf_token=csrf, created_at=now,
        expires_at=now + ABSOLUTE, last_seen=now, ip=ip[:64]))
    return token, csrf


def load_session(session: Session, token: str | None) -> ConsoleSession | None:
    if not token:
        return None
    row = session.execute(select(review_sessions).where(
        review_sessions.c.token_hash == _digest(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    last_seen = as_utc(row.last_seen)
    if as_utc(row.expires_at) <= now or last_seen + IDLE <= now:
        return None
    user = get_user_by_id(session, row.user_id)
    if user is None or not user.active:
        return None
    if now - last_seen >= TOUCH_EVERY:
        session.execute(update(review_sessions).where(
            review_sessions.c.token_hash == row.token_hash).values(last_seen=now))
    return ConsoleSession(user=user, csrf_token=row.csrf_token, token_hash=row.token_hash)


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(update(review_sessions).where(
            review_sessions.c.token_hash == _digest(token)).values(revoked_at=utcnow()))


def end_all_sessions(session: Session, user_id: int) -> None:
    session.execute(update(review_sessions).where(
        review_sessions.c.user_id == user_id, review_sessions.c.revoked_at.is_(None),
    ).values(revoked_at=utcnow()))


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given or "")
