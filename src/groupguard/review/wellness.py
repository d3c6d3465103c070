"""Reviewer wellness: org defaults and bounds an admin sets, each reviewer's choices inside
them, and the optional per-day exposure counter.

Media is blurred and greyscale unless a reviewer deliberately reveals one item; the org sets
how strong the blur is by default and at least, whether colour may be turned on, and
whether reveals are counted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from groupguard.errors import GroupguardError
from groupguard.review.users import ReviewUser
from groupguard.store.audit import record_audit
from groupguard.store.tables_review import (
    exposure_counters,
    review_org_settings,
    review_user_settings,
)
from groupguard.timeutil import utcnow

ORG_DEFAULTS: dict[str, Any] = {
    # Minutes a case may wait, by severity (1 highest), before it is overdue.
    "deadline_minutes": {"1": 60, "2": 240, "3": 1440, "4": 4320},
    "claim_minutes": 15,
    "default_blur_px": 24,
    "min_blur_px": 8,
    "greyscale_default": True,
    "allow_colour": True,
    # off: no counter; optional: each reviewer chooses; required: always counted.
    "exposure_counter": "optional",
    # A soft daily limit: past it the console suggests a break (0 = no limit).
    "daily_exposure_limit": 50,
    "preload_blurred": True,
}

_ORG_TYPES: dict[str, type] = {
    "claim_minutes": int, "default_blur_px": int, "min_blur_px": int,
    "greyscale_default": bool, "allow_colour": bool, "exposure_counter": str,
    "daily_exposure_limit": int, "preload_blurred": bool, "deadline_minutes": dict,
}


class SettingsError(GroupguardError):
    """A wellness or org setting has an invalid name or value."""


@dataclass(frozen=True)
class ViewSettings:
    blur_px: int
    greyscale: bool
    preload_blurred: bool
    exposure_counter: bool
    daily_exposure_limit: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def org_settings(session: Session) -> dict[str, Any]:
    values = dict(ORG_DEFAULTS)
    for row in session.execute(select(review_org_settings)):
        values[row.key] = row.value
    return values


def _coerce(key: str, value: Any) -> Any:
    kind = _ORG_TYPES.get(key)
    if kind is None:
        raise SettingsError(f"unknown org setting {key!r}; known: {', '.join(ORG_DEFAULTS)}")
    if kind is bool:
        if isinstance(value, str):
            if value.lower() not in ("true", "false", "1", "0", "on", "off", "yes", "no"):
                raise SettingsError(f"{key} must be true or false, not {value!r}")
            return value.lower() in ("true", "1", "on", "yes")
        return bool(value)
    if kind is int:
        try:
            number = int(value)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"{key} must be a whole number, not {value!r}") from exc
        if number < 0 or number > 100_000:
            raise SettingsError(f"{key} out of range: {number}")
        return number
    if key == "exposure_counter":
        if value not in ("off", "optional", "required"):
            raise SettingsError("exposure_counter must be off, optional or required")
        return value
    if key == "deadline_minutes":
        if not isinstance(value, dict) or set(value) - {"1", "2", "3", "4"}:
            raise SettingsError("deadline_minutes maps severities 1-4 to minutes")
        merged = dict(ORG_DEFAULTS["deadline_minutes"])
        merged.update({k: max(1, int(v)) for k, v in value.items()})
        return merged
    return value


def set_org_settings(session: Session, admin: ReviewUser | None, changes: dict[str, Any], *,
                     actor: str | None = None) -> dict[str, Any]:
    """Change org defaults (admin only). Every change is audit-logged with old and new."""
    if admin is not None:
        admin.require("settings.org")
    who = actor or (admin.actor if admin else "system")
    current = org_settings(session)
    for key, raw in changes.items():
        value = _coerce(key, raw)
        if current.get(key) == value:
            continue
        exists = session.execute(select(review_org_settings.c.key).where(
            review_org_settings.c.key == key)).first()
        row = {"value": value, "updated_at": utcnow(), "updated_by": who}
        if exists:
            session.execute(update(review_org_settings).where(
                review_org_settings.c.key == key).values(**row))
        else:
            session.execute(insert(review_org_settings).values(key=key, **row))
        record_audit(session, who, "settings.org", f"org:{key}", old=current.get(key),
                     new=value)
        current[key] = value
    if current["min_blur_px"] > current["default_blur_px"]:
        raise SettingsError("min_blur_px cannot exceed default_blur_px")
    return current


def user_choices(session: Session, user: ReviewUser) -> dict[str, Any]:
    row = session.execute(select(review_user_settings.c.settings).where(
        review_user_settings.c.user_id == user.id)).first()
    return dict(row[0]) if row else {}


def effective_settings(session: Session, user: ReviewUser,
                       org: dict[str, Any] | None = None) -> ViewSettings:
    """The reviewer's choices clamped to the org's bounds."""
    org = org or org_settings(session)
    mine = user_choices(session, user)
    blur = int(mine.get("blur_px", org["default_blur_px"]))
    blur = max(int(org["min_blur_px"]), min(blur, 64))
    grey = bool(mine.get("greyscale", org["greyscale_default"]))
    if not org["allow_colour"]:
        grey = True
    mode = org["exposure_counter"]
    counter = mode == "required" or (mode == "optional" and bool(mine.get("exposure_counter",
                                                                          True)))
    return ViewSettings(blur_px=blur, greyscale=grey,
                        preload_blurred=bool(mine.get("preload_blurred",
                                                      org["preload_blurred"])),
                        exposure_counter=counter,
                        daily_exposure_limit=int(org["daily_exposure_limit"]))


USER_KEYS = {"blur_px": int, "greyscale": bool, "preload_blurred": bool,
             "exposure_counter": bool}


def set_user_settings(session: Session, user: ReviewUser, changes: dict[str, Any]
                      ) -> ViewSettings:
    org = org_settings(session)
    mine = user_choices(session, user)
    old = dict(mine)
    for key, raw in changes.items():
        if key not in USER_KEYS:
            raise SettingsError(f"unknown setting {key!r}; known: {', '.join(USER_KEYS)}")
        if USER_KEYS[key] is bool:
            value: Any = raw if isinstance(raw, bool) else str(raw).lower() in (
                "true", "1", "on", "yes")
        else:
            try:
                value = int(raw)
            except (TypeError, ValueError) as exc:
                raise SettingsError(f"{key} must be a whole number") from exc
        if key == "blur_px" and value < int(org["min_blur_px"]):
            raise SettingsError(f"blur below the org minimum of {org['min_blur_px']}px")
        if key == "greyscale" and not value and not org["allow_colour"]:
            raise SettingsError("your organisation keeps media greyscale")
        if key == "exposure_counter" and not value and org["exposure_counter"] == "required":
            raise SettingsError("your organisation requires the exposure counter")
        mine[key] = value
    if mine != old:
        exists = session.execute(select(review_user_settings.c.user_id).where(
            review_user_settings.c.user_id == user.id)).first()
        if exists:
            session.execute(update(review_user_settings).where(
                review_user_settings.c.user_id == user.id).values(settings=mine,
                                                                   updated_at=utcnow()))
        else:
            session.execute(insert(review_user_settings).values(
                user_id=user.id, settings=mine, updated_at=utcnow()))
        record_audit(session, user.actor, "settings.user", user.actor, old=old, new=mine)
    return effective_settings(session, user, org)


def count_exposure(session: Session, user: ReviewUser, *, day: date | None = None) -> int:
    """Add one reveal to today's counter; returns today's total."""
    day = day or utcnow().date()
    row = session.execute(select(exposure_counters.c.views).where(
        exposure_counters.c.user_id == user.id, exposure_counters.c.day == day)).first()
    if row is None:
        session.execute(insert(exposure_counters).values(user_id=user.id, day=day, views=1))
        return 1
    session.execute(update(exposure_counters).where(
        exposure_counters.c.user_id == user.id, exposure_counters.c.day == day,
    ).values(views=exposure_counters.c.views + 1))
    return row[0] + 1


def exposure_today(session: Session, user: ReviewUser, *, day: date | None = None) -> int:
    day = day or utcnow().date()
    row = session.execute(select(exposure_counters.c.views).where(
        exposure_counters.c.user_id == user.id, exposure_counters.c.day == day)).first()
    return int(row[0]) if row else 0
