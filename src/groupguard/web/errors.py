"""Typed errors become HTTP answers that say what went wrong: one mapping for the API
routes, so a missing record is 404 everywhere and other refusals are 422."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import HTTPException

from groupguard.errors import GroupguardError, NotFoundError

T = TypeVar("T")


def call_http(
    fn: Callable[[], T], *, status_of: Callable[[GroupguardError], int | None] | None = None
) -> T:
    """Run `fn`; a GroupguardError becomes an HTTPException. `status_of` lets a router
    give its own errors a status (None falls back to the common mapping)."""
    try:
        return fn()
    except GroupguardError as exc:
        status = status_of(exc) if status_of else None
        if status is None:
            status = 404 if isinstance(exc, NotFoundError) else 422
        raise HTTPException(status, str(exc)) from exc
