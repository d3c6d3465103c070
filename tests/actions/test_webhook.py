"""Webhook delivery against a real HTTP server on loopback that checks signatures and
fails the first calls, so retries and idempotency keys are exercised."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import select, update

from groupguard.actions.outbox import enqueue
from groupguard.actions.webhook import MAX_ATTEMPTS, deliver_pending, verify
from groupguard.signals.base import Subject
from groupguard.store.tables import actions
from groupguard.timeutil import utcnow

SECRET = "s3cret"


class Platform(BaseHTTPRequestHandler):
    received: list = []
    fail_first = 0
    bad_signatures = 0

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = verify(SECRET, self.headers["X-Groupguard-Timestamp"], body,
                    self.headers["X-Groupguard-Signature"])
        if not ok:
            type(self).bad_signatures += 1
            self.send_response(401)
        elif type(self).fail_first > 0:
            type(self).fail_first -= 1
            self.send_response(503)
        else:
            type(self).received.append((self.headers["Idempotency-Key"], json.loads(body)))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def serve():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Platform)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def make_due(db):
    with db.session() as s:
        s.execute(update(actions).values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def test_signed_delivery_retries_then_succeeds(settings, db):
    Platform.received, Platform.fail_first, Platform.bad_signatures = [], 2, 0
    server = serve()
    settings.webhook_url = f"http://127.0.0.1:{server.server_port}/hook"
    settings.webhook_secret = SECRET
    with db.session() as s:
        enqueue(s, kind="remove_group", subject=Subject("group", "g1"), reason="known icon")
        enqueue(s, kind="ban_account", subject=Subject("account", "a1"), reason="set icon")
    first = deliver_pending(db, settings)
    assert (first.delivered, first.retrying) == (0, 2)
    assert deliver_pending(db, settings).delivered == 0  # backoff: not due yet
    make_due(db)
    deliver_pending(db, settings)
    server.shutdown()
    with db.session() as s:
        rows = s.execute(select(actions.c.status, actions.c.attempts)).all()
    assert sorted(tuple(r) for r in rows) == [("delivered", 2), ("delivered", 2)]
    assert [body["kind"] for _, body in Platform.received] == ["remove_group", "ban_account"]
    assert all(key.startswith(body["kind"]) for key, body in Platform.received)
    assert Platform.bad_signatures == 0


def test_gives_up_after_max_attempts_and_keeps_the_action(settings, db):
    Platform.received, Platform.fail_first = [], 10**6
    server = serve()
    settings.webhook_url = f"http://127.0.0.1:{server.server_port}/hook"
    settings.webhook_secret = SECRET
    with db.session() as s:
        enqueue(s, kind="revoke_invite", subject=Subject("group", "g1"), reason="r")
    for _ in range(MAX_ATTEMPTS):
        make_due(db)
        deliver_pending(db, settings)
    server.shutdown()
    with db.session() as s:
        row = s.execute(select(actions.c.status, actions.c.last_error)).one()
    assert row.status == "failed" and "503" in row.last_error


def test_wrong_secret_is_rejected_by_the_platform():
    assert not verify(SECRET, "1", b"{}", "sha256=00")
