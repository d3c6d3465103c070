"""The text extractor: group names and descriptions, and the texts a reporter forwarded,
matched against the term banks and read for solicitation indicators.

Role-aware: a hit in a group's name or description is a signal about the group and about
the account that set that text (the event's actor, recorded as groups.name_set_by /
description_set_by), never about plain members. A report's forwarded texts are signals about
the report's target. Text signals are never hard evidence: they open and rank review cases.
"""

from __future__ import annotations

from typing import Any

from groupguard.events import ForwardedMessage, GroupCreated, GroupUpdated, ReportFiled
from groupguard.runner.context import PipelineContext
from groupguard.signals.base import Enforcement, Signal, Subject
from groupguard.signals.text import solicitation
from groupguard.signals.text.matcher import TextHit, TextMatcher
from groupguard.signals.text.normalise import normalise

SERVICE = "text.matcher"


class TextExtractor:
    name = "text"

    def matcher(self, ctx: PipelineContext) -> TextMatcher:
        # Built in the event's own session: on SQLite a second connection would wait for
        # the write lock that this unit of work holds.
        current = ctx.service(SERVICE, lambda _s: TextMatcher.from_db(ctx.session))
        fresh = current.refresh(ctx.session)
        if fresh is not current:  # a term bank changed since the matcher was built
            ctx.services.invalidate(SERVICE)
            ctx.service(SERVICE, lambda _s: fresh)
        return fresh

    def on_event(self, ctx: PipelineContext, event: Any) -> list[Signal]:
        if isinstance(event, GroupCreated | GroupUpdated):
            return self._group_texts(ctx, event)
        if isinstance(event, ReportFiled):
            return self._report_texts(ctx, event)
        return []

    def on_enforcement(self, ctx: PipelineContext, enforcement: Enforcement) -> list[Signal]:
        return []

    def _group_texts(self, ctx: PipelineContext, event: GroupCreated | GroupUpdated
                     ) -> list[Signal]:
        group = Subject("group", event.group_id)
        setter = Subject("account", event.actor) if event.actor else None
        signals: list[Signal] = []
        for field_name in ("name", "description"):
            text = getattr(event, field_name)
            if not text:
                continue
            where = f"group {field_name}"
            found = self.read(ctx, text, where=where, event_id=event.id)
            signals.extend(_for(group, found, role=None))
            if setter is not None:
                signals.extend(_for(setter, found, role=f"set the {where}"))
        return signals

    def _report_texts(self, ctx: PipelineContext, event: ReportFiled) -> list[Signal]:
        targets = [Subject("group", event.target_group)] if event.target_group else []
        if event.target_account:
            targets.append(Subject("account", event.target_account))
        signals: list[Signal] = []
        for n, message in enumerate(event.messages, start=1):
            if not message.text:
                continue
            found = self.read(ctx, message.text, where=_message_where(n, message),
                              event_id=event.id)
            for target in targets:
                signals.extend(_for(target, found, role=None))
        return signals

    def read(self, ctx: PipelineContext, text: str, *, where: str, event_id: str
             ) -> list[Signal]:
        """Signals about a text, with no subject yet (filled in by `_for`)."""
        matcher = self.matcher(ctx)
        result = matcher.match(text)
        found: list[Signal] = [_term_signal(hit, result.normalised, where, event_id)
                               for hit in result.hits]
        indicators = solicitation.indicators(normalise(text))
        if indicators:
            kinds = sorted({i.name for i in indicators})
            found.append(Signal(
                subject=Subject("group", ""), kind="text.solicitation",
                strength=solicitation.strength(indicators),
                reason=f"{where} has solicitation indicators: {', '.join(kinds)} "
                       "(weak alone; counts only with other signals)",
                details={"where": where, "kinds": kinds,
                         "indicators": [i.to_dict() for i in indicators]},
                event_id=event_id))
        return found


def _message_where(n: int, message: ForwardedMessage) -> str:
    sender = f" from {message.sender}" if message.sender else ""
    return f"reported message {n}{sender}"


def _term_signal(hit: TextHit, normalised: str, where: str, event_id: str) -> Signal:
    how = {"exact": "matches", "phrase": "contains the phrase", "fuzzy": "is close to",
           "regex": "matches the pattern", "semantic": "means much the same as"}[hit.mode]
    return Signal(
        subject=Subject("group", ""), kind="text.term", strength=hit.strength,
        reason=f"{where} {how} term {hit.term!r} of bank {hit.bank!r} "
               f"(as {hit.matched!r}, score {hit.score:.2f})",
        details={"where": where, "bank": hit.bank, "term": hit.term, "term_id": hit.term_id,
                 "mode": hit.mode, "span": list(hit.span), "score": round(hit.score, 4),
                 "matched": hit.matched, "normalised": normalised, "tags": list(hit.tags)},
        event_id=event_id)


def _for(subject: Subject, found: list[Signal], *, role: str | None) -> list[Signal]:
    out = []
    for s in found:
        reason = f"{subject.id} {role}: {s.reason}" if role else s.reason
        details = dict(s.details, role=role) if role else dict(s.details)
        out.append(Signal(subject=subject, kind=s.kind, strength=s.strength, reason=reason,
                          details=details, event_id=s.event_id))
    return out
