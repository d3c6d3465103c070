"""The "classifier" extractor: explicit-content scores of group icons and profile photos
become `classifier.explicit` signals. Never hard: a score opens and ranks a review case.

Role-aware: a group icon's score goes to the group and to the account that set the icon
(the event's actor), never to the group's other members.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from groupguard.runner.context import BoundedCache
from groupguard.signals.base import Enforcement, Signal, Subject
from groupguard.signals.classifier.scorer import ClassifierSet, ImageResult
from groupguard.store.tables import accounts, groups, media_uses

if TYPE_CHECKING:
    from groupguard.runner.context import PipelineContext, Services

KIND = "classifier.explicit"
# Scores of recently seen media: the same icon or photo reused across groups and accounts
# is scored once. Bounded, and keyed by role since the models differ per role.
CACHE_SIZE = 4096
_EVENT_TYPES = {"group.created", "group.updated", "account.profile_photo_set"}


def _build(services: Services) -> ClassifierSet:
    return ClassifierSet.from_config(services.settings.home)


class ClassifierExtractor:
    name = "classifier"

    def __init__(self, classifiers: ClassifierSet | None = None):
        # Tests and embedders may hand in a set; the runner builds one per process.
        self._classifiers = classifiers

    def classifiers(self, ctx: PipelineContext) -> ClassifierSet:
        if self._classifiers is not None:
            return self._classifiers
        return ctx.service("classifiers", _build)

    def on_event(self, ctx: PipelineContext, event: Any) -> list[Signal]:
        if getattr(event, "type", None) not in _EVENT_TYPES or not ctx.media_images:
            return []
        items = [it for it in _media_of_event(ctx, event) if it[0] in ctx.media_images]
        if not items:
            return []
        signals: list[Signal] = []
        clf = self.classifiers(ctx)
        for role in ("group_icon", "profile_photo"):
            batch = [it for it in items if it[1] == role]
            if not batch:
                continue
            cache: BoundedCache[tuple[str, str], ImageResult] = ctx.service(
                "classifier_cache", lambda services: BoundedCache(CACHE_SIZE))
            known = {sha: cache.get((sha, role)) for sha, *_ in batch}
            todo = sorted(sha for sha, result in known.items() if result is None)
            if todo:
                scored = clf.score([ctx.media_images[sha] for sha in todo], role)
                for sha, result in zip(todo, scored, strict=True):
                    known[sha] = result
                    cache.put((sha, role), result)
            results = [known[sha] for sha, *_ in batch]
            for (sha, _, subject, set_by), result in zip(batch, results, strict=True):
                signals.extend(_signals(event, role, sha, subject, set_by, result))
        return signals

    def on_enforcement(self, ctx: PipelineContext, enforcement: Enforcement) -> list[Signal]:
        return []


def _media_of_event(ctx: PipelineContext, event: Any) -> list[tuple[str, str, Subject, str | None]]:
    """(sha256, role, subject, set_by) of the icons and photos this event set."""
    rows = ctx.session.execute(
        select(media_uses.c.sha256, media_uses.c.role, media_uses.c.subject_type,
               media_uses.c.subject_id, media_uses.c.set_by)
        .where(media_uses.c.event_id == event.id)
        .where(media_uses.c.role.in_(("group_icon", "profile_photo")))
    ).all()
    found = [(r.sha256, r.role, Subject(r.subject_type, r.subject_id), r.set_by) for r in rows]
    if found:
        return found
    # Fall back to the subject's current media when the store kept no use record.
    if event.type == "account.profile_photo_set":
        sha = ctx.session.execute(
            select(accounts.c.profile_media).where(accounts.c.id == event.account_id)
        ).scalar()
        return [(sha, "profile_photo", Subject("account", event.account_id), event.account_id)] \
            if sha else []
    if getattr(event, "icon", None) is None:
        return []
    sha = ctx.session.execute(
        select(groups.c.icon_media).where(groups.c.id == event.group_id)
    ).scalar()
    return [(sha, "group_icon", Subject("group", event.group_id), event.actor)] if sha else []


def _signals(
    event: Any, role: str, sha: str, subject: Subject, set_by: str | None, result: ImageResult
) -> list[Signal]:
    flagged = result.flagged
    if not flagged:
        return []
    top = max(flagged, key=lambda s: s.score)
    what = "group icon" if role == "group_icon" else "profile photo"
    scored = (f"scored {top.score:.2f} on classifier {top.classifier} "
              f"(review from {top.threshold:.2f})")
    reason = f"{what} {scored}"
    details = {
        "role": role,
        "classifier": top.classifier,
        "score": round(top.score, 4),
        "scores": {s.classifier: round(s.score, 4) for s in result.scores},
        "set_by": set_by,
    }
    out = [Signal(subject=subject, kind=KIND, strength=top.score, reason=reason,
                  details=details, sha256=sha, event_id=event.id)]
    if role == "group_icon" and set_by and subject.type == "group":
        out.append(Signal(
            subject=Subject("account", set_by), kind=KIND, strength=top.score,
            reason=f"set the icon of group {subject.id}, which {scored}",
            details={**details, "role": "icon_setter", "actor_role": "setter",
                     "group": subject.id},
            sha256=sha, event_id=event.id,
        ))
    return out
