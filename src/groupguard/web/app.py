"""The HTTP app: one function builds it from one settings object.

Each feature area contributes an APIRouter in `ROUTER_MODULES`; adding an area is one line.
"""

from __future__ import annotations

import importlib

from fastapi import FastAPI

from groupguard import __version__
from groupguard.config import Settings
from groupguard.store import open_database
from groupguard.web.docs import mount_docs

ROUTER_MODULES: tuple[str, ...] = (
    "groupguard.web.core_api",
    "groupguard.reporting.api",
    "groupguard.review.web.routes",
    "groupguard.signals.text.api",
    "groupguard.banks.api",
)


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="groupguard", version=__version__, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.db = open_database(settings)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    mount_docs(app)
    for module in ROUTER_MODULES:
        app.include_router(importlib.import_module(module).router)
    return app
