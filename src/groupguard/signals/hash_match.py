"""Hash matches as signals, role-aware.

An exact digest match against a bank whose policy is 'act' is hard evidence: it may act on
its own. A perceptual (PDQ) match never is: perceptual hashes can be collided on purpose,
so it opens a case unless a second independent signal confirms it. Media forwarded in a
user report is never hard evidence either: a modified client can forward anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from groupguard.signals.base import Enforcement, Signal, Subject
from groupguard.store.tables import matches
from groupguard.store.upsert import insert_ignore
from groupguard.timeutil import utcnow

EXACT_TYPES = ("md5", "sha256")
ROLE_WORDS = {
    "group_icon": "group icon",
    "profile_photo": "profile photo",
    "reported_media": "media forwarded in a report",
}


@dataclass
class MatchedMedia:
    """One piece of media in context: what it is about and who is responsible for it."""

    sha256: str
    role: str  # group_icon | profile_photo | reported_media
    subjects: list[Subject]
    responsible: str | None
    event_id: str | None


def matcher_of(ctx: Any) -> Any:
    from groupguard.banks.matcher import Matcher

    return ctx.service("matcher",
                       lambda services: Matcher.from_db(services.db, services.settings))


def _record_matches(session: Session, sha256: str, results: list[Any]) -> None:
    if not results:
        return
    rows = [
        {
            "sha256": sha256,
            "bank": r.bank,
            "entry_id": r.entry_id,
            "signal_type": r.signal_type,
            "distance": int(r.distance),
            "variant": r.variant or "original",
            "created_at": utcnow(),
        }
        for r in results
    ]
    insert_ignore(session, matches, rows, keys=["sha256", "entry_id", "variant"])


def signals_for_matches(
    session: Session, media: MatchedMedia, results: list[Any]
) -> list[Signal]:
    _record_matches(session, media.sha256, results)
    active = [r for r in results if not r.suppressed_by and r.bank_kind != "allow"]
    if not active:
        return []
    where = ROLE_WORDS.get(media.role, media.role)
    by = f" (set by {media.responsible})" if media.responsible else ""
    out: list[Signal] = []
    exact = [r for r in active if r.signal_type in EXACT_TYPES]
    perceptual = [r for r in active if r.signal_type not in EXACT_TYPES]
    if exact:
        best = exact[0]
        hard = media.role != "reported_media" and any(r.action_policy == "act" for r in exact)
        banks = sorted({r.bank for r in exact})
        reason = (
            f"{where}{by} matches bank {', '.join(repr(b) for b in banks)} exactly "
            f"({best.signal_type.upper()}, entry {best.entry_id})"
        )
        out += _fan_out(media, "hash.exact", 1.0, reason, hard, exact)
    if perceptual:
        best = min(perceptual, key=lambda r: r.distance)
        variant = f", variant {best.variant}" if best.variant and best.variant != "original" else ""
        strength = max(0.5, 1.0 - best.distance / 64)
        reason = (
            f"{where}{by} matches bank {best.bank!r} entry {best.entry_id} at "
            f"{best.signal_type.upper()} distance {best.distance}{variant}"
        )
        out += _fan_out(media, "hash.pdq", strength, reason, False, perceptual)
    return out


def _fan_out(
    media: MatchedMedia, kind: str, strength: float, reason: str, hard: bool, results: list[Any]
) -> list[Signal]:
    best = min(results, key=lambda r: r.distance)
    details = {
        "role": media.role,
        "bank": best.bank,
        "entry": best.entry_id,
        "signal_type": best.signal_type,
        "distance": int(best.distance),
        "variant": best.variant or "original",
        "verified": bool(best.verified),
        "banks": sorted({r.bank for r in results}),
        "set_by": media.responsible,
    }
    subjects = list(media.subjects)
    if media.responsible and Subject("account", media.responsible) not in subjects:
        subjects.append(Subject("account", media.responsible))
    return [
        Signal(subject=s, kind=kind, strength=strength, reason=reason, hard=hard,
               details=details, sha256=media.sha256, event_id=media.event_id)
        for s in subjects
    ]


class HashExtractor:
    name = "hash"

    def on_event(self, ctx: Any, event: Any) -> list[Signal]:
        hashed = [m for m in ctx.event_media if m.hashes is not None]
        if not hashed:
            return []
        matcher = matcher_of(ctx)
        out: list[Signal] = []
        for m in hashed:
            media = MatchedMedia(
                sha256=m.hashes.sha256,
                role=m.role,
                subjects=m.subjects,
                responsible=m.responsible,
                event_id=event.id,
            )
            out += signals_for_matches(ctx.session, media, matcher.match(m.hashes))
        return out

    def on_enforcement(self, ctx: Any, enforcement: Enforcement) -> list[Signal]:
        return []

