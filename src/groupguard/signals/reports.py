"""User reports as signals: weak on their own (reports are cheap to file and sometimes
malicious), but they raise a subject's risk and put it in front of a reviewer."""

from __future__ import annotations

from typing import Any

from groupguard import events as ev
from groupguard.signals.base import Enforcement, Signal, Subject


class ReportExtractor:
    name = "report"

    def on_event(self, ctx: Any, event: Any) -> list[Signal]:
        if not isinstance(event, ev.ReportFiled):
            return []
        details = {"reporter": event.reporter, "reason": event.reason,
                   "forwarded": len(event.messages)}
        out = []
        for subject in report_targets(event):
            out.append(Signal(
                subject=subject,
                kind="report.user",
                strength=0.6,
                reason=f"reported by {event.reporter} for {event.reason!r}"
                f" with {len(event.messages)} forwarded message(s)",
                details=details,
                event_id=event.id,
            ))
        return out

    def on_enforcement(self, ctx: Any, enforcement: Enforcement) -> list[Signal]:
        return []


def report_targets(event: ev.ReportFiled) -> list[Subject]:
    """The group and/or account a report is about."""
    out = []
    if event.target_group:
        out.append(Subject("group", event.target_group))
    if event.target_account:
        out.append(Subject("account", event.target_account))
    return out
