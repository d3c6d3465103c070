"""The one router this area adds to the app (web/app.py ROUTER_MODULES): the JSON API under
/v1 and the console pages under /console."""

from fastapi import APIRouter

from groupguard.review.web.api import router as api_router
from groupguard.review.web.console import router as console_router

router = APIRouter()
router.include_router(api_router)
router.include_router(console_router)
