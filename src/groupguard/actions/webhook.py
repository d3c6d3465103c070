"""Push delivery: each pending action is POSTed to the platform's webhook.

The body is signed with HMAC-SHA256 (header `X-Groupguard-Signature: sha256=<hex>`, over
the timestamp and the body, as `X-Groupguard-Timestamp` + "." + body) so the platform can
reject forged or replayed calls; `Idempotency-Key` lets it apply a redelivery once.
Failures are retried with exponential backoff; after MAX_ATTEMPTS an action is marked
failed and stays readable by pull.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import or_, select, update

from groupguard.actions.outbox import _record
from groupguard.config import Settings
from groupguard.store import Database
from groupguard.store.tables import actions
from groupguard.timeutil import utcnow

MAX_ATTEMPTS = 8
BASE_BACKOFF_S = 2.0
MAX_BACKOFF_S = 3600.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a platform runs on its side (also used by the tests)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def backoff(attempts: int) -> float:
    return min(MAX_BACKOFF_S, BASE_BACKOFF_S * (2 ** max(0, attempts - 1)))


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_pending(
    db: Database, settings: Settings, *, client: httpx.Client | None = None, limit: int = 200
) -> DeliveryReport:
    report = DeliveryReport()
    if not settings.webhook_url:
        return report
    if not settings.webhook_secret:
        raise ValueError("a webhook needs GROUPGUARD_WEBHOOK_SECRET to sign its bodies")
    own_client = client is None
    client = client or httpx.Client(timeout=10.0)
    try:
        now = utcnow()
        with db.session() as s:
            due = [_record(r) for r in s.execute(
                select(actions)
                .where(actions.c.status == "pending",
                       or_(actions.c.next_attempt_at.is_(None), actions.c.next_attempt_at <= now))
                .order_by(actions.c.seq).limit(limit))]
        for action in due:
            body = json.dumps(action.to_json(), sort_keys=True).encode()
            ts = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "Idempotency-Key": action.idempotency_key,
                "X-Groupguard-Timestamp": ts,
                "X-Groupguard-Signature": sign(settings.webhook_secret, ts, body),
            }
            error = None
            try:
                resp = client.post(settings.webhook_url, content=body, headers=headers)
                if resp.status_code >= 300:
                    error = f"HTTP {resp.status_code}: {resp.text[:200]}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            attempts = action.attempts + 1
            with db.session() as s:
                if error is None:
                    values = {"status": "delivered", "delivered_at": utcnow(),
                              "attempts": attempts, "last_error": None}
                    report.delivered += 1
                elif attempts >= MAX_ATTEMPTS:
                    values = {"status": "failed", "attempts": attempts, "last_error": error}
                    report.failed += 1
                else:
                    values = {"attempts": attempts, "last_error": error,
                              "next_attempt_at": utcnow() + timedelta(seconds=backoff(attempts))}
                    report.retrying += 1
                s.execute(update(actions).where(actions.c.seq == action.seq).values(**values))
    finally:
        if own_client:
            client.close()
    return report
