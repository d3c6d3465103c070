"""Reviewer accounts: roles, permissions, argon2 passwords, lockout after failed logins.

Roles say what work a person does; viewing child-safety media is a separate permission
(`can_view_media`) that an admin grants per person, because not everyone who works cases
needs to see the material.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError as ArgonInvalidHash
from argon2.exceptions import VerificationError
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from groupguard.errors import GroupguardError, NotFoundError, PermissionDeniedError
from groupguard.store.audit import record_audit
from groupguard.store.tables_review import login_attempts, review_users
from groupguard.timeutil import as_utc, utcnow

ROLES = ("reviewer", "investigator", "admin", "auditor")

_WORK = {"queue.view", "case.view", "case.claim", "case.decide", "appeal.decide"}
PERMISSIONS: dict[str, frozenset[str]] = {
    "reviewer": frozenset(_WORK),
    # Investigators take what reviewers escalate.
    "investigator": frozenset(_WORK | {"case.escalated"}),
    "admin": frozenset(_WORK | {"case.escalated", "users.manage", "settings.org",
                                "audit.view"}),
    "auditor": frozenset({"case.view", "queue.view", "audit.view"}),
}

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# Attempts allowed per address (any names) and per name (any address) in the window.
RATE_WINDOW = timedelta(minutes=1)
RATE_PER_IP = 20
RATE_PER_NAME = 10
MIN_PASSWORD = 10

_hasher = PasswordHasher()


class AuthError(GroupguardError):
    """A login failed: wrong name or password (never says which), locked, or rate-limited."""


class LockedError(AuthError):
    """Too many failed logins: the account is locked for a while."""


class RateLimitedError(AuthError):
    """Too many login attempts from this address or for this name; wait a minute."""


@dataclass(frozen=True)
class ReviewUser:
    id: int
    name: str
    role: str
    can_view_media: bool
    active: bool = True

    @property
    def actor(self) -> str:
        return f"user:{self.name}"

    def can(self, permission: str) -> bool:
        if permission == "media.view":
            return self.can_view_media and self.active
        return self.active and permission in PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise PermissionDeniedError(
                f"{self.name} ({self.role}) lacks the permission {permission!r}"
            )


def _row_user(row) -> ReviewUser:  # type: ignore[no-untyped-def]
    return ReviewUser(id=row.id, name=row.name, role=row.role,
                      can_view_media=bool(row.can_view_media), active=bool(row.active))


def validate_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() or c in ":/<>&\"'" for c in name):
        raise GroupguardError(f"invalid user name {name!r}: 1-100 characters, no spaces, "
                              "no : / < > & quotes")
    return name


def create_user(session: Session, name: str, *, role: str, password: str,
                can_view_media: bool | None = None, actor: str = "system") -> ReviewUser:
    """Create a console account. Reviewers and investigators may view media by default;
    admins and auditors only when granted."""
    name = validate_name(name)
    if role not in ROLES:
        raise GroupguardError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise GroupguardError(f"password too short: at least {MIN_PASSWORD} characters")
    if session.execute(select(review_users.c.id).where(review_users.c.name == name)).first():
        raise GroupguardError(f"a user named {name!r} already exists")
    if can_view_media is None:
        can_view_media = role in ("reviewer", "investigator")
    uid = session.execute(insert(review_users).values(
        name=name, role=role, password_hash=_hasher.hash(password),
        can_view_media=can_view_media, active=True, failed_logins=0, created_at=utcnow(),
    )).inserted_primary_key[0]
    record_audit(session, actor, "user.create", f"user:{name}", role=role,
                 can_view_media=can_view_media)
    return ReviewUser(id=uid, name=name, role=role, can_view_media=can_view_media)


def update_user(session: Session, name: str, *, actor: str, role: str | None = None,
                can_view_media: bool | None = None, active: bool | None = None,
                password: str | None = None) -> ReviewUser:
    user = get_user(session, name)
    values: dict = {}
    if role is not None:
        if role not in ROLES:
            raise GroupguardError(f"unknown role {role!r}")
        values["role"] = role
    if can_view_media is not None:
        values["can_view_media"] = can_view_media
    if active is not None:
        values["active"] = active
    if password is not None:
        if len(password) < MIN_PASSWORD:
            raise GroupguardError(f"password too short: at least {MIN_PASSWORD} characters")
        values["password_hash"] = _hasher.hash(password)
        values["failed_logins"] = 0
        values["locked_until"] = None
    if values:
        session.execute(update(review_users).where(review_users.c.id == user.id).values(**values))
        shown = {k: v for k, v in values.items() if k != "password_hash"}
        if password is not None:
            shown["password"] = "changed"
        record_audit(session, actor, "user.update", f"user:{name}", **{
            k: v for k, v in shown.items() if k not in ("failed_logins", "locked_until")})
    return get_user(session, name)


def get_user(session: Session, name: str) -> ReviewUser:
    row = session.execute(select(review_users).where(review_users.c.name == name)).first()
    if row is None:
        raise NotFoundError(f"no console user named {name!r}")
    return _row_user(row)


def get_user_by_id(session: Session, user_id: int) -> ReviewUser | None:
    row = session.execute(select(review_users).where(review_users.c.id == user_id)).first()
    return _row_user(row) if row else None


def list_users(session: Session) -> list[ReviewUser]:
    rows = session.execute(select(review_users).order_by(review_users.c.name))
    return [_row_user(r) for r in rows]


def _check_rate(session: Session, name: str, ip: str) -> None:
    since = utcnow() - RATE_WINDOW
    by_ip = session.execute(select(func.count()).select_from(login_attempts).where(
        login_attempts.c.ip == ip, login_attempts.c.ts >= since)).scalar_one()
    by_name = session.execute(select(func.count()).select_from(login_attempts).where(
        login_attempts.c.name == name, login_attempts.c.ts >= since)).scalar_one()
    if by_ip >= RATE_PER_IP or by_name >= RATE_PER_NAME:
        raise RateLimitedError("too many login attempts; wait a minute and try again")


def authenticate(session: Session, name: str, password: str, *, ip: str = "-") -> ReviewUser:
    """Check a password. Raises AuthError (same message for unknown name and wrong
    password), LockedError or RateLimitedError. The caller commits the session even on
    failure so that attempts and lockouts are recorded."""
    name = name.strip()[:100]
    _check_rate(session, name, ip)
    now = utcnow()
    session.execute(insert(login_attempts).values(name=name, ip=ip[:64], ts=now,
                                                  success=False))
    attempt_id = session.execute(select(func.max(login_attempts.c.id))).scalar_one()
    row = session.execute(select(review_users).where(review_users.c.name == name)).first()
    if row is None:
        # Spend the same time as a real check so that names cannot be probed by timing.
        _dummy_verify(password)
        raise AuthError("wrong name or password")
    locked = as_utc(row.locked_until)
    if locked and locked > now:
        raise LockedError(f"account locked after {MAX_FAILURES} failed logins; try again "
                          f"after {locked:%H:%M} UTC or ask an admin")
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, ArgonInvalidHash):
        failures = (row.failed_logins or 0) + 1
        values: dict = {"failed_logins": failures}
        if failures >= MAX_FAILURES:
            values["locked_until"] = now + LOCKOUT
            values["failed_logins"] = 0
            record_audit(session, "system", "user.locked", f"user:{name}", ip=ip,
                         failures=failures)
        session.execute(update(review_users).where(review_users.c.id == row.id)
                        .values(**values))
        if failures >= MAX_FAILURES:
            raise LockedError(f"account locked after {MAX_FAILURES} failed logins") from None
        raise AuthError("wrong name or password") from None
    if not row.active:
        raise AuthError("this account is disabled")
    values = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if _hasher.check_needs_rehash(row.password_hash):
        values["password_hash"] = _hasher.hash(password)
    session.execute(update(review_users).where(review_users.c.id == row.id).values(**values))
    session.execute(update(login_attempts).where(login_attempts.c.id == attempt_id)
                    .values(success=True))
    return _row_user(row)


_DUMMY = _hasher.hash("not a real password, only for timing")


def _dummy_verify(password: str) -> None:
    with contextlib.suppress(VerificationError, ArgonInvalidHash):
        _hasher.verify(_DUMMY, password)
