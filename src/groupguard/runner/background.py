"""A runner thread for `groupguard serve`: processes pending events as they arrive and
pushes pending actions to the webhook. Woken by the HTTP ingest; otherwise it polls."""

from __future__ import annotations

import logging
import threading
import time

from groupguard.actions.webhook import deliver_pending
from groupguard.runner.context import Services
from groupguard.runner.pipeline import run_pending

log = logging.getLogger(__name__)


PURGE_EVERY_S = 3600.0


class BackgroundRunner:
    def __init__(self, services: Services, *, poll_s: float = 2.0):
        self.services = services
        self.poll_s = poll_s
        self._last_purge = 0.0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="groupguard-runner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run_pending(self.services)
                deliver_pending(self.services.db, self.services.settings)
                self._purge_if_due()
            except Exception:  # noqa: BLE001 - keep serving; the error is logged
                log.exception("background runner pass failed")
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def _purge_if_due(self) -> None:
        """Evidence past its retention (and not on legal hold) is purged hourly, so expiry
        does not depend on someone remembering a cron job."""
        now = time.monotonic()
        if now - self._last_purge < PURGE_EVERY_S:
            return
        from groupguard.reporting.retention import purge_expired

        with self.services.db.session() as session:
            result = purge_expired(session, self.services.settings)
        self._last_purge = now
        if getattr(result, "purged", None):
            log.info("retention purge: %s", result)
