"""Small hand-made histories, as platform events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from groupguard.events import parse_event

T0 = datetime(2026, 1, 1, tzinfo=UTC)
_ids = count()


def ev(hours: float, type: str, actor: str | None = None, **fields: Any) -> Any:
    return parse_event({
        "id": f"e{next(_ids)}", "ts": (T0 + timedelta(hours=hours)).isoformat(),
        "type": type, "actor": actor, **fields,
    })
