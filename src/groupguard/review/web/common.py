"""Shared by the API and the console: typed errors to HTTP statuses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException

from groupguard.errors import GroupguardError, NotFoundError, PermissionDeniedError
from groupguard.review.appeals import AppealError
from groupguard.review.queue import ClaimError


def status_of(exc: GroupguardError) -> int:
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ClaimError | AppealError):
        return 409
    return 400


@contextmanager
def http_errors() -> Iterator[None]:
    try:
        yield
    except GroupguardError as exc:
        raise HTTPException(status_of(exc), str(exc)) from exc
